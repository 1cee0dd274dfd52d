"""Application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from server.config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the app. The lifespan loads models once (see the server issue)."""
    app = FastAPI(title="Reflect Kiosk", version="0.1.0")
    app.state.settings = settings

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok"}

    return app
