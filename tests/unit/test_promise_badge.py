"""The inbox's promise badge (``labels.promise_badge``, written in Python for speed) says
exactly what the template macro it replaced said, in both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from nara.queries.case_service import PromiseBadge
from nara.web.ui import labels
from nara.web.ui.render import environment

# The macro as it was (workspace/_promise_badge.html), the reference for the same text.
MACRO = (
    "{% macro promise_badge(b) -%}\n"
    '{% if not b %}<span class="muted">–</span>\n'
    '{% elif b.state == "paused" %}<span class="badge badge-promise-paused">'
    '{{ _("paused") }}</span>\n'
    "{% elif b.minutes_left is not none %}\n"
    '  {% set what = _("first response") if b.kind == "first_response" '
    'else _("resolution") %}\n'
    "  {% if b.minutes_left < 0 %}\n"
    '  <span class="badge badge-promise-breached" title="{{ what }} · {{ b.due_at | time }}">'
    '{{ _("overdue %(t)s", t=duration(-b.minutes_left)) }}</span>\n'
    "  {% else %}\n"
    '  <span class="badge badge-promise-{{ b.state }}" '
    'title="{{ what }} · {{ b.due_at | time }}">'
    '{{ _("%(t)s left", t=duration(b.minutes_left)) }}</span>\n'
    "  {% endif %}\n"
    '{% else %}<span class="muted">–</span>{% endif %}\n'
    "{%- endmacro %}{{ promise_badge(b) }}"
)

DUE = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
BADGES = [
    None,
    PromiseBadge("first_response", "paused", DUE, None),
    PromiseBadge("resolution", "paused", DUE, 30),
    PromiseBadge("first_response", "ok", DUE, None),
    *(
        PromiseBadge(kind, state, DUE, left)
        for kind in ("first_response", "resolution")
        for state in ("ok", "warning", "breached")
        for left in (-4000, -61, -60, -1, 0, 1, 59, 60, 61, 125, 3000)
    ),
    PromiseBadge("resolution", "ok", None, 10),
]


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_badge_says_what_the_macro_said(lang: str) -> None:
    macro = environment(lang).from_string(MACRO)
    for badge in BADGES:
        assert _flat(str(labels.promise_badge(badge, lang))) == _flat(macro.render(b=badge))


def test_the_badge_escapes_what_it_shows() -> None:
    badge = PromiseBadge("resolution", '"><script>', DUE, 5)
    assert "<script>" not in str(labels.promise_badge(badge, "en"))
