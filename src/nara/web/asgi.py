"""The ASGI entry point for uvicorn and other servers: ``nara.web.asgi:app``."""

from nara.config import get_settings
from nara.web.app import create_app

app = create_app(background_jobs=get_settings().runs_jobs_in_process())
