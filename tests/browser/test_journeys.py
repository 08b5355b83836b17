"""Journeys through the real browser: customer, agent, another team, language."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.conftest import LiveServer, check_page, log_in

CUSTOMER = "anna.andersson@example.com"
CARD_AGENT = "erik@exempelbanken.se"  # Kort & betalningar
LOAN_AGENT = "emma@exempelbanken.se"  # Lån & krediter


def test_customer_agent_round_trip(live_server: LiveServer, new_context: Any) -> None:
    base = live_server.url
    # The customer opens a case in Swedish and sees it.
    customer = new_context("sv").new_page()
    log_in(customer, base, CUSTOMER)
    customer.click("text=Nytt ärende >> nth=0")
    customer.select_option("#f-topic_id", label="Kortet har inte kommit")
    customer.fill("#f-message", "Mitt nya bankkort har inte kommit fram efter tre veckor.")
    customer.click("form[action='/cases/new'] button[type=submit]")
    expect(customer.locator("h1")).to_contain_text("Mitt nya bankkort har inte kommit")
    number = customer.locator(".muted").first.inner_text().split(" ")[0]
    assert re.fullmatch(r"NA-\d{4}-\d{6}", number), number
    expect(customer.locator(".next")).to_contain_text("Vad händer nu")
    customer.goto(base + "/cases")
    expect(customer.locator(".case-cards")).to_contain_text(number)

    # An agent of the team that handles the topic finds it, claims it and replies.
    agent = new_context("sv").new_page()
    log_in(agent, base, CARD_AGENT)
    agent.goto(base + "/cases?tab=unassigned")
    agent.fill("#q", number)
    agent.press("#q", "Enter")
    agent.click(f"text={number}")
    expect(agent.locator("h1")).to_contain_text(number)
    agent.click("#claim-form button")
    expect(agent.locator("#case-facts")).to_contain_text("Erik Johansson")
    agent.fill("#f-body", "Hej Anna! Kortet skickades i förrgår, det bör komma i morgon.")
    agent.click("form[action$='/reply'] button[type=submit]")
    expect(agent.locator("#timeline")).to_contain_text("Kortet skickades i förrgår")

    # The customer sees the reply and who handles the case.
    customer.goto(base + f"/cases/{number}")
    expect(customer.locator("#timeline")).to_contain_text("Kortet skickades i förrgår")
    expect(customer.locator(".next")).to_contain_text("Erik")

    # An agent of another team cannot open it.
    other = new_context("sv").new_page()
    log_in(other, base, LOAN_AGENT)
    response = other.goto(base + f"/cases/{number}")
    assert response is not None and response.status == 404
    expect(other.locator("body")).not_to_contain_text("Mitt nya bankkort")


def test_front_line_agent_keeps_a_case_then_hands_it_over(
    live_server: LiveServer, new_context: Any
) -> None:
    """A Kundservice agent takes a call about a card: the case they open stays theirs
    (it used to end on a 404), routing suggests the card team, and the agent hands it
    over with the keyboard to a named card agent; the agent keeps reading it and the
    customer sees the new owner's name."""
    base = live_server.url
    agent = new_context("sv").new_page()
    log_in(agent, base, "oskar@exempelbanken.se")  # Kundservice
    agent.goto(base + "/cases/new")
    agent.fill("#f-customer", "anna.andersson@example.com")
    agent.select_option("#f-topic_id", label="Kortet har inte kommit")
    agent.fill("#f-message", "Kunden ringer: kortet har inte kommit efter tre veckor.")
    agent.click("form[action='/cases/new'] button[type=submit]")
    agent.wait_for_url(f"{base}/cases/NA-*")
    expect(agent.locator("h1")).to_contain_text("Kunden ringer")
    expect(agent.locator("#case-facts")).to_contain_text("Oskar Nilsson")
    expect(agent.locator("#handover")).to_contain_text(
        "Dirigeringen föreslår Kort & betalningar: samråd med dem eller lämna över."
    )
    number = agent.url.rsplit("/", 1)[1]
    # The hand-over form with the keyboard only: focus, choose, type, submit.
    agent.focus("#f-handover-team")
    expect(agent.locator("#f-handover-team")).to_have_value("kort-betalningar")
    agent.keyboard.press("Tab")
    expect(agent.locator("#f-handover-owner")).to_be_focused()
    agent.select_option("#f-handover-owner", value="erik@exempelbanken.se")
    agent.keyboard.press("Tab")
    expect(agent.locator("#f-handover-reason")).to_be_focused()
    agent.keyboard.type("Kortet behöver spärras och ersättas: Kort & betalningar tar över.")
    agent.keyboard.press("Tab")
    agent.keyboard.press("Enter")
    agent.wait_for_url(f"{base}/cases/{number}")
    expect(agent.locator("#timeline")).to_contain_text("Överlämnat")
    expect(agent.locator("#timeline")).to_contain_text("Kort & betalningar tar över")
    expect(agent.locator("#case-facts")).to_contain_text("Erik Johansson")
    expect(agent.locator("#handover")).to_have_count(0)  # the earlier owner reads only

    card_agent = new_context("sv").new_page()
    log_in(card_agent, base, CARD_AGENT)
    card_agent.goto(base + "/cases?tab=mine")
    expect(card_agent.locator("main")).to_contain_text(number)

    customer = new_context("sv").new_page()
    log_in(customer, base, CUSTOMER)
    customer.goto(base + f"/cases/{number}")
    expect(customer.locator(".next")).to_contain_text("Erik handlägger ditt ärende")
    expect(customer.locator("main")).not_to_contain_text("tar över")


def _visible_text(page: Any) -> str:
    """The page's visible text without the options of drop-downs (which list data, such
    as topic names, that may happen to equal a UI string) and without the language switch
    (which names the other language in that language, on purpose)."""
    return str(
        page.evaluate(
            """() => { const c = document.body.cloneNode(true);
                c.querySelectorAll('select, form[action="/lang"]').forEach(e => e.remove());
                document.body.appendChild(c); c.style.display = 'block';
                const original = document.body.firstElementChild;
                const text = c.innerText; c.remove(); return text; }"""
        )
    )


def test_switching_language_changes_every_visible_string(
    live_server: LiveServer, new_context: Any
) -> None:
    from nara.i18n import translations

    base = live_server.url
    page = new_context("sv").new_page()
    log_in(page, base, "karin.lead@exempelbanken.se")
    sv_catalog = translations("sv")
    # Data (topic and team names) is not UI text; take it out before comparing.
    with live_server.engine.connect() as conn:
        names = [
            name
            for table in ("topics", "teams")
            for row in conn.execute(text(f"SELECT name_sv, name_en FROM {table}"))
            for name in row
        ]
    names.sort(key=len, reverse=True)

    def without_data(content: str) -> str:
        for name in names:
            content = content.replace(name, " ")
        return content

    paths = ["/cases", "/admin/teams", "/admin/topics", "/admin/tokens", "/followup"]
    for path in paths:
        page.goto(base + path)
        swedish = without_data(_visible_text(page))
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        page.click("form[action='/lang'] button")
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        english = without_data(_visible_text(page))
        # Every UI string whose English text is on the English page is on the Swedish
        # page in Swedish, and not in English. Longest strings first, each match taken
        # out of both pages, so that "English" inside "Name in English" counts once.
        checked = 0
        messages = [m for m in sv_catalog._catalog if isinstance(m, str)]  # type: ignore[attr-defined]
        for message in sorted(messages, key=len, reverse=True):
            if not message or "%(" in message or len(message) < 4:
                continue
            swedish_text = sv_catalog.gettext(message)
            if swedish_text == message:
                continue
            pattern = re.compile(rf"(?<!\w){re.escape(message)}(?!\w)")
            if pattern.search(english):
                checked += 1
                assert swedish_text in swedish, (path, message, swedish_text)
                english = pattern.sub(" ", english)
                swedish = swedish.replace(swedish_text, " ")
        untranslated = [
            m
            for m in messages
            if len(m) >= 4 and "%(" not in m and sv_catalog.gettext(m) != m
            and re.search(rf"(?<!\w){re.escape(m)}(?!\w)", swedish)
        ]  # fmt: skip
        assert untranslated == [], (path, untranslated)
        assert checked >= 5, (path, checked)
        page.click("form[action='/lang'] button")  # back to Swedish
        page.wait_for_load_state()


def test_keyboard_only_agent(live_server: LiveServer, new_context: Any) -> None:
    base = live_server.url
    page = new_context("en").new_page()
    log_in(page, base, "oskar@exempelbanken.se")
    page.goto(base + "/cases?tab=team")
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # "/" jumps to the search; "j" selects the first case; Enter opens it.
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("j")
    expect(page.locator(".inbox-row.selected")).to_have_count(1)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/NA-"))
    # "?" opens the shortcut help, Esc closes it.
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()
    # "r" focuses the reply box.
    page.locator("h1").click()
    page.keyboard.press("r")
    expect(page.locator("#f-body")).to_be_focused()


def test_widget_hands_over_to_a_person(live_server: LiveServer, new_context: Any) -> None:
    """The one-script-tag widget on an organisation's page: a question the engine is not
    sure of (here there is no trained model at all) goes to a person, with contact details."""
    base = live_server.url
    page = new_context("sv", enforce_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/widget-demo")
    widget = page.locator("#nara-widget")
    widget.get_by_role("button", name="Fråga oss").click()
    widget.get_by_label("Skriv din fråga").fill("Hur fungerar det med arv och bouppteckning?")
    widget.get_by_role("button", name="Skicka", exact=True).click()
    expect(widget.get_by_label("Namn")).to_be_visible()
    widget.get_by_label("Namn").fill("Eva Exempel")
    widget.get_by_label("E-postadress").fill("eva@example.com")
    widget.get_by_role("button", name="Skicka till en person").click()
    expect(widget.locator(".nara-log")).to_contain_text(re.compile(r"NA-\d{4}-\d{6}"))
    # No promise of an e-mail: the private link instead, to follow the case and answer.
    expect(widget.locator(".nara-log")).to_contain_text("Vi skickar inte e-post")
    assert "kontaktar dig" not in widget.locator(".nara-log").inner_text()
    link = widget.locator(".nara-log a[href*='/follow/nl_']")
    expect(link).to_be_visible()
    assert errors == []
    page.goto(str(link.get_attribute("href")))
    expect(page.locator("h1")).to_contain_text("arv och bouppteckning")
    page.fill("#f-body", "Jag har bouppteckningen klar.")
    page.click("form[action$='/reply'] button[type=submit]")
    expect(page.locator("ol.timeline")).to_contain_text("Jag har bouppteckningen klar.")
    expect(page.locator("ol.timeline")).to_contain_text("Du skrev")


def test_widget_answer_offers_a_way_on_at_once(
    live_server: LiveServer, new_context: Any, monkeypatch: Any
) -> None:
    """Every answer shows "Not what you asked? Talk to a person" before the article; one
    click rejects it and a person takes over."""
    from nara.selfservice.predictions import Candidate, Prediction
    from nara.web.api import selfservice as api

    class Sure:
        def predict(self, text: str) -> Prediction:
            return Prediction([Candidate("kort-har-inte-kommit", 0.99)], 0.99, True, "t-1")

    monkeypatch.setattr(api, "active_predictor", lambda db: Sure())
    page = new_context("sv", enforce_csp=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/widget-demo")
    widget = page.locator("#nara-widget")
    widget.get_by_role("button", name="Fråga oss").click()
    widget.get_by_label("Skriv din fråga").fill("Mitt nya kort har inte kommit")
    widget.get_by_role("button", name="Skicka", exact=True).click()
    way_on = widget.locator(".nara-way-on")
    expect(way_on).to_contain_text("Inte det du frågade om?")
    expect(widget.locator(".nara-article h3")).to_be_visible()
    way_on.get_by_role("button", name="Prata med en person").click()
    expect(widget.get_by_label("Namn")).to_be_visible()  # a person takes over
    expect(way_on).to_have_count(0)
    assert errors == []


def test_expected_wait_callback_and_next_case(live_server: LiveServer, new_context: Any) -> None:
    """The customer sees when a person will answer and books a callback instead of
    waiting; an agent takes the next case with "x" and records the call."""
    base = live_server.url
    customer = new_context("en").new_page()
    log_in(customer, base, CUSTOMER)
    customer.goto(base + "/cases/new")
    customer.select_option("#f-topic_id", label="Fees")
    customer.fill("#f-message", "Why was I charged a fee twice this month?")
    customer.click("form[action='/cases/new'] button[type=submit]")
    customer.wait_for_url(re.compile(r"/cases/NA-"))
    number = customer.url.rsplit("/", 1)[1]
    expect(customer.locator(".expected-wait")).to_contain_text("We expect a person to answer")
    # A day, then one of that day's free times (the script hides the others).
    customer.select_option("#book-day", index=0)
    day = customer.locator("#book-day").input_value()
    offered = customer.locator("#book-time option:not([disabled])")
    assert offered.count() >= 1
    for free_days in offered.evaluate_all("options => options.map(o => o.dataset.days)"):
        assert day in free_days.split()
    chosen = offered.nth(offered.count() - 1).inner_text()
    customer.select_option("#book-time", chosen)
    customer.fill("#book-phone", "070-174 06 01")
    customer.click("form[action$='/callback/book'] button[type=submit]")
    expect(customer.locator("#callback")).to_contain_text("070-174 06 01")
    expect(customer.locator("#callback")).to_contain_text(chosen)
    expect(customer.locator("#timeline")).to_contain_text("Callback booked")

    agent = new_context("en").new_page()
    log_in(agent, base, "oskar@exempelbanken.se")  # Kundservice handles fees
    agent.goto(base + "/cases")
    agent.locator("h1").click()
    agent.keyboard.press("x")
    agent.wait_for_url(re.compile(r"/cases/NA-"))
    expect(agent.locator("#case-facts")).to_contain_text("Oskar Nilsson")
    agent.goto(base + f"/cases/{number}")
    agent.fill("#cb-note", "Explained the double fee; refund on its way.")
    agent.click("#callback button[name=reached][value=yes]")
    expect(agent.locator("#callback")).to_contain_text("Reached")

    customer.goto(base + f"/cases/{number}")
    expect(customer.locator("#timeline")).to_contain_text("Explained the double fee")
    expect(customer.locator(".expected-wait")).to_have_count(0)  # a person has answered


def test_consultation_over_two_logins(live_server: LiveServer, new_context: Any) -> None:
    """Issue 12's journey: a Kundservice agent consults Lån & krediter on a customer's
    case; a Lån & krediter agent (in English) sees it in the consultations tab, opens the
    case and answers; the Kundservice agent replies to the customer and resolves. The
    customer saw one owner throughout and nothing of the consultation; an agent of a
    third team never sees the case. The consultation pages are axe-clean."""
    base = live_server.url
    agent = new_context("sv").new_page()
    log_in(agent, base, "johan@exempelbanken.se")  # Kundservice
    agent.goto(base + "/cases/new")
    agent.fill("#f-customer", CUSTOMER)
    agent.select_option("#f-topic_id", label="Kreditgräns")
    agent.fill("#f-message", "Kunden ringer: vill höja kreditgränsen på kortet inför en resa.")
    agent.click("form[action='/cases/new'] button[type=submit]")
    agent.wait_for_url(f"{base}/cases/NA-*")
    number = agent.url.rsplit("/", 1)[1]
    expect(agent.locator("#case-facts")).to_contain_text("Johan Berg")
    agent.select_option("#f-consult-team", value="lan-krediter")
    question = "Kan kunden få en tillfälligt högre kreditgräns i två veckor?"
    agent.fill("#f-consult-question", question)
    agent.click("form[action$='/consult'] button[type=submit]")
    agent.wait_for_url(f"{base}/cases/{number}#consultations")
    expect(agent.locator("#consultations")).to_contain_text("Väntar på svar")
    assert check_page(agent, "case-consultation-asked-sv") == []

    customer = new_context("sv").new_page()
    log_in(customer, base, CUSTOMER)
    customer.goto(base + f"/cases/{number}")
    expect(customer.locator(".next")).to_contain_text("Johan")
    expect(customer.locator("main")).not_to_contain_text("kreditgräns i två veckor")

    loans = new_context("en").new_page()
    log_in(loans, base, LOAN_AGENT)
    loans.goto(base + "/consultations")
    expect(loans.locator("main")).to_contain_text(number)
    assert check_page(loans, "consultations-tab-en") == []
    loans.click(f"a[href^='/cases/{number}']")
    expect(loans.locator("h1")).to_contain_text(number)
    expect(loans.locator("main")).not_to_contain_text("Reply to the customer")
    answer = loans.locator("#consultations textarea[name='body']")
    answer.fill("Yes: 40 000 kr for 14 days is within policy. Raised from tonight.")
    loans.click("form[action$='/answer'] button[type=submit]")
    expect(loans.locator("#consultations")).to_contain_text("Answered")
    assert check_page(loans, "case-consultation-answered-en") == []

    third = new_context("sv").new_page()
    log_in(third, base, "david@exempelbanken.se")  # Bedrägeri & säkerhet
    response = third.goto(base + f"/cases/{number}")
    assert response is not None and response.status == 404

    agent.goto(base + f"/cases/{number}")
    expect(agent.locator("#consultations")).to_contain_text("40 000 kr for 14 days")
    agent.click("form[action$='/close'] button[type=submit]")
    expect(agent.locator("#consultations")).to_contain_text("Avslutat")
    agent.fill("#f-body", "Hej Anna! Kreditgränsen är höjd till 40 000 kr i två veckor.")
    agent.click("form[action$='/reply'] button[type=submit]")
    agent.select_option("#f-status", value="resolved")
    agent.click("form[action$='/status'] button[type=submit]")
    expect(agent.locator("#case-facts")).to_contain_text("Löst")

    customer.goto(base + f"/cases/{number}")
    expect(customer.locator("#timeline")).to_contain_text("Kreditgränsen är höjd")
    expect(customer.locator("main")).to_contain_text("Johan")
    expect(customer.locator("main")).not_to_contain_text("14 days")
    expect(customer.locator("main")).not_to_contain_text("Lån & krediter")


def test_mandate_decide_ask_approve(live_server: LiveServer, new_context: Any) -> None:
    """Issue 14's journey: Oskar (Kundservice) refunds a 250 kr fee at once (the timeline
    names the rule), asks for 3,000 kr goodwill (beyond his 1,000 kr), Karin approves it
    from her approvals inbox, the customer sees the outcome, and the mandates page shows
    the front-line share and the what-if of raising Kundservice's goodwill limit."""
    base = live_server.url
    oskar = new_context("sv").new_page()
    log_in(oskar, base, "oskar@exempelbanken.se")
    oskar.goto(base + "/cases/new")
    oskar.fill("#f-customer", CUSTOMER)
    oskar.select_option("#f-topic_id", label="Avgifter")
    oskar.fill("#f-message", "Kunden har debiterats en avgift för pappersavi trots e-faktura.")
    oskar.click("form[action='/cases/new'] button[type=submit]")
    oskar.wait_for_url(f"{base}/cases/NA-*")
    number = oskar.url.rsplit("/", 1)[1]
    panel = oskar.locator("#decisions")
    expect(panel).to_contain_text("Återbetala avgift")
    oskar.select_option("#f-decision-type", value="aterbetala-avgift")
    oskar.fill("#f-decision-amount", "250")
    oskar.fill("#f-decision-reason", "Avgiften togs av misstag")
    oskar.click("form[action$='/decide'] button[type=submit]")
    oskar.wait_for_url(f"{base}/cases/{number}#decisions")
    expect(oskar.locator(".timeline")).to_contain_text("Kundservice: avgifter")
    oskar.select_option("#f-decision-type", value="goodwill")
    oskar.fill("#f-decision-amount", "3000")
    oskar.fill("#f-decision-reason", "Kunden missade lönen på grund av vårt fel")
    oskar.click("form[action$='/decide'] button[type=submit]")
    oskar.wait_for_url(re.compile(rf"{re.escape(base)}/cases/{number}#approval-\d+"))
    expect(panel).to_contain_text("Väntar på godkännande av Karin Lindqvist")
    assert check_page(oskar, "case-decisions-sv") == []

    karin = new_context("en").new_page()
    log_in(karin, base, "karin.lead@exempelbanken.se")
    karin.goto(base + "/approvals")
    row = karin.locator("tr", has_text=number)
    expect(row).to_contain_text("SEK 3,000.00")
    row.locator("form[action$='/approve'] button").click()
    karin.wait_for_url(base + "/approvals")
    expect(karin.locator("main")).not_to_contain_text(number)

    customer = new_context("sv").new_page()
    log_in(customer, base, CUSTOMER)
    customer.goto(base + f"/cases/{number}")
    main = customer.locator("main")
    expect(main).to_contain_text("Vi har beslutat: Goodwillersättning")
    expect(main).to_contain_text("Vi har beslutat: Återbetala avgift")
    expect(main).not_to_contain_text("Kunden missade lönen")
    expect(main).not_to_contain_text("Kundservice: avgifter")

    karin.goto(base + "/admin/mandates?type=goodwill&team=kundservice&limit=3000&days=90")
    expect(karin.locator("#results-heading")).to_be_visible()
    expect(karin.locator(".what-if-result")).to_contain_text("decided at once")
    assert check_page(karin, "admin-mandates-what-if-en") == []


def test_improvement_raised_from_a_case_accepted_and_measured(
    live_server: LiveServer, new_context: Any
) -> None:
    """Issue 15's "done when": a front-line agent raises an improvement from a case (the
    case is its first evidence), the lead of the team that owns the topic accepts it with
    a date, the agent sees that under "My improvements"; and the agent who raised the
    demo's delivery SMS sees its measured effect with its 95 % interval."""
    base = live_server.url
    oskar = new_context("sv").new_page()
    log_in(oskar, base, "oskar@exempelbanken.se")  # Kundservice
    oskar.goto(base + "/cases/new")
    oskar.fill("#f-customer", CUSTOMER)
    oskar.select_option("#f-topic_id", label="Kortet har inte kommit")
    oskar.fill(
        "#f-message", "Kunden ringer igen: ersättningskortet har inte kommit efter två veckor."
    )
    oskar.click("form[action='/cases/new'] button[type=submit]")
    oskar.wait_for_url(f"{base}/cases/NA-*")
    number = oskar.url.rsplit("/", 1)[1]
    oskar.click("#raise-improvement")
    oskar.wait_for_url(f"{base}/improvements/new?case={number}")
    expect(oskar.locator("h1")).to_have_text("Föreslå en förbättring")
    expect(oskar.locator("#from-case")).to_contain_text(number)
    expect(oskar.locator("#f-topics")).to_have_values(["kort-har-inte-kommit"])
    assert check_page(oskar, "improvement-new-sv") == []
    title = "Besked om när ersättningskortet har skickats"
    oskar.fill("#f-title", title)
    oskar.fill("#f-description", "Kunder med ersättningskort vet inte när kortet skickades.")
    oskar.fill("#f-suggestion", "Skicka ett sms när ersättningskortet postas.")
    oskar.check("input[name=kind][value=fix]")
    oskar.click("#improvement-form button[type=submit]")
    oskar.wait_for_url(re.compile(rf"{re.escape(base)}/improvements/\d+$"))
    improvement_url = oskar.url
    expect(oskar.locator("h1")).to_have_text(title)
    expect(oskar.locator("#status-now")).to_have_text("Föreslagen")
    expect(oskar.locator("main")).to_contain_text("Kort & betalningar")  # the owning team
    expect(oskar.locator("#evidence-heading")).to_contain_text("Underlag (1)")
    expect(oskar.locator("#evidence-list")).to_contain_text(number)
    assert check_page(oskar, "improvement-raised-sv") == []
    # The form as a knowledge gap on the self-service page opens it: cases to link.
    oskar.goto(
        f"{base}/improvements/new?kind=opportunity&title=kort+kommit"
        f"&cases={number}&cases=NA-1999-000001&cases=inte+ett+nummer"
    )
    expect(oskar.locator("input[name=kind][value=opportunity]")).to_be_checked()
    expect(oskar.locator("#f-title")).to_have_value("kort kommit")
    expect(oskar.locator(f"#evidence-cases input[value={number}]")).to_be_checked()
    expect(oskar.locator("#cases-left-out")).to_contain_text("2 ärenden utelämnas")
    assert check_page(oskar, "improvement-new-from-gap-sv") == []

    # The lead of the team that owns the topic (Kort & betalningar) accepts it.
    maria = new_context("sv").new_page()
    log_in(maria, base, "maria.lead@exempelbanken.se")
    maria.goto(improvement_url)
    target = date.today() + timedelta(days=45)
    maria.fill("#f-target-date", target.isoformat())
    maria.click("#status-accepted button[type=submit]")
    maria.wait_for_url(improvement_url + "#status")
    expect(maria.locator("#status-now")).to_have_text("Godkänd")
    assert check_page(maria, "improvement-accepted-sv") == []

    # The agent sees the answer among his improvements.
    oskar.goto(base + "/improvements")
    oskar.click("main >> text=Mina förbättringar")
    oskar.wait_for_url(base + "/improvements/mine")
    mine = oskar.locator("#my-improvements li", has_text=title)
    expect(mine).to_contain_text("Godkänd")
    expect(mine).to_contain_text(str(target.year))
    assert check_page(oskar, "my-improvements-sv") == []

    # The agent who raised the delivery SMS sees its measured effect, in English.
    erik = new_context("en").new_page()
    log_in(erik, base, CARD_AGENT)
    erik.click("nav >> text=Improvements")
    erik.click("main >> text=My improvements")
    erik.wait_for_url(base + "/improvements/mine")
    sms = erik.locator("#my-improvements li", has_text="Sms när kortet har skickats")
    expect(sms).to_contain_text("Done")
    expect(sms).to_contain_text(re.compile(r"fell \d+ % \(95 % interval \d+–\d+ %\)"))
    assert check_page(erik, "my-improvements-en") == []
    sms.locator("h2 a").click()
    erik.wait_for_url(re.compile(rf"{re.escape(base)}/improvements/\d+$"))
    effect = erik.locator("#effect")
    expect(effect).to_contain_text(re.compile(r"fell \d+ % \(95 % interval \d+–\d+ %\)"))
    expect(effect).to_contain_text("Linked contacts per 1,000 contacts")
    expect(effect.locator("#effect-shares caption")).to_have_text(
        "On the topic before and after the change"
    )
    expect(effect.locator("#effect-shares")).to_contain_text("Re-contact rate")
    assert check_page(erik, "improvement-measured-en") == []


def test_lead_follows_a_figure_to_its_cases_and_downloads_them(
    live_server: LiveServer, new_context: Any
) -> None:
    """Issue 16's journey: Karin (lead of Kundservice) opens the follow-up, narrows it to
    her team and the last 7 days, sees promises next to results with charts, clicks the
    figure of first responses after the promise and lands on exactly the cases behind it
    (those listed plus those she may not open), then downloads them as CSV."""
    base = live_server.url
    karin = new_context("sv").new_page()
    log_in(karin, base, "karin.lead@exempelbanken.se")
    karin.click("nav >> text=Uppföljning")
    karin.wait_for_url(base + "/followup")
    expect(karin.locator("h1")).to_have_text("Uppföljning")
    expect(karin.locator("#s-promises")).to_be_visible()
    expect(karin.locator("svg[role=img]").first).to_be_visible()  # a chart
    # The period: the last 7 days, then the team with the form (Enter in a field sends it).
    karin.click(".presets >> text=Senaste 7 dagarna")
    karin.wait_for_url(re.compile(r"/followup\?from="))
    expect(karin.locator(".presets a[aria-current=true]")).to_have_text("Senaste 7 dagarna")
    karin.select_option("#f-team", value="kundservice")
    karin.focus("#f-to")
    with karin.expect_navigation():
        karin.keyboard.press("Enter")
    assert "team=kundservice" in karin.url
    expect(karin.locator(".presets a[aria-current=true]")).to_have_text("Senaste 7 dagarna")
    assert check_page(karin, "followup-journey-sv") == []
    # Promise next to result: the median first response has its promise and a verdict.
    median = karin.locator("#fig-first_response-median")
    expect(median).to_contain_text("Löfte")
    figure = karin.locator("#fig-first_response-missed .figure-value a")
    shown = int(re.sub(r"\D", "", figure.inner_text().split("–")[0]) or 0)
    figure.click()
    karin.wait_for_url(re.compile(r"/followup/cases\?metric=first_response.missed"))
    assert "team=kundservice" in karin.url
    expect(karin.locator("h1")).to_have_text("Första svar efter löftet")
    expect(karin.locator("#drill-filters")).to_contain_text("Kundservice")
    left_out = 0
    if karin.locator("#left-out").count():
        left_out = int(re.sub(r"\D", "", karin.locator("#left-out").inner_text().split(" till")[0]))
    listed = karin.locator("#drill-items tbody a[href^='/cases/NA-']").count()
    first_page = karin.url
    while karin.locator("a[rel=next]").count():
        karin.click("a[rel=next]")
        karin.wait_for_load_state()
        listed += karin.locator("#drill-items tbody a[href^='/cases/NA-']").count()
    assert listed + left_out == shown, (listed, left_out, shown)
    karin.goto(first_page)
    with karin.expect_download() as info:
        karin.click(".csv-links >> text=Ladda ner som CSV")
    body = Path(info.value.path()).read_text(encoding="utf-8")
    assert body.startswith("\ufeff")
    lines = body[1:].strip().splitlines()
    assert lines[0].startswith("När,Vad,Ärende")
    assert len(lines) - 1 == listed
    # The way back keeps the filters.
    karin.click("text=Tillbaka till uppföljningen")
    karin.wait_for_url(re.compile(r"/followup\?.*team=kundservice"))


def _resolved_card_case(live_server: LiveServer, message: str) -> str:
    """A case of Anna's about a card that has not come, resolved by the card team."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from nara.domain.actors import SYSTEM
    from nara.domain.cases import change_status, open_case
    from nara.models import Customer, Topic

    with Session(live_server.engine) as session:
        anna = session.scalar(select(Customer).where(Customer.email == CUSTOMER))
        topic = session.scalar(select(Topic).where(Topic.slug == "kort-har-inte-kommit"))
        assert anna is not None and topic is not None
        case = open_case(
            session=session,
            actor=SYSTEM,
            message=message,
            customer_id=anna.id,
            topic_id=topic.id,
            channel="phone",
        ).case
        change_status(session=session, actor=SYSTEM, number=case.number, status="resolved")
        session.commit()
        return case.number


def test_customer_rates_a_resolved_case_and_the_lead_follows_up(
    live_server: LiveServer, new_context: Any
) -> None:
    """Anna answers "Hur väl hjälpte vi dig?" on her resolved case in Swedish, with the
    keyboard; the low score shows on the case for the card team's lead, with a task and
    a notification."""
    base = live_server.url
    number = _resolved_card_case(live_server, "Kortet har fortfarande inte kommit.")
    customer = new_context("sv").new_page()
    log_in(customer, base, CUSTOMER)
    customer.goto(base + f"/cases/{number}")
    form = customer.locator("#satisfaction-form")
    expect(form.locator("legend")).to_have_text("Hur väl hjälpte vi dig?")
    assert check_page(customer, "journey-rate-form-sv") == []
    customer.locator("#score-2").focus()
    customer.keyboard.press("Space")
    expect(customer.locator("#score-2")).to_be_checked()
    customer.fill("#f-satisfaction-comment", "Det tog tre veckor och ingen ringde tillbaka.")
    form.locator("button[type=submit]").press("Enter")
    expect(customer.locator("#satisfaction-answer")).to_contain_text("Ditt svar: 2 av 5")
    answer = customer.locator("#satisfaction-answer")
    expect(answer).to_contain_text("Du kan ändra ditt svar fram till")
    assert check_page(customer, "journey-rated-sv") == []

    lead = new_context("sv").new_page()
    log_in(lead, base, "maria.lead@exempelbanken.se")  # Kort & betalningar
    lead.goto(base + "/notifications?unread=true")
    expect(lead.locator("#notifications")).to_contain_text(number)
    lead.goto(base + f"/cases/{number}")
    expect(lead.locator("#satisfaction")).to_contain_text("2 av 5")
    expect(lead.locator("#satisfaction")).to_contain_text("ingen ringde tillbaka")
    expect(lead.locator("#task-satisfaction_followup")).to_contain_text("Följ upp")
    assert check_page(lead, "journey-lead-low-score-sv") == []
    lead.locator("#task-satisfaction_followup button").click()
    expect(lead.locator("#task-satisfaction_followup")).to_contain_text("Klar")
