"""Related cases and merging a duplicate into another case of the same customer.

A link ("related to") is stored once, from the lower case id, and shown on both cases.
Merging closes the duplicate with a pointer to the case it continues in; both timelines
are kept, both get an internal ``case.merged`` event, and the customer reads in the
duplicate, in plain words and their own language, where their case continues. Work
still under way on the duplicate is not silently dropped: while it has a consultation
under way or a booked callback, the merge is refused (409) with what to do first."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from nara import clock
from nara.domain.actors import Actor
from nara.domain.cases import change_status
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.i18n import N_
from nara.models import (
    Callback,
    CallbackStatus,
    Case,
    CaseLink,
    CaseLinkKind,
    CaseStatus,
    Consultation,
    ConsultationStatus,
)
from nara.queries.access import get_case_for, require_staff

UNFINISHED = (ConsultationStatus.open.value, ConsultationStatus.answered.value)


def _staff_only(actor: Actor, what: str) -> None:
    if actor.is_customer:
        raise PermissionDenied(
            f"customers cannot {what}", template=N_("Only staff can link or merge cases.")
        )
    require_staff(actor)


def link_cases(*, session: Session, actor: Actor, number: str, other: str) -> CaseLink:
    """Mark ``number`` and ``other`` as related. The caller changes ``number`` (its
    owning side) and must be able to see ``other``."""
    _staff_only(actor, "relate cases")
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    partner = _named(session, actor, other, field="case")
    if partner.id == case.id:
        raise ValidationFailed(
            "a case cannot be related to itself",
            field="case",
            template=N_("A case cannot be related to itself."),
        )
    low, high = sorted((case.id, partner.id))
    if _link_between(session, low, high) is not None:
        raise _already_linked(case, partner)
    link = CaseLink(
        case_id=low,
        other_case_id=high,
        kind=CaseLinkKind.related.value,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():  # two people relating the same pair at once
            session.add(link)
            session.flush()
    except IntegrityError:
        raise _already_linked(case, partner) from None
    _both_timelines(session, actor, case, partner, "case.linked")
    return link


_PARTNER = aliased(Case, name="partner")  # made once: see queries/consultations.py


def unlink_cases(*, session: Session, actor: Actor, number: str, other: str) -> None:
    """Remove the link between ``number`` (whose owning side the caller is) and
    ``other``; 404 when the two are not related."""
    _staff_only(actor, "relate cases")
    case = get_case_for(session, actor, number, lock=True, to_change=True)
    partner = _PARTNER
    row = session.execute(
        select(CaseLink, partner)
        .join(
            partner,
            or_(
                and_(CaseLink.case_id == case.id, partner.id == CaseLink.other_case_id),
                and_(CaseLink.other_case_id == case.id, partner.id == CaseLink.case_id),
            ),
        )
        .where(partner.number == other.strip().upper())
    ).first()
    if row is None:
        raise NotFound(
            f"case {case.number} is not related to {other}",
            template=N_("Case %(number)s is not related to %(other)s."),
            params={"number": case.number, "other": other},
        )
    link, other_case = row
    session.delete(link)
    _both_timelines(session, actor, case, other_case, "case.unlinked")
    session.flush()


def _named(
    session: Session,
    actor: Actor,
    number: str,
    *,
    field: str | None,
    lock: bool = False,
    to_change: bool = False,
) -> Case:
    """The case the caller named in a field (``get_case_for``), its absence told about
    that field in words for the form."""
    try:
        return get_case_for(session, actor, number, lock=lock, to_change=to_change)
    except NotFound as missing:
        if field is None:
            raise
        raise NotFound(
            missing.detail,
            field=field,
            template=N_("There is no case %(case)s that you can see."),
            params={"case": number.strip().upper()},
        ) from None


def _link_between(session: Session, low: int, high: int) -> int | None:
    return session.scalar(
        select(CaseLink.id).where(CaseLink.case_id == low, CaseLink.other_case_id == high)
    )


def _already_linked(case: Case, partner: Case) -> Conflict:
    return Conflict(
        f"cases {case.number} and {partner.number} are already related",
        template=N_("These cases are already related."),
    )


def _both_timelines(session: Session, actor: Actor, one: Case, two: Case, kind: str) -> None:
    now = clock.now()
    for case, other in ((one, two), (two, one)):
        data = {"other": other.number, "other_id": other.id}
        append_event(session, case=case, type=kind, actor=actor, data=data, at=now)


def merge_case(*, session: Session, actor: Actor, number: str, into: str) -> Case:
    """Merge the duplicate ``number`` into ``into`` (the same customer's case): the
    duplicate is closed with a pointer to ``into``, both timelines say so, and the
    customer is told where the case continues. Returns the duplicate."""
    _staff_only(actor, "merge cases")
    wanted = number.strip().upper(), into.strip().upper()
    # Both rows locked, always in the same order: two merges of the same pair in opposite
    # directions wait for each other instead of deadlocking.
    fields = {wanted[1]: "into", wanted[0]: None}  # the duplicate is the one in the URL
    locked = {
        n: _named(session, actor, n, field=fields[n], lock=True, to_change=True)
        for n in sorted(set(wanted))
    }
    duplicate, target = locked[wanted[0]], locked[wanted[1]]
    _check_merge(session, duplicate, target)
    duplicate.merged_into_id = target.id
    now = clock.now()
    data = {
        "duplicate": duplicate.number,
        "duplicate_id": duplicate.id,
        "into": target.number,
        "into_id": target.id,
    }
    for case in (duplicate, target):
        append_event(session, case=case, type="case.merged", actor=actor, data=data, at=now)
    change_status(session=session, actor=actor, number=duplicate.number, status="closed")
    append_event(
        session, case=duplicate, type="case.continued_in", actor=actor, data={"into": target.number}
    )
    session.flush()
    return duplicate


def _check_merge(session: Session, duplicate: Case, target: Case) -> None:
    if duplicate.id == target.id:
        raise ValidationFailed(
            "a case cannot be merged into itself",
            field="into",
            template=N_("A case cannot be merged into itself."),
        )
    if duplicate.customer_id != target.customer_id:
        raise ValidationFailed(
            "only cases of the same customer can be merged",
            field="into",
            template=N_("Only cases of the same customer can be merged."),
        )
    for case in (duplicate, target):
        if case.merged_into_id is not None or case.status == CaseStatus.closed:
            raise Conflict(
                f"case {case.number} is closed and cannot take part in a merge",
                template=N_("Case %(case)s is closed and cannot be merged."),
                params={"case": case.number},
            )
    _refuse_unfinished_work(session, duplicate, target)


def _refuse_unfinished_work(session: Session, duplicate: Case, target: Case) -> None:
    """A consultation under way or a booked callback on the duplicate would be lost or
    cancelled behind the customer's back: the person merging decides first."""
    params = {"case": duplicate.number, "into": target.number}
    consultations = session.scalar(
        select(func.count())
        .select_from(Consultation)
        .where(Consultation.case_id == duplicate.id, Consultation.status.in_(UNFINISHED))
    )
    if consultations:
        raise Conflict(
            f"case {duplicate.number} has consultations under way; close them (and ask "
            f"again on {target.number} if needed) before merging",
            template=N_(
                "Case %(case)s has consultations under way. Close them (and ask again on "
                "%(into)s if needed) before merging."
            ),
            params=params,
        )
    booked = session.scalar(
        select(Callback.id)
        .where(Callback.case_id == duplicate.id, Callback.status == CallbackStatus.booked.value)
        .limit(1)
    )
    if booked is not None:
        raise Conflict(
            f"case {duplicate.number} has a booked callback; make the call or cancel it "
            f"(and book one on {target.number} if needed) before merging",
            template=N_(
                "Case %(case)s has a booked callback. Make the call or cancel it (and book "
                "one on %(into)s if needed) before merging."
            ),
            params=params,
        )
