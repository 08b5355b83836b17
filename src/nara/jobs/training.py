"""Training self-service in the background, started from the lead's page.

In the embedded mode this is a thread in the app process: one training at a time per
process, its progress kept in memory for the page to show. (A separate worker with a
job queue takes this over when Nära runs on several machines.)"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from nara import clock
from nara.db import session_scope
from nara.domain.actors import Actor
from nara.domain.errors import DomainError
from nara.domain.selfservice_models import train_model

log = logging.getLogger("nara.jobs.training")


@dataclass
class TrainingStatus:
    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    finished_version: str | None = None
    started_at: str | None = None
    history: list[str] = field(default_factory=list)


_lock = threading.Lock()
status = TrainingStatus()


def start(engine: Engine, actor: Actor, precision_target: float) -> bool:
    """Start training unless one is already running; False when one is."""
    with _lock:
        if status.running:
            return False
        status.running, status.error, status.finished_version = True, None, None
        status.stage, status.done, status.total = "starting", 0, 0
        status.started_at = clock.now().isoformat()
    thread = threading.Thread(
        target=_run, args=(engine, actor, precision_target), name="nara-training", daemon=True
    )
    thread.start()
    return True


def _progress(stage: str, done: int, total: int) -> None:
    status.stage, status.done, status.total = stage, done, total


def _run(engine: Engine, actor: Actor, precision_target: float) -> None:
    try:
        with session_scope(engine) as session:
            row = train_model(session=session, actor=actor, precision_target=precision_target,
                              progress=_progress)  # fmt: skip
            status.finished_version = row.version
    except DomainError as exc:
        status.error = exc.detail
    except Exception as exc:  # the page shows it; the log has the traceback
        log.exception("self-service training failed")
        status.error = f"{type(exc).__name__}: {exc}"
    finally:
        with _lock:
            status.running = False
