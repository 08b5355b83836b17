"""The follow-up pages through HTTP (issue 16): /followup, /followup/me, the drill-down
/followup/cases and their CSV downloads, on the hand-computed history of
``tests/followup_history.py`` (period 27 March - 8 April 2026, seen at NOW).

Who sees what, filters that survive every link, bad input shown on the form (422, never a
500), every figure's count equal to the rows its drill-down lists, CSV with a byte-order
mark and a Swedish Excel variant, and Swedish pages without English."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nara import clock, i18n
from nara.models import User
from tests.followup_history import EXPECTED_COUNTS, FIRST, LAST, NOW, History, build
from tests.web.test_page_language import ENGLISH_WORDS, from_catalog, messages_of
from tests.web.test_pages import log_in, visible

PERIOD = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
BOM = "\ufeff"


@pytest.fixture
def h(db: Session) -> Iterator[History]:
    history = build(db)
    db.commit()  # keep the history when a refused request rolls back
    with clock.frozen_at(NOW):
        yield history


def get(
    client: TestClient,
    db: Session,
    user: User | None,
    url: str,
    lang: str = "en",
    **params: str,
) -> httpx.Response:
    """``url`` as ``user`` (None: anonymous) reading ``lang``, at NOW."""
    client.cookies.clear()
    if user is not None:
        log_in(client, db, user)
    client.cookies.set("nara_lang", lang)
    path, _, query = url.partition("?")
    given = {k: v[-1] for k, v in parse_qs(query).items()}
    return client.get(path, params={**given, **params}, follow_redirects=False)


def page(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[-3000:]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def figure_link(text: str, key: str) -> tuple[str, str]:
    """The drill-down link of the figure ``key`` on a follow-up page: (href, value)."""
    row = re.search(rf'<tr id="fig-{re.escape(key.replace(".", "-"))}">(.*?)</tr>', text, re.S)
    assert row is not None, key
    link = re.search(r'<a href="([^"]+)">([^<]*)<span', row.group(1))
    assert link is not None, (key, row.group(1))
    return html.unescape(link.group(1)), html.unescape(link.group(2)).strip()


def query_of(href: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()}


def case_numbers(text: str) -> list[str]:
    table = re.search(r'<table class="table" id="drill-items">(.*?)</table>', text, re.S)
    assert table is not None
    return re.findall(r'<a href="/cases/(NA-[0-9-]+)">', table.group(1))


def next_page(text: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', text)
    return html.unescape(found.group(1)) if found else None


def drill_all(client: TestClient, href: str) -> list[str]:
    """Every case number the drill-down at ``href`` lists, following "Next page"."""
    numbers: list[str] = []
    url: str | None = href
    while url is not None:
        text = page(client.get(url))
        numbers += case_numbers(text)
        url = next_page(text)
    return numbers


# ---- who sees what ----
def test_admins_and_leads_see_every_team(client: TestClient, db: Session, h: History) -> None:
    for user in (h.w.admin, h.w.card_lead):
        text = page(get(client, db, user, "/followup", **PERIOD))
        assert figure_link(text, "cases.opened")[1] == "8"
        assert '<a href="/followup" aria-current="page">Follow-up</a>' in text
        options = re.search(r'<select id="f-team".*?</select>', text, re.S)
        assert options is not None
        for team in (h.w.cards, h.w.loans, h.w.front):
            assert f'value="{team.slug}"' in options.group(0)
        assert "All teams" in options.group(0)


def test_agents_follow_up_their_own_teams_and_are_refused_others(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.loan_agent, "/followup", **PERIOD))
    assert figure_link(text, "cases.opened")[1] == "4"  # loans' cases only
    options = re.search(r'<select id="f-team".*?</select>', text, re.S)
    assert options is not None
    assert f'value="{h.w.loans.slug}"' in options.group(0)
    assert f'value="{h.w.cards.slug}"' not in options.group(0)
    assert "All my teams" in options.group(0)
    # The personal follow-up is linked from the page; the header links the follow-up.
    assert 'href="/followup/me?' in text
    for lang in ("en", "sv"):
        refused = get(client, db, h.w.loan_agent, "/followup", lang, team=h.w.cards.slug, **PERIOD)
        text = page(refused, 403)
        (message,) = messages_of(text)
        assert from_catalog(message, lang), message
        assert 'id="followup-filters"' not in text  # the error page, no figures
    drill = get(client, db, h.w.loan_agent, "/followup/cases", metric="cases.opened",
                team=h.w.cards.slug, **PERIOD)  # fmt: skip
    page(drill, 403)


@pytest.mark.parametrize(
    "url",
    [
        "/followup",
        "/followup/me",
        "/followup/cases?metric=cases.opened",
        "/followup/csv?table=volumes",
        "/followup/me/csv",
        "/followup/cases/csv?metric=cases.opened",
    ],
)
def test_customers_are_refused_and_visitors_sent_to_log_in(
    client: TestClient, db: Session, h: History, url: str
) -> None:
    refused = get(client, db, h.w.alice_user, url)
    assert refused.status_code == 403
    assert "Bra hjälp" not in refused.text
    anonymous = get(client, db, None, url)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/"


def test_customers_have_no_follow_up_link(client: TestClient, db: Session, h: History) -> None:
    text = page(get(client, db, h.w.alice_user, "/cases"))
    assert 'href="/followup"' not in text
    text = page(get(client, db, h.w.card_agent, "/cases"))
    assert 'href="/followup"' in text


# ---- filters ----
def test_the_filters_survive_the_form_the_presets_and_every_link(
    client: TestClient, db: Session, h: History
) -> None:
    chosen = {
        **PERIOD,
        "team": h.w.cards.slug,
        "topic": h.w.card_topic.slug,
        "channel": "email",
        "priority": "normal",
    }
    text = page(get(client, db, h.w.admin, "/followup", grain="month", **chosen))
    assert f'id="f-from" name="from" type="date" value="{FIRST.isoformat()}"' in text
    assert f'id="f-to" name="to" type="date" value="{LAST.isoformat()}"' in text
    for name, value in (
        *((k, v) for k, v in chosen.items() if k not in PERIOD),
        ("grain", "month"),
    ):
        select = re.search(rf'<select id="f-{name}".*?</select>', text, re.S)
        assert select is not None
        assert f'<option value="{value}" selected>' in select.group(0), name
    links = [html.unescape(u) for u in re.findall(r'href="(/followup/cases\?[^"]+)"', text)]
    assert len(links) > 40
    for href in links:
        params = query_of(href)
        for name in ("team", "topic", "channel", "priority"):
            assert params[name] == chosen[name], (href, name)
        assert FIRST.isoformat() <= params["from"] <= params["to"] <= LAST.isoformat()
        assert params["metric"]
    # The presets keep the dimensions and the grain; only the period changes.
    presets = re.search(r'<nav class="presets".*?</nav>', text, re.S)
    assert presets is not None
    hrefs = [html.unescape(u) for u in re.findall(r'href="([^"]+)"', presets.group(0))]
    assert len(hrefs) == 6
    for href in hrefs:
        params = query_of(href)
        assert params["team"] == h.w.cards.slug and params["grain"] == "month"
    assert query_of(hrefs[0])["from"] == "2026-04-02"  # the last 7 days up to 8 April
    last_month = query_of(hrefs[3])
    assert (last_month["from"], last_month["to"]) == ("2026-03-01", "2026-03-31")
    # Monthly trends: March and April, cut to the period.
    assert "March 2026" in text and "April 2026" in text
    # The CSV links carry the same filters.
    csv_links = [html.unescape(u) for u in re.findall(r'href="(/followup/csv\?[^"]+)"', text)]
    assert csv_links
    for href in csv_links:
        assert query_of(href)["team"] == h.w.cards.slug


def test_a_preset_is_marked_when_it_is_the_period(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.admin, "/followup"))  # the default: the last 30 days
    current = re.findall(r'<a href="[^"]+" aria-current="true">([^<]+)</a>', text)
    assert current == ["Last 30 days"]


BAD_INPUT = {
    "from after to": ({"from": "2026-04-08", "to": "2026-03-27"}, "from"),
    "fifty years": ({"from": "1976-01-01", "to": "2026-01-01"}, "from"),
    "not a date": ({"from": "27/3/2026", "to": "2026-04-08"}, "from"),
    "unknown team": ({**PERIOD, "team": "no-such-team"}, "team"),
    "unknown topic": ({**PERIOD, "topic": "no-such-topic"}, "topic"),
    "bad channel": ({**PERIOD, "channel": "pigeon"}, "channel"),
    "bad priority": ({**PERIOD, "priority": "whenever"}, "priority"),
    "bad grain": ({**PERIOD, "grain": "decade"}, "grain"),
    "unknown parameter": ({**PERIOD, "colour": "red"}, None),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_filters_show_the_form_again_with_the_message(
    client: TestClient, db: Session, h: History, name: str
) -> None:
    params, field = BAD_INPUT[name]
    seen = {}
    for lang in ("en", "sv"):
        text = page(get(client, db, h.w.admin, "/followup", lang, **params), 422)
        assert 'id="followup-filters"' in text
        assert 'id="t-volumes"' not in text  # no figures with the errors
        (message,) = messages_of(text)
        assert from_catalog(message, lang), (lang, message)
        seen[lang] = message
        if field is not None:
            assert f'id="f-{field}" name="{field}"' in text or f'id="f-{field}"' in text
            assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', text, re.S), field
        for given in params.values():  # what was typed is shown again
            if field in ("from", "to") and given in (params.get("from"), params.get("to")):
                assert f'value="{given}"' in text
    assert seen["sv"] != seen["en"]
    assert not ENGLISH_WORDS.search(seen["sv"])


def test_bad_input_on_the_personal_page_and_the_drilldown(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.card_agent, "/followup/me", "sv",
                    **{"from": "2026-04-08", "to": "2026-03-27"}), 422)  # fmt: skip
    assert 'id="followup-filters"' in text
    # The personal page takes only the period.
    page(get(client, db, h.w.card_agent, "/followup/me", team=h.w.cards.slug, **PERIOD), 422)
    for params in (
        {"metric": "cases.everything"},
        {"metric": "cases.opened", "cursor": "not-a-cursor"},
        {"metric": "cases.opened", "limit": "0"},
        {"metric": "cases.opened", "limit": "many"},
        {"metric": "cases.opened", "from": "2026-04-08", "to": "2026-03-27"},
    ):
        for lang in ("en", "sv"):
            text = page(get(client, db, h.w.admin, "/followup/cases", lang, **params), 422)
            (message,) = messages_of(text)
            assert from_catalog(message, lang), (params, lang, message)
            assert 'href="/followup"' in text  # a way back


# ---- the drill-down ----
FIGURES = ("cases.opened", "first_response.missed", "kkik.late", "csat.rated", "resolution.kept")


def test_every_figure_opens_exactly_the_cases_behind_it(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.admin, "/followup", **PERIOD))
    for key in FIGURES:
        href, value = figure_link(text, key)
        assert query_of(href) == {"metric": key, **PERIOD}
        numbers = drill_all(client, href + "&limit=2")  # two at a time, page after page
        assert len(numbers) == EXPECTED_COUNTS[key] == int(value), key
        assert len(set(numbers)) == len(numbers)
    # The breakdowns and the trends drill down too.
    by_channel = re.search(
        r'<table class="table" id="b-opened_by_channel">(.*?)</table>', text, re.S
    )
    assert by_channel is not None
    for href, shown in re.findall(r'<a href="([^"]+)">(\d+)<span', by_channel.group(1)):
        assert len(drill_all(client, html.unescape(href))) == int(shown)
    weekly = re.search(r'<table class="table" id="tr-volumes">(.*?)</table>', text, re.S)
    assert weekly is not None
    opened = [
        (html.unescape(href), int(shown))
        for href, shown in re.findall(r'<a href="([^"]+metric=cases.opened[^"]*)">(\d+)<span',
                                      weekly.group(1))
    ]  # fmt: skip
    assert [n for _, n in opened] == [2, 4, 2]
    for href, shown in opened:
        assert len(drill_all(client, href)) == shown


def test_the_drilldown_shows_the_filters_the_way_back_and_what_is_left_out(
    client: TestClient, db: Session, h: History
) -> None:
    # A lead of cards reads every team's figures but not the cases of loans (B, H).
    text = page(get(client, db, h.w.card_lead, "/followup/cases", metric="cases.opened",
                    channel="email", **PERIOD))  # fmt: skip
    assert "<h1>Cases opened</h1>" in text
    facts = re.search(r'<dl class="facts" id="drill-filters">(.*?)</dl>', text, re.S)
    assert facts is not None
    assert "E-mail" in facts.group(1) and "Channel" in facts.group(1)
    back = re.search(r'<a href="([^"]+)">Back to the follow-up</a>', text)
    assert back is not None
    assert query_of(html.unescape(back.group(1))) == {"channel": "email", **PERIOD}
    listed = case_numbers(text)
    assert h.cases["A"].number in listed  # A: e-mail, cards
    assert h.cases["H"].number not in listed  # H: e-mail, loans now
    left_out = re.search(r'<p class="notice" id="left-out">(.*?)</p>', text, re.S)
    assert left_out is not None
    assert left_out.group(1).startswith("1 more is counted")
    # In Swedish, with the page's one date format.
    text = page(get(client, db, h.w.card_lead, "/followup/cases", "sv", metric="cases.opened",
                    **PERIOD))  # fmt: skip
    left_out = re.search(r'<p class="notice" id="left-out">(.*?)</p>', text, re.S)
    assert left_out is not None
    assert left_out.group(1).startswith("2 till räknas")
    assert "2026-03-27 till 2026-04-08" in text


def test_case_numbers_link_to_the_case_pages(client: TestClient, db: Session, h: History) -> None:
    text = page(get(client, db, h.w.admin, "/followup/cases", metric="csat.rated", **PERIOD))
    assert sorted(case_numbers(text)) == sorted([h.cases["A"].number, h.cases["C"].number])
    assert "Score 4" in text and "Score 2" in text
    case_page = client.get(f"/cases/{h.cases['A'].number}")
    assert case_page.status_code == 200


# ---- the personal follow-up ----
def test_the_personal_follow_up_drills_down_to_my_cases(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.card_agent, "/followup/me", **PERIOD))
    assert "<h1>My follow-up</h1>" in text
    href, value = figure_link(text, "mine.active")
    assert query_of(href) == {"metric": "mine.active", **PERIOD}
    numbers = drill_all(client, href)
    assert len(numbers) == int(value)
    drill = page(client.get(href))
    back = re.search(r'<a href="([^"]+)">Back to my follow-up</a>', drill)
    assert back is not None and html.unescape(back.group(1)).startswith("/followup/me?")
    # Every figure with a drill-down links to it with the period alone.
    for link in re.findall(r'href="(/followup/cases\?[^"]+)"', text):
        params = query_of(html.unescape(link))
        assert params["metric"].startswith("mine.")
        assert set(params) == {"metric", "from", "to"}


# ---- CSV ----
def rows_of(response: httpx.Response, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def test_every_table_downloads_as_csv_in_the_readers_language(
    client: TestClient, db: Session, h: History
) -> None:
    text = page(get(client, db, h.w.admin, "/followup", "sv", **PERIOD))
    links = sorted({html.unescape(u) for u in re.findall(r'href="(/followup/csv\?[^"]+)"', text)})
    tables = {query_of(u)["table"] for u in links if "format=" not in u}
    assert {"volumes", "promises", "authority", "opened_by_channel", "csat_scores",
            "backlog_age", "trend-volumes", "comments"} <= tables  # fmt: skip
    for href in links:
        delimiter = ";" if "format=excel-sv" in href else ","
        rows = rows_of(client.get(href), delimiter)
        assert len(rows) >= 2, href
    promises = rows_of(client.get(f"/followup/csv?table=promises&from={FIRST}&to={LAST}"))
    assert promises[0][:3] == ["Mått", "Utfall", "Enhet"]
    kept = next(r for r in promises if r[-1] == "first_response.kept_share")
    assert kept[1] == "50.0"  # A and C kept, F and H missed: 50 per cent
    excel = rows_of(
        client.get(f"/followup/csv?table=promises&from={FIRST}&to={LAST}&format=excel-sv"), ";"
    )
    kept = next(r for r in excel if r[-1] == "first_response.kept_share")
    assert kept[1] == "50,0"
    # English headers for an English reader.
    client.cookies.set("nara_lang", "en")
    english = rows_of(client.get(f"/followup/csv?table=promises&from={FIRST}&to={LAST}"))
    assert english[0][:3] == ["Figure", "Result", "Unit"]
    bad = client.get(f"/followup/csv?table=everything&from={FIRST}&to={LAST}")
    assert bad.status_code == 422
    assert client.get("/followup/csv?table=volumes&format=xlsx").status_code == 422


def test_the_drilldown_csv_holds_every_page(client: TestClient, db: Session, h: History) -> None:
    response = get(client, db, h.w.admin, "/followup/cases/csv", "sv", metric="cases.opened",
                   limit="2", **PERIOD)  # fmt: skip
    rows = rows_of(response)
    assert rows[0][:3] == ["När", "Vad", "Ärende"]
    numbers = [r[2] for r in rows[1:]]
    assert sorted(numbers) == sorted(c.number for c in h.cases.values())
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", r[0]) for r in rows[1:])
    personal = rows_of(get(client, db, h.w.card_agent, "/followup/me/csv", **PERIOD))
    assert {r[-1] for r in personal[1:]} >= {"mine.active", "mine.resolved"}


# ---- languages ----
def _english_left(swedish: str, english: str) -> list[str]:
    """UI strings shown in English on the English page that the Swedish page shows in
    English too (the catalog translates them)."""
    catalog = i18n.translations("sv")
    left = []
    messages = [m for m in catalog._catalog if isinstance(m, str)]  # type: ignore[attr-defined]
    for message in sorted(messages, key=len, reverse=True):
        if len(message) < 4 or "%(" in message or catalog.gettext(message) == message:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(message)}(?!\w)")
        if pattern.search(english):
            english = pattern.sub(" ", english)
            if pattern.search(swedish):
                left.append(message)
    return left


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("admin", "/followup"),
        ("card_agent", "/followup/me"),
        ("admin", "/followup/cases?metric=consultations.decided"),
        ("admin", "/followup/cases?metric=selfservice.conversations"),
    ],
)
def test_the_swedish_pages_have_no_english(
    client: TestClient, db: Session, h: History, user: str, url: str
) -> None:
    who = getattr(h.w, user)
    texts = {}
    for lang in ("en", "sv"):
        text = page(get(client, db, who, url, lang, **PERIOD))
        assert f'<html lang="{lang}">' in text
        texts[lang] = html.unescape(visible(text))
    assert _english_left(texts["sv"], texts["en"]) == []
    for english in ("Follow-up", "Promise", "Share of", "Download as CSV", "Next page"):
        assert english not in texts["sv"]
