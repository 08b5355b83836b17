"""The ASGI entry point for uvicorn and other servers: ``nara.web.asgi:app``."""

from nara.web.app import create_app

app = create_app(background_jobs=True)
