"""Reading private links: which case a token opens, and whether the link still works.

A link works while it is not withdrawn and not expired. It expires ``LINK_DAYS`` after
the later of when it was made and the case's last activity (any event on the case, a
message from either side, renews it while the case is active), and at the latest
``GRACE_DAYS`` after the case was closed. Validity is computed when the link is used, so
a read never writes and no job is needed to expire or withdraw links.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.config import get_settings
from nara.models import Case, CasePrivateLink, CaseStatus
from nara.queries import case_extras

LINK_DAYS = 30
"""A link expires this many days after it was made or the case last changed."""
GRACE_DAYS = 14
"""After the case is closed the visitor may still read it this many days."""
TOKEN_PREFIX = "nl_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKEN = 100


class LinkState(enum.Enum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


@dataclass(frozen=True)
class LinkAccess:
    """A link found by its token, with its case and what it is worth now."""

    link: CasePrivateLink
    case: Case
    state: LinkState
    valid_until: datetime


def valid_until(link: CasePrivateLink, case: Case) -> datetime:
    """When the link stops working unless the case changes again."""
    until = max(link.expires_at, case.updated_at + timedelta(days=LINK_DAYS))
    if case.status == CaseStatus.closed.value and case.closed_at is not None:
        until = min(until, case.closed_at + timedelta(days=GRACE_DAYS))
    return until


def state_of(link: CasePrivateLink, case: Case, now: datetime) -> LinkState:
    if link.revoked_at is not None:
        return LinkState.revoked
    if now >= valid_until(link, case):
        return LinkState.expired
    return LinkState.active


def link_digest(token: str) -> str:
    """The HMAC stored for a token (the same keyed digest as API tokens)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, ("private-link:" + token).encode(), hashlib.sha256).hexdigest()


def form_token(link: CasePrivateLink) -> str:
    """The token of the link page's forms: a keyed digest of the link's stored hash, so
    it needs no storage and works only for this link (the page has no cookie)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, ("link-form:" + link.token_hash).encode(), hashlib.sha256).hexdigest()


def find_link(session: Session, token: str, now: datetime) -> LinkAccess | None:
    """The link a token opens (None for a token that opens nothing; malformed tokens are
    never looked up)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN:
        return None
    row = session.execute(
        select(CasePrivateLink, Case)
        .join(Case, Case.id == CasePrivateLink.case_id)
        .where(CasePrivateLink.token_hash == link_digest(token))
    ).first()
    if row is None:
        return None
    link, case = row
    return LinkAccess(link, case, state_of(link, case, now), valid_until(link, case))


def links_of_case(session: Session, case_id: int) -> list[CasePrivateLink]:
    """The case's private links, newest first (for the staff case page)."""
    if not case_extras.has(session, case_id, "private_links"):
        return []
    return list(
        session.scalars(
            select(CasePrivateLink)
            .where(CasePrivateLink.case_id == case_id)
            .order_by(CasePrivateLink.id.desc())
        )
    )


@dataclass(frozen=True)
class LinkView:
    link: CasePrivateLink
    state: str
    valid_until: datetime


def private_link_views(session: Session, case: Case) -> list[LinkView]:
    """The case's private links with their state now, newest first (staff case page)."""
    now = clock.now()
    return [
        LinkView(link, state_of(link, case, now).value, valid_until(link, case))
        for link in links_of_case(session, case.id)
    ]
