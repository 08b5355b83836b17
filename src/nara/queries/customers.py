"""Finding customers: staff search by name, e-mail, personnummer or customer number."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from nara import personnummer
from nara.domain.actors import Actor
from nara.domain.validation import email_key
from nara.models import Customer
from nara.queries.access import customer_visibility, require_staff

MAX_QUERY = 200


def clean_query(text: str | None) -> str:
    """A search as typed, without NUL (PostgreSQL refuses it) or surrounding spaces, at
    most :data:`MAX_QUERY` characters."""
    return (text or "").replace("\x00", "").strip()[:MAX_QUERY]


def _customer_number(text: str) -> int | None:
    number = text.removeprefix("#").strip()
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 9 else None


def like_pattern(text: str) -> str:
    """``%text%`` for ILIKE with ``escape="\\"``: % and _ in a search are text."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def customer_match(text: str) -> ColumnElement[bool]:
    """A customer whose name contains ``text`` or whose e-mail or personnummer (in any
    accepted form) is ``text`` (already cleaned)."""
    clauses = [
        Customer.name.ilike(like_pattern(text), escape="\\"),
        func.lower(Customer.email) == email_key(text),
    ]
    if (digits := personnummer.normalise_or_none(text)) is not None:
        clauses.append(Customer.personnummer == digits)
    return or_(*clauses)


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
    text = clean_query(text)
    if text:
        match = customer_match(text)
        if (number := _customer_number(text)) is not None:
            match = or_(match, Customer.id == number)
        stmt = stmt.where(match)
    return list(session.scalars(stmt))


def is_exact_identifier(text: str) -> bool:
    """Whether a search names one customer exactly (a valid personnummer, an e-mail
    address or a customer number) rather than part of a name."""
    text = clean_query(text)
    return (
        "@" in text
        or _customer_number(text) is not None
        or personnummer.normalise_or_none(text) is not None
    )
