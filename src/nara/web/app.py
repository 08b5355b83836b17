"""The ASGI application: API under /api/v1, pages at /, static assets at /static."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from nara import __version__
from nara.config import get_settings
from nara.db import get_engine, session_factory
from nara.jobs import embedded as embedded_jobs
from nara.web import errors, openapi
from nara.web.api import (
    audit,
    auth,
    case_links,
    cases,
    consultations,
    directory,
    followup,
    health,
    improvements,
    mandates,
    notifications,
    overview,
    satisfaction,
    selfservice,
    selfservice_learning,
    service,
)
from nara.web.middleware import (
    BodyLimitMiddleware,
    NulInUrlMiddleware,
    SecurityHeadersMiddleware,
)
from nara.web.text_guard import ValidTextMiddleware
from nara.web.ui import (
    admin,
    audit_pages,
    auth_pages,
    customer_pages,
    followup_csv,
    jobs_admin,
    mandates_admin,
    notification_pages,
    related_pages,
    satisfaction_pages,
    selfservice_admin,
    selfservice_suggestions,
    service_pages,
)
from nara.web.ui import cases as case_pages
from nara.web.ui import consultations as consultation_pages
from nara.web.ui import decisions as decision_pages
from nara.web.ui import followup as followup_pages
from nara.web.ui import help as help_pages
from nara.web.ui import improvements as improvement_pages
from nara.web.ui import knowledge as knowledge_pages
from nara.web.ui import private_link as private_link_pages

STATIC = Path(__file__).parent / "static"
API_PREFIX = "/api/v1"

DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nära API</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""


def create_app(engine: Engine | None = None, *, background_jobs: bool = False) -> FastAPI:
    """The app. With ``background_jobs`` (``nara serve`` when the settings say so:
    SQLite, or ``NARA_EMBEDDED_WORKER=on``), the process runs the background jobs
    itself while the app runs; otherwise ``nara worker`` processes do."""
    settings = get_settings()
    engine = engine or get_engine(settings)
    the_engine = engine

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker = embedded_jobs.start_in_process(the_engine, settings) if background_jobs else None
        try:
            yield
        finally:
            if worker is not None:
                worker.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Nära API",
        version=__version__,
        description=(
            "Cases, customers, teams and topics. Authenticate with a session cookie "
            "(POST /api/v1/auth/login, then send X-CSRF-Token on unsafe requests) or with "
            "an API token (Authorization: Bearer nara_...). Errors are RFC 9457 problem "
            "details."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    errors.install(app)
    openapi.install(app)
    for router in (
        health.router,
        auth.router,
        cases.router,
        consultations.router,
        directory.router,
        selfservice.router,
        selfservice_learning.router,
        service.router,
        audit.router,
        case_links.router,
        overview.router,
        notifications.router,
        mandates.router,
        improvements.router,
        followup.router,
        satisfaction.router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    app.mount(
        f"{API_PREFIX}/docs/assets",
        StaticFiles(directory=str(swagger_ui_path)),
        name="docs-assets",
    )
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # service_pages first: its /admin/teams/{id}/calendar is more specific than
    # admin's /admin/teams/{id}/{action}.
    page_routers = (
        service_pages.router,
        auth_pages.router,
        consultation_pages.router,  # before /cases/{number}/{action}
        decision_pages.router,  # likewise
        private_link_pages.router,
        satisfaction_pages.router,  # before /cases/{number}/{action}
        case_pages.router,
        mandates_admin.router,  # before admin's /admin/{...}/{action}
        admin.router,
        help_pages.router,
        knowledge_pages.router,
        selfservice_suggestions.router,
        selfservice_admin.router,
        jobs_admin.router,
        audit_pages.router,
        customer_pages.router,
        notification_pages.router,
        related_pages.router,
        improvement_pages.router,
        followup_pages.router,
        followup_csv.router,
    )
    for page_router in page_routers:
        app.include_router(page_router)
    origins = [o.strip() for o in settings.widget_origins.split(",") if o.strip()]
    if origins:
        # Only the self-service API is meant for other sites (the widget); no cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(ValidTextMiddleware)  # inside the body limit: it reads the body
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(NulInUrlMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.trust_proxy_headers:
        # Outermost: every layer inside sees the client's address and scheme as the
        # trusted proxies report them (the rightmost untrusted X-Forwarded-For entry),
        # never a value the client chose.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
