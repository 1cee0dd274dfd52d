"""reflection package."""
