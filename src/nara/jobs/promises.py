"""The periodic promise check: warnings before a breach, breaches, and the
public-authority rules. ``nara serve`` runs it in a background thread every
``NARA_PROMISE_CHECK_SECONDS``; ``nara jobs promises`` runs it once (for cron or a
systemd timer when several app processes run). Running it in several processes at
once is safe: each alert is written once, under a row lock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine

from nara.db import session_scope
from nara.domain.actors import SYSTEM
from nara.domain.promises import CheckReport, check_promises

log = logging.getLogger("nara.jobs.promises")


def run_once(engine: Engine, now: datetime | None = None) -> CheckReport:
    with session_scope(engine) as session:
        return check_promises(session=session, actor=SYSTEM, now=now)


def _loop(engine: Engine, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            report = run_once(engine)
            if report.warnings or report.breaches or report.delay_tasks or report.six_months:
                log.info("promise check: %s", report)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("promise check failed")


@contextmanager
def periodic(engine: Engine, every: float) -> Iterator[None]:
    """Run the check every ``every`` seconds while the context is open (0 = never)."""
    if every <= 0:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_loop, args=(engine, every, stop), name="nara-promises", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
