"""Load Exempelbanken through the domain functions, with the clock moved back in time
so that six months of case history look as if they happened."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nara import clock, reference_cache
from nara.demo import content, improvements, knowledge_articles, knowledge_examples
from nara.demo.mandates import add_mandate_rules, decide_in_case
from nara.demo.picture import add_related_and_merged
from nara.demo.suggestions import add_rejected_answers
from nara.domain import auth as auth_actions
from nara.domain import cases as case_actions
from nara.domain import consultations as consultation_actions
from nara.domain import customers as customer_actions
from nara.domain import ownership
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.calendars import set_team_calendar
from nara.domain.knowledge import save_article
from nara.domain.presence import set_presence
from nara.domain.promises import check_promises, create_policy
from nara.domain.routing import set_topic_routing
from nara.domain.training import add_training_examples
from nara.models import AuditEntry, Base, Case, Customer, ReferenceVersion, Team, User
from nara.models.audit import SQLITE_TRIGGERS
from nara.simulation.seed import seed_cases

Progress = Callable[[int, int], None]


DEMO_HISTORY = 20_000
"""Contacts of the year before the demo, seeded (about 55 a working day): enough for the
follow-up's trends and for measuring an improvement's effect with a useful interval."""


@dataclass
class DemoOrg:
    teams: dict[str, Team] = field(default_factory=dict)
    topic_ids: dict[str, int] = field(default_factory=dict)
    seeded: int = 0  # contacts of the seeded year (``history``)
    staff: dict[str, User] = field(default_factory=dict)
    members_of: dict[str, list[User]] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    customer_users: dict[int, User] = field(default_factory=dict)
    topic_teams: dict[str, list[str]] = field(default_factory=dict)
    # Decisions draw from their own random numbers: the rest of the history stays the same.
    decision_rng: random.Random = field(default_factory=random.Random)


def is_empty(session: Session) -> bool:
    return not any(
        session.scalar(select(func.count()).select_from(model)) for model in (User, Team, Case)
    )


def wipe(session: Session) -> None:
    """Delete every row of every table (for ``nara demo --force``), the audit log too:
    its append-only triggers refuse a DELETE, so PostgreSQL truncates it (row triggers do
    not fire on TRUNCATE) and SQLite deletes it with its triggers briefly dropped."""
    kept = {AuditEntry.__tablename__, ReferenceVersion.__tablename__}
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in kept:
            session.execute(table.delete())
    reference_cache.renew_all(session)
    _wipe_audit_log(session)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM article_search"))  # the search index, unmodelled
    session.flush()


def _wipe_audit_log(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("TRUNCATE audit_log"))
        return
    for name in SQLITE_TRIGGERS:
        session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    session.execute(text("DELETE FROM audit_log"))
    for statement in SQLITE_TRIGGERS.values():
        session.execute(text(statement))


def _build_org(session: Session, password: str) -> DemoOrg:
    org = DemoOrg()
    for slug, sv, en, description, fallback in content.TEAMS:
        org.teams[slug] = team_actions.create_team(
            session=session, actor=SYSTEM, slug=slug, name_sv=sv, name_en=en,
            description=description, is_fallback=fallback,
        )  # fmt: skip
        org.members_of[slug] = []
    for slug, sv, en, team_slugs in content.TOPICS:
        topic = team_actions.create_topic(
            session=session, actor=SYSTEM, slug=slug, name_sv=sv, name_en=en
        )
        org.topic_ids[slug] = topic.id
        org.topic_teams[slug] = team_slugs
        for team_slug in team_slugs:
            team_actions.add_team_topic(
                session=session, actor=SYSTEM, team_id=org.teams[team_slug].id, topic_id=topic.id
            )
    for email, name, role, team_slugs in content.STAFF:
        user = user_actions.create_user(
            session=session, actor=SYSTEM, email=email, display_name=name, role=role,
            password=password,
        )  # fmt: skip
        org.staff[email] = user
        for team_slug in team_slugs:
            team_actions.add_team_member(
                session=session, actor=SYSTEM, team_id=org.teams[team_slug].id, user_id=user.id
            )
            org.members_of[team_slug].append(user)
    _add_service_levels(session, org)
    return org


def _add_service_levels(session: Session, org: DemoOrg) -> None:
    """Calendars, response promises and routing order: a topic's second team takes the
    overflow when the first cannot keep the promise."""
    for slug, settings in content.CALENDARS.items():
        set_team_calendar(session=session, actor=SYSTEM, team_id=org.teams[slug].id,
                          **settings)  # type: ignore[arg-type]  # fmt: skip
    for topic_slug, priority, first, resolution in content.PROMISES:
        create_policy(session=session, actor=SYSTEM, first_response_minutes=first,
                      resolution_minutes=resolution, priority=priority,
                      topic_id=org.topic_ids[topic_slug] if topic_slug else None)  # fmt: skip
    for topic_slug, team_slugs in org.topic_teams.items():
        for rank, team_slug in enumerate(team_slugs):
            set_topic_routing(session=session, actor=SYSTEM, topic_id=org.topic_ids[topic_slug],
                              team_id=org.teams[team_slug].id, rank=rank,
                              accepts_overflow=True)  # fmt: skip


def _set_presence(session: Session, org: DemoOrg) -> None:
    for email, team_slug in content.AVAILABLE.items():
        user = org.staff[email]
        set_presence(session=session, actor=_staff_actor(session, user),
                     team_id=org.teams[team_slug].id, status="available")  # fmt: skip


def _add_knowledge(session: Session, org: DemoOrg) -> None:
    """Articles for every topic in both languages, and the example questions (with
    out-of-scope ones) that the self-service engine learns from."""
    for slug, by_lang in knowledge_articles.ARTICLES.items():
        for lang, (title, body) in by_lang.items():
            save_article(session=session, actor=SYSTEM, topic_id=org.topic_ids[slug],
                         lang=lang, title=title, body_md=body)  # fmt: skip
    for lang in ("sv", "en"):
        pairs = [(q, slug) for slug, by_lang in knowledge_examples.EXAMPLES.items()
                 for q in by_lang[lang]]  # fmt: skip
        pairs += [(q, "oos") for q in knowledge_examples.OUT_OF_SCOPE[lang]]
        add_training_examples(session=session, actor=SYSTEM, examples=pairs, source="demo",
                              lang=lang)  # fmt: skip


def _add_customers(session: Session, org: DemoOrg, rng: random.Random, password: str) -> None:
    names: set[str] = set()
    while len(names) < 60:
        names.add(f"{rng.choice(content.FIRST_NAMES)} {rng.choice(content.LAST_NAMES)}")
    first = ["Anna Andersson", "Lars Johansson"]
    ordered = first + sorted(names - set(first))
    for index, name in enumerate(ordered[:60]):
        user_id = None
        if index < len(content.CUSTOMER_LOGINS):
            login = user_actions.create_user(
                session=session, actor=SYSTEM, email=content.CUSTOMER_LOGINS[index],
                display_name=name, role="customer", password=password,
            )  # fmt: skip
            user_id = login.id
        local = name.lower().replace(" ", ".").replace("å", "a").replace("ä", "a").replace("ö", "o")
        customer = customer_actions.create_customer(
            session=session, actor=SYSTEM, name=name,
            email=f"{local}{index}@example.com" if index >= 2 else content.CUSTOMER_LOGINS[index],
            phone=f"070-17406{index:02d}" if index < 100 else None,
            personnummer=content.TEST_PERSONNUMMER[index] if index < 10 else None,
            user_id=user_id,
        )  # fmt: skip
        org.customers.append(customer)
        if user_id is not None:
            user = session.get(User, user_id)
            assert user is not None
            org.customer_users[customer.id] = user


def _opening_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """Weekday business hours (07-17 Swedish time, roughly 06-16 UTC), morning peak."""
    times: list[datetime] = []
    while len(times) < count:
        day = now - timedelta(days=rng.uniform(0, 182))
        if day.weekday() >= 5 and rng.random() < 0.8:
            continue
        hour = min(15.9, max(6.0, rng.gauss(9.5, 2.5)))
        moment = day.replace(hour=int(hour), minute=int((hour % 1) * 60), second=rng.randint(0, 59))
        if moment < now - timedelta(minutes=30):
            times.append(moment)
    return sorted(times)


def _staff_actor(session: Session, user: User) -> Actor:
    return actor_for_user(session, user)


def _play_case(
    session: Session, org: DemoOrg, rng: random.Random, opened_at: datetime, now: datetime
) -> None:
    topic_slug = rng.choice(list(content.MESSAGES))
    customer = rng.choice(org.customers)
    message = rng.choice(content.MESSAGES[topic_slug])
    front_line = org.members_of["kundservice"]
    opener = rng.choice(front_line)
    with clock.frozen_at(opened_at):
        if customer.id in org.customer_users and rng.random() < 0.7:
            actor = _staff_actor(session, org.customer_users[customer.id])
            opened = case_actions.open_case(
                session=session, actor=actor, message=message,
                topic_id=org.topic_ids[topic_slug], channel=rng.choice(["web", "chat"]),
            )  # fmt: skip
        else:
            opened = case_actions.open_case(
                session=session, actor=_staff_actor(session, opener), message=message,
                customer_id=customer.id, topic_id=org.topic_ids[topic_slug],
                channel=rng.choice(["phone", "email", "chat", "web"]),
                priority=rng.choices(["low", "normal", "high", "urgent"], [1, 12, 3, 1])[0],
            )  # fmt: skip
    case = opened.case
    specialists = [t for t in org.topic_teams.get(topic_slug, []) if t != "kundservice"]
    if case.team_id == org.teams["kundservice"].id and specialists and rng.random() < 0.3:
        # Some cases really belong with a specialist team: handed over, with a reason.
        with clock.frozen_at(opened_at + timedelta(minutes=rng.uniform(2, 30))):
            if opened_at + timedelta(minutes=30) < now:
                ownership.hand_over(
                    session=session,
                    actor=_staff_actor(session, opener),
                    number=case.number,
                    reason=rng.choice(content.HANDOVER_REASONS),
                    team=specialists[0],
                )
    team = session.get(Team, case.team_id)
    assert team is not None
    if team.slug == "kundservice":
        decide_in_case(session, org.staff, org.decision_rng, case, now)
    agents = org.members_of[team.slug]
    customer_actor = (
        _staff_actor(session, org.customer_users[customer.id])
        if customer.id in org.customer_users
        else None
    )
    age_hours = (now - opened_at).total_seconds() / 3600
    moment = opened_at
    steps: list[tuple[str, float]] = []  # (what, hours after previous step)
    recent = age_hours < 24 * 14  # the last two weeks keep work in the inboxes
    untouched = rng.random() < (0.35 if recent else 0.02)
    if age_hours > 1 and not untouched:
        # Most cases are taken and answered within the hour; some wait much longer.
        steps.append(("claim", rng.uniform(0.05, 1.5)))
        steps.append(("reply", rng.uniform(0.05, 0.5) if rng.random() < 0.85
                      else rng.uniform(1, 30)))  # fmt: skip
        if rng.random() < 0.4:
            steps.append(("note", rng.uniform(0.05, 3)))
        # About one case in eight needs another team: it is consulted, not moved. Most
        # answers come within the team's promise, some late, a few recent ones are open.
        for _ in range(2 if rng.random() < 0.25 else 1):
            if rng.random() < 0.13:
                steps.append(("consult", rng.uniform(0.1, 2)))
                if not (recent and rng.random() < 0.4):
                    late = rng.random() < 0.2
                    steps.append(("answer", rng.uniform(20, 60) if late else rng.uniform(0.3, 6)))
                    steps.append(("close_consultation", rng.uniform(0.1, 4)))
        if rng.random() < 0.35:
            steps.append(("waiting", 0.01))
            steps.append(("customer", rng.uniform(1, 48)))
            steps.append(("reply", rng.uniform(0.5, 20)))
        if not (recent and rng.random() < 0.5):
            steps.append(("resolve", rng.uniform(0.1, 48)))
            steps.append(("close", rng.uniform(72, 24 * 10)))
    agent = rng.choice(agents)
    if case.owner_id is not None:  # staff keep the cases they open: the opener works on it
        owner = session.get(User, case.owner_id)
        assert owner is not None
        agent = owner
    agent_actor = _staff_actor(session, agent)
    asked: list[tuple[int, str]] = []  # consultations of this case: (id, consulted team)
    for what, delay in steps:
        moment = moment + timedelta(hours=delay)
        if moment >= now:
            break
        with clock.frozen_at(moment):
            number = case.number
            if what == "claim":
                case_actions.assign_case(
                    session=session, actor=agent_actor, number=number, owner_id=agent.id
                )
            elif what == "reply":
                case_actions.reply_to_case(
                    session=session, actor=agent_actor, number=number,
                    body=rng.choice(content.AGENT_REPLIES),
                )  # fmt: skip
            elif what == "note":
                case_actions.add_note(
                    session=session, actor=agent_actor, number=number,
                    body=rng.choice(content.NOTES),
                )  # fmt: skip
            elif what == "waiting":
                case_actions.change_status(
                    session=session, actor=agent_actor, number=number,
                    status="waiting_on_customer",
                )  # fmt: skip
            elif what == "customer":
                if customer_actor is not None:
                    case_actions.reply_to_case(
                        session=session, actor=customer_actor, number=number,
                        body=rng.choice(content.CUSTOMER_FOLLOW_UPS),
                    )  # fmt: skip
                else:
                    case_actions.change_status(
                        session=session, actor=agent_actor, number=number, status="open"
                    )
            elif what in ("consult", "answer", "close_consultation"):
                _consultation_step(session, org, rng, case, agent_actor, what, asked)
            elif what == "resolve":
                case_actions.change_status(
                    session=session, actor=agent_actor, number=number, status="resolved"
                )
            elif what == "close":
                case_actions.change_status(
                    session=session, actor=agent_actor, number=number, status="closed"
                )


def _consultation_step(
    session: Session,
    org: DemoOrg,
    rng: random.Random,
    case: Case,
    agent_actor: Actor,
    what: str,
    asked: list[tuple[int, str]],
) -> None:
    """Ask another team, have it answer, or close the answered consultation."""
    if what == "consult":
        others = [slug for slug in content.CONSULTATIONS if org.members_of.get(slug)]
        others = [slug for slug in others if org.teams[slug].id != case.team_id]
        if not others:
            return
        team_slug = rng.choice(others)
        question, _answer = rng.choice(content.CONSULTATIONS[team_slug])
        made = consultation_actions.ask_consultation(
            session=session,
            actor=agent_actor,
            number=case.number,
            team=team_slug,
            question=question,
        )
        asked.append((made.id, team_slug))
        return
    if not asked:
        return
    consultation_id, team_slug = asked[0]
    if what == "answer":
        answerer = _staff_actor(session, rng.choice(org.members_of[team_slug]))
        answers = [a for _q, a in content.CONSULTATIONS[team_slug]]
        consultation_actions.answer_consultation(
            session=session,
            actor=answerer,
            consultation_id=consultation_id,
            answer=rng.choice(answers),
        )
    else:
        consultation_actions.close_consultation(
            session=session, actor=agent_actor, consultation_id=consultation_id
        )
        asked.pop(0)


def load_demo(
    session: Session,
    *,
    cases: int = 300,
    history: int = DEMO_HISTORY,
    seed: int = 2026,
    password: str = content.DEMO_PASSWORD,
    progress: Progress | None = None,
    embed: bool = True,
) -> DemoOrg:
    """Create Exempelbanken with ``cases`` cases played through the domain over the last
    six months (rich timelines), on top of ``history`` seeded contacts over the last year
    (the volumes the follow-up and the improvements' measured effects rest on); with
    ``embed``, each case's vector for the similar-case search, as the ``cases.embed`` job
    would have stored it."""
    rng = random.Random(seed)
    now = clock.now()
    org_rng = random.Random(seed + 14)
    with clock.frozen_at(now - timedelta(days=200)):
        org = _build_org(session, password)
        org.decision_rng = org_rng
        _add_customers(session, org, rng, password)
        _add_knowledge(session, org)
        add_mandate_rules(session, org.teams, org.staff, org.topic_ids)
    if history:
        topic_ids = dict(org.topic_ids)
        report = seed_cases(
            session,
            cases=history,
            seed=seed,
            keep=improvements.keep(topic_ids, now),
            few_texts=True,
        )
        org.seeded = report.cases
    times = _opening_times(rng, now, cases)
    for index, opened_at in enumerate(times, start=1):
        _play_case(session, org, rng, opened_at, now)
        if progress is not None:
            progress(index, len(times))
    add_related_and_merged(session, org.staff, now)
    if embed:
        embed_history(session)
    add_rejected_answers(session, now)
    _set_presence(session, org)
    check_promises(session=session, actor=SYSTEM, now=now)
    if history:
        improvements.add_improvements(session, now)
    admin = org.staff["admin@exempelbanken.se"]
    auth_actions.create_api_token(
        session=session, actor=SYSTEM, user_id=admin.id, name="demo-integration"
    )
    return org


def embed_history(session: Session) -> int:
    """Every case's vector for the similar-case search (a few seconds for the demo's
    few hundred cases, on one thread: faster than the model's own pool on a busy
    machine); without the embedding model the demo simply has none."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    from nara.domain.case_embeddings import embed_cases
    from nara.improvements.similarity import default_embedder
    from nara.selfservice.errors import EmbeddingUnavailable

    try:
        embedder = default_embedder()
    except EmbeddingUnavailable:
        return 0
    case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    with threadpool_limits(limits=1):
        return embed_cases(session=session, case_ids=case_ids, embedder=embedder)


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, e-mail, what to try) for the printout after ``make demo``."""
    return [
        ("admin", "admin@exempelbanken.se", "everything; users and teams"),
        ("lead", "karin.lead@exempelbanken.se", "Kundservice's lead"),
        ("agent", "oskar@exempelbanken.se", "front line (Kundservice)"),
        ("agent", "erik@exempelbanken.se", "Kort & betalningar"),
        ("customer", "anna.andersson@example.com", "the customer portal"),
        ("customer", "lars.johansson@example.com", "another customer"),
    ]
