"""Exempelbanken's mandates: six decision types, the rules that give Kundservice its
mandate (fees up to 500 kr, goodwill up to 1,000 kr), leads up to 5,000 kr, Lån &
krediter the credit exceptions, and half a year of decisions and approval requests, so
that the follow-up and the what-if tell a story: many small goodwill requests wait about
a day for Karin."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from nara import clock
from nara.domain import decisions as decision_actions
from nara.domain import mandates as mandate_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.errors import DomainError
from nara.models import Case, Team, User

# slug, Swedish, English, kind, topic slugs (none: every topic)
TYPES: list[tuple[str, str, str, str, list[str]]] = [
    ("aterbetala-avgift", "Återbetala avgift", "Refund a fee", "amount", []),
    ("goodwill", "Goodwillersättning", "Goodwill compensation", "amount", []),
    (
        "efterskank-paminnelseavgift",
        "Efterskänka påminnelseavgift",
        "Waive a late-payment fee",
        "amount",
        ["amortering", "avgifter", "laneansokan", "kreditgrans"],
    ),
    (
        "forlang-betalningsfrist",
        "Förlänga betalningsfrist",
        "Extend a payment deadline",
        "days",
        ["amortering", "avgifter", "kreditgrans", "autogiro"],
    ),
    (
        "hoj-kortgrans-tillfalligt",
        "Tillfälligt höjd kortgräns",
        "Temporary card-limit raise",
        "amount",
        ["kortbetalning-nekad", "kreditgrans", "utlandsbetalning"],
    ),
    (
        "undantag-kreditpolicy",
        "Undantag från kreditpolicyn",
        "Exception to the credit policy",
        "yes_no",
        ["laneansokan", "kreditgrans", "bolanerata"],
    ),
]

# decision type, rule name, holder, limit, per-customer limit (365 days)
RULES: list[tuple[str, str, dict[str, Any], str | None, str | None]] = [
    ("aterbetala-avgift", "Kundservice: avgifter", {"team": "kundservice"}, "500", "2000"),
    ("goodwill", "Kundservice: goodwill", {"team": "kundservice"}, "1000", "3000"),
    ("aterbetala-avgift", "Karin: avgifter", {"user": "karin.lead@exempelbanken.se"}, "5000", None),
    ("goodwill", "Karin: goodwill", {"user": "karin.lead@exempelbanken.se"}, "5000", None),
    ("forlang-betalningsfrist", "Kundservice: anstånd", {"team": "kundservice"}, "14", None),
    (
        "efterskank-paminnelseavgift",
        "Kundservice: påminnelseavgifter",
        {"team": "kundservice"},
        "300",
        None,
    ),
    ("aterbetala-avgift", "Teamledare: avgifter", {"role": "lead"}, "5000", None),
    ("goodwill", "Teamledare: goodwill", {"role": "lead"}, "5000", None),
    (
        "hoj-kortgrans-tillfalligt",
        "Kort: tillfällig kortgräns",
        {"team": "kort-betalningar"},
        "20000",
        None,
    ),
    ("forlang-betalningsfrist", "Lån: anstånd", {"team": "lan-krediter"}, "90", None),
    (
        "efterskank-paminnelseavgift",
        "Lån: påminnelseavgifter",
        {"team": "lan-krediter"},
        "2000",
        None,
    ),
    ("undantag-kreditpolicy", "Lån: kreditundantag", {"team": "lan-krediter"}, None, None),
    ("aterbetala-avgift", "Administratörer", {"role": "admin"}, None, None),
    ("goodwill", "Administratörer", {"role": "admin"}, None, None),
    ("hoj-kortgrans-tillfalligt", "Administratörer", {"role": "admin"}, None, None),
]

# The highest limits Karin may give her own team herself.
CEILINGS = [
    ("kundservice", "goodwill", "2000", "6000"),
    ("kundservice", "aterbetala-avgift", "1000", "4000"),
]

REASONS = {
    "aterbetala-avgift": [
        "Avgiften togs av misstag",
        "Dubbeldebiterad kortavgift",
        "Avgift för pappersavi trots e-faktura",
    ],
    "goodwill": [
        "Lång väntan på nytt kort",
        "Felaktig information från oss",
        "Kunden missade en betalning på grund av vårt driftstopp",
    ],
}


def add_mandate_rules(
    session: Session, teams: dict[str, Team], staff: dict[str, User], topic_ids: dict[str, int]
) -> None:
    """The types, rules and ceilings (before the history: their version 1 is old)."""
    types = {}
    for slug, sv, en, kind, topics in TYPES:
        types[slug] = mandate_actions.create_decision_type(
            session=session,
            actor=SYSTEM,
            slug=slug,
            name_sv=sv,
            name_en=en,
            kind=kind,
            approval_minutes=240,
            topic_ids=[topic_ids[t] for t in topics],
        )
    for type_slug, name, holder, limit, customer_limit in RULES:
        if "team" in holder:
            who: dict[str, Any] = {"kind": "team", "team_id": teams[holder["team"]].id}
        elif "user" in holder:
            who = {"kind": "user", "user_id": staff[holder["user"]].id}
        else:
            who = {"kind": "role", "role": holder["role"]}
        mandate_actions.create_rule(
            session=session,
            actor=SYSTEM,
            decision_type_id=types[type_slug].id,
            name=name,
            holder=who,
            limit=limit,
            customer_limit=customer_limit,
            window_days=365 if customer_limit else None,
            why="Exempelbankens mandatordning",
        )
    for team_slug, type_slug, limit, customer_limit in CEILINGS:
        mandate_actions.set_ceiling(
            session=session,
            actor=SYSTEM,
            team_id=teams[team_slug].id,
            decision_type_id=types[type_slug].id,
            limit=limit,
            customer_limit=customer_limit,
        )


def decide_in_case(
    session: Session,
    staff: dict[str, User],
    rng: random.Random,
    case: Case,
    now: datetime,
    *,
    share: float = 0.3,
) -> None:
    """Now and then, soon after Kundservice got a case: a fee refunded within the front
    line's mandate, or goodwill above 1,000 kr asked of Karin, who answers after hours to
    a day (most approved, some declined, the newest still waiting)."""
    if rng.random() >= share:
        return
    front = [
        staff[e]
        for e in ("oskar@exempelbanken.se", "fatima@exempelbanken.se", "johan@exempelbanken.se")
    ]
    agent: Actor = actor_for_user(session, rng.choice(front))
    at = case.opened_at + timedelta(minutes=rng.uniform(5, 90))
    goodwill = rng.random() < 0.55
    type_slug = "goodwill" if goodwill else "aterbetala-avgift"
    amounts = [1200, 1500, 1500, 2000, 2500, 3000] if goodwill else [49, 95, 150, 250, 250, 400]
    amount = rng.choice(amounts)
    reason = rng.choice(REASONS[type_slug])
    answer_at = at + timedelta(hours=rng.uniform(3, 30))
    approve = rng.random() < 0.85
    if at >= now:
        return
    try:
        with clock.frozen_at(at):
            out = decision_actions.take_decision(
                session=session,
                actor=agent,
                number=case.number,
                type=type_slug,
                amount=f"{amount}.00",
                reason=reason,
            )
    except DomainError:
        return  # e.g. the customer's yearly limit is used up
    if out.approval is None or answer_at >= now:
        return  # taken at once, or still waiting for Karin
    karin = actor_for_user(session, staff["karin.lead@exempelbanken.se"])
    with clock.frozen_at(answer_at):
        if approve:
            decision_actions.approve(session=session, actor=karin, approval_id=out.approval.id)
        else:
            decision_actions.decline(
                session=session,
                actor=karin,
                approval_id=out.approval.id,
                reason="Beloppet står inte i proportion till felet; erbjud 500 kr.",
            )
