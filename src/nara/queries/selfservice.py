"""The active self-service engine, loaded once per process and version."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.models import Conversation, SelfServiceModel, TrainingExample
from nara.selfservice.predictions import Predictor

_lock = threading.Lock()
_loaded: dict[str, Predictor] = {}


@dataclass
class Overview:
    """What the lead's self-service page shows."""

    model: SelfServiceModel | None
    examples: int
    """Examples trained on (accepted), the held-out slice among them."""
    outcomes: dict[str, int]


def active_model(session: Session) -> SelfServiceModel | None:
    return session.scalar(select(SelfServiceModel).where(SelfServiceModel.is_active.is_(True)))


def overview(session: Session) -> Overview:
    outcomes = session.execute(
        select(Conversation.outcome, func.count()).group_by(Conversation.outcome)
    )
    return Overview(
        model=active_model(session),
        examples=session.scalar(
            select(func.count())
            .select_from(TrainingExample)
            .where(TrainingExample.status == "accepted")
        )
        or 0,
        outcomes={outcome: n for outcome, n in outcomes if outcome is not None},
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
