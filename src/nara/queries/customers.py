"""Finding customers: staff search by name, e-mail, personnummer or customer number."""

from __future__ import annotations

import contextlib

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nara import personnummer
from nara.domain.actors import Actor
from nara.models import Customer
from nara.queries.access import customer_visibility, require_staff

MAX_QUERY = 200


def search_customers(
    session: Session, actor: Actor, text: str | None, *, limit: int = 25
) -> list[Customer]:
    """Customers whose name contains ``text``, or whose e-mail, personnummer (in any
    accepted form) or customer number (``#12`` or ``12``) is ``text``; all when ``text``
    is empty. Staff only; ordered by name."""
    require_staff(actor)
    stmt = (
        select(Customer)
        .where(customer_visibility(actor))
        .order_by(Customer.name, Customer.id)
        .limit(limit)
    )
    text = (text or "").replace("\x00", "").strip()[:MAX_QUERY]
    if text:
        # % and _ in the search are text, not LIKE wildcards.
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses = [
            Customer.name.ilike(f"%{escaped}%", escape="\\"),
            func.lower(Customer.email) == text.lower(),
        ]
        with contextlib.suppress(personnummer.InvalidPersonnummer):
            clauses.append(Customer.personnummer == personnummer.normalise(text))
        number = text.removeprefix("#").strip()
        if number.isascii() and number.isdigit() and len(number) <= 9:
            clauses.append(Customer.id == int(number))
        stmt = stmt.where(or_(*clauses))
    return list(session.scalars(stmt))


def is_exact_identifier(text: str) -> bool:
    """Whether a search names one customer exactly (a valid personnummer, an e-mail
    address or a customer number) rather than part of a name."""
    text = text.replace("\x00", "").strip()
    if "@" in text:
        return True
    number = text.removeprefix("#").strip()
    if number.isascii() and number.isdigit() and len(number) <= 9:
        return True
    try:
        personnummer.normalise(text)
    except personnummer.InvalidPersonnummer:
        return False
    return True
