"""The decision panel on the case page and the approvals inbox, as people use them:
an agent decides within the mandate, asks beyond it, the lead approves from the inbox,
the customer sees the outcome in plain words."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain import mandates
from nara.domain.actors import SYSTEM
from nara.models import ApprovalRequest, Decision, MandateRuleVersion, User
from tests import factories
from tests.web.test_pages import log_in, page, post, redirected, visible, w  # noqa: F401


def _text(html: str) -> str:
    """The visible text with no-break spaces (in amounts: "1 000,00 kr") as spaces."""
    return visible(html).replace("\xa0", " ")


def _set_lang(db: Session, user: User, lang: str) -> None:
    user.locale = lang
    db.flush()


def _rules(db: Session, w: factories.World) -> None:  # noqa: F811
    goodwill = mandates.create_decision_type(
        session=db,
        actor=SYSTEM,
        slug="goodwill",
        name_sv="Goodwillersättning",
        name_en="Goodwill compensation",
        kind="amount",
    )
    mandates.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=goodwill.id,
        name="Kort goodwill",
        holder={"kind": "team", "team_id": w.cards.id},
        limit="1000",
        customer_limit="3000",
        window_days=365,
    )
    mandates.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=goodwill.id,
        name="Kortchefen",
        holder={"kind": "user", "user_id": w.card_lead.id},
        limit="5000",
    )


def test_decide_ask_approve_and_the_customer_sees_the_outcome(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    number = w.alice_case.number
    _set_lang(db, w.card_agent, "sv")
    csrf = log_in(client, db, w.card_agent)
    text = _text(page(client.get(f"/cases/{number}")))
    assert "Beslut" in text and "Upp till 1 000,00 kr" in text
    assert "Regel ”Kort goodwill”, version 1" in text
    r = post(
        client,
        f"/cases/{number}/decide",
        csrf,
        type="goodwill",
        amount="250",
        days="",
        value="",
        reason="Lång väntan",
    )
    redirected(r, f"/cases/{number}#decisions")
    taken = db.scalar(select(Decision))
    assert taken is not None and taken.state == "taken" and taken.amount == Decimal("250.00")
    # Beyond the mandate: a request, and the page says who decides and by when.
    r = post(
        client,
        f"/cases/{number}/decide",
        csrf,
        type="goodwill",
        amount="3000",
        days="",
        value="",
        reason="Kunden missade lönen",
    )
    request = db.scalar(select(ApprovalRequest))
    assert request is not None
    redirected(r, f"/cases/{number}#approval-{request.id}")
    text = _text(page(client.get(f"/cases/{number}")))
    assert "Väntar på godkännande" in text
    # A bad amount is refused on the page, in Swedish, and nothing is written.
    bad = post(
        client,
        f"/cases/{number}/decide",
        csrf,
        type="goodwill",
        amount="12,345",
        days="",
        value="",
        reason="x",
    )
    assert bad.status_code == 422
    assert "högst två decimaler" in _text(bad.text)
    assert len(db.scalars(select(Decision)).all()) == 2
    # The lead approves from the approvals inbox.
    _set_lang(db, w.card_lead, "en")
    csrf = log_in(client, db, w.card_lead)
    inbox = _text(page(client.get("/approvals")))
    assert number in inbox and "SEK 3,000.00" in inbox and "Kunden missade lönen" in inbox
    r = post(client, f"/approvals/{request.id}/approve", csrf)
    redirected(r, "/approvals")
    db.refresh(request)
    assert request.status == "approved"
    # The customer sees the outcome in plain words, and nothing internal.
    _set_lang(db, w.alice_user, "sv")
    log_in(client, db, w.alice_user)
    mine = _text(page(client.get(f"/cases/{number}")))
    assert "Vi har beslutat: Goodwillersättning: 3 000,00 kr" in mine
    assert "Kortchefen" not in mine and "Kunden missade lönen" not in mine


def test_the_requester_cannot_approve_and_a_decline_needs_a_reason(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    number = w.alice_case.number
    csrf = log_in(client, db, w.card_agent)
    post(
        client,
        f"/cases/{number}/decide",
        csrf,
        type="goodwill",
        amount="2000",
        days="",
        value="",
        reason="r",
    )
    request = db.scalar(select(ApprovalRequest))
    assert request is not None
    assert "/approve" not in page(client.get("/approvals"))  # nothing to approve for me
    own = post(client, f"/approvals/{request.id}/approve", csrf)
    assert own.status_code == 403
    csrf = log_in(client, db, w.card_lead)
    empty = post(client, f"/approvals/{request.id}/decline", csrf, reason=" ")
    assert empty.status_code == 422
    db.refresh(request)
    assert request.status == "pending"
    r = post(client, f"/approvals/{request.id}/decline", csrf, reason="För högt")
    redirected(r, "/approvals")
    db.refresh(request)
    assert request.status == "declined" and request.decline_reason == "För högt"


def test_the_mandates_page_shows_rules_what_if_and_a_lead_changes_a_limit(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    goodwill = mandates.decision_type_by_slug(db, "goodwill")
    mandates.set_ceiling(
        session=db,
        actor=SYSTEM,
        team_id=w.cards.id,
        decision_type_id=goodwill.id,
        limit="2000",
        customer_limit="6000",
    )
    number = w.alice_case.number
    csrf = log_in(client, db, w.card_agent)
    for amount in ("1500", "1800", "4000"):
        post(
            client,
            f"/cases/{number}/decide",
            csrf,
            type="goodwill",
            amount=amount,
            days="",
            value="",
            reason="r",
        )
    _set_lang(db, w.card_lead, "sv")
    csrf = log_in(client, db, w.card_lead)
    text = _text(page(client.get("/admin/mandates")))
    assert "Kort goodwill" in text and "1 000,00 kr" in text
    text = _text(
        page(client.get(f"/admin/mandates?type=goodwill&team={w.cards.slug}&limit=2000&days=90"))
    )
    assert "2 av 3 begäranden om godkännande (3 300,00 kr)" in text
    bad = client.get(f"/admin/mandates?type=goodwill&team={w.cards.slug}&limit=-3")
    assert bad.status_code == 422
    rule = db.scalars(
        select(MandateRuleVersion).where(MandateRuleVersion.name == "Kort goodwill")
    ).one()
    r = post(
        client,
        f"/admin/mandates/{rule.rule_id}",
        csrf,
        limit="2000",
        customer_limit="6000",
        why="Färre väntar på mig",
    )
    redirected(r, f"/admin/mandates#rule-{rule.rule_id}")
    assert "Färre väntar på mig" in _text(page(client.get("/admin/mandates")))
    above = post(
        client,
        f"/admin/mandates/{rule.rule_id}",
        csrf,
        limit="2500",
        customer_limit="6000",
        why="Mer",
    )
    assert above.status_code == 403
    assert "över det tak" in _text(above.text)


def test_the_follow_up_counts_decisions_and_drills_down_to_the_cases(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    number = w.alice_case.number
    csrf = log_in(client, db, w.card_agent)
    for amount in ("200", "300", "2500"):
        post(
            client,
            f"/cases/{number}/decide",
            csrf,
            type="goodwill",
            amount=amount,
            days="",
            value="",
            reason="Väntan",
        )
    request = db.scalar(select(ApprovalRequest))
    assert request is not None
    _set_lang(db, w.card_lead, "en")
    csrf = log_in(client, db, w.card_lead)
    post(client, f"/approvals/{request.id}/approve", csrf)
    html = page(client.get("/admin/mandates"))
    # the chart's figures (per decision type) come first, then the table per type and team
    chart, table = html.split("</figure>", 1)
    assert 'role="img"' in chart and "Decided at once" in chart
    row = re.search(r"Goodwill compensation</th>.*?</tr>", table, re.S)
    assert row is not None
    cells = _text(row.group(0))
    assert "2" in cells and "(67 %)" in cells and "SEK 3,000.00" in cells
    drill = _text(
        page(client.get(f"/admin/mandates/decisions?type=goodwill&team={w.cards.slug}&how=at_once"))
    )
    assert drill.count(number) == 2 and "SEK 2,500.00" not in drill
    got = client.get(f"/admin/mandates/decisions.csv?type=goodwill&team={w.cards.slug}")
    assert got.status_code == 200
    assert got.text.startswith("\ufeffCase,Decision type,Kind,Amount (SEK),Days,Yes or no,")
    lines = got.text.strip().splitlines()
    assert len(lines) == 4 and any(",2500.00," in line and ",taken," in line for line in lines)
    log_in(client, db, w.alice_user)
    assert client.get("/admin/mandates/decisions.csv").status_code == 403


def test_an_admin_creates_a_rule_on_the_page_and_bad_limits_are_refused(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    csrf = log_in(client, db, w.admin)
    r = post(
        client,
        "/admin/mandates",
        csrf,
        decision_type="goodwill",
        name="Lån goodwill",
        holder=f"team:{w.loans.id}",
        limit="750",
        customer_limit="",
        why="Ny ordning",
    )
    made = db.scalars(
        select(MandateRuleVersion).where(MandateRuleVersion.name == "Lån goodwill")
    ).one()
    redirected(r, f"/admin/mandates#rule-{made.rule_id}")
    assert made.limit_amount == Decimal("750.00") and made.holder_team_id == w.loans.id
    bad = post(
        client,
        "/admin/mandates",
        csrf,
        decision_type="goodwill",
        name="Fel",
        holder="role:agent",
        limit="-5",
        customer_limit="",
        why="",
    )
    assert bad.status_code == 422
    assert (
        db.scalars(select(MandateRuleVersion).where(MandateRuleVersion.name == "Fel")).all() == []
    )
    csrf = log_in(client, db, w.card_agent)
    refused = post(
        client,
        "/admin/mandates",
        csrf,
        decision_type="goodwill",
        name="Jag",
        holder=f"user:{w.card_agent.id}",
        limit="99999",
        customer_limit="",
        why="",
    )
    assert refused.status_code == 403


def test_an_admin_defines_a_decision_type_and_takes_it_out_of_use(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    csrf = log_in(client, db, w.admin)
    r = client.post(
        "/admin/mandates/types",
        data={
            "csrf_token": csrf,
            "slug": "waive-fee",
            "name_sv": "Efterskänk avgift",
            "name_en": "Waive a fee",
            "kind": "amount",
            "approval_minutes": "120",
            "topic_ids": [str(w.card_topic.id)],
        },
        follow_redirects=False,
    )
    redirected(r, "/admin/mandates#types")
    made = mandates.decision_type_by_slug(db, "waive-fee")
    assert made.approval_minutes == 120 and mandates.type_topic_ids(db, made.id) == [
        w.card_topic.id
    ]
    again = post(
        client,
        "/admin/mandates/types",
        csrf,
        slug="waive-fee",
        name_sv="x",
        name_en="x",
        kind="amount",
        approval_minutes="120",
    )
    assert again.status_code == 409
    r = post(client, f"/admin/mandates/types/{made.id}/active", csrf, active="no")
    redirected(r, "/admin/mandates#types")
    db.refresh(made)
    assert made.is_active is False
    csrf = log_in(client, db, w.card_lead)
    refused = post(
        client,
        "/admin/mandates/types",
        csrf,
        slug="mine",
        name_sv="x",
        name_en="x",
        kind="days",
        approval_minutes="60",
    )
    assert refused.status_code == 403


def test_the_decisions_csv_in_swedish_for_excel_and_without_formulas(
    client: TestClient,
    db: Session,
    w: factories.World,  # noqa: F811
) -> None:
    _rules(db, w)
    _set_lang(db, w.card_agent, "sv")
    csrf = log_in(client, db, w.card_agent)
    for amount, reason in (("250,50", '=HYPERLINK("http://x")'), ("300", "Åsa väntade; länge")):
        post(
            client,
            f"/cases/{w.alice_case.number}/decide",
            csrf,
            type="goodwill",
            amount=amount,
            days="",
            value="",
            reason=reason,
        )
    got = client.get("/admin/mandates/decisions.csv?format=excel-sv")
    assert got.status_code == 200 and got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == 'attachment; filename="decisions.csv"'
    assert got.content.startswith("\ufeffÄrende;Beslutstyp;Slag;Belopp (kr);".encode())
    lines = got.text.removeprefix("\ufeff").split("\r\n")
    formula = next(line for line in lines if "HYPERLINK" in line)
    assert ";250,50;" in formula and formula.endswith(';"\'=HYPERLINK(""http://x"")"')
    cells = next(csv.reader([formula], delimiter=";"))
    assert cells[3] == "250,50" and cells[-1] == '\'=HYPERLINK("http://x")'
    plain = next(line for line in lines if "Åsa" in line)
    assert ";300,00;" in plain and plain.endswith(';"Åsa väntade; länge"')
    standard = client.get("/admin/mandates/decisions.csv").text
    assert ",250.50," in standard and "\r\n" in standard
    refused = client.get("/admin/mandates/decisions.csv?format=xlsx")
    assert refused.status_code == 422 and "excel-sv" in refused.text
    assert "text/html" in refused.headers["content-type"]
    page_html = page(client.get("/admin/mandates/decisions?type=goodwill"))
    assert (
        'href="/admin/mandates/decisions.csv?type=goodwill&amp;team=&amp;how=&amp;days=90&amp;format=excel-sv"'
        in page_html
    )
