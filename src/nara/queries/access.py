"""The access model, in one place.

Who may see a case:
- a customer: only cases of the customer record linked to their login;
- an agent or a lead: cases whose owning team is one of their teams, cases they own, and
  cases they or one of their teams took part in (``case_participants``: a team consulted
  on the case, an earlier owner). ``case_visibility`` is the single place for this;
- an admin (and the system actor): every case.

Who may change a case (reply to the customer, status, priority, owner, hand-over,
callbacks): its owning side only (``owning_side``: members of the owning team, the owner,
admins). A consulted team may, while its consultation is open, write internal notes and
the answer (``domain/consultations.py`` checks that); a participant otherwise only reads.

A case that exists but may not be seen is reported as not found (404), never as
forbidden, so that case numbers cannot be probed.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from nara.domain.actors import Actor
from nara.domain.errors import NotFound, PermissionDenied
from nara.i18n import N_
from nara.models import Case, CaseParticipant, Customer, Role, Team, TeamMember, TeamTopic
from nara.models.users import User
from nara.queries import case_extras
from nara.queries.directory import (
    REFERENCE_COLUMNS,
    CaseReferences,
    references_of,
    with_references,
)


def case_visibility(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``Case`` that keeps exactly the cases ``actor`` may see: the
    caller's own cases (a customer), or those of their teams, those they own and those
    they or their teams take part in (staff); everything for admins and Nära itself.
    One definition, :func:`visible_by_shape`, here with the actor's values bound."""
    shape, values = visibility_shape(actor)
    return visible_by_shape(shape, values)


VisibilityShape = tuple[str, bool, bool]
"""What :func:`case_visibility` depends on besides values: the kind of caller ("all",
"none", "customer" or "staff"), whether they have teams, whether they are a user."""


def visibility_shape(actor: Actor) -> tuple[VisibilityShape, dict[str, Any]]:
    """The shape of ``actor``'s visibility and the values :func:`visible_by_shape`'s
    parameters take (``vis_customer_id``, ``vis_team_ids``, ``vis_user_id``)."""
    if actor.is_system or actor.role == Role.admin:
        return ("all", False, False), {}
    if actor.role == Role.customer:
        if actor.customer_id is None:
            return ("none", False, False), {}
        return ("customer", False, False), {"vis_customer_id": actor.customer_id}
    params: dict[str, Any] = {"vis_team_ids": sorted(actor.team_ids)}
    if actor.user_id is not None:
        params["vis_user_id"] = actor.user_id
    return ("staff", bool(actor.team_ids), actor.user_id is not None), params


def visible_by_shape(
    shape: VisibilityShape, values: dict[str, Any] | None = None
) -> ColumnElement[bool]:
    """The one definition of who sees which case. Without ``values`` its parameters are
    named (``vis_*``), so that a statement using it can be built once per shape and run
    with :func:`visibility_shape`'s values; with them, the values are bound in."""

    def param(name: str, expanding: bool = False) -> BindParameter[Any]:
        if values is None:
            return bindparam(name, expanding=expanding)
        return bindparam(name, values[name], expanding=expanding, unique=True)

    kind, has_teams, has_user = shape
    if kind == "all":
        return true()
    if kind == "none":
        return false()
    if kind == "customer":
        return Case.customer_id == param("vis_customer_id")
    team_ids = param("vis_team_ids", expanding=True)
    reasons: list[ColumnElement[bool]] = [Case.team_id.in_(team_ids)]
    who: list[ColumnElement[bool]] = []
    if has_teams:
        who.append(CaseParticipant.team_id.in_(team_ids))
    if has_user:
        user_id = param("vis_user_id")
        reasons.append(Case.owner_id == user_id)
        who.append(CaseParticipant.user_id == user_id)
    if who:
        reasons.append(
            select(CaseParticipant.id)
            .where(CaseParticipant.case_id == Case.id, or_(*who))
            .correlate(Case)
            .exists()
        )
    return or_(*reasons)


@functools.cache
def _case_by_number(shape: VisibilityShape, lock: bool) -> Select[Case]:
    """The case of a number (``number``) if visible, built once per shape and lock (every
    request about one case runs it)."""
    stmt = select(Case).where(Case.number == bindparam("number"), visible_by_shape(shape))
    if lock:
        stmt = stmt.with_for_update(of=Case)
    return stmt


def owning_side_clause(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``Case``: the cases ``actor`` may change (the owning team's
    members, the owner, admins, Nära itself; a customer their own cases)."""
    if actor.is_system or actor.role == Role.admin:
        return true()
    if actor.role == Role.customer:
        return case_visibility(actor)
    reasons: list[ColumnElement[bool]] = [Case.team_id.in_(sorted(actor.team_ids))]
    if actor.user_id is not None:
        reasons.append(Case.owner_id == actor.user_id)
    return or_(*reasons)


def is_owning_side(actor: Actor, case: Case) -> bool:
    """``actor`` belongs to the case's owning side (see :func:`owning_side_clause`)."""
    if actor.is_system or actor.role == Role.admin:
        return True
    if actor.role == Role.customer:
        return actor.customer_id is not None and case.customer_id == actor.customer_id
    return case.team_id in actor.team_ids or (
        actor.user_id is not None and case.owner_id == actor.user_id
    )


def require_owning_side(actor: Actor, case: Case) -> None:
    """Refuse (403) a change by someone who may read the case only because they took
    part in it (a consulted team, an earlier owner)."""
    if not is_owning_side(actor, case):
        raise PermissionDenied(
            f"only the team that owns case {case.number} can do this; "
            "you can read it and write in your consultation",
            template=N_(
                "Only the team that owns this case can do this. You can read the case "
                "and write in your consultation."
            ),
        )


def _no_case(number: str) -> NotFound:
    return NotFound(
        f"no case {number}", template=N_("No case %(number)s."), params={"number": number}
    )


def get_case_for(
    session: Session, actor: Actor, number: str, *, lock: bool = False, to_change: bool = False
) -> Case:
    """The case ``number`` if ``actor`` may see it (404 otherwise). With ``to_change`` the
    actor must also belong to its owning side (403 for a participant who only reads)."""
    shape, params = visibility_shape(actor)
    params["number"] = number.strip().upper()
    case = session.scalar(_case_by_number(shape, lock), params)
    if case is None:
        raise _no_case(number)
    if to_change:
        require_owning_side(actor, case)
    return case


@functools.cache
def _case_to_read(shape: VisibilityShape) -> Select[*tuple[Any, ...]]:
    """:func:`_case_by_number` with the case's references and what it has besides, built
    once per shape."""
    return with_references(
        _case_by_number(shape, lock=False).add_columns(
            *REFERENCE_COLUMNS, *case_extras.columns(Case.id, Case.customer_id)
        )
    )


def case_to_read(session: Session, actor: Actor, number: str) -> tuple[Case, CaseReferences]:
    """:func:`get_case_for` for showing the case: with its customer's name, topic, team
    and owner as a case list names them, and what it has besides its timeline (kept for
    :func:`case_extras.has`), all in the statement that finds it."""
    shape, params = visibility_shape(actor)
    params["number"] = number.strip().upper()
    row = session.execute(_case_to_read(shape), params).one_or_none()
    if row is None:
        raise _no_case(number)
    case: Case = row[0]
    references = len(REFERENCE_COLUMNS) + 1
    case_extras.prime(session, case.id, row[references:])
    return case, references_of(row[1:references])


def cases_for(session: Session, actor: Actor, numbers: list[str]) -> list[Case]:
    """The cases among ``numbers`` that ``actor`` may see, in the order given (numbers
    of cases the actor may not see, or that do not exist, are left out)."""
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    if not wanted:
        return []
    found = {
        c.number: c
        for c in session.scalars(
            select(Case).where(Case.number.in_(wanted), case_visibility(actor))
        )
    }
    return [found[n] for n in wanted if n in found]


def is_lead_or_admin(actor: Actor) -> bool:
    return actor.is_system or actor.role in (Role.lead, Role.admin)


def require_lead(actor: Actor, what: str) -> None:
    """Leads and admins (and Nära itself) only; ``what`` ends the refusal "only leads and
    admins …" (for example "edit knowledge articles")."""
    if not is_lead_or_admin(actor):
        raise PermissionDenied(
            f"only leads and admins {what}", template=N_("Only leads and admins can do this.")
        )


def require_staff(actor: Actor) -> None:
    if not (actor.is_staff or actor.is_system):
        raise PermissionDenied(
            "this needs an agent, lead or admin", template=N_("This needs an agent, lead or admin.")
        )


def customer_visibility(actor: Actor) -> ColumnElement[bool]:
    """Staff may look up any customer (a caller must be found before a case exists);
    a customer sees only themselves."""
    if actor.is_staff or actor.is_system:
        return true()
    if actor.customer_id is None:
        return false()
    return Customer.id == actor.customer_id


def get_customer_for(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.scalar(
        select(Customer).where(Customer.id == customer_id, customer_visibility(actor))
    )
    if customer is None:
        raise NotFound(
            f"no customer with id {customer_id}",
            template=N_("No customer with id %(customer_id)s."),
            params={"customer_id": customer_id},
        )
    return customer


def get_team_for(session: Session, actor: Actor, team_id: int) -> Team:
    require_staff(actor)
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(
            f"no team with id {team_id}",
            template=N_("No team with id %(team_id)s."),
            params={"team_id": team_id},
        )
    return team


def can_manage_team(actor: Actor, team_id: int) -> bool:
    """Admins manage every team; a lead manages the teams they belong to."""
    if actor.is_admin or actor.is_system:
        return True
    return actor.role == Role.lead and team_id in actor.team_ids


def can_manage_topic(session: Session, actor: Actor, topic_id: int) -> bool:
    """Admins manage every topic (its names, whether it is active, its response
    promises); a lead manages a topic that no team but their own handles. A lead may link
    their team to any topic, so a topic shared with another team stays with admins."""
    if actor.is_admin or actor.is_system:
        return True
    if actor.role != Role.lead:
        return False
    handled_by = set(
        session.scalars(select(TeamTopic.team_id).where(TeamTopic.topic_id == topic_id))
    )
    return handled_by <= actor.team_ids


def is_team_member(session: Session, team_id: int, user_id: int) -> bool:
    return (
        session.scalar(
            select(TeamMember.user_id).where(
                TeamMember.team_id == team_id, TeamMember.user_id == user_id
            )
        )
        is not None
    )


def get_user_for(session: Session, actor: Actor, user_id: int) -> User:
    """Staff may see other staff (to assign a case, to manage teams); admins see anyone."""
    user = session.get(User, user_id)
    if user is None or not (
        actor.is_admin
        or actor.is_system
        or actor.user_id == user_id
        or (actor.is_staff and user.role != Role.customer)
    ):
        raise NotFound(
            f"no user with id {user_id}",
            template=N_("No user with id %(user_id)s."),
            params={"user_id": user_id},
        )
    return user


def require_audit_reader(actor: Actor) -> None:
    """Only admins (and the CLI) read the audit log; everyone else is refused (403)."""
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(
            "only admins can read the audit log",
            template=N_("Only administrators can read the audit log."),
        )
