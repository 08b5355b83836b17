"""The header and pages on a narrow phone screen (360 CSS pixels wide): nothing is wider
than the screen, the header leaves most of the screen to the page, and every menu item
can be reached."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, log_in, save_screenshot

PHONE = {"width": 360, "height": 740}
PEOPLE = {
    "customer": "anna.andersson@example.com",
    "admin": "admin@exempelbanken.se",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("who", list(PEOPLE))
def test_the_header_fits_a_phone(
    live_server: LiveServer, new_context: Any, lang: str, who: str
) -> None:
    page = new_context(lang).new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, PEOPLE[who])
    for path in ("/cases", "/cases/new"):
        page.goto(live_server.url + path)
        save_screenshot(page, f"phone-{who}-{lang}{path.replace('/', '-')}")
        if who == "customer":  # the agent's inbox table may scroll; the portal may not
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
        header = page.locator("header.topbar").bounding_box()
        assert header is not None
        assert header["height"] <= PHONE["height"] * 0.4, (path, header)
        wider = page.evaluate(
            """w => Array.from(document.querySelectorAll('header *'))
                .filter(e => !e.closest('nav ul'))  // the menu row scrolls sideways
                .filter(e => e.getBoundingClientRect().right > w + 0.5)
                .map(e => e.outerHTML.slice(0, 80))""",
            PHONE["width"],
        )
        assert not wider, wider
    links = page.locator("header nav a")
    for index in range(links.count()):  # every menu item can be scrolled to and seen
        link = links.nth(index)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_follow_up_fits_a_phone(live_server: LiveServer, new_context: Any, lang: str) -> None:
    """The follow-up's figures, charts and drill-down on a phone: the page is never wider
    than the screen; wide tables and charts scroll sideways inside their own frames."""
    page = new_context(lang).new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "karin.lead@exempelbanken.se")
    for path in ("/followup", "/followup/me", "/followup/cases?metric=cases.opened"):
        page.goto(live_server.url + path)
        name = path.split("?")[0].replace("/", "-")
        save_screenshot(page, f"phone-lead-{lang}{name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
