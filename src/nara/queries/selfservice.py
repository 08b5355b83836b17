"""The active self-service engine, loaded once per process and version."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain.selfservice import Predictor
from nara.models import SelfServiceModel

_lock = threading.Lock()
_loaded: dict[str, Predictor] = {}


def active_version(session: Session) -> str | None:
    return session.scalar(
        select(SelfServiceModel.version).where(SelfServiceModel.is_active.is_(True))
    )


def active_predictor(session: Session) -> Predictor | None:
    """The engine to answer with, or None when no model has been trained yet (then every
    question goes to a person)."""
    row = session.execute(
        select(SelfServiceModel.version, SelfServiceModel.precision_target).where(
            SelfServiceModel.is_active.is_(True)
        )
    ).first()
    if row is None:
        return None
    version, target = row
    key = f"{version}@{target}"
    with _lock:
        predictor = _loaded.get(key)
        if predictor is None:
            blob = session.scalar(
                select(SelfServiceModel.blob).where(SelfServiceModel.version == version)
            )
            if blob is None:
                return None
            from nara.selfservice.runtime import load_predictor

            predictor = load_predictor(blob, target)
            _loaded.clear()  # one model in memory at a time
            _loaded[key] = predictor
        return predictor
