"""Browser tests: a real Nära server in a thread, Debian's Chromium driven by Playwright.

The server runs on its own database (a fresh SQLite file, or a fresh PostgreSQL database
when the suite runs on PostgreSQL) with a small Exempelbanken loaded. Screenshots of
every page go to ``artifacts/screenshots/`` and the axe-core results to
``artifacts/axe-results.json`` (both git-ignored) so that a person can look at them.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session

from nara import migrate
from nara.db import make_engine
from nara.demo.loader import load_demo
from nara.web.app import create_app
from tests.conftest import TEST_URL, _create_postgres_database, _drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("NARA_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "nara-demo-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, engine: Any) -> None:
        self.url = url
        self.engine = engine


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    dropped: str | None = None
    if TEST_URL.startswith(("postgres", "postgresql")):
        url, dropped = _create_postgres_database(TEST_URL)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'nara-browser.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo(session, cases=60, seed=7)
        session.commit()
    port = _free_port()
    config = uvicorn.Config(
        create_app(engine), host="127.0.0.1", port=port, log_level="warning",
        ws="none", lifespan="off", access_log=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    if dropped:
        _drop_postgres_database(TEST_URL, dropped)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium) or set NARA_CHROMIUM",
            pytrace=False,
        )
    if not AXE.exists():
        pytest.fail("axe-core missing: run 'make install-test' (npm ci in tests/browser)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def make(lang: str = "sv", *, enforce_csp: bool = False) -> BrowserContext:
        context = browser.new_context(
            locale="sv-SE" if lang == "sv" else "en-GB",
            extra_http_headers={
                "Accept-Language": "sv-SE,sv;q=0.9" if lang == "sv" else "en-GB,en;q=0.9"
            },
            viewport={"width": 1280, "height": 900},
            # Bypassed only so that axe-core can be injected; test_csp.py enforces it.
            bypass_csp=not enforce_csp,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/cases")
    # A language chosen earlier is stored on the user and wins over the browser's; tests
    # share the demo users, so put the user back in the language this browser asks for.
    wanted = "sv" if page.evaluate("navigator.language").startswith("sv") else "en"
    if page.locator("html").get_attribute("lang") != wanted:
        page.click("form[action='/lang'] button")
        page.wait_for_url(base + "/cases")


_axe_results: dict[str, Any] = {}


def save_screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save a screenshot to ``artifacts/screenshots/NAME.png`` for a person to look at.

    A screenshot is an artifact, not what a test asserts. Chromium on a busy machine now
    and then refuses a capture ("Unable to capture screenshot") while it lays out a page
    again; such a refusal is tried again after a short pause, three times in all."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
            return
        except PlaywrightError as error:
            if "Unable to capture screenshot" not in str(error) or attempt == 2:
                raise
            page.wait_for_timeout(250 * (attempt + 1))


def check_page(page: Page, name: str) -> list[dict[str, Any]]:
    """Screenshot the page and run axe-core (WCAG 2.1 A and AA rules) on it. Returns the
    serious and critical violations."""
    save_screenshot(page, name, full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    _axe_results[name] = {"url": page.url, "violations": result}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(
        json.dumps(_axe_results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a parallel run (pytest-xdist, ``--dist loadgroup``) every browser test goes to
    the same worker, so the live server and Chromium start once."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
