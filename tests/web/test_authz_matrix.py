"""The authorization matrix: every route under /api/v1, called by every role.

``MATRIX`` classifies each (method, path) of the API: which roles may call it, what an
allowed caller gets with plausible input, what a caller who may not gets, and for
routes scoped to a case, customer, team or user what a caller gets for one that is not
theirs. ``test_every_api_route_is_classified`` fails when a route is added without a
classification or a classified route disappears, so a new route forces a decision here.

The cross-access tests after the matrix check the access model in more depth: lists,
owners who move, leads of other teams and what customers see of internal events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from nara import clock
from nara.domain import auth as auth_actions
from nara.domain import consultations as consultation_actions
from nara.domain import decisions as decision_actions
from nara.domain import improvements as improvement_actions
from nara.domain import mandates as mandate_actions
from nara.domain import selfservice as assistant
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, actor_for_user
from nara.domain.callbacks import book_callback
from nara.domain.case_links import link_cases
from nara.domain.cases import change_status
from nara.domain.knowledge import save_article
from nara.domain.notifications import notify
from nara.domain.promises import create_policy
from nara.domain.satisfaction import rate_case
from nara.models import (
    Case,
    CaseTask,
    Consultation,
    Improvement,
    Team,
    Topic,
    TrainingExample,
    User,
)
from nara.queries.callbacks import team_slots
from nara.selfservice.predictions import Candidate, Prediction
from tests import factories

API = "/api/v1"
ROLES = ("anonymous", "customer", "agent", "lead", "admin")
SIGNED_IN = frozenset({"customer", "agent", "lead", "admin"})
STAFF = frozenset({"agent", "lead", "admin"})
MANAGERS = frozenset({"lead", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = frozenset(ROLES)
PROBLEM = "application/problem+json"

# Own (customer's or team's) case vs. a case of another customer and another team.
CASE_CROSS = {"customer": 404, "agent": 404, "lead": 404, "admin": 200}
# Consultations: customers are refused (403) before any lookup; another team's case or a
# consultation on it is out of sight (404).
CONSULT_CROSS = {"customer": 403, "agent": 404, "lead": 404, "admin": 200}
CONSULT_CREATED = {**CONSULT_CROSS, "admin": 201}
# Approving another team's request: out of sight (404); an admin sees it but only its
# holder decides it (403).
HOLDERS = frozenset({"agent", "lead"})  # the cards team holds the matrix's requests
APPROVAL_CROSS = {"customer": 403, "agent": 404, "lead": 404, "admin": 403}
# Improvements: every staff member reads another team's; only its lead or an admin decides.
IMP_READ = {"customer": 403, "agent": 200, "lead": 200, "admin": 200}
IMP_DECIDE = {"customer": 403, "agent": 403, "lead": 403, "admin": 200}


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    """Who may call the route ("anonymous" is in it only for public routes)."""
    ok: int
    """The answer to an allowed caller with plausible input (their own case, team, ...)."""
    denied: int = 403
    """The answer to a signed-in role that may not call the route."""
    ok_by_role: Mapping[str, int] = field(default_factory=dict)
    denied_by_role: Mapping[str, int] = field(default_factory=dict)
    cross: Mapping[str, int] | None = None
    """For scoped routes: the answer per role for a case/customer/team/user not theirs."""

    def expected(self, role: str) -> int:
        if role in self.roles:
            return self.ok_by_role.get(role, self.ok)
        if role == "anonymous":
            return 401
        return self.denied_by_role.get(role, self.denied)


MATRIX: dict[tuple[str, str], Rule] = {
    # ---- public ----
    ("GET", f"{API}/health"): Rule(PUBLIC, 200),
    ("GET", f"{API}/openapi.json"): Rule(PUBLIC, 200),
    ("GET", f"{API}/docs"): Rule(PUBLIC, 200),
    ("POST", f"{API}/auth/login"): Rule(PUBLIC, 200),
    # ---- who am I, sessions and tokens ----
    ("POST", f"{API}/auth/logout"): Rule(SIGNED_IN, 204),
    ("GET", f"{API}/me"): Rule(SIGNED_IN, 200),
    ("GET", f"{API}/me/tokens"): Rule(SIGNED_IN, 200),
    ("POST", f"{API}/me/tokens"): Rule(STAFF, 201),
    ("DELETE", f"{API}/me/tokens/{{token_id}}"): Rule(
        SIGNED_IN, 204, cross={"customer": 404, "agent": 404, "lead": 404, "admin": 204}
    ),
    # ---- cases ----
    ("POST", f"{API}/cases"): Rule(SIGNED_IN, 201),
    ("GET", f"{API}/cases"): Rule(SIGNED_IN, 200),
    ("GET", f"{API}/cases/{{number}}"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("GET", f"{API}/cases/{{number}}/events"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("POST", f"{API}/cases/{{number}}/replies"): Rule(
        SIGNED_IN, 201, cross={**CASE_CROSS, "admin": 201}
    ),
    # A customer is told a note route's case does not exist rather than "forbidden".
    ("POST", f"{API}/cases/{{number}}/notes"): Rule(
        STAFF, 201, denied=404, cross={**CASE_CROSS, "admin": 201}
    ),
    ("POST", f"{API}/cases/{{number}}/status"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    ("POST", f"{API}/cases/{{number}}/assign"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    ("POST", f"{API}/cases/{{number}}/handover"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    # Only the owning side corrects a case's topic (customers never).
    ("POST", f"{API}/cases/{{number}}/topic"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    # Admins see every case but, like everyone, may only own cases of a team they are
    # in; the admin of the matrix is in no team, so claiming is refused as input (422).
    ("POST", f"{API}/cases/{{number}}/claim"): Rule(
        STAFF, 200, ok_by_role={"admin": 422}, cross={**CASE_CROSS, "customer": 403, "admin": 422}
    ),
    ("POST", f"{API}/cases/{{number}}/priority"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    # Related cases and merging: staff of the case's owning side; customers never (403).
    ("POST", f"{API}/cases/{{number}}/links"): Rule(
        STAFF, 201, cross={**CASE_CROSS, "customer": 403, "admin": 201}
    ),
    ("DELETE", f"{API}/cases/{{number}}/links/{{other}}"): Rule(
        STAFF, 204, cross={**CASE_CROSS, "customer": 403, "admin": 204}
    ),
    ("POST", f"{API}/cases/{{number}}/merge"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    # ---- customer satisfaction (issue 16): only the case's customer answers; anyone
    # else, staff and anonymous callers included, finds no case (404). The answer is
    # read by the customer and by staff who may read the case. ----
    ("POST", f"{API}/cases/{{number}}/satisfaction"): Rule(
        PUBLIC,
        201,
        ok_by_role={"anonymous": 404, "agent": 404, "lead": 404, "admin": 404},
        cross={"customer": 404, "agent": 404, "lead": 404, "admin": 404},
    ),
    ("GET", f"{API}/cases/{{number}}/satisfaction"): Rule(
        PUBLIC, 200, ok_by_role={"anonymous": 404}, cross=CASE_CROSS
    ),
    # ---- notifications: staff, each their own (someone else's is 404, even for admins) ----
    ("GET", f"{API}/notifications"): Rule(STAFF, 200),
    ("POST", f"{API}/notifications/{{notification_id}}/read"): Rule(
        STAFF, 200, cross={"customer": 403, "agent": 404, "lead": 404, "admin": 404}
    ),
    ("POST", f"{API}/notifications/read-all"): Rule(STAFF, 200),
    # ---- customers ----
    ("GET", f"{API}/customers"): Rule(SIGNED_IN, 200),
    ("POST", f"{API}/customers"): Rule(STAFF, 201),
    ("GET", f"{API}/customers/{{customer_id}}"): Rule(
        SIGNED_IN, 200, cross={"customer": 404, "agent": 200, "lead": 200, "admin": 200}
    ),
    ("PATCH", f"{API}/customers/{{customer_id}}"): Rule(
        SIGNED_IN, 200, cross={"customer": 404, "agent": 200, "lead": 200, "admin": 200}
    ),
    # The customer's whole picture is for staff: a customer is refused (403) whoever's
    # picture it is; staff see every customer's, with the subjects of their own cases only.
    ("GET", f"{API}/customers/{{customer_id}}/overview"): Rule(
        STAFF, 200, cross={"customer": 403, "agent": 200, "lead": 200, "admin": 200}
    ),
    # ---- teams: admins manage all, a lead manages their own ----
    ("GET", f"{API}/teams"): Rule(STAFF, 200),
    ("POST", f"{API}/teams"): Rule(ADMIN, 201),
    ("GET", f"{API}/teams/{{team_id}}"): Rule(STAFF, 200),
    # The consultation promise: an admin, or a lead of the team.
    ("PATCH", f"{API}/teams/{{team_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("PUT", f"{API}/teams/{{team_id}}/members/{{user_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("DELETE", f"{API}/teams/{{team_id}}/members/{{user_id}}"): Rule(
        MANAGERS, 204, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 204}
    ),
    ("PUT", f"{API}/teams/{{team_id}}/topics/{{topic_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("DELETE", f"{API}/teams/{{team_id}}/topics/{{topic_id}}"): Rule(
        MANAGERS, 204, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 204}
    ),
    # ---- topics ----
    ("GET", f"{API}/topics"): Rule(SIGNED_IN, 200),
    ("POST", f"{API}/topics"): Rule(MANAGERS, 201),
    ("PATCH", f"{API}/topics/{{topic_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    # ---- self-service: public, like a web form; a logged-in customer's conversation is
    # theirs alone (tests/web/test_api_selfservice.py) ----
    # ---- self-service learning: leads and admins review the front line's suggestions ----
    ("GET", f"{API}/selfservice/suggestions"): Rule(MANAGERS, 200),
    ("POST", f"{API}/selfservice/suggestions/review"): Rule(MANAGERS, 200),
    ("GET", f"{API}/selfservice/models"): Rule(MANAGERS, 200),
    ("POST", f"{API}/selfservice/conversations"): Rule(PUBLIC, 201),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/questions"): Rule(PUBLIC, 200),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/feedback"): Rule(PUBLIC, 200),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/person"): Rule(PUBLIC, 200),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/contact"): Rule(PUBLIC, 201),
    ("GET", f"{API}/articles"): Rule(PUBLIC, 200),
    ("GET", f"{API}/articles/{{article_id}}"): Rule(PUBLIC, 200),
    ("PUT", f"{API}/topics/{{topic_id}}/articles/{{lang}}"): Rule(MANAGERS, 200),
    # ---- service levels (issue 5). The matrix's admin is in no team: pulling work or
    # setting presence is refused as input (422), like claiming. ----
    ("POST", f"{API}/queue/next"): Rule(STAFF, 200, ok_by_role={"admin": 422}),
    ("GET", f"{API}/me/presence"): Rule(STAFF, 200),
    ("PUT", f"{API}/me/presence"): Rule(
        STAFF,
        200,
        ok_by_role={"admin": 422},
        cross={"customer": 403, "agent": 422, "lead": 422, "admin": 422},
    ),
    ("GET", f"{API}/callbacks/due"): Rule(STAFF, 200),
    ("GET", f"{API}/cases/{{number}}/service"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("GET", f"{API}/cases/{{number}}/callback-slots"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("POST", f"{API}/cases/{{number}}/callbacks"): Rule(
        SIGNED_IN, 201, cross={**CASE_CROSS, "admin": 201}
    ),
    ("POST", f"{API}/callbacks/{{callback_id}}/cancel"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("POST", f"{API}/callbacks/{{callback_id}}/move"): Rule(SIGNED_IN, 200, cross=CASE_CROSS),
    ("POST", f"{API}/callbacks/{{callback_id}}/outcome"): Rule(
        STAFF, 200, cross={**CASE_CROSS, "customer": 403}
    ),
    ("POST", f"{API}/cases/{{number}}/tasks/{{kind}}/done"): Rule(
        STAFF, 204, cross={**CASE_CROSS, "customer": 403, "admin": 204}
    ),
    ("GET", f"{API}/teams/{{team_id}}/calendar"): Rule(STAFF, 200),
    ("PUT", f"{API}/teams/{{team_id}}/calendar"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("GET", f"{API}/teams/{{team_id}}/presence"): Rule(STAFF, 200),
    ("GET", f"{API}/promises"): Rule(STAFF, 200),
    ("GET", f"{API}/service/results"): Rule(STAFF, 200),
    # a lead changes the promises of their teams' topics; org-wide ones are admins' (tested
    # in test_api_service)
    ("POST", f"{API}/promises"): Rule(
        MANAGERS, 201, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 201}
    ),
    ("PUT", f"{API}/promises/{{policy_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("DELETE", f"{API}/promises/{{policy_id}}"): Rule(
        MANAGERS, 204, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 204}
    ),
    ("GET", f"{API}/topics/{{topic_id}}/routing"): Rule(STAFF, 200),
    ("PUT", f"{API}/topics/{{topic_id}}/routing/{{team_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    # ---- consultations (issue 12): staff only; a customer is refused on every route ----
    ("POST", f"{API}/cases/{{number}}/consultations"): Rule(STAFF, 201, cross=CONSULT_CREATED),
    ("GET", f"{API}/cases/{{number}}/consultations"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    ("GET", f"{API}/consultations"): Rule(STAFF, 200),
    ("GET", f"{API}/consultations/{{consultation_id}}"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    # Own: a consultation asked of the caller's team. Cross: one on the caller's own case
    # asked of another team: they see it but only the consulted team answers (403).
    ("POST", f"{API}/consultations/{{consultation_id}}/answer"): Rule(
        STAFF, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("POST", f"{API}/consultations/{{consultation_id}}/close"): Rule(
        STAFF, 200, cross=CONSULT_CROSS
    ),
    ("POST", f"{API}/consultations/{{consultation_id}}/follow-up"): Rule(
        STAFF, 200, cross=CONSULT_CROSS
    ),
    # ---- mandates (issue 14): staff only; rules by admins and leads of the team ----
    ("GET", f"{API}/decision-types"): Rule(STAFF, 200),
    ("POST", f"{API}/decision-types"): Rule(ADMIN, 201),
    ("PATCH", f"{API}/decision-types/{{type_id}}"): Rule(ADMIN, 200),
    ("GET", f"{API}/mandate-rules"): Rule(STAFF, 200),
    # Own: a rule for the lead's own team (within its ceiling); cross: the loans team.
    ("POST", f"{API}/mandate-rules"): Rule(
        MANAGERS, 201, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 201}
    ),
    ("PATCH", f"{API}/mandate-rules/{{rule_id}}"): Rule(
        MANAGERS, 200, cross={"customer": 403, "agent": 403, "lead": 403, "admin": 200}
    ),
    ("GET", f"{API}/mandate-rules/{{rule_id}}/versions"): Rule(STAFF, 200),
    ("PUT", f"{API}/mandate-ceilings"): Rule(ADMIN, 200),
    ("GET", f"{API}/cases/{{number}}/mandate"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    ("GET", f"{API}/cases/{{number}}/decisions"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    ("POST", f"{API}/cases/{{number}}/decisions"): Rule(STAFF, 201, cross=CONSULT_CREATED),
    ("GET", f"{API}/approvals"): Rule(STAFF, 200),
    ("GET", f"{API}/approvals/{{approval_id}}"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    # Own: a request on the cards team's case held by the cards team (an admin outside it
    # sees it but does not hold it: 403). Cross: one on the loans team's case.
    ("POST", f"{API}/approvals/{{approval_id}}/approve"): Rule(HOLDERS, 200, cross=APPROVAL_CROSS),
    ("POST", f"{API}/approvals/{{approval_id}}/decline"): Rule(HOLDERS, 200, cross=APPROVAL_CROSS),
    ("POST", f"{API}/approvals/{{approval_id}}/withdraw"): Rule(STAFF, 200, cross=CONSULT_CROSS),
    ("GET", f"{API}/mandates/what-if"): Rule(STAFF, 200),
    # ---- improvements (issue 15): every staff member reads every improvement and may
    # comment, follow and support; evidence only from cases the caller may read; the
    # owning team's lead (or an admin) decides. Own: owned by the cards team; cross: by
    # the loans team. Customers are refused (403) everywhere. ----
    ("POST", f"{API}/improvements"): Rule(STAFF, 201),
    ("GET", f"{API}/improvements"): Rule(STAFF, 200),
    ("GET", f"{API}/improvements/ranked"): Rule(STAFF, 200),
    ("GET", f"{API}/improvements/{{improvement_id}}"): Rule(STAFF, 200, cross=IMP_READ),
    ("GET", f"{API}/improvements/{{improvement_id}}/events"): Rule(STAFF, 200, cross=IMP_READ),
    # Cross: a case of the loans team, which the cards team may not read.
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence"): Rule(
        STAFF, 201, cross={**CONSULT_CROSS, "admin": 201}
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence/{{evidence_id}}/confirm"): Rule(
        STAFF, 200, cross=CONSULT_CROSS
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence/{{evidence_id}}/reject"): Rule(
        STAFF, 200, cross=CONSULT_CROSS
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/status"): Rule(
        MANAGERS, 200, cross=IMP_DECIDE
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/comments"): Rule(
        STAFF, 201, cross={**IMP_READ, "agent": 201, "lead": 201, "admin": 201}
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/follow"): Rule(STAFF, 200, cross=IMP_READ),
    ("POST", f"{API}/improvements/{{improvement_id}}/unfollow"): Rule(STAFF, 200, cross=IMP_READ),
    ("POST", f"{API}/improvements/{{improvement_id}}/support"): Rule(STAFF, 200, cross=IMP_READ),
    ("POST", f"{API}/improvements/{{improvement_id}}/owner"): Rule(MANAGERS, 200, cross=IMP_DECIDE),
    ("POST", f"{API}/improvements/{{improvement_id}}/merge"): Rule(MANAGERS, 200, cross=IMP_DECIDE),
    # ---- the follow-up (issue 16): staff only; agents read their own teams (an agent's
    # filter on another team: 403, tests/web/test_api_followup.py) ----
    ("GET", f"{API}/followup"): Rule(STAFF, 200),
    ("GET", f"{API}/followup/cases"): Rule(STAFF, 200),
    # ---- the audit log: admins only ----
    ("GET", f"{API}/audit-log"): Rule(ADMIN, 200),
    ("GET", f"{API}/audit-log.csv"): Rule(ADMIN, 200),
    # ---- users ----
    ("GET", f"{API}/users"): Rule(STAFF, 200),
    ("POST", f"{API}/users"): Rule(ADMIN, 201),
    # Own target: a customer looks at themselves, staff at a colleague. Cross target: a
    # customer looks at a colleague of staff (forbidden), staff at a customer's login
    # (only admins see customer logins; others are told it does not exist).
    ("GET", f"{API}/users/{{user_id}}"): Rule(
        SIGNED_IN, 200, cross={"customer": 403, "agent": 404, "lead": 404, "admin": 200}
    ),
    # The target is an agent of another team: a customer cannot even see them.
    ("PATCH", f"{API}/users/{{user_id}}"): Rule(ADMIN, 200, denied_by_role={"customer": 404}),
}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers under /api/v1 (HEAD is implied by GET)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers became lazy
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    found = set()
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            continue
        path = route.path
        if not path or not path.startswith(API):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def test_every_api_route_is_classified(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) > 30
    unclassified = sorted(routes - MATRIX.keys())
    gone = sorted(MATRIX.keys() - routes)
    assert not unclassified, f"classify these routes in MATRIX: {unclassified}"
    assert not gone, f"these classified routes no longer exist: {gone}"


# ---- the world the matrix runs in ----
@dataclass
class Ctx:
    db: Session
    w: factories.World
    newcomer: User  # staff in no team
    spare_topic: Topic  # handled by no team

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "customer": self.w.alice_user,
            "agent": self.w.card_agent,
            "lead": self.w.card_lead,
            "admin": self.w.admin,
        }[role]

    def headers(self, role: str) -> dict[str, str]:
        who = self.user(role)
        return {} if who is None else factories.headers(self.db, who)

    def case(self, cross: bool) -> Case:
        """Alice's case, handled by the cards team (the matrix's agent and lead are in it);
        or Bob's, handled by the loans team."""
        return self.w.bob_case if cross else self.w.alice_case

    def team(self, cross: bool) -> Team:
        return self.w.loans if cross else self.w.cards

    def member(self, cross: bool) -> User:
        return self.w.loan_agent if cross else self.w.card_agent


@dataclass
class Call:
    method: str
    url: str
    json: Any = None


Builder = Callable[[Ctx, str, bool], Call]


def _login(c: Ctx, role: str, cross: bool) -> Call:
    who = c.user(role) or c.w.alice_user
    user_actions.set_password(session=c.db, actor=SYSTEM, user_id=who.id, password=PASSWORD)
    return Call("POST", f"{API}/auth/login", {"email": who.email, "password": PASSWORD})


def _revoke(c: Ctx, role: str, cross: bool) -> Call:
    own = c.user(role) or c.w.alice_user
    owner = c.w.bob_user if cross else own
    new = auth_actions.create_api_token(
        session=c.db, actor=SYSTEM, user_id=owner.id, name=f"to-revoke-{factories.n()}"
    )
    return Call("DELETE", f"{API}/me/tokens/{new.api_token.id}")


def _open_case(c: Ctx, role: str, cross: bool) -> Call:
    body: dict[str, Any] = {"message": "Mitt kort har inte kommit.", "topic_id": c.w.card_topic.id}
    if role != "customer":
        body["customer_id"] = c.w.alice.id
    return Call("POST", f"{API}/cases", body)


def _on_case(suffix: str, body: Any = None) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        return Call(
            "GET" if suffix in ("", "/events") else "POST",
            f"{API}/cases/{c.case(cross).number}{suffix}",
            body,
        )

    return build


def _assign(c: Ctx, role: str, cross: bool) -> Call:
    return Call(
        "POST",
        f"{API}/cases/{c.case(cross).number}/assign",
        {"owner_id": c.member(cross).id},
    )


def _handover(c: Ctx, role: str, cross: bool) -> Call:
    """Alice's case (cards) to the loans team, or Bob's (loans) to the cards team."""
    return Call(
        "POST",
        f"{API}/cases/{c.case(cross).number}/handover",
        {"team": c.team(not cross).slug, "reason": "Frågan hör hemma hos det andra teamet."},
    )


def _correct_topic(c: Ctx, role: str, cross: bool) -> Call:
    """Correct the case's topic to the spare one."""
    return Call("POST", f"{API}/cases/{c.case(cross).number}/topic", {"topic_id": c.spare_topic.id})


def _customer(method: str, body: Any = None) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        target = c.w.bob if cross else c.w.alice
        return Call(method, f"{API}/customers/{target.id}", body)

    return build


def _membership(method: str) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        team = c.team(cross)
        who = c.newcomer if method == "PUT" else c.member(cross)
        return Call(method, f"{API}/teams/{team.id}/members/{who.id}")

    return build


def _team_topic(method: str) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        team = c.team(cross)
        own_topic = c.w.loan_topic if cross else c.w.card_topic
        topic = c.spare_topic if method == "PUT" else own_topic
        return Call(method, f"{API}/teams/{team.id}/topics/{topic.id}")

    return build


def _get_user(c: Ctx, role: str, cross: bool) -> Call:
    if role == "customer":
        target = c.w.card_agent if cross else c.w.alice_user
    else:
        target = c.w.bob_user if cross else c.w.card_agent
    return Call("GET", f"{API}/users/{target.id}")


def _fixed(method: str, path: str, body: Any = None) -> Builder:
    return lambda c, role, cross: Call(method, f"{API}{path}", body)


PASSWORD = "ett långt och hemligt lösenord"


@dataclass
class _SureEngine:
    label: str

    def predict(self, text: str) -> Prediction:
        return Prediction([Candidate(self.label, 0.99)], 0.99, True, "matrix")


def _conversation(suffix: str, body: Any = None, answered: bool = False) -> Builder:
    """An anonymous widget conversation (reachable by anyone who has its id)."""

    def build(c: Ctx, role: str, cross: bool) -> Call:
        conversation = assistant.start_conversation(
            session=c.db, actor=None, channel="widget", lang="sv"
        )
        if answered:
            topic = c.w.card_topic
            save_article(
                session=c.db,
                actor=SYSTEM,
                topic_id=topic.id,
                lang="sv",
                title="Kortet",
                body_md="Text",
            )
            assistant.ask(
                session=c.db,
                actor=None,
                conversation=conversation,
                question="Mitt kort",
                predictor=_SureEngine(topic.slug),
            )
        return Call(
            "POST", f"{API}/selfservice/conversations/{conversation.public_id}{suffix}", body
        )

    return build


def _review_suggestion(c: Ctx, role: str, cross: bool) -> Call:
    """A rejected answer's counter-example, accepted."""
    build = _conversation("/feedback", answered=True)
    public_id = build(c, role, cross).url.split("/")[-2]
    conversation = assistant.get_conversation(c.db, public_id, None)
    assistant.give_feedback(session=c.db, actor=None, conversation=conversation, solved=False)
    row = c.db.scalar(
        select(TrainingExample.id).where(TrainingExample.conversation_id == conversation.id)
    )
    return Call("POST", f"{API}/selfservice/suggestions/review", {"ids": [row], "action": "accept"})


def _article(c: Ctx, role: str, cross: bool) -> Call:
    article = save_article(
        session=c.db,
        actor=SYSTEM,
        topic_id=c.w.card_topic.id,
        lang="sv",
        title="Kortet",
        body_md="Text",
    )
    return Call("GET", f"{API}/articles/{article.id}")


def _slot(c: Ctx, case: Case, index: int = 0) -> str:
    slots = [s for s in team_slots(c.db, case.team_id, now=clock.now()) if s.free > 0]
    return slots[index].starts_at.isoformat()


def _callback(suffix: str, body: Callable[[Ctx, Case], Any] | None = None) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        case = c.case(cross)
        cb = book_callback(
            session=c.db,
            actor=SYSTEM,
            number=case.number,
            starts_at=datetime.fromisoformat(_slot(c, case)),
            phone="070-123 45 67",
        )
        return Call("POST", f"{API}/callbacks/{cb.id}{suffix}", body(c, case) if body else None)

    return build


def _book(c: Ctx, role: str, cross: bool) -> Call:
    case = c.case(cross)
    return Call(
        "POST",
        f"{API}/cases/{case.number}/callbacks",
        {"starts_at": _slot(c, case), "phone": "070-123 45 67"},
    )


def _task(c: Ctx, role: str, cross: bool) -> Call:
    case = c.case(cross)
    # Tasks are made by the promise job in public-authority mode; the row is what counts.
    c.db.add(CaseTask(case_id=case.id, kind="delay_notice", created_at=clock.now()))
    c.db.flush()
    return Call("POST", f"{API}/cases/{case.number}/tasks/delay_notice/done")


def _resolved(c: Ctx, cross: bool) -> Case:
    case = c.case(cross)
    if case.status != "resolved":
        change_status(session=c.db, actor=SYSTEM, number=case.number, status="resolved")
    return case


def _rate(c: Ctx, role: str, cross: bool) -> Call:
    case = _resolved(c, cross)
    body = {"score": 4, "comment": "Snabb och vänlig hjälp."}
    return Call("POST", f"{API}/cases/{case.number}/satisfaction", body)


def _rating(c: Ctx, role: str, cross: bool) -> Call:
    case = _resolved(c, cross)
    customer = c.w.bob_user if cross else c.w.alice_user
    rate_case(session=c.db, actor=actor_for_user(c.db, customer), number=case.number, score=5)
    return Call("GET", f"{API}/cases/{case.number}/satisfaction")


def _topic(c: Ctx, cross: bool) -> int:
    """The topic the matrix's lead's team handles, or one only another team handles."""
    return (c.w.loan_topic if cross else c.w.card_topic).id


def _new_policy(c: Ctx, role: str, cross: bool) -> Call:
    body = {"first_response_minutes": 60, "resolution_minutes": 480, "topic_id": _topic(c, cross)}
    return Call("POST", f"{API}/promises", body)


def _policy(method: str) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        policy = create_policy(
            session=c.db,
            actor=SYSTEM,
            first_response_minutes=60,
            resolution_minutes=480,
            topic_id=_topic(c, cross),
        )
        body = {"first_response_minutes": 30, "resolution_minutes": 240}
        return Call(method, f"{API}/promises/{policy.id}", body if method == "PUT" else None)

    return build


def _team_path(method: str, suffix: str, body: Any = None) -> Builder:
    return lambda c, role, cross: Call(method, f"{API}/teams/{c.team(cross).id}{suffix}", body)


CALENDAR = {"hours": {"mon": "08:00-16:00", "tue": "08:00-16:00"}, "callback_capacity": 2}


def _third_team(c: Ctx) -> Team:
    """A team with a member that neither the matrix's agent nor lead belongs to."""
    team = factories.team(c.db)
    factories.user(c.db, teams=[team])
    return team


def _consultation(
    c: Ctx, cross: bool, *, asked_of_caller: bool = False, answered: bool = False
) -> Consultation:
    """Own: on Alice's case (the cards team's) asked of the loans team, or with
    ``asked_of_caller`` on Bob's case (loans) asked of cards. Cross: on Bob's case asked
    of a third team (out of the cards team's sight), or with ``asked_of_caller`` on
    Alice's case asked of loans (seen, but not the caller's to answer)."""
    if asked_of_caller:
        case, team = (c.w.alice_case, c.w.loans) if cross else (c.w.bob_case, c.w.cards)
    else:
        case, team = (c.w.bob_case, _third_team(c)) if cross else (c.w.alice_case, c.w.loans)
    made = consultation_actions.ask_consultation(
        session=c.db, actor=SYSTEM, number=case.number, team=team.slug, question="Fråga?"
    )
    if answered:
        consultation_actions.answer_consultation(
            session=c.db, actor=SYSTEM, consultation_id=made.id, answer="Svar."
        )
    return made


def _on_consultation(suffix: str, body: Any = None, **options: bool) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        made = _consultation(c, cross, **options)
        method = "GET" if suffix == "" else "POST"
        return Call(method, f"{API}/consultations/{made.id}{suffix}", body)

    return build


def _ask(c: Ctx, role: str, cross: bool) -> Call:
    team = c.w.cards if cross else c.w.loans
    return Call(
        "POST",
        f"{API}/cases/{c.case(cross).number}/consultations",
        {"team": team.slug, "question": "Har kunden ett lån hos er?"},
    )


def _sibling(c: Ctx, cross: bool) -> Case:
    """Another open case of the same customer in the same team as ``c.case(cross)``."""
    case = c.case(cross)
    customer = c.w.bob if cross else c.w.alice
    return factories.case(c.db, the_customer=customer, team_id=case.team_id)


def _link(c: Ctx, role: str, cross: bool) -> Call:
    other = _sibling(c, cross)
    return Call("POST", f"{API}/cases/{c.case(cross).number}/links", {"case": other.number})


def _unlink(c: Ctx, role: str, cross: bool) -> Call:
    case, other = c.case(cross), _sibling(c, cross)
    link_cases(session=c.db, actor=SYSTEM, number=case.number, other=other.number)
    return Call("DELETE", f"{API}/cases/{case.number}/links/{other.number}")


def _merge(c: Ctx, role: str, cross: bool) -> Call:
    duplicate = _sibling(c, cross)
    return Call("POST", f"{API}/cases/{duplicate.number}/merge", {"into": c.case(cross).number})


def _mandates(c: Ctx) -> dict[str, int]:
    """Two decision types with rules: refunds (the cards team up to 500, a ceiling of
    1,000 for its leads, admins without limit, the cards team up to 10,000 as a second
    rule) and goodwill (only the loans team, up to 10,000)."""
    refund = mandate_actions.create_decision_type(
        session=c.db,
        actor=SYSTEM,
        slug="refund-fee",
        name_sv="Återbetalning",
        name_en="Refund",
        kind="amount",
    )
    goodwill = mandate_actions.create_decision_type(
        session=c.db,
        actor=SYSTEM,
        slug="goodwill",
        name_sv="Goodwill",
        name_en="Goodwill",
        kind="amount",
    )
    mandate_actions.set_ceiling(
        session=c.db,
        actor=SYSTEM,
        team_id=c.w.cards.id,
        decision_type_id=refund.id,
        limit="1000",
    )
    cards = mandate_actions.create_rule(
        session=c.db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Kort",
        holder={"kind": "team", "team_id": c.w.cards.id},
        limit="500",
    )
    loans = mandate_actions.create_rule(
        session=c.db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Lån",
        holder={"kind": "team", "team_id": c.w.loans.id},
        limit="400",
    )
    mandate_actions.create_rule(
        session=c.db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Admin",
        holder={"kind": "role", "role": "admin"},
        limit=None,
    )
    mandate_actions.create_rule(
        session=c.db,
        actor=SYSTEM,
        decision_type_id=refund.id,
        name="Kort stora",
        holder={"kind": "team", "team_id": c.w.cards.id},
        limit="9000",
    )
    mandate_actions.create_rule(
        session=c.db,
        actor=SYSTEM,
        decision_type_id=goodwill.id,
        name="Lån goodwill",
        holder={"kind": "team", "team_id": c.w.loans.id},
        limit="10000",
    )
    return {"refund": refund.id, "cards_rule": cards.rule_id, "loans_rule": loans.rule_id}


def _request(c: Ctx, cross: bool) -> int:
    """An approval request made by Nära itself (no one's own): on Alice's case held by
    the cards team (refund 3,000), or on Bob's case held by the loans team (goodwill)."""
    _mandates(c)
    made = decision_actions.take_decision(
        session=c.db,
        actor=SYSTEM,
        number=c.case(cross).number,
        type="goodwill" if cross else "refund-fee",
        amount="3000",
        reason="Begäran",
    )
    assert made.approval is not None
    return made.approval.id


def _on_approval(suffix: str, body: Any = None) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        approval_id = _request(c, cross)
        method = "GET" if suffix == "" else "POST"
        return Call(method, f"{API}/approvals/{approval_id}{suffix}", body)

    return build


def _after_mandates(
    method: str, path: Callable[[Ctx, bool], str], body: Any = None, *, team_field: bool = False
) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        _mandates(c)
        given = {**body, "team_id": c.w.cards.id} if team_field else body
        return Call(method, f"{API}{path(c, cross)}", given)

    return build


def _new_rule(c: Ctx, role: str, cross: bool) -> Call:
    _mandates(c)
    team = c.team(cross)
    return Call(
        "POST",
        f"{API}/mandate-rules",
        {
            "decision_type": "refund-fee",
            "name": "Ny regel",
            "holder": {"kind": "team", "team_id": team.id},
            "limit": "800",
        },
    )


def _change_rule(c: Ctx, role: str, cross: bool) -> Call:
    made = _mandates(c)
    rule_id = made["loans_rule"] if cross else made["cards_rule"]
    return Call("PATCH", f"{API}/mandate-rules/{rule_id}", {"why": "Fler direkt", "limit": "700"})


def _read_notification(c: Ctx, role: str, cross: bool) -> Call:
    own = c.user(role) or c.w.card_agent
    who = c.w.loan_agent if cross else own
    made = notify(c.db, user_ids=[who.id], kind="note.mention", case=c.w.alice_case)
    c.db.flush()
    return Call("POST", f"{API}/notifications/{made[0].id}/read")


def _improvement(c: Ctx, cross: bool, title: str = "Kortet har inte kommit") -> int:
    """Raised by Nära itself: about the loans topic (owned by the loans team) or the
    cards topic (owned by the cards team, the matrix's agent and lead)."""
    topic = c.w.loan_topic if cross else c.w.card_topic
    made = improvement_actions.raise_improvement(
        session=c.db,
        actor=SYSTEM,
        title=title,
        description="Kunder hör av sig.",
        kind="fix",
        topics=[topic.slug],
    )
    return made.id


def _on_improvement(suffix: str, body: Any = None, method: str = "POST") -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        return Call(method, f"{API}/improvements/{_improvement(c, cross)}{suffix}", body)

    return build


def _suggested(action: str) -> Builder:
    def build(c: Ctx, role: str, cross: bool) -> Call:
        improvement_id = _improvement(c, cross)
        improvement = c.db.get(Improvement, improvement_id)
        assert improvement is not None
        made = improvement_actions.add_suggested_evidence(
            c.db, improvement, [(c.case(cross).id, 0.9)]
        )
        return Call("POST", f"{API}/improvements/{improvement_id}/evidence/{made[0].id}/{action}")

    return build


def _raise(c: Ctx, role: str, cross: bool) -> Call:
    return Call(
        "POST",
        f"{API}/improvements",
        {
            "title": "Kortet har inte kommit",
            "description": "Kunder ringer om kortet.",
            "kind": "fix",
            "topics": [c.w.card_topic.slug],
            "case_number": c.w.alice_case.number,
        },
    )


def _improvement_evidence(c: Ctx, role: str, cross: bool) -> Call:
    improvement_id = _improvement(c, False)
    return Call(
        "POST",
        f"{API}/improvements/{improvement_id}/evidence",
        {"case_number": c.case(cross).number},
    )


def _improvement_owner(c: Ctx, role: str, cross: bool) -> Call:
    """Own: the cards team's improvement to the loans team; cross: the loans team's to
    the front team."""
    to = c.w.front if cross else c.w.loans
    return Call("POST", f"{API}/improvements/{_improvement(c, cross)}/owner", {"team_id": to.id})


def _improvement_merge(c: Ctx, role: str, cross: bool) -> Call:
    duplicate = _improvement(c, cross, "Dubblett")
    return Call(
        "POST",
        f"{API}/improvements/{duplicate}/merge",
        {"into": _improvement(c, cross)},
    )


BUILDERS: dict[tuple[str, str], Builder] = {
    ("POST", f"{API}/improvements"): _raise,
    ("GET", f"{API}/improvements"): _fixed("GET", "/improvements?status=raised"),
    ("GET", f"{API}/improvements/ranked"): _fixed("GET", "/improvements/ranked"),
    ("GET", f"{API}/improvements/{{improvement_id}}"): _on_improvement("", method="GET"),
    ("GET", f"{API}/improvements/{{improvement_id}}/events"): _on_improvement(
        "/events", method="GET"
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence"): _improvement_evidence,
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence/{{evidence_id}}/confirm"): (
        _suggested("confirm")
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/evidence/{{evidence_id}}/reject"): (
        _suggested("reject")
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/status"): _on_improvement(
        "/status", {"status": "accepted", "target_date": "2099-06-30"}
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/comments"): _on_improvement(
        "/comments", {"body": "Vi ser det också."}
    ),
    ("POST", f"{API}/improvements/{{improvement_id}}/follow"): _on_improvement("/follow"),
    ("POST", f"{API}/improvements/{{improvement_id}}/unfollow"): _on_improvement("/unfollow"),
    ("POST", f"{API}/improvements/{{improvement_id}}/support"): _on_improvement("/support"),
    ("POST", f"{API}/improvements/{{improvement_id}}/owner"): _improvement_owner,
    ("POST", f"{API}/improvements/{{improvement_id}}/merge"): _improvement_merge,
    ("POST", f"{API}/queue/next"): _fixed("POST", "/queue/next"),
    ("GET", f"{API}/me/presence"): _fixed("GET", "/me/presence"),
    ("PUT", f"{API}/me/presence"): lambda c, role, cross: Call(
        "PUT", f"{API}/me/presence", {"team_id": c.team(cross).id, "status": "available"}
    ),
    ("GET", f"{API}/callbacks/due"): _fixed("GET", "/callbacks/due"),
    ("GET", f"{API}/cases/{{number}}/service"): lambda c, role, cross: Call(
        "GET", f"{API}/cases/{c.case(cross).number}/service"
    ),
    ("GET", f"{API}/cases/{{number}}/callback-slots"): lambda c, role, cross: Call(
        "GET", f"{API}/cases/{c.case(cross).number}/callback-slots"
    ),
    ("POST", f"{API}/cases/{{number}}/callbacks"): _book,
    ("POST", f"{API}/callbacks/{{callback_id}}/cancel"): _callback("/cancel"),
    ("POST", f"{API}/callbacks/{{callback_id}}/move"): _callback(
        "/move", lambda c, case: {"starts_at": _slot(c, case, 1)}
    ),
    ("POST", f"{API}/callbacks/{{callback_id}}/outcome"): _callback(
        "/outcome", lambda c, case: {"reached": True, "note": "Pratade med kunden."}
    ),
    ("POST", f"{API}/cases/{{number}}/tasks/{{kind}}/done"): _task,
    ("POST", f"{API}/cases/{{number}}/satisfaction"): _rate,
    ("GET", f"{API}/cases/{{number}}/satisfaction"): _rating,
    ("GET", f"{API}/teams/{{team_id}}/calendar"): _team_path("GET", "/calendar"),
    ("PUT", f"{API}/teams/{{team_id}}/calendar"): _team_path("PUT", "/calendar", CALENDAR),
    ("GET", f"{API}/teams/{{team_id}}/presence"): _team_path("GET", "/presence"),
    ("GET", f"{API}/promises"): _fixed("GET", "/promises"),
    ("GET", f"{API}/service/results"): _fixed("GET", "/service/results?days=30"),
    ("POST", f"{API}/promises"): _new_policy,
    ("PUT", f"{API}/promises/{{policy_id}}"): _policy("PUT"),
    ("DELETE", f"{API}/promises/{{policy_id}}"): _policy("DELETE"),
    ("GET", f"{API}/topics/{{topic_id}}/routing"): lambda c, role, cross: Call(
        "GET", f"{API}/topics/{c.w.card_topic.id}/routing"
    ),
    ("PUT", f"{API}/topics/{{topic_id}}/routing/{{team_id}}"): lambda c, role, cross: Call(
        "PUT",
        f"{API}/topics/{(c.w.loan_topic if cross else c.w.card_topic).id}/routing/"
        f"{c.team(cross).id}",
        {"rank": 1, "accepts_overflow": False},
    ),
    ("POST", f"{API}/cases/{{number}}/consultations"): _ask,
    ("GET", f"{API}/cases/{{number}}/consultations"): lambda c, role, cross: Call(
        "GET", f"{API}/cases/{c.case(cross).number}/consultations"
    ),
    ("GET", f"{API}/consultations"): _fixed("GET", "/consultations?status=open"),
    ("GET", f"{API}/consultations/{{consultation_id}}"): _on_consultation(""),
    ("POST", f"{API}/consultations/{{consultation_id}}/answer"): _on_consultation(
        "/answer", {"answer": "Ja."}, asked_of_caller=True
    ),
    ("POST", f"{API}/consultations/{{consultation_id}}/close"): _on_consultation("/close"),
    ("POST", f"{API}/consultations/{{consultation_id}}/follow-up"): _on_consultation(
        "/follow-up", {"question": "Och sedan?"}, answered=True
    ),
    ("POST", f"{API}/cases/{{number}}/links"): _link,
    ("DELETE", f"{API}/cases/{{number}}/links/{{other}}"): _unlink,
    ("POST", f"{API}/cases/{{number}}/merge"): _merge,
    ("GET", f"{API}/notifications"): _fixed("GET", "/notifications?unread=true"),
    ("POST", f"{API}/notifications/{{notification_id}}/read"): _read_notification,
    ("POST", f"{API}/notifications/read-all"): _fixed("POST", "/notifications/read-all"),
    ("GET", f"{API}/customers/{{customer_id}}/overview"): lambda c, role, cross: Call(
        "GET", f"{API}/customers/{(c.w.bob if cross else c.w.alice).id}/overview"
    ),
    ("GET", f"{API}/decision-types"): _fixed("GET", "/decision-types"),
    ("POST", f"{API}/decision-types"): _fixed(
        "POST",
        "/decision-types",
        {"slug": "waive-fee", "name_sv": "Efterskänk", "name_en": "Waive", "kind": "amount"},
    ),
    ("PATCH", f"{API}/decision-types/{{type_id}}"): lambda c, role, cross: Call(
        "PATCH", f"{API}/decision-types/{_mandates(c)['refund']}", {"approval_minutes": 120}
    ),
    ("GET", f"{API}/mandate-rules"): _fixed("GET", "/mandate-rules"),
    ("POST", f"{API}/mandate-rules"): _new_rule,
    ("PATCH", f"{API}/mandate-rules/{{rule_id}}"): _change_rule,
    ("GET", f"{API}/mandate-rules/{{rule_id}}/versions"): lambda c, role, cross: Call(
        "GET", f"{API}/mandate-rules/{_mandates(c)['cards_rule']}/versions"
    ),
    ("PUT", f"{API}/mandate-ceilings"): _after_mandates(
        "PUT",
        lambda c, cross: "/mandate-ceilings",
        {"decision_type": "refund-fee", "limit": "2000"},
        team_field=True,
    ),
    ("GET", f"{API}/cases/{{number}}/mandate"): _after_mandates(
        "GET", lambda c, cross: f"/cases/{c.case(cross).number}/mandate"
    ),
    ("GET", f"{API}/cases/{{number}}/decisions"): _after_mandates(
        "GET", lambda c, cross: f"/cases/{c.case(cross).number}/decisions"
    ),
    ("POST", f"{API}/cases/{{number}}/decisions"): _after_mandates(
        "POST",
        lambda c, cross: f"/cases/{c.case(cross).number}/decisions",
        {"type": "refund-fee", "amount": "100.00", "reason": "Felaktig avgift"},
    ),
    ("GET", f"{API}/approvals"): _fixed("GET", "/approvals?status=pending"),
    ("GET", f"{API}/approvals/{{approval_id}}"): _on_approval(""),
    ("POST", f"{API}/approvals/{{approval_id}}/approve"): _on_approval("/approve"),
    ("POST", f"{API}/approvals/{{approval_id}}/decline"): _on_approval(
        "/decline", {"reason": "För högt"}
    ),
    ("POST", f"{API}/approvals/{{approval_id}}/withdraw"): _on_approval("/withdraw"),
    ("GET", f"{API}/mandates/what-if"): _after_mandates(
        "GET",
        lambda c, cross: f"/mandates/what-if?type=refund-fee&team={c.w.cards.slug}&limit=5000",
    ),
    ("GET", f"{API}/health"): _fixed("GET", "/health"),
    ("GET", f"{API}/openapi.json"): _fixed("GET", "/openapi.json"),
    ("GET", f"{API}/docs"): _fixed("GET", "/docs"),
    ("POST", f"{API}/auth/login"): _login,
    ("POST", f"{API}/auth/logout"): _fixed("POST", "/auth/logout"),
    ("GET", f"{API}/me"): _fixed("GET", "/me"),
    ("GET", f"{API}/me/tokens"): _fixed("GET", "/me/tokens"),
    ("POST", f"{API}/me/tokens"): _fixed("POST", "/me/tokens", {"name": "integration"}),
    ("DELETE", f"{API}/me/tokens/{{token_id}}"): _revoke,
    ("POST", f"{API}/cases"): _open_case,
    ("GET", f"{API}/cases"): _fixed("GET", "/cases"),
    ("GET", f"{API}/cases/{{number}}"): _on_case(""),
    ("GET", f"{API}/cases/{{number}}/events"): _on_case("/events"),
    ("POST", f"{API}/cases/{{number}}/replies"): _on_case("/replies", {"body": "Hej!"}),
    ("POST", f"{API}/cases/{{number}}/notes"): _on_case("/notes", {"body": "Internt."}),
    ("POST", f"{API}/cases/{{number}}/status"): _on_case(
        "/status", {"status": "waiting_on_customer"}
    ),
    ("POST", f"{API}/cases/{{number}}/assign"): _assign,
    ("POST", f"{API}/cases/{{number}}/handover"): _handover,
    ("POST", f"{API}/cases/{{number}}/topic"): _correct_topic,
    ("POST", f"{API}/cases/{{number}}/claim"): _on_case("/claim"),
    ("POST", f"{API}/cases/{{number}}/priority"): _on_case("/priority", {"priority": "high"}),
    ("GET", f"{API}/customers"): _fixed("GET", "/customers"),
    ("POST", f"{API}/customers"): _fixed("POST", "/customers", {"name": "Ny Kund"}),
    ("GET", f"{API}/customers/{{customer_id}}"): _customer("GET"),
    ("PATCH", f"{API}/customers/{{customer_id}}"): _customer(
        "PATCH", {"phone": "+46 70 123 45 67"}
    ),
    ("GET", f"{API}/teams"): _fixed("GET", "/teams"),
    ("POST", f"{API}/teams"): _fixed(
        "POST", "/teams", {"slug": "nytt-team", "name_sv": "Nytt team", "name_en": "New team"}
    ),
    ("GET", f"{API}/teams/{{team_id}}"): lambda c, role, cross: Call(
        "GET", f"{API}/teams/{c.team(cross).id}"
    ),
    ("PATCH", f"{API}/teams/{{team_id}}"): _team_path("PATCH", "", {"consultation_minutes": 240}),
    ("PUT", f"{API}/teams/{{team_id}}/members/{{user_id}}"): _membership("PUT"),
    ("DELETE", f"{API}/teams/{{team_id}}/members/{{user_id}}"): _membership("DELETE"),
    ("PUT", f"{API}/teams/{{team_id}}/topics/{{topic_id}}"): _team_topic("PUT"),
    ("DELETE", f"{API}/teams/{{team_id}}/topics/{{topic_id}}"): _team_topic("DELETE"),
    ("GET", f"{API}/topics"): _fixed("GET", "/topics"),
    ("POST", f"{API}/topics"): _fixed(
        "POST", "/topics", {"slug": "nytt-amne", "name_sv": "Nytt ämne", "name_en": "New topic"}
    ),
    ("PATCH", f"{API}/topics/{{topic_id}}"): lambda c, role, cross: Call(
        "PATCH", f"{API}/topics/{_topic(c, cross)}", {"name_en": "Renamed"}
    ),
    ("POST", f"{API}/selfservice/conversations"): _fixed(
        "POST", "/selfservice/conversations", {"lang": "sv"}
    ),
    ("GET", f"{API}/selfservice/suggestions"): _fixed(
        "GET", "/selfservice/suggestions?status=all&lang=sv"
    ),
    ("POST", f"{API}/selfservice/suggestions/review"): _review_suggestion,
    ("GET", f"{API}/selfservice/models"): _fixed("GET", "/selfservice/models?target=0.97"),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/questions"): _conversation(
        "/questions", {"question": "Var är mitt kort?"}
    ),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/feedback"): _conversation(
        "/feedback", {"solved": True}, answered=True
    ),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/person"): _conversation(
        "/person"
    ),
    ("POST", f"{API}/selfservice/conversations/{{conversation_id}}/contact"): _conversation(
        "/contact", {"name": "Eva", "email": "eva@example.test"}
    ),
    ("GET", f"{API}/articles"): _fixed("GET", "/articles?q=kort"),
    ("GET", f"{API}/articles/{{article_id}}"): _article,
    ("PUT", f"{API}/topics/{{topic_id}}/articles/{{lang}}"): lambda c, role, cross: Call(
        "PUT", f"{API}/topics/{c.w.card_topic.id}/articles/sv", {"title": "T", "body_md": "B"}
    ),
    ("GET", f"{API}/followup"): _fixed("GET", "/followup?from=2026-01-01&channel=web"),
    ("GET", f"{API}/followup/cases"): _fixed(
        "GET", "/followup/cases?metric=cases.opened&priority=normal&limit=5"
    ),
    ("GET", f"{API}/audit-log"): _fixed("GET", "/audit-log?object_type=user&from=2026-01-01"),
    ("GET", f"{API}/audit-log.csv"): _fixed("GET", "/audit-log.csv?object_type=team"),
    ("GET", f"{API}/users"): _fixed("GET", "/users"),
    ("POST", f"{API}/users"): _fixed(
        "POST",
        "/users",
        {"email": "ny.person@example.test", "display_name": "Ny Person", "role": "agent"},
    ),
    ("GET", f"{API}/users/{{user_id}}"): _get_user,
    ("PATCH", f"{API}/users/{{user_id}}"): lambda c, role, cross: Call(
        "PATCH", f"{API}/users/{c.w.loan_agent.id}", {"is_active": True}
    ),
}


def test_every_classified_route_has_a_request() -> None:
    assert BUILDERS.keys() == MATRIX.keys()


@pytest.fixture
def ctx(db: Session) -> Ctx:
    w = factories.world(db)
    newcomer = factories.user(db, role="agent")
    spare_topic = factories.topic(db)
    db.commit()
    return Ctx(db=db, w=w, newcomer=newcomer, spare_topic=spare_topic)


def _send(client: TestClient, c: Ctx, call: Call, role: str) -> Any:
    return client.request(call.method, call.url, json=call.json, headers=c.headers(role))


def _assert_problem(response: Any) -> None:
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert body["detail"]


MATRIX_CASES = [
    pytest.param(route, role, id=f"{route[0]} {route[1].removeprefix(API)} as {role}")
    for route in sorted(MATRIX)
    for role in ROLES
]


@pytest.mark.parametrize(("route", "role"), MATRIX_CASES)
def test_route_as_role(client: TestClient, ctx: Ctx, route: tuple[str, str], role: str) -> None:
    rule = MATRIX[route]
    call = BUILDERS[route](ctx, role, False)
    assert call.method == route[0]
    response = _send(client, ctx, call, role)
    expected = rule.expected(role)
    assert response.status_code == expected, (role, call, response.text)
    if role == "anonymous" and role not in rule.roles:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        _assert_problem(response)
    elif role in rule.roles:
        assert response.status_code not in (401, 403)
        if response.status_code >= 400:
            _assert_problem(response)
    else:
        assert response.status_code in (403, 404)
        _assert_problem(response)


CROSS_CASES = [
    pytest.param(route, role, id=f"{route[0]} {route[1].removeprefix(API)} as {role}")
    for route, rule in sorted(MATRIX.items())
    if rule.cross is not None
    for role in sorted(SIGNED_IN)
]


def test_cross_rules_name_every_signed_in_role() -> None:
    for route, rule in MATRIX.items():
        if rule.cross is not None:
            assert rule.cross.keys() == SIGNED_IN, route


@pytest.mark.parametrize(("route", "role"), CROSS_CASES)
def test_route_on_someone_elses_resource(
    client: TestClient, ctx: Ctx, route: tuple[str, str], role: str
) -> None:
    """A case of another customer and team, another customer, another team, another
    person's token: only who the cross rule allows gets through."""
    rule = MATRIX[route]
    assert rule.cross is not None
    call = BUILDERS[route](ctx, role, True)
    response = _send(client, ctx, call, role)
    assert response.status_code == rule.cross[role], (role, call, response.text)
    if response.status_code >= 400:
        _assert_problem(response)


# ---- cross-access, in depth ----
def _get(client: TestClient, url: str, headers: dict[str, str]) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _numbers(client: TestClient, headers: dict[str, str], query: str = "") -> set[str]:
    page = _get(client, f"{API}/cases?limit=100{query}", headers)
    assert page["next_cursor"] is None
    return {c["number"] for c in page["items"]}


def test_customer_cannot_reach_another_customers_case(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    alice = factories.headers(db, w.alice_user)
    admin = factories.headers(db, w.admin)
    before = _get(client, f"{API}/cases/{w.bob_case.number}", admin)["events"]
    bob_url = f"{API}/cases/{w.bob_case.number}"
    for method, url, body in [
        ("GET", bob_url, None),
        ("GET", f"{bob_url}/events", None),
        ("POST", f"{bob_url}/replies", {"body": "Hej Bob, det är Alice."}),
        ("POST", f"{bob_url}/notes", {"body": "smyg"}),
    ]:
        response = client.request(method, url, json=body, headers=alice)
        assert response.status_code == 404, (method, url, response.text)
        # The answer is the same as for a case that does not exist at all.
        assert w.bob_case.number in response.json()["detail"]
    missing = client.get(f"{API}/cases/NA-2000-999999", headers=alice)
    assert missing.status_code == 404
    assert missing.json()["title"] == client.get(bob_url, headers=alice).json()["title"]
    # Bob's timeline did not change.
    assert _get(client, bob_url, admin)["events"] == before


def test_customer_lists_only_own_cases(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    second = factories.case(db, the_customer=w.alice, by=w.alice_user, message="Andra ärendet")
    alice = factories.headers(db, w.alice_user)
    bob = factories.headers(db, w.bob_user)
    assert _numbers(client, alice) == {w.alice_case.number, second.number}
    assert _numbers(client, bob) == {w.bob_case.number}
    # Filtering by another customer, team or number does not widen what is visible.
    assert _numbers(client, alice, f"&customer_id={w.bob.id}") == set()
    assert _numbers(client, alice, f"&team_id={w.loans.id}") == set()
    assert _numbers(client, alice, f"&q={w.bob_case.number}") == set()
    assert _numbers(client, alice, "&owner=none") == {w.alice_case.number, second.number}


def test_customer_sees_only_themselves_in_the_directory(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    alice = factories.headers(db, w.alice_user)
    listed = _get(client, f"{API}/customers?q=Kund", alice)
    assert [c["id"] for c in listed] == [w.alice.id]
    assert client.get(f"{API}/customers/{w.bob.id}", headers=alice).status_code == 404
    patched = client.patch(
        f"{API}/customers/{w.bob.id}", json={"email": "kapad@example.test"}, headers=alice
    )
    assert patched.status_code == 404
    admin = factories.headers(db, w.admin)
    assert _get(client, f"{API}/customers/{w.bob.id}", admin)["email"] != "kapad@example.test"
    # Customers may change their own e-mail and phone, but not their name.
    assert (
        client.patch(
            f"{API}/customers/{w.alice.id}", json={"name": "Ny Alice"}, headers=alice
        ).status_code
        == 403
    )


def test_agent_cannot_act_on_another_teams_case(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    agent = factories.headers(db, w.card_agent)
    admin = factories.headers(db, w.admin)
    url = f"{API}/cases/{w.bob_case.number}"
    before = _get(client, url, admin)
    for method, path, body in [
        ("GET", "", None),
        ("GET", "/events", None),
        ("POST", "/replies", {"body": "Hej"}),
        ("POST", "/notes", {"body": "Internt"}),
        ("POST", "/status", {"status": "resolved"}),
        ("POST", "/assign", {"owner_id": w.loan_agent.id}),
        ("POST", "/assign", {"team_id": w.cards.id}),
        ("POST", "/claim", None),
        ("POST", "/priority", {"priority": "urgent"}),
    ]:
        response = client.request(method, url + path, json=body, headers=agent)
        assert response.status_code == 404, (method, path, response.text)
    after = _get(client, url, admin)
    assert after == before


def test_agent_lists_only_own_teams_cases(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    # A second card case opened by staff, and one routed to the fallback team.
    card_2 = factories.case(db, the_customer=w.bob, the_topic=w.card_topic)
    fallback = factories.case(db, the_customer=w.bob)
    agent = factories.headers(db, w.card_agent)
    assert _numbers(client, agent) == {w.alice_case.number, card_2.number}
    assert _numbers(client, agent, f"&team_id={w.loans.id}") == set()
    assert _numbers(client, agent, f"&q={w.bob_case.number}") == set()
    assert _numbers(client, agent, f"&customer_id={w.bob.id}") == {card_2.number}
    # An agent in two teams sees both.
    team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=w.front.id, user_id=w.card_agent.id
    )
    assert _numbers(client, agent) == {w.alice_case.number, card_2.number, fallback.number}
    admin = factories.headers(db, w.admin)
    assert _numbers(client, admin) == {
        w.alice_case.number,
        w.bob_case.number,
        card_2.number,
        fallback.number,
    }


def test_owner_keeps_seeing_a_case_after_leaving_its_team(client: TestClient, db: Session) -> None:
    """The access model: staff see their teams' cases and the cases they own."""
    w = factories.world(db)
    other_card_case = factories.case(db, the_customer=w.bob, the_topic=w.card_topic)
    agent = factories.headers(db, w.card_agent)
    lead = factories.headers(db, w.card_lead)
    claimed = client.post(f"{API}/cases/{w.alice_case.number}/claim", headers=agent)
    assert claimed.status_code == 200
    assert claimed.json()["owner"]["id"] == w.card_agent.id
    # The lead takes the agent out of the team; the agent still owns Alice's case.
    removed = client.delete(f"{API}/teams/{w.cards.id}/members/{w.card_agent.id}", headers=lead)
    assert removed.status_code == 204
    own = client.get(f"{API}/cases/{w.alice_case.number}", headers=agent)
    assert own.status_code == 200
    assert own.json()["owner"]["id"] == w.card_agent.id
    assert _numbers(client, agent) == {w.alice_case.number}
    assert _numbers(client, agent, "&owner=me") == {w.alice_case.number}
    # ... and may still work on it, but no longer on the team's other cases.
    reply = client.post(
        f"{API}/cases/{w.alice_case.number}/replies",
        json={"body": "Jag följer upp."},
        headers=agent,
    )
    assert reply.status_code == 201
    other = client.get(f"{API}/cases/{other_card_case.number}", headers=agent)
    assert other.status_code == 404


def test_owner_in_both_teams_keeps_a_case_handed_to_the_other(
    client: TestClient, db: Session
) -> None:
    w = factories.world(db)
    team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=w.loans.id, user_id=w.card_agent.id
    )
    agent = factories.headers(db, w.card_agent)
    assert client.post(f"{API}/cases/{w.alice_case.number}/claim", headers=agent).is_success
    moved = client.post(
        f"{API}/cases/{w.alice_case.number}/handover",
        json={"team": w.loans.slug, "owner": w.card_agent.email, "reason": "Ett lån."},
        headers=agent,
    )
    assert moved.status_code == 200
    assert moved.json()["team"]["id"] == w.loans.id
    assert moved.json()["owner"]["id"] == w.card_agent.id
    # The cards lead no longer sees it; the owner and the loans agent do.
    lead = factories.headers(db, w.card_lead)
    assert client.get(f"{API}/cases/{w.alice_case.number}", headers=lead).status_code == 404
    loan_agent = factories.headers(db, w.loan_agent)
    assert client.get(f"{API}/cases/{w.alice_case.number}", headers=loan_agent).status_code == 200
    assert client.get(f"{API}/cases/{w.alice_case.number}", headers=agent).status_code == 200


def test_a_handed_over_case_stays_readable_to_its_earlier_owner(
    client: TestClient, db: Session
) -> None:
    """The hand-over replaces the silent move: the earlier owner (and the lead who
    handed it over) keep reading that one case but change nothing; the rest of the old
    team and a third team do not see it."""
    w = factories.world(db)
    colleague = factories.user(db, teams=[w.cards])
    outsider = factories.user(db, teams=[w.front])
    agent = factories.headers(db, w.card_agent)
    lead = factories.headers(db, w.card_lead)
    number = w.alice_case.number
    assert client.post(f"{API}/cases/{number}/claim", headers=agent).is_success
    missing = client.post(
        f"{API}/cases/{number}/assign", json={"team_id": w.loans.id}, headers=lead
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    moved = client.post(
        f"{API}/cases/{number}/handover",
        json={"team": w.loans.slug, "reason": "Gäller ett lån, inte kortet."},
        headers=lead,
    )
    assert moved.status_code == 200
    assert moved.json()["owner"] is None
    assert moved.json()["events"][-1]["type"] == "case.handed_over"
    assert client.get(f"{API}/cases/{number}", headers=agent).status_code == 200
    assert client.get(f"{API}/cases/{number}", headers=lead).status_code == 200
    refused = client.post(f"{API}/cases/{number}/replies", json={"body": "Hej"}, headers=agent)
    assert refused.status_code == 403
    for other in (colleague, outsider):
        headers = factories.headers(db, other)
        assert client.get(f"{API}/cases/{number}", headers=headers).status_code == 404
    loan_agent = factories.headers(db, w.loan_agent)
    assert client.get(f"{API}/cases/{number}", headers=loan_agent).status_code == 200


def test_lead_manages_only_own_team(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    lead = factories.headers(db, w.card_lead)
    newcomer = factories.user(db, role="agent")
    spare = factories.topic(db)
    loans = f"{API}/teams/{w.loans.id}"
    cards = f"{API}/teams/{w.cards.id}"
    for method, url in [
        ("PUT", f"{loans}/members/{newcomer.id}"),
        ("DELETE", f"{loans}/members/{w.loan_agent.id}"),
        ("PUT", f"{loans}/topics/{spare.id}"),
        ("DELETE", f"{loans}/topics/{w.loan_topic.id}"),
    ]:
        response = client.request(method, url, headers=lead)
        assert response.status_code == 403, (method, url, response.text)
    admin = factories.headers(db, w.admin)
    loans_team = _get(client, loans, admin)
    assert [m["id"] for m in loans_team["members"]] == [w.loan_agent.id]
    assert [t["id"] for t in loans_team["topics"]] == [w.loan_topic.id]
    # Own team: all four work.
    added = client.put(f"{cards}/members/{newcomer.id}", headers=lead)
    assert added.status_code == 200
    assert newcomer.id in [m["id"] for m in added.json()["members"]]
    assert client.put(f"{cards}/topics/{spare.id}", headers=lead).status_code == 200
    assert client.delete(f"{cards}/members/{newcomer.id}", headers=lead).status_code == 204
    assert client.delete(f"{cards}/topics/{spare.id}", headers=lead).status_code == 204
    cards_team = _get(client, cards, lead)
    assert newcomer.id not in [m["id"] for m in cards_team["members"]]
    assert spare.id not in [t["id"] for t in cards_team["topics"]]
    # An agent never manages their team.
    agent = factories.headers(db, w.card_agent)
    assert client.put(f"{cards}/members/{newcomer.id}", headers=agent).status_code == 403


def test_admin_sees_and_manages_everything(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    admin = factories.headers(db, w.admin)
    assert _numbers(client, admin) == {w.alice_case.number, w.bob_case.number}
    for case in (w.alice_case, w.bob_case):
        detail = _get(client, f"{API}/cases/{case.number}", admin)
        assert detail["number"] == case.number
        assert {e["type"] for e in detail["events"]} >= {"case.opened", "case.routed"}
    for team in (w.cards, w.loans, w.front):
        assert _get(client, f"{API}/teams/{team.id}", admin)["id"] == team.id
    assert (
        client.post(
            f"{API}/cases/{w.bob_case.number}/assign",
            json={"owner_id": w.loan_agent.id},
            headers=admin,
        ).status_code
        == 200
    )
    users = _get(client, f"{API}/users?limit=500", admin)
    assert {w.alice_user.id, w.bob_user.id, w.card_agent.id} <= {u["id"] for u in users}
    # Other staff see staff only.
    agent_view = _get(client, f"{API}/users?limit=500", factories.headers(db, w.card_agent))
    assert {u["role"] for u in agent_view} <= {"agent", "lead", "admin"}
    assert w.card_agent.id in {u["id"] for u in agent_view}


def _timeline_with_everything(client: TestClient, db: Session, w: factories.World) -> str:
    """Alice's case after staff claimed, noted, replied, asked her to wait and handed it
    over to another team."""
    agent = factories.headers(db, w.card_agent)
    number = w.alice_case.number
    url = f"{API}/cases/{number}"
    assert client.post(f"{url}/claim", headers=agent).status_code == 200
    assert (
        client.post(
            f"{url}/notes", json={"body": "HEMLIGT: kontrollera kreditupplysning"}, headers=agent
        ).status_code
        == 201
    )
    assert client.post(
        f"{url}/replies", json={"body": "Vi tittar på det."}, headers=agent
    ).is_success
    assert client.post(f"{url}/priority", json={"priority": "high"}, headers=agent).is_success
    assert client.post(
        f"{url}/status", json={"status": "waiting_on_customer"}, headers=agent
    ).is_success
    # The owner also works in the front team and keeps the case handed over there.
    team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=w.front.id, user_id=w.card_agent.id
    )
    admin = factories.headers(db, w.admin)
    moved = client.post(
        f"{url}/handover",
        json={"team": w.front.slug, "owner": w.card_agent.email, "reason": "HEMLIGT skäl"},
        headers=admin,
    )
    assert moved.status_code == 200
    assert moved.json()["owner"]["id"] == w.card_agent.id
    return number


def _walk(value: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document, at any depth."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            pairs.append((key, inner))
            pairs.extend(_walk(inner))
    elif isinstance(value, list):
        for inner in value:
            pairs.extend(_walk(inner))
    return pairs


def test_customers_never_see_internal_events_or_staff_ids(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    number = _timeline_with_everything(client, db, w)
    alice = factories.headers(db, w.alice_user)
    staff_ids = {w.card_agent.id, w.card_lead.id, w.admin.id, w.loan_agent.id}
    for url in (f"{API}/cases/{number}", f"{API}/cases/{number}/events"):
        body = _get(client, url, alice)
        events = body["events"] if isinstance(body, dict) else body
        types = [e["type"] for e in events]
        assert "note.added" not in types
        assert all(e["public"] for e in events)
        assert not {"case.routed", "case.assigned", "case.handed_over"} & set(types)
        assert "HEMLIGT" not in str(body)
        assert "message.agent" in types
        for event in events:
            assert not [k for k in event["data"] if k.endswith("_id")], event
            if event["type"] == "message.agent":
                # Staff appear by first name only, without their id.
                assert event["actor"] == {"id": None, "display_name": w.card_agent.first_name}
        for key, value in _walk(events):
            if key.endswith("_id"):
                assert value not in staff_ids, (key, value)
        actors = [e["actor"] for e in events if e["actor"] is not None]
        assert all(a["id"] in (None, w.alice_user.id) for a in actors)
    detail = _get(client, f"{API}/cases/{number}", alice)
    assert detail["owner"] == {"id": None, "display_name": w.card_agent.first_name}
    listed = _get(client, f"{API}/cases", alice)["items"]
    assert [c["owner"] for c in listed] == [{"id": None, "display_name": w.card_agent.first_name}]
    for key, value in _walk(listed):
        if key.endswith("_id"):
            assert value not in staff_ids


def test_staff_see_internal_events_and_who_did_what(client: TestClient, db: Session) -> None:
    w = factories.world(db)
    number = _timeline_with_everything(client, db, w)
    admin = factories.headers(db, w.admin)
    events = _get(client, f"{API}/cases/{number}/events", admin)
    types = [e["type"] for e in events]
    for expected in (
        "case.opened",
        "case.routed",
        "case.assigned",
        "note.added",
        "message.agent",
        "case.status_changed",
        "case.priority_changed",
        "case.handed_over",
    ):
        assert expected in types
    note = next(e for e in events if e["type"] == "note.added")
    assert note["public"] is False
    assert note["body"].startswith("HEMLIGT")
    assert note["actor"] == {"id": w.card_agent.id, "display_name": w.card_agent.display_name}
    assigned = next(e for e in events if e["type"] == "case.assigned")
    assert assigned["data"]["owner_id"] == w.card_agent.id
    routed = next(e for e in events if e["type"] == "case.routed")
    assert routed["data"]["team_id"] == w.cards.id
