"""Reading customer satisfaction (nöjdhet): a case's rating with the time it can still
be changed, and the signed rating link that e-mail will carry (``domain/satisfaction.py``
holds the rules of rating).

The rating link is ``/rate/{token}``: the token names the case and an expiry (30 days
after the case was resolved) and carries an HMAC-SHA256 of both under the settings'
secret, so it cannot be guessed or altered, and needs no storage. A token that does not
verify opens nothing; one past its expiry has gone.
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.models import Case, CaseStatus, SatisfactionRating
from nara.queries import case_extras

CHANGE_DAYS = 7
"""The customer may change their answer this many days after first answering."""
LINK_DAYS = 30
"""A rating link works this many days after the case was resolved."""
LINK_PREFIX = "nr1"
MAX_TOKEN = 120
RATED_STATUSES = frozenset({CaseStatus.resolved.value, CaseStatus.closed.value})


def changeable_until(rating: SatisfactionRating) -> datetime:
    """Until when the customer may change the answer (not at that moment itself)."""
    return rating.created_at + timedelta(days=CHANGE_DAYS)


def is_changeable(rating: SatisfactionRating, now: datetime) -> bool:
    return now < changeable_until(rating)


def rating_of(session: Session, case_id: int) -> SatisfactionRating | None:
    """The case's rating (None before the customer answered)."""
    return session.scalar(_rating_of(), {"case_id": case_id})


@functools.cache
def _rating_of() -> Select[SatisfactionRating]:
    return select(SatisfactionRating).where(SatisfactionRating.case_id == bindparam("case_id"))


@dataclass(frozen=True)
class RatingView:
    """A rating as pages and the API show it."""

    score: int
    comment: str
    via: str
    rated_at: datetime
    changed_at: datetime | None  # None: never changed
    changeable_until: datetime
    changeable: bool


def rating_view(session: Session, case: Case) -> RatingView | None:
    if not case_extras.has(session, case.id, "rating"):
        return None
    rating = rating_of(session, case.id)
    if rating is None:
        return None
    return view_of(rating, clock.now())


def view_of(rating: SatisfactionRating, now: datetime) -> RatingView:
    until = changeable_until(rating)
    return RatingView(
        score=rating.score,
        comment=rating.comment,
        via=rating.via,
        rated_at=rating.created_at,
        changed_at=rating.updated_at if rating.updated_at > rating.created_at else None,
        changeable_until=until,
        changeable=now < until,
    )


def may_be_rated(case: Case) -> bool:
    """Only a resolved or closed case asks the question."""
    return case.status in RATED_STATUSES


# ---- the signed rating link ----
def _signature(case_id: int, expires: int) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"rate-link:{case_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def link_expiry(case: Case) -> datetime | None:
    """When the case's rating link stops working (None: the case is not resolved)."""
    resolved = case.resolved_at or case.closed_at
    if not may_be_rated(case) or resolved is None:
        return None
    return resolved + timedelta(days=LINK_DAYS)


def rating_token(case: Case) -> str | None:
    """The token of the case's rating link (None while the case is not resolved). The
    same case and resolution always give the same token."""
    expires = link_expiry(case)
    if expires is None:
        return None
    stamp = int(expires.timestamp())
    return f"{LINK_PREFIX}.{case.id}.{stamp}.{_signature(case.id, stamp)}"


def rating_path(case: Case) -> str | None:
    """The rating link's path, ``/rate/{token}`` (for e-mail, once Nära sends it)."""
    token = rating_token(case)
    return f"/rate/{token}" if token else None


class TokenState(enum.Enum):
    valid = "valid"
    expired = "expired"


@dataclass(frozen=True)
class RatingLink:
    case: Case
    state: TokenState
    expires_at: datetime


def find_rating_link(session: Session, token: str, now: datetime) -> RatingLink | None:
    """The case a rating token opens, and whether it still works; None for a token
    that does not verify (malformed, altered or forged: nothing is looked up)."""
    parts = token.split(".")
    if len(token) > MAX_TOKEN or len(parts) != 4 or parts[0] != LINK_PREFIX:
        return None
    _, case_part, stamp_part, signature = parts
    if not (case_part.isascii() and case_part.isdigit() and len(case_part) <= 12):
        return None
    if not (stamp_part.isascii() and stamp_part.isdigit() and len(stamp_part) <= 12):
        return None
    case_id, stamp = int(case_part), int(stamp_part)
    if not hmac.compare_digest(_signature(case_id, stamp), signature):
        return None
    case = session.get(Case, case_id)
    if case is None:
        return None
    expires = datetime.fromtimestamp(stamp, UTC)
    state = TokenState.valid if now < expires else TokenState.expired
    return RatingLink(case, state, expires)


def rating_form_token(token: str) -> str:
    """The token of the rating page's form: a keyed digest of the link (the page has no
    cookie), so a form works only for its own link."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, ("rate-form:" + token).encode(), hashlib.sha256).hexdigest()
