"""With the Content-Security-Policy enforced, pages load without a single console error:
no blocked inline script or style, and HTMX polling works."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, log_in


def test_pages_run_under_the_csp_without_errors(live_server: LiveServer, new_context: Any) -> None:
    base = live_server.url
    customer = new_context("sv", enforce_csp=True).new_page()
    log_in(customer, base, "lars.johansson@example.com")
    customer.goto(base + "/cases/new")
    customer.fill("#f-message", "Hur ändrar jag min adress?")  # no topic: Kundservice
    customer.click("form[action='/cases/new'] button[type=submit]")
    customer.wait_for_url(f"{base}/cases/NA-*")
    number = customer.url.rsplit("/", 1)[1]
    page = new_context("sv", enforce_csp=True).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, base, "oskar@exempelbanken.se")
    for path in (
        "/cases",
        "/cases?tab=team",
        "/admin/teams",
        "/admin/topics",
        "/admin/tokens",
        # inline SVG charts: colours as attributes, no style element or attribute
        "/admin/service",
        "/admin/mandates",
        "/improvements/1",
        "/followup",  # every kind of chart: lines with a target, bars
        "/followup/cases?metric=cases.opened",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    page.goto(base + "/cases?tab=team")
    page.locator(f"a[href='/cases/{number}']").click()
    page.wait_for_load_state("networkidle")
    # The timeline refreshes itself through HTMX (every 10 s).
    with page.expect_response(lambda r: "partial=1" in r.url, timeout=15_000) as response:
        pass
    assert response.value.status == 200
    expect(page.locator("#timeline")).to_be_visible()
    assert problems == []
