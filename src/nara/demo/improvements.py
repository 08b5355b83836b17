"""Exempelbanken's improvements: raised from cases, with owners, answers and measured
effects that the demo's contact history makes true.

The history (``nara bench seed``'s year of contacts, seeded by ``load_demo``) is thinned
with :func:`keep`: after the delivery SMS went live, a share of the contacts about a card
that has not arrived no longer happen. The fee information changed nothing, and the
measurement says so. Both are measured by the same estimator as any improvement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import improvements as actions
from nara.domain.actors import Actor, actor_for_user
from nara.domain.improvement_effects import measure_due
from nara.i18n import local
from nara.models import Case, Topic, User

SMS_DROP = 0.45
"""The share of contacts about a card that has not arrived that the delivery SMS removed
(the truth the measurement should find, within its interval)."""
SMS_LIVE_DAYS_AGO = 77  # eleven weeks: the six-week after-window has passed
FEES_LIVE_DAYS_AGO = 70


def live_dates(now: datetime) -> tuple[date, date]:
    today = local(now).date()
    return today - timedelta(days=SMS_LIVE_DAYS_AGO), today - timedelta(days=FEES_LIVE_DAYS_AGO)


def keep(topic_ids: dict[str, int], now: datetime) -> Callable[[int | None, float], float]:
    """The seeder's keep share: after the SMS went live, contacts about a card that has
    not arrived happen ``1 - SMS_DROP`` as often; everything else as before."""
    sms_live, _fees = live_dates(now)
    cut = datetime.combine(sms_live + timedelta(days=1), datetime.min.time(), local(now).tzinfo)
    cut_ts = cut.timestamp()
    card = topic_ids["kort-har-inte-kommit"]

    def share(topic_id: int | None, at: float) -> float:
        return 1.0 - SMS_DROP if topic_id == card and at >= cut_ts else 1.0

    return share


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def _cases_on(session: Session, actor: Actor, slug: str, before: datetime, count: int) -> list[str]:
    """Numbers of the latest cases about a topic, opened before ``before``, that
    ``actor``'s teams hold (the cases they would have met)."""
    return list(
        session.scalars(
            select(Case.number)
            .join(Topic, Topic.id == Case.topic_id)
            .where(
                Topic.slug == slug,
                Case.opened_at < before,
                Case.team_id.in_(sorted(actor.team_ids)),
            )
            .order_by(Case.opened_at.desc())
            .limit(count)
        )
    )


def add_improvements(session: Session, now: datetime) -> None:
    """Raise, answer and finish Exempelbanken's improvements at their moments in the past,
    then measure the ones whose after-window has passed."""
    sms_live, fees_live = live_dates(now)

    def at(days_ago: float) -> datetime:
        return now - timedelta(days=days_ago)

    def who(email: str) -> Actor:
        return actor_for_user(session, _user(session, email))

    def evidence(improvement_id: int, email: str, slug: str, before: datetime, n: int) -> None:
        actor = who(email)
        for number in _cases_on(session, actor, slug, before, n):
            actions.link_evidence(
                session=session,
                actor=actor,
                improvement_id=improvement_id,
                case_number=number,
            )

    def raised(days_ago: float, email: str, slug: str, **fields: Any) -> int:
        actor = who(email)
        first = _cases_on(session, actor, slug, at(days_ago), 1)
        with clock.frozen_at(at(days_ago)):
            made = actions.raise_improvement(
                session=session,
                actor=actor,
                topics=[slug],
                case_number=first[0] if first else None,
                **fields,
            )
            return made.id

    # 1. The delivery SMS: done eleven weeks ago; contacts about it fell.
    sms = raised(
        150,
        "erik@exempelbanken.se",
        "kort-har-inte-kommit",
        title="Sms när kortet har skickats",
        description=(
            "Kunder ringer och frågar var deras nya kort är. De vet inte att kortet har "
            "skickats eller när det kan komma, och många ringer flera gånger."
        ),
        suggestion=(
            "Skicka ett sms med datum när kortet postas, och ett till om det inte har "
            "aktiverats inom sju dagar."
        ),
        kind="fix",
    )
    with clock.frozen_at(at(149)):
        evidence(sms, "erik@exempelbanken.se", "kort-har-inte-kommit", at(149), 6)
        actions.support(session=session, actor=who("oskar@exempelbanken.se"), improvement_id=sms)
    with clock.frozen_at(at(140)):
        actions.accept(
            session=session,
            actor=who("maria.lead@exempelbanken.se"),
            improvement_id=sms,
            target_date=sms_live + timedelta(days=3),
        )
    with clock.frozen_at(at(120)):
        actions.start(session=session, actor=who("sara@exempelbanken.se"), improvement_id=sms)
    with clock.frozen_at(at(SMS_LIVE_DAYS_AGO - 0.5)):
        actions.mark_done(
            session=session,
            actor=who("erik@exempelbanken.se"),
            improvement_id=sms,
            live_at=sms_live,
        )

    # 2. Fee information in the app: done ten weeks ago; no measurable change (said so).
    fees = raised(
        160,
        "johan@exempelbanken.se",
        "avgifter",
        title="Tydligare avgiftsinformation i appen",
        description=(
            "Kunder hör av sig om avgifter de inte förstår, till exempel för pappersavi "
            "och kontantuttag utomlands."
        ),
        suggestion="Visa varje avgift med en förklaring och en länk till prislistan i appen.",
        kind="fix",
    )
    with clock.frozen_at(at(150)):
        actions.accept(
            session=session,
            actor=who("karin.lead@exempelbanken.se"),
            improvement_id=fees,
            target_date=fees_live,
        )
    with clock.frozen_at(at(FEES_LIVE_DAYS_AGO - 0.5)):
        actions.mark_done(
            session=session,
            actor=who("karin.lead@exempelbanken.se"),
            improvement_id=fees,
            live_at=fees_live,
        )

    # 3. Declined, with a reason that went back to the person who raised it.
    swish = raised(
        60,
        "sara@exempelbanken.se",
        "swish",
        title="Höj beloppsgränsen för Swish utan ny BankID-signering",
        description="Kunder som ska betala mer än 15 000 kr med Swish fastnar och ringer oss.",
        kind="fix",
    )
    with clock.frozen_at(at(52)):
        actions.decline(
            session=session,
            actor=who("maria.lead@exempelbanken.se"),
            improvement_id=swish,
            reason=(
                "Gränsen följer säkerhetskraven från Swish och kan inte ändras av banken. "
                "Vi har i stället förtydligat hjälptexten om hur man höjer sin egen gräns."
            ),
        )

    # 4. Open ones, gathering evidence: raised, accepted, in progress.
    bankid = raised(
        12,
        "fatima@exempelbanken.se",
        "bankid",
        title="Guide i appen för BankID efter byte av telefon",
        description=(
            "Kunder som har bytt telefon kan inte logga in och vet inte hur de skaffar "
            "ett nytt BankID. Samtalen blir långa."
        ),
        suggestion="En steg-för-steg-guide i appen och på inloggningssidan.",
        kind="fix",
    )
    with clock.frozen_at(at(11)):
        evidence(bankid, "fatima@exempelbanken.se", "bankid", at(11), 4)
    address = raised(
        45,
        "lina@exempelbanken.se",
        "andra-personuppgifter",
        title="Adressändring direkt från Skatteverket",
        description="Kunder som har flyttat får post till fel adress och måste höra av sig.",
        suggestion="Hämta folkbokföringsadressen från Skatteverket varje natt.",
        kind="fix",
    )
    with clock.frozen_at(at(40)):
        actions.accept(
            session=session,
            actor=who("anders.lead@exempelbanken.se"),
            improvement_id=address,
            target_date=local(now).date() + timedelta(days=30),
        )
    declined_card = raised(
        35,
        "erik@exempelbanken.se",
        "kortbetalning-nekad",
        title="Tydligare besked när en kortbetalning nekas",
        description=(
            "Kunden får bara ”nekad” i kassan och vet inte om det beror på saldo, "
            "gräns eller spärr. Många ringer direkt från butiken."
        ),
        suggestion="Skicka en notis i appen med orsaken och vad kunden kan göra.",
        kind="fix",
    )
    with clock.frozen_at(at(34)):
        evidence(declined_card, "erik@exempelbanken.se", "kortbetalning-nekad", at(34), 5)
    with clock.frozen_at(at(30)):
        actions.accept(
            session=session,
            actor=who("maria.lead@exempelbanken.se"),
            improvement_id=declined_card,
            target_date=local(now).date() + timedelta(days=14),
        )
    with clock.frozen_at(at(21)):
        actions.start(
            session=session, actor=who("sara@exempelbanken.se"), improvement_id=declined_card
        )

    # 5. An opportunity: something customers would value that the bank could offer.
    raised(
        20,
        "johan@exempelbanken.se",
        "kreditgrans",
        title="Tillfälligt höjd kortgräns direkt i appen",
        description=(
            "Kunder som ska göra ett stort köp, till exempel en resa, ringer för att höja "
            "gränsen några dagar. De skulle hellre göra det själva."
        ),
        suggestion="Låt kunden höja gränsen i appen i upp till 14 dagar, inom bankens ramar.",
        kind="opportunity",
    )
    with clock.frozen_at(now):
        measure_due(session=session)
