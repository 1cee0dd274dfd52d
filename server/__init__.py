"""The FastAPI service that composes voice, reflection and models."""
