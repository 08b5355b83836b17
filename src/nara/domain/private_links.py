"""Private links: an anonymous visitor who hands over in self-service follows and answers
their case without an account.

- Made when the case is opened (``selfservice.hand_over_with_contact``): 32 random bytes
  (256 bits, ``secrets.token_urlsafe``) behind the ``nl_`` prefix; only an HMAC is stored
  (``queries.private_links.link_digest``), the token is shown once.
- Works for ``LINK_DAYS`` (30) days after it was made or the case last changed; every
  event on the case and every write through the link renews it while the case is
  active. When the case is closed it works ``GRACE_DAYS`` (14) more days, read-only.
- Staff on the owning side withdraw it on the case page (audited); a withdrawn or
  expired link is gone for good.
- What it opens: that one case, as its customer sees it in the portal (public events
  only), a reply, a callback on that case, and the answer to "How well did we help
  you?" once the case is resolved (``domain/satisfaction.py``). Nothing else: the
  holder acts as a customer without a login, and every write here is checked against
  the link's case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.domain.audit import diff, record_audit
from nara.domain.callbacks import book_callback, cancel_callback
from nara.domain.cases import reply_to_case
from nara.domain.errors import NotFound
from nara.domain.satisfaction import Rated, rate_case
from nara.i18n import N_
from nara.models import Callback, Case, CasePrivateLink, Customer, Role
from nara.queries.access import get_case_for, require_owning_side, require_staff
from nara.queries.private_links import (
    LINK_DAYS,
    TOKEN_PREFIX,
    LinkAccess,
    LinkState,
    link_digest,
)

GONE = N_("This link no longer works.")


@dataclass(frozen=True)
class NewLink:
    token: str  # shown once, never stored
    link: CasePrivateLink


def issue_private_link(*, session: Session, actor: Actor, case: Case) -> NewLink:
    """A new private link to ``case`` (Nära at an anonymous hand-over, or staff on the
    owning side)."""
    if not actor.is_system:
        require_staff(actor)
        require_owning_side(actor, case)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    link = CasePrivateLink(
        case_id=case.id,
        token_hash=link_digest(token),
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
        revoked_at=None,
        revoked_by_id=None,
    )
    session.add(link)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="private_link.created",
        object_type="private_link",
        object_id=link.id,
        changes={"case": [None, case.number], "expires_at": [None, link.expires_at]},
    )
    return NewLink(token, link)


def revoke_private_link(
    *, session: Session, actor: Actor, number: str, link_id: int
) -> CasePrivateLink:
    """Withdraw a link (staff on the case's owning side). Withdrawing twice changes
    nothing more."""
    require_staff(actor)
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    link = session.scalar(
        select(CasePrivateLink).where(
            CasePrivateLink.id == link_id, CasePrivateLink.case_id == case.id
        )
    )
    if link is None:
        raise NotFound(f"no private link {link_id} on case {case.number}")
    if link.revoked_at is not None:
        return link
    link.revoked_at = clock.now()
    link.revoked_by_id = actor.user_id
    record_audit(
        session=session,
        actor=actor,
        action="private_link.revoked",
        object_type="private_link",
        object_id=link.id,
        changes={
            "case": [case.number, case.number],
            **diff({"revoked_at": None}, {"revoked_at": link.revoked_at}),
        },
    )
    session.flush()
    return link


def link_actor(session: Session, access: LinkAccess) -> Actor:
    """The holder of a working link: the case's customer, without a login."""
    customer = session.get(Customer, access.case.customer_id)
    return Actor(
        user_id=None,
        role=Role.customer,
        customer_id=access.case.customer_id,
        display_name=customer.name if customer else "",
    )


def _usable(session: Session, access: LinkAccess, now: datetime) -> Actor:
    """Refuse a link that no longer works (as not found: nothing is told about the
    case); renew a working one."""
    if access.state is not LinkState.active:
        raise NotFound("this link no longer works", template=GONE)
    access.link.expires_at = max(access.link.expires_at, now + timedelta(days=LINK_DAYS))
    return link_actor(session, access)


def reply_by_link(*, session: Session, access: LinkAccess, body: str) -> Case:
    """The visitor writes in their case: a customer message, as in the portal."""
    actor = _usable(session, access, clock.now())
    return reply_to_case(session=session, actor=actor, number=access.case.number, body=body)


def book_callback_by_link(
    *, session: Session, access: LinkAccess, starts_at: datetime, phone: str | None
) -> Callback:
    actor = _usable(session, access, clock.now())
    return book_callback(
        session=session, actor=actor, number=access.case.number, starts_at=starts_at, phone=phone
    )


def rate_by_link(
    *, session: Session, access: LinkAccess, score: object, comment: str | None
) -> Rated:
    """The visitor answers "How well did we help you?" on their resolved case, as the
    customer does in the portal."""
    actor = _usable(session, access, clock.now())
    return rate_case(
        session=session,
        actor=actor,
        number=access.case.number,
        score=score,
        comment=comment,
        via="portal",
    )


def cancel_callback_by_link(*, session: Session, access: LinkAccess, callback_id: int) -> Callback:
    """Cancel a callback of the link's case (a callback of any other case is not found)."""
    actor = _usable(session, access, clock.now())
    owner = session.scalar(select(Callback.case_id).where(Callback.id == callback_id))
    if owner != access.case.id:
        raise NotFound(f"no callback with id {callback_id}")
    return cancel_callback(session=session, actor=actor, callback_id=callback_id)
