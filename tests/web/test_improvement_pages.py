"""Improvements in the web UI: raised from a case page, decided by the owning team's
lead, followed by the person who raised it; refusals shown in both languages."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import improvements as imp
from nara.domain.actors import SYSTEM
from nara.models import Improvement, ImprovementEffect, ImprovementEvidence, User
from tests import factories
from tests.web.test_pages import log_in, page, post, redirected, visible, w  # noqa: F401


def set_lang(db: Session, user: User, lang: str) -> None:
    user.locale = lang
    db.commit()


def test_raise_from_a_case_and_decide(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    number = w.alice_case.number
    set_lang(db, w.card_agent, "en")
    csrf = log_in(client, db, w.card_agent)
    case_page = page(client.get(f"/cases/{number}"))
    assert f'href="/improvements/new?case={number}"' in case_page
    form = page(client.get(f"/improvements/new?case={number}"))
    assert f'value="{number}"' in form
    assert f'<option value="{w.card_topic.slug}" selected>' in form
    # Bad input: the form comes back with the message and what was typed.
    r = post(
        client,
        "/improvements/new",
        csrf,
        title="",
        description="Kunder ringer.",
        kind="fix",
        topics=[w.card_topic.slug],
        case_number=number,
    )
    assert r.status_code == 422 and "must not be empty" in visible(r.text)
    assert "Kunder ringer." in r.text
    r = post(
        client,
        "/improvements/new",
        csrf,
        title="Card has not arrived",
        description="Customers call because the card is late.",
        suggestion="Send a text when the card is posted.",
        kind="fix",
        topics=[w.card_topic.slug],
        case_number=number,
    )
    made = db.scalar(select(Improvement))
    assert made is not None
    redirected(r, f"/improvements/{made.id}")
    text = visible(page(client.get(f"/improvements/{made.id}")))
    assert "Card has not arrived" in text and "Evidence (1)" in text
    assert "You raised this" in text and "Measured when the improvement is done" in text
    assert "Accept" not in text  # an agent does not decide
    assert "Card has not arrived" in visible(page(client.get("/improvements")))
    assert "Card has not arrived" in visible(page(client.get("/improvements/mine")))
    # The owning team's lead, in Swedish: declining needs a reason.
    set_lang(db, w.card_lead, "sv")
    csrf = log_in(client, db, w.card_lead)
    text = visible(page(client.get(f"/improvements/{made.id}")))
    assert "Godkänn" in text and "Avslå" in text
    r = post(client, f"/improvements/{made.id}/status", csrf, status="declined", reason="")
    assert r.status_code == 422 and "får inte vara tomt" in visible(r.text)
    target = (imp.today() + timedelta(days=30)).isoformat()
    r = post(client, f"/improvements/{made.id}/status", csrf, status="accepted", target_date=target)
    redirected(r, f"/improvements/{made.id}#status")
    db.refresh(made)
    assert made.status == "accepted"
    ranked = visible(page(client.get("/improvements?tab=ranked")))
    assert "Card has not arrived" in ranked
    # The reporter hears of it and opens the improvement from the notification.
    csrf = log_in(client, db, w.card_agent)
    notes = visible(page(client.get("/notifications")))
    assert "“Card has not arrived” is now: Accepted" in notes


def test_evidence_comments_and_support(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    made = imp.raise_improvement(
        session=db,
        actor=factories.actor(db, w.card_agent),
        title="Kortet har inte kommit",
        description="Kunder ringer.",
        kind="fix",
        topics=[w.card_topic.slug],
        case_number=w.alice_case.number,
    )
    other = factories.case(db, the_customer=w.alice, the_topic=w.card_topic, team_id=w.cards.id)
    imp.add_suggested_evidence(db, made, [(other.id, 0.91)])
    db.commit()
    set_lang(db, w.loan_agent, "sv")
    csrf = log_in(client, db, w.loan_agent)
    text = visible(page(client.get(f"/improvements/{made.id}")))
    # Another team reads the improvement but not its cases.
    assert w.alice_case.number not in text and "Och 1 ärende du inte kan läsa." in text
    r = post(client, f"/improvements/{made.id}/evidence", csrf, case_number=w.alice_case.number)
    assert r.status_code == 404 and "Det finns inget ärende" in visible(r.text)
    redirected(post(client, f"/improvements/{made.id}/support", csrf), f"/improvements/{made.id}")
    r = post(client, f"/improvements/{made.id}/comment", csrf, body="Vi ser det också.")
    redirected(r, f"/improvements/{made.id}#timeline")
    # The cards agent confirms the suggested case with one action.
    set_lang(db, w.card_agent, "en")
    csrf = log_in(client, db, w.card_agent)
    html = page(client.get(f"/improvements/{made.id}"))
    assert other.number in html and "Vi ser det också." in html
    suggested = db.scalar(
        select(ImprovementEvidence).where(ImprovementEvidence.status == "suggested")
    )
    assert suggested is not None
    r = post(client, f"/improvements/{made.id}/confirm", csrf, evidence_id=str(suggested.id))
    redirected(r, f"/improvements/{made.id}#evidence")
    db.refresh(suggested)
    assert suggested.status == "confirmed"


def test_effect_and_team_page(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    made = imp.raise_improvement(
        session=db,
        actor=factories.actor(db, w.card_agent),
        title="Kortet har inte kommit",
        description="Kunder ringer.",
        kind="fix",
        topics=[w.card_topic.slug],
    )
    made.status = "done"
    made.live_at = imp.today() - timedelta(weeks=8)
    db.add(
        ImprovementEffect(
            improvement_id=made.id,
            measured_at=clock.now(),
            status="measured",
            relative_change=-0.38,
            ci_low=-0.49,
            ci_high=-0.25,
            before_rate=40.0,
            after_rate=24.8,
            details={},
        )
    )
    done_later = imp.raise_improvement(
        session=db, actor=SYSTEM, title="Annat", description="Text", kind="opportunity"
    )
    done_later.status = "done"
    done_later.live_at = imp.today()
    db.commit()
    set_lang(db, w.card_agent, "sv")
    log_in(client, db, w.card_agent)
    text = visible(page(client.get(f"/improvements/{made.id}")))
    assert "minskade med 38 %" in text and "25–49 %" in text
    mine = visible(page(client.get("/improvements/mine")))
    assert "minskade med 38 %" in mine
    later = visible(page(client.get(f"/improvements/{done_later.id}")))
    assert "Inte tillräckligt med data ännu" in later
    set_lang(db, w.card_lead, "en")
    log_in(client, db, w.card_lead)
    team_page = visible(page(client.get(f"/admin/teams/{w.cards.id}")))
    assert "Improvements its members drove" in team_page and "fell 38 %" in team_page


def test_no_pages_for_customers(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    made = imp.raise_improvement(session=db, actor=SYSTEM, title="T", description="D", kind="fix")
    db.commit()
    log_in(client, db, w.alice_user)
    for url in (
        "/improvements",
        f"/improvements/{made.id}",
        "/improvements/new",
        "/improvements/mine",
    ):
        assert client.get(url).status_code == 403


def test_suggested_link_on_the_case(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    made = imp.raise_improvement(
        session=db,
        actor=SYSTEM,
        title="Kortet dröjer",
        description="D",
        kind="fix",
        topics=[w.card_topic.slug],
    )
    [suggested] = imp.add_suggested_evidence(db, made, [(w.alice_case.id, 0.88)])
    db.commit()
    set_lang(db, w.card_agent, "en")
    csrf = log_in(client, db, w.card_agent)
    html = page(client.get(f"/cases/{w.alice_case.number}"))
    assert "Kortet dröjer" in html and "Suggested" in visible(html)
    r = post(
        client,
        f"/improvements/{made.id}/reject",
        csrf,
        evidence_id=str(suggested.id),
        back=w.alice_case.number,
    )
    redirected(r, f"/cases/{w.alice_case.number}#case-improvements")
    db.refresh(suggested)
    assert suggested.status == "rejected"
    assert "Kortet dröjer" not in page(client.get(f"/cases/{w.alice_case.number}"))


def test_raise_from_a_knowledge_gap(client: TestClient, db: Session, w: factories.World) -> None:  # noqa: F811
    """The self-service page's knowledge gaps hand kind, title and their cases to the
    form: the cases the raiser may read are shown and linked; the others are left out."""
    other = factories.case(db, the_customer=w.alice, the_topic=w.card_topic, team_id=w.cards.id)
    db.commit()
    set_lang(db, w.card_agent, "en")
    csrf = log_in(client, db, w.card_agent)
    query = urlencode(
        [
            ("kind", "opportunity"),
            ("title", "kort, kommit"),
            ("cases", w.alice_case.number),
            ("cases", other.number.lower()),
            ("cases", w.bob_case.number),  # another team's case: not readable
            ("cases", "NOT A NUMBER"),
            ("cases", "NA-9999-999999"),
            ("cases", w.alice_case.number),
        ]
    )
    html = page(client.get(f"/improvements/new?{query}"))
    assert 'value="opportunity" checked' in html and 'value="kort, kommit"' in html
    for number in (w.alice_case.number, other.number):
        assert f'name="cases" value="{number}" checked' in html
    assert f'value="{w.bob_case.number}"' not in html
    assert "3 cases are left out" in visible(html)
    r = post(
        client,
        "/improvements/new",
        csrf,
        title="kort, kommit",
        description="Customers ask when the card arrives.",
        kind="opportunity",
        topics=[w.card_topic.slug],
        cases=[w.alice_case.number, other.number, w.bob_case.number, "x" * 100, ""],
    )
    made = db.scalar(select(Improvement))
    assert made is not None and made.kind == "opportunity"
    redirected(r, f"/improvements/{made.id}")
    linked = db.scalars(
        select(ImprovementEvidence).where(ImprovementEvidence.improvement_id == made.id)
    ).all()
    assert sorted((e.case_id, e.status) for e in linked) == sorted(
        [(w.alice_case.id, "confirmed"), (other.id, "confirmed")]
    )
    text = visible(page(client.get(f"/improvements/{made.id}")))
    assert "Evidence (2)" in text and other.number in text


def test_raise_form_survives_bad_values(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    set_lang(db, w.card_agent, "sv")
    csrf = log_in(client, db, w.card_agent)
    query = urlencode(
        [("kind", "<script>"), ("title", "x\ny" + "z" * 5000), ("cases", "'; drop table")]
    )
    html = page(client.get(f"/improvements/new?{query}"))
    assert 'value="fix" checked' in html and "<script>" not in html
    assert 'value="x y' + "z" * 197 + '"' in html  # at most the longest title allowed
    assert "1 ärende utelämnas" in visible(html)
    html = page(client.get("/improvements/new?cases=&title=&kind="))
    assert 'name="cases"' not in html and "utelämna" not in html
    # From a case and a gap at once: the case is the first evidence, shown once.
    number = w.alice_case.number
    html = page(client.get(f"/improvements/new?case={number}&cases={number}"))
    assert f'name="cases" value="{number}"' not in html and "utelämna" not in html
    # An empty title comes back with the chosen cases still chosen.
    r = post(
        client,
        "/improvements/new",
        csrf,
        title="",
        description="D",
        kind="fix",
        topics=[w.card_topic.slug],
        cases=[number, w.bob_case.number],
    )
    assert r.status_code == 422 and "får inte vara tomt" in visible(r.text)
    assert f'name="cases" value="{number}" checked' in r.text
    assert w.bob_case.number not in r.text
    assert db.scalar(select(Improvement)) is None


def test_effect_shows_recontact_and_selfservice_shares(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    made = imp.raise_improvement(
        session=db,
        actor=factories.actor(db, w.card_agent),
        title="Kortet har inte kommit",
        description="Kunder ringer.",
        kind="fix",
        topics=[w.card_topic.slug],
    )
    made.status = "done"
    made.live_at = imp.today() - timedelta(weeks=8)
    effect = ImprovementEffect(
        improvement_id=made.id,
        measured_at=clock.now(),
        status="measured",
        relative_change=-0.38,
        ci_low=-0.49,
        ci_high=-0.25,
        before_rate=40.0,
        after_rate=24.8,
        details={
            "recontact": {"before": 0.2, "after": 0.125},
            "selfservice_answered": {"before": None, "after": 0.3},
        },
    )
    db.add(effect)
    db.commit()
    set_lang(db, w.card_agent, "sv")
    log_in(client, db, w.card_agent)
    html = page(client.get(f"/improvements/{made.id}"))
    assert "<caption>Ämnet före och efter ändringen</caption>" in html
    text = visible(html)
    assert "Återkontakt 20 % 12,5 %" in " ".join(text.split())
    assert "Besvarat av självservice – Ingen uppgift 30 %" in " ".join(text.split())
    set_lang(db, w.card_lead, "en")
    log_in(client, db, w.card_lead)
    text = " ".join(visible(page(client.get(f"/improvements/{made.id}"))).split())
    assert "Re-contact rate 20 % 12.5 %" in text
    # Details without usable shares: no table, no error.
    effect.details = {"recontact": "x", "selfservice_answered": {"before": None, "after": 2}}
    db.commit()
    html = page(client.get(f"/improvements/{made.id}"))
    assert "effect-shares" not in html and "fell 38 %" in visible(html)


def test_the_effect_and_the_contacts_per_week_are_charts_with_their_tables(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    made = imp.raise_improvement(
        session=db,
        actor=factories.actor(db, w.card_agent),
        title="Kortet har inte kommit",
        description="Kunder ringer.",
        kind="fix",
        topics=[w.card_topic.slug],
    )
    made.status = "done"
    live = imp.today() - timedelta(weeks=8)
    made.live_at = live
    starts = (live - timedelta(days=14), live - timedelta(days=7), live + timedelta(days=1))
    weeks = [
        {"start": starts[0].isoformat(), "linked": 40, "total": 1000, "after": False},
        {"start": starts[1].isoformat(), "linked": 45, "total": 1000, "after": False},
        {"start": starts[2].isoformat(), "linked": 0, "total": 1000, "after": True},
        {"start": (starts[2] + timedelta(days=7)).isoformat(), "linked": 25, "total": 1000,
         "after": True},
    ]  # fmt: skip
    effect = ImprovementEffect(
        improvement_id=made.id,
        measured_at=clock.now(),
        status="measured",
        relative_change=-0.38,
        ci_low=-0.49,
        ci_high=-0.25,
        before_rate=42.5,
        after_rate=12.5,
        details={"weeks": weeks},
    )
    db.add(effect)
    db.commit()
    set_lang(db, w.card_agent, "sv")
    log_in(client, db, w.card_agent)
    html = page(client.get(f"/improvements/{made.id}"))
    chart = html.split('<figure class="chart" id="effect-chart">')[1].split("</figure>")[0]
    assert 'role="img"' in chart and "<script" not in chart
    assert "42,5 i snitt före ändringen och 12,5 efter" in chart  # the summary, in <desc>
    assert '<th scope="col">Före ändringen</th><th scope="col">Efter ändringen</th>' in chart
    assert "<td>45,0</td>" in chart and "<td>0,0</td>" in chart
    assert f'<th scope="row">{(live - timedelta(days=7)).isoformat()}</th>' in chart
    trend = html.split('<figure class="chart" id="trend-chart">')[1].split("</figure>")[0]
    assert "<caption>Kopplade kontakter per vecka</caption>" in trend
    assert trend.count('<th scope="row">v. ') == 12
    # An effect measured before the weeks were stored: the verdict, no chart.
    effect.details = {"recontact": {"before": 0.2, "after": 0.1}}
    db.commit()
    html = page(client.get(f"/improvements/{made.id}"))
    assert 'id="effect-chart"' not in html and "minskade med 38 %" in visible(html)
    effect.details = {"weeks": weeks}
    set_lang(db, w.card_lead, "en")
    log_in(client, db, w.card_lead)
    html = page(client.get(f"/improvements/{made.id}"))
    chart = html.split('id="effect-chart"')[1].split("</figure>")[0]
    assert "42.5 on average before the change and 12.5 after" in chart
    assert "Show the figures as a table" in chart
