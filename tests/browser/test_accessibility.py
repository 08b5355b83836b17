"""axe-core on every page, in both languages; a screenshot of each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, check_page, log_in

_DAYS_AGO_70 = (date.today() - timedelta(days=70)).isoformat()  # three months of trends
ANONYMOUS = [
    ("landing", "/"),
    ("help", "/help"),
    ("help-search", "/help?q=kort"),
    ("anonymous-new-case", "/cases/new"),
    ("private-link-wrong", "/follow/nl_no-such-link"),
]
CUSTOMER = [("portal-my-cases", "/cases"), ("portal-new-case", "/cases/new")]
AGENT = [
    ("inbox-mine", "/cases"),
    ("inbox-team", "/cases?tab=team"),
    ("customers", "/customers?q=Andersson"),
    ("customer-overview", "/customers/1"),
    ("notifications", "/notifications"),
    ("approvals", "/approvals"),
    ("approvals-mine", "/approvals?show=mine"),
    ("calendar-read-only", "/admin/teams/1/calendar"),  # an agent cannot change it
    ("bad-query", "/cases?page=0"),  # the request parser's refusal, as a page
    ("followup-agent", "/followup"),  # the agent's own teams
    ("followup-me", "/followup/me"),
    ("followup-cases-mine", "/followup/cases?metric=mine.resolved"),
]
IMPROVEMENTS = [
    ("improvements", "/improvements"),
    ("improvements-mine-tab", "/improvements?tab=mine"),
    ("improvements-team", "/improvements?tab=team&status=raised"),
    ("my-improvements", "/improvements/mine"),
]
ADMIN = [
    ("improvements-ranked", "/improvements?tab=ranked"),
    ("improvement-for-admin", "/improvements/1"),  # the decide, move and merge forms
    ("admin-teams", "/admin/teams"),
    ("admin-team", "/admin/teams/1"),
    ("admin-topics", "/admin/topics"),
    ("admin-users", "/admin/users"),
    ("admin-audit", "/admin/audit"),
    ("admin-tokens", "/admin/tokens"),
    ("admin-service", "/admin/service"),
    ("admin-mandates", "/admin/mandates?type=goodwill&team=kundservice&limit=2000"),
    ("admin-calendar", "/admin/teams/1/calendar"),
    ("not-found", "/cases/NA-1999-999999"),
    ("followup", "/followup"),
    ("followup-monthly", f"/followup?grain=month&team=kundservice&from={_DAYS_AGO_70}"),
    ("followup-errors", "/followup?from=2026-12-01&to=2026-01-01&channel=pigeon"),
    ("followup-cases", "/followup/cases?metric=cases.opened"),
    ("followup-cases-csat", "/followup/cases?metric=csat.rated&limit=5"),
    ("followup-cases-conversations", "/followup/cases?metric=selfservice.rejected"),
]


def _first_case_link(page: Any) -> str:
    href = page.locator("a[href^='/cases/NA-']").first.get_attribute("href")
    assert href
    return str(href)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_page_passes_axe(live_server: LiveServer, new_context: Any, lang: str) -> None:
    base = live_server.url
    failures: dict[str, Any] = {}

    def visit(page: Any, name: str, path: str) -> None:
        page.goto(base + path)
        serious = check_page(page, f"{name}-{lang}")
        if serious:
            failures[name] = serious

    anonymous = new_context(lang).new_page()
    for name, path in ANONYMOUS:
        visit(anonymous, name, path)
    anonymous.goto(base + "/widget-demo")
    anonymous.locator("#nara-widget .nara-toggle").click()
    if serious := check_page(anonymous, f"widget-open-{lang}"):
        failures["widget-open"] = serious
    anonymous.goto(base + "/help")
    anonymous.fill("#f-question", "Hur gör jag med arvet efter min mamma?")
    anonymous.click("form[action='/help/ask'] button[type=submit]")
    if serious := check_page(anonymous, f"help-handover-{lang}"):
        failures["help-handover"] = serious
    # The visitor leaves a phone number, gets the private link and follows it.
    anonymous.fill("#f-name", "Eva Ek")
    anonymous.fill("#f-phone", "070-123 45 67")
    anonymous.click("form[action='/help/contact'] button[type=submit]")
    if serious := check_page(anonymous, f"help-handed-{lang}"):
        failures["help-handed"] = serious
    link = str(anonymous.locator("#follow-link").get_attribute("href"))
    visit(anonymous, "private-link", link.removeprefix(base))
    anonymous.goto(base + "/")
    anonymous.fill("#email", "nobody@example.com")
    anonymous.fill("#password", "wrong password")
    anonymous.click("form[action='/login'] button[type=submit]")
    if serious := check_page(anonymous, f"login-error-{lang}"):
        failures["login-error"] = serious

    customer = new_context(lang).new_page()
    log_in(customer, base, "anna.andersson@example.com")
    customer.goto(base + "/cases/new")
    # Submit the empty form past the browser's own check, so that the server's errors show.
    customer.evaluate("document.querySelector(\"form[action='/cases/new']\").noValidate = true")
    customer.click("form[action='/cases/new'] button[type=submit]")
    assert customer.locator("#error-summary").is_visible()
    assert customer.locator("#f-message[aria-invalid='true']").count() == 1
    if serious := check_page(customer, f"portal-new-case-errors-{lang}"):
        failures["portal-new-case-errors"] = serious
    customer.fill("#f-message", "Jag behöver ett nytt kontoutdrag för 2025.")
    customer.click("form[action='/cases/new'] button[type=submit]")
    customer.wait_for_url(f"{base}/cases/NA-*")
    if serious := check_page(customer, f"portal-case-{lang}"):
        failures["portal-case"] = serious
    for name, path in CUSTOMER:
        visit(customer, name, path)

    agent = new_context(lang).new_page()
    log_in(agent, base, "oskar@exempelbanken.se")
    for name, path in AGENT:
        visit(agent, name, path)
    agent.goto(base + "/cases?tab=team")
    visit(agent, "agent-case", _first_case_link(agent))
    # a phone call: the agent searches the caller by name and gets several to choose from
    agent.goto(base + "/cases/new")
    agent.fill("#f-customer", "Andersson")
    agent.fill("#f-message", "Ringde om sitt kort.")
    agent.click("form[action='/cases/new'] button[type=submit]")
    assert agent.locator("fieldset.choices input[type=radio]").count() > 1
    if serious := check_page(agent, f"staff-new-case-choices-{lang}"):
        failures["staff-new-case-choices"] = serious
    agent.locator("fieldset.choices input[type=radio]").first.check()
    agent.click("form[action='/cases/new'] button[type=submit]")
    agent.wait_for_url(f"{base}/cases/NA-*")
    # The agent keeps the case; a hand-over without a reason shows the server's errors.
    agent.evaluate("document.querySelector(\"form[action$='/handover']\").noValidate = true")
    agent.click("form[action$='/handover'] button[type=submit]")
    assert agent.locator("#f-handover-reason[aria-invalid='true']").count() == 1
    if serious := check_page(agent, f"agent-handover-errors-{lang}"):
        failures["agent-handover-errors"] = serious
    # The agent raises an improvement from the case: the form (with the server's errors
    # first), the improvement, the lists.
    agent.click("#raise-improvement")
    agent.wait_for_url(f"{base}/improvements/new?case=*")
    if serious := check_page(agent, f"improvement-new-{lang}"):
        failures["improvement-new"] = serious
    agent.evaluate("document.querySelector('#improvement-form').noValidate = true")
    agent.click("#improvement-form button[type=submit]")
    assert agent.locator("#f-title[aria-invalid='true']").count() == 1
    if serious := check_page(agent, f"improvement-new-errors-{lang}"):
        failures["improvement-new-errors"] = serious
    agent.fill("#f-title", "Kortet har inte kommit")
    agent.fill("#f-description", "Kunder ringer för att kortet dröjer.")
    agent.click("#improvement-form button[type=submit]")
    agent.wait_for_url(f"{base}/improvements/*")
    if serious := check_page(agent, f"improvement-{lang}"):
        failures["improvement"] = serious
    for name, path in IMPROVEMENTS:
        visit(agent, name, path)

    admin = new_context(lang).new_page()
    log_in(admin, base, "admin@exempelbanken.se")
    for name, path in ADMIN:
        visit(admin, name, path)

    assert failures == {}


class _SureOfCards:
    """Answers every question with the card topic (to make answers to reject)."""

    def predict(self, text: str) -> Any:
        from nara.selfservice.predictions import Candidate, Prediction

        return Prediction([Candidate("kort-har-inte-kommit", 0.99)], 0.99, True, "axe")


def _rejected_answers(live_server: LiveServer, lang: str, n: int) -> None:
    """Customers say "No" to ``n`` answers: suggested counter-examples for the review."""
    from sqlalchemy.orm import Session

    from nara.domain.selfservice import ask, give_feedback, start_conversation

    with Session(live_server.engine) as session:
        for i in range(n):
            conversation = start_conversation(
                session=session, actor=None, channel="widget", lang=lang
            )
            ask(
                session=session,
                actor=None,
                conversation=conversation,
                question=f"Mitt kort kom inte fram, fråga {i} ({lang})",
                predictor=_SureOfCards(),
            )
            give_feedback(session=session, actor=None, conversation=conversation, solved=False)
        session.commit()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_training_suggestions_pass_axe_and_work_by_keyboard(
    live_server: LiveServer, new_context: Any, lang: str
) -> None:
    """The lead's self-service page and the review of suggestions, with rows, with the
    server's refusal and after a review done with the keyboard alone."""
    base = live_server.url
    _rejected_answers(live_server, lang, 2)
    failures: dict[str, Any] = {}
    page = new_context(lang).new_page()
    log_in(page, base, "karin.lead@exempelbanken.se")
    for name, path in (
        ("admin-selfservice", "/admin/selfservice"),
        ("admin-suggestions", f"/admin/selfservice/suggestions?lang={lang}"),
    ):
        page.goto(base + path)
        if serious := check_page(page, f"{name}-{lang}"):
            failures[name] = serious
    assert page.locator("#suggestions input[type=checkbox]").count() >= 2
    # Nothing chosen: the server refuses and says why.
    page.focus("#review-actions button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#error-summary").is_visible()
    if serious := check_page(page, f"admin-suggestions-errors-{lang}"):
        failures["admin-suggestions-errors"] = serious
    # Keyboard only: choose a suggestion with Space, "Discard" with the arrow keys, Enter.
    page.locator("#suggestions input[type=checkbox]").first.focus()
    page.keyboard.press("Space")
    page.focus("#action-accept")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#action-discard").is_checked()
    page.focus("#review-actions button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/admin/selfservice/suggestions?" in page.url
    assert page.locator("#review-result").is_visible()
    if serious := check_page(page, f"admin-suggestions-reviewed-{lang}"):
        failures["admin-suggestions-reviewed"] = serious
    assert failures == {}


CHARTS = [
    ("improvement-charts", "/improvements/1", ("#effect-chart", "#trend-chart")),
    ("admin-service-chart", "/admin/service", ("#kept-chart",)),
    ("admin-mandates-chart", "/admin/mandates", ("#mandate-chart",)),
]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_charts_and_their_tables_pass_axe(
    live_server: LiveServer, new_context: Any, lang: str
) -> None:
    """Every chart is an image with a name, and its table (opened) passes axe too; the
    frame that scrolls on a phone is reached with the keyboard."""
    base = live_server.url
    failures: dict[str, Any] = {}
    page = new_context(lang).new_page()
    log_in(page, base, "admin@exempelbanken.se")
    for name, path, charts in CHARTS:
        page.goto(base + path)
        for chart in charts:
            svg = page.locator(f"{chart} svg[role=img]")
            assert svg.count() == 1, (path, chart)
            assert svg.get_attribute("aria-labelledby") == f"{chart[1:]}-title {chart[1:]}-desc"
            assert page.locator(f"{chart} script").count() == 0
        page.evaluate("document.querySelectorAll('details.chart-data').forEach(d => d.open = true)")
        assert page.locator("details.chart-data[open] table caption").count() >= (
            len(charts) if name != "admin-service-chart" else 0
        )
        if serious := check_page(page, f"{name}-{lang}"):
            failures[name] = serious
    # On a phone the chart keeps readable text and its frame scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/admin/service")
    frame = page.locator("#kept-chart .chart-frame")
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth")
    frame.focus()
    page.keyboard.press("ArrowRight")
    # (scrolling by key may be animated)
    page.wait_for_function("document.querySelector('#kept-chart .chart-frame').scrollLeft > 0")
    assert failures == {}


def _resolved_case_with_link(live_server: LiveServer, message: str) -> tuple[str, str]:
    """A resolved case of Anna's and its signed rating link's path."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from nara.domain.actors import SYSTEM
    from nara.domain.cases import change_status, open_case
    from nara.models import Customer
    from nara.queries.satisfaction import rating_path

    with Session(live_server.engine) as session:
        anna = session.scalar(
            select(Customer).where(Customer.email == "anna.andersson@example.com")
        )
        assert anna is not None
        case = open_case(
            session=session, actor=SYSTEM, message=message, customer_id=anna.id, channel="phone"
        ).case
        change_status(session=session, actor=SYSTEM, number=case.number, status="resolved")
        session.commit()
        path = rating_path(case)
        assert path is not None
        return case.number, path


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_satisfaction_pages_pass_axe(live_server: LiveServer, new_context: Any, lang: str) -> None:
    """The question on the customer's resolved case (empty, refused, answered), the
    signed rating link (the form, answered, forged, expired) and the staff case page
    with the answer."""
    base = live_server.url
    failures: dict[str, Any] = {}

    def check(page: Any, name: str) -> None:
        if serious := check_page(page, f"{name}-{lang}"):
            failures[name] = serious

    number, _path = _resolved_case_with_link(live_server, f"Mitt kontoutdrag saknas ({lang}).")
    customer = new_context(lang).new_page()
    log_in(customer, base, "anna.andersson@example.com")
    customer.goto(base + f"/cases/{number}")
    check(customer, "portal-rate-form")
    customer.evaluate("document.querySelector('#satisfaction-form').noValidate = true")
    customer.click("#satisfaction-form button[type=submit]")
    assert customer.locator("#score-error").is_visible()
    check(customer, "portal-rate-errors")
    customer.check("#score-5")
    customer.click("#satisfaction-form button[type=submit]")
    customer.wait_for_selector("#satisfaction-answer")
    check(customer, "portal-rated")

    _number, path = _resolved_case_with_link(live_server, f"Mitt kort är spärrat ({lang}).")
    anonymous = new_context(lang).new_page()
    anonymous.goto(base + path)
    check(anonymous, "rate-link")
    anonymous.check("#score-4")
    anonymous.fill("#f-satisfaction-comment", "Tack!")
    anonymous.click("#satisfaction-form button[type=submit]")
    anonymous.wait_for_selector("#satisfaction-answer")
    check(anonymous, "rate-link-answered")
    anonymous.goto(base + path[:-4] + "AAAA")
    check(anonymous, "rate-link-forged")

    agent = new_context(lang).new_page()
    log_in(agent, base, "oskar@exempelbanken.se")  # Kundservice: the fallback team
    agent.goto(base + f"/cases/{number}")
    assert agent.locator("#satisfaction").is_visible()
    check(agent, "staff-case-rated")
    assert failures == {}
