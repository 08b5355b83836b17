"""The charts (nara.web.charts): SVG a page can inline (valid XML, an accessible name, no
script or inline style, labels escaped), the same figures in the data table, numbers and
periods in the reader's language, and a sentence instead of an empty chart."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree as ET

import pytest

from nara.web import chart_svg, charts
from nara.web.ui.render import environment

HOSTILE = '<script>alert("x")</script>'


def _svg(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 (our own output)


def _html(chart: charts.Chart, lang: str, **options: object) -> str:
    template = environment(lang).from_string(
        '{% from "_chart.html" import chart %}{{ chart(c, **options) }}'
    )
    return template.render(c=chart, options=options)


def _weekly(lang: str = "sv", **extra: object) -> charts.Chart:
    weeks = [date(2026, 10, 5) + timedelta(weeks=k) for k in range(8)]
    return charts.line_chart(
        id="rate",
        title="Kontakter per vecka",
        summary="En mening.",
        periods=weeks,
        grain="week",
        series=[
            charts.Series("Före", [10.5, 12.25, 11.0, 9.5, None, None, None, None]),
            charts.Series("Efter", [None, None, None, None, 8.0, 7.5, 6.0, 1250.0]),
        ],
        measure=charts.Measure("number", decimals=1),
        lang=lang,
        **extra,  # type: ignore[arg-type]
    )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_a_line_chart_is_svg_with_role_title_and_desc() -> None:
    chart = _weekly(target=charts.Target(9.0, "Mål"))
    root = _svg(chart)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 ")
    assert root.get("aria-labelledby") == "rate-title rate-desc"
    children = list(root)
    assert children[0].tag.endswith("title") and children[0].get("id") == "rate-title"
    assert children[0].text == "Kontakter per vecka"
    assert children[1].tag.endswith("desc") and children[1].get("id") == "rate-desc"
    assert children[1].text == "En mening. Mål: 9,0"
    # width and height come from the page (100 %, scaled by the viewBox)
    assert root.get("width") is None and root.get("height") is None


def test_no_script_no_inline_style_and_nothing_for_the_csp_to_refuse() -> None:
    for chart in (_weekly(), _stacked("en"), _bars("sv")):
        text = str(chart.svg)
        assert "<script" not in text and "<style" not in text
        assert " style=" not in text and "javascript:" not in text
        assert "<!--" not in text  # pygal's comments carry the date of rendering


def test_hostile_labels_are_escaped_everywhere() -> None:
    chart = charts.bar_chart(
        id="topics",
        title=HOSTILE,
        summary=HOSTILE,
        categories=[HOSTILE, "Lån & bolån"],
        series=[charts.Series(HOSTILE, [3.0, 4.0]), charts.Series("B", [1.0, 2.0])],
        measure=charts.Measure(),
        lang="sv",
        category_header=HOSTILE,
    )
    for text in (str(chart.svg), _html(chart, "sv")):
        assert "<script" not in text
        assert "&lt;script&gt;" in text
        assert "Lån &amp; bolån" in text
    _svg(chart)  # still valid XML


def test_the_data_table_holds_the_values_in_swedish() -> None:
    html = _html(_weekly("sv"), "sv")
    table = html.split("<table")[1].split("</table>")[0]
    assert "<caption>Kontakter per vecka</caption>" in table
    assert '<th scope="col">Vecka</th><th scope="col">Före</th><th scope="col">Efter</th>' in table
    assert '<th scope="row">v. 41 (2026-10-05)</th><td>10,5</td>' in table
    assert "<td>12,2</td>" in table  # 12.25 to one decimal, half to even
    assert "<td>1\u00a0250,0</td>" in table  # a thousands space that does not break
    assert table.count("Ingen uppgift") == 8  # each empty cell says so to a screen reader
    assert "<summary>Visa siffrorna som tabell</summary>" in html


def test_the_data_table_in_english() -> None:
    html = _html(_weekly("en"), "en")
    assert '<th scope="row">week 41 (5 Oct 2026)</th><td>10.5</td>' in html
    assert "<td>1,250.0</td>" in html
    assert "Show the figures as a table" in html


def test_axis_labels_use_the_readers_language() -> None:
    sv, en = str(_weekly("sv").svg), str(_weekly("en").svg)
    assert ">v. 41<" in sv and ">week 41<" in en
    assert ">1\u00a0250<" in sv and ">1,250<" in en  # the value axis, grouped as the reader reads


def test_months_are_named_in_the_readers_language() -> None:
    months = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]

    def monthly(lang: str) -> charts.Chart:
        return charts.line_chart(
            id="months",
            title="Volym",
            summary="S.",
            periods=months,
            grain="month",
            series=[charts.Series("Ärenden", [0.125, 0.5, 0.25])],
            measure=charts.Measure("percent", decimals=1),
            lang=lang,
        )

    sv, en = monthly("sv"), monthly("en")
    assert [r.header for r in sv.table.rows] == ["november 2026", "december 2026", "januari 2027"]
    assert [r.header for r in en.table.rows] == ["November 2026", "December 2026", "January 2027"]
    assert sv.table.rows[0].cells == ["12,5\u00a0%"]
    assert en.table.rows[0].cells == ["12.5\u00a0%"]
    assert ">nov. 2026<" in str(sv.svg) and ">dec.<" in str(sv.svg) and ">jan. 2027<" in str(sv.svg)
    assert ">Nov 2026<" in str(en.svg) and ">Jan 2027<" in str(en.svg)
    assert ">100\u00a0%<" in str(sv.svg)  # shares on a 0–100 % axis


def _stacked(lang: str) -> charts.Chart:
    return charts.stacked_bar_chart(
        id="backlog",
        title="Backlog",
        summary="S.",
        categories=["0–1 d", "2–7 d", "> 7 d"],
        series=[
            charts.Series("Waiting on us", [3.0, 5.0, 1.0]),
            charts.Series("Waiting on the customer", [None, 2.0, 4.0]),
        ],
        measure=charts.Measure(),
        lang=lang,
        category_header="Age",
        total_header="All",
    )


def _bars(lang: str) -> charts.Chart:
    return charts.bar_chart(
        id="kept",
        title="On time",
        summary="S.",
        categories=["Kort", "Lån", "Ny"],
        series=[charts.Series("On time", [0.82, 0.64, None])],
        measure=charts.Measure("percent"),
        lang=lang,
        category_header="Team",
        target=charts.Target(0.8, "Mål"),
        horizontal=True,
    )


def test_a_stacked_bar_has_totals_and_series_apart_by_more_than_colour() -> None:
    chart = _stacked("en")
    assert chart.table.columns == ["Waiting on us", "Waiting on the customer", "All"]
    assert [r.cells for r in chart.table.rows] == [
        ["3", None, "3"],
        ["5", "2", "7"],
        ["1", "4", "5"],
    ]
    svg = str(chart.svg)
    # The second series is hatched (a pattern with this chart's id), also in the legend.
    assert 'id="backlog-fill-1"' in svg and svg.count('fill="url(#backlog-fill-1)"') == 3
    rects = [r for r in _svg(chart).iter("{http://www.w3.org/2000/svg}rect") if r.get("height")]
    assert all(float(r.get("height", "0")) > 0 for r in rects)  # no empty bar for None


def test_a_target_is_a_labelled_dashed_line() -> None:
    svg = str(_bars("sv").svg)
    assert f'stroke-dasharray="{chart_svg.TARGET_DASH}"' in svg
    assert ">Mål: 80\u00a0%<" in svg
    assert _bars("sv").table.note == "Mål: 80\u00a0%"


def test_lines_differ_by_dash_and_marker_not_colour_alone() -> None:
    svg = str(_weekly().svg)
    assert f'stroke-dasharray="{chart_svg.DASHES[1]}"' in svg  # the second line is dashed
    root = _svg(_weekly())
    markers = {
        element.tag.split("}")[1]
        for element in root.iter()
        if element.get("fill") in chart_svg.PALETTE[:2]
    }
    assert {"circle", "rect"} <= markers  # circles for the first series, squares for the second


def test_colours_reach_three_to_one_against_the_background() -> None:
    for colour in (*chart_svg.PALETTE, chart_svg.INK, chart_svg.MUTED):
        assert _contrast(colour, chart_svg.PAPER) >= 3, colour
    assert _contrast(chart_svg.MUTED, chart_svg.PAPER) >= 4.5  # axis text


def test_no_data_is_a_sentence_not_a_broken_chart() -> None:
    for lang, words in (("sv", "Inga uppgifter för perioden."), ("en", "No data for this period.")):
        empty = charts.bar_chart(
            id="nothing",
            title="Volym",
            summary="S.",
            categories=["Kort", "Lån"],
            series=[charts.Series("Ärenden", [None, None])],
            measure=charts.Measure(),
            lang=lang,
            category_header="Ämne",
        )
        assert empty.empty and empty.no_data == words
        html = _html(empty, lang)
        assert words in html and "<svg" not in html and "<table" not in html
        nothing = charts.line_chart(
            id="none", title="T", summary="S.", periods=[], grain="week", series=[],
            measure=charts.Measure(), lang=lang,
        )  # fmt: skip
        assert nothing.empty and words in _html(nothing, lang)


def test_zeros_are_data() -> None:
    chart = charts.bar_chart(
        id="zeros", title="T", summary="S.", categories=["1", "2"],
        series=[charts.Series("n", [0.0, 0.0])], measure=charts.Measure(), lang="sv",
        category_header="Betyg",
    )  # fmt: skip
    assert not chart.empty
    _svg(chart)


def test_the_macro_can_leave_the_table_to_the_page() -> None:
    html = _html(_bars("en"), "en", table=False)
    assert "<svg" in html and "<table" not in html and 'id="kept"' in html


def test_ids_are_the_pages_and_unique_per_chart() -> None:
    a, b = str(_weekly().svg), str(_stacked("sv").svg)
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_b = set(re.findall(r'id="([^"]+)"', b))
    assert not ids_a & ids_b
    assert all(i.startswith("rate-") for i in ids_a) and all(
        i.startswith("backlog-") for i in ids_b
    )


@pytest.mark.parametrize("bad", ["Rate", "1abc", "a b", "", "a" * 80])
def test_a_bad_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="chart id"):
        charts.bar_chart(
            id=bad, title="T", summary="S.", categories=["a"], series=[charts.Series("n", [1.0])],
            measure=charts.Measure(), lang="sv", category_header="x",
        )  # fmt: skip


def test_values_must_match_the_labels() -> None:
    with pytest.raises(ValueError, match="values for 2 labels"):
        charts.bar_chart(
            id="x", title="T", summary="S.", categories=["a", "b"],
            series=[charts.Series("n", [1.0])], measure=charts.Measure(), lang="sv",
            category_header="x",
        )  # fmt: skip


def test_nice_ticks() -> None:
    count = charts.Measure()
    assert charts.nice_ticks([3, 7], count) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks([3], count) == [0, 1, 2, 3]
    assert charts.nice_ticks([0.0], count) == [0, 1]
    assert charts.nice_ticks([1250], count) == [0, 250, 500, 750, 1000, 1250]
    assert charts.nice_ticks([0.3, 0.9], charts.Measure("percent")) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    assert charts.nice_ticks([-3, 4], charts.Measure("number"))[0] < 0


def test_format_value() -> None:
    assert charts.format_value(1234.5, charts.Measure("number", 1), "sv") == "1\u00a0234,5"
    assert charts.format_value(1234.5, charts.Measure("number", 1), "en") == "1,234.5"
    assert charts.format_value(0.825, charts.Measure("percent"), "sv") == "82\u00a0%"
    assert charts.format_value(3.5, charts.Measure("number", 1, "h"), "sv") == "3,5\u00a0h"
    assert charts.format_value(3.6, charts.Measure(), "en") == "4"
