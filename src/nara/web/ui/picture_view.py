"""What the staff case page shows of the customer's whole picture: the customer's other
open cases in every team and the consultations under way on them (two queries), and
whether the caller may relate or merge the case (its owning side)."""

from __future__ import annotations

from nara.domain.actors import Actor
from nara.models import Case
from nara.queries.access import is_owning_side
from nara.queries.customer_overview import customer_card
from nara.web.deps import DB


def card_context(db: DB, actor: Actor, case: Case) -> dict[str, object]:
    return {
        "card": customer_card(db, actor, case),
        "relate_allowed": actor.is_staff and is_owning_side(actor, case),
    }


def category(status: str) -> str:
    """A status's category, for the badge's colour (``new`` is an open case)."""
    return "open" if status in ("new", "open") else status
