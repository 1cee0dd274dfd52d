"""The API's OpenAPI schema and docs page, for this machine and signed-in admins only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from server.ops_access import OpsViewerDep

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi(request: Request, _viewer: OpsViewerDep) -> dict[str, Any]:
    """The OpenAPI document."""
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/docs")
def docs(_viewer: OpsViewerDep) -> HTMLResponse:
    """Swagger UI over the schema above."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Reflect Kiosk API")
