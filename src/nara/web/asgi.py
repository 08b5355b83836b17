"""The ASGI entry point for uvicorn and other servers: ``nara.web.asgi:app``."""

import gc

from nara.config import get_settings
from nara.web.app import create_app

app = create_app(background_jobs=get_settings().runs_jobs_in_process())

# A server process keeps what it has imported and built so far for its whole life. Frozen
# (moved out of the collector's sight), those objects are no longer walked by every full
# collection: each one paused a worker for 100-200 ms every few hundred requests, which
# was most of the slowest percentile under load (benchmarks/README.md).
gc.collect()
gc.freeze()
