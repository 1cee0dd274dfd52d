"""The FastAPI service that composes voice, reflection and models."""

__version__ = "0.1.0"
