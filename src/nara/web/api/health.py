"""/api/v1/health: liveness and database status, no authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from nara import __version__
from nara.db import database_status

router = APIRouter(tags=["health"])


@router.get("/health", response_model=None)
def health(request: Request) -> JSONResponse:
    engine = getattr(request.app.state, "engine", None)
    database = database_status(engine)
    ok = database["status"] == "ok"
    body = {"status": "ok" if ok else "degraded", "version": __version__, "database": database}
    return JSONResponse(body, status_code=200 if ok else 503)
