"""The one place pygal is used: it lays a chart out (scales, ticks, label placement,
legend), and this module turns its SVG into markup a Nära page can inline.

pygal's own output does not fit the pages as it is (measured; docs/ui.md): it always
carries an inline ``<script>`` (its tooltip configuration) and a ``<style>`` element, both
refused by the Content-Security-Policy (``script-src 'self'; style-src 'self'``), its
colours do not all reach 3:1 against white, series differ by colour alone, and it has no
accessible name. So after pygal has drawn the chart the tree is rewritten:

* scripts, styles, ``style`` attributes, comments, tooltips and pygal's own titles go;
* every colour, stroke, dash and font is a *presentation attribute* (``fill=``,
  ``stroke=``, ``font-size=``): not subject to ``style-src``, and the SVG looks the same
  wherever it is put;
* series differ by more than colour: lines by dash pattern and marker shape, bars by
  fill pattern (solid, hatched, dotted, cross-hatched) with a coloured outline; the legend
  shows the same sample; a target line carries its own label;
* the root gets ``role="img"``, a ``<title>`` and a ``<desc>`` and ``aria-labelledby``.

Everything here is typed; pygal is not (``import-untyped``) and is used only inside
:func:`render_svg`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.etree import ElementTree as ET

import pygal  # type: ignore[import-untyped]
from pygal.etree import etree as pygal_etree  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

# pygal builds on lxml when it is installed; the rewriting below uses the standard
# library's ElementTree, so pygal is told to use it too (the same API either way).
pygal_etree.to_etree()
# On import pygal appends a legacy import hook to sys.meta_path (PluginImportFixer, for its
# map plugins, which Nära does not use). It has no find_spec, so from then on every import
# that reaches the end of the path warns (ImportWarning on Python 3.11, an error in the
# test suite). Taken out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

Kind = Literal["line", "bar", "stacked"]

PAPER = "#ffffff"
INK = "#1a1f24"  # the page's text colour (nara.css --ink)
MUTED = "#4a5561"  # axis labels and the axis line: 7.5:1 on white
GRID = "#d0d7de"  # guide lines: decoration, the values are on the axis and in the table
PALETTE = ("#0b5cad", "#a14800", "#1b6e35", "#6b3fa0", "#a4161a", "#00676f")
"""Series colours, each at least 4.5:1 against white (tests/unit/test_charts.py checks
3:1, WCAG 1.4.11); the order keeps neighbours apart in hue and lightness."""
DASHES = ("", "9 5", "2 4", "12 4 2 4", "6 3", "1 3")
"""Line series: solid, dashed, dotted, dash-dot, …, so colour never carries meaning alone."""
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")
PATTERNS = ("solid", "hatch", "dots", "cross", "hatch", "dots")
"""Bar series: the fill of each series (solid first); hatched bars have a coloured outline."""
TARGET_DASH = "7 4"
FONT_SIZE = 14
WIDTH = 640
HEIGHT = 320


@dataclass(frozen=True)
class SvgSpec:
    """What :func:`render_svg` draws; labels are plain text (escaped when serialised)."""

    kind: Kind
    dom_id: str  # unique on the page; the SVG's ids start with it
    title: str
    desc: str
    labels: Sequence[str]  # one per period or category
    series: Sequence[tuple[str, Sequence[float | None]]]  # name, one value per label
    ticks: Sequence[float]  # the value axis, ascending; the first and last are its range
    tick_label: Callable[[float], str]
    target: tuple[float, str] | None = None  # value, its label (drawn on the line)
    horizontal: bool = False
    width: int = WIDTH
    height: int = HEIGHT


def render_svg(spec: SvgSpec) -> str:
    """The chart as one ``<svg>`` element (text, no XML declaration)."""
    root = _pygal_tree(spec)
    _strip(root)
    _style_frame(root, spec)
    defs = _defs(root)
    _style_series(root, spec, defs)
    _style_legend(root, spec)
    if spec.target is not None:
        _draw_target(root, spec, *spec.target)
    _label(root, spec)
    if not list(defs):
        root.remove(defs)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


# ---- pygal ----
def _pygal_tree(spec: SvgSpec) -> ET.Element:
    style = Style(
        background=PAPER,
        plot_background=PAPER,
        font_family="inherit",
        label_font_size=FONT_SIZE,
        major_label_font_size=FONT_SIZE,
        legend_font_size=FONT_SIZE,
        value_font_size=FONT_SIZE,
        tooltip_font_size=FONT_SIZE,
        colors=PALETTE,
    )
    many = len(spec.labels) > 8
    options = {
        "js": [],
        "css": [],
        "disable_xml_declaration": True,
        "no_prefix": True,
        "explicit_size": False,
        "width": spec.width,
        "height": spec.height,
        "style": style,
        "classes": ["chart-svg"],
        "show_legend": len(spec.series) > 1,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": min(len(spec.series), 3),
        "legend_box_size": 22,
        "truncate_legend": -1,
        "range": (spec.ticks[0], spec.ticks[-1]),
        "y_labels": list(spec.ticks),
        "value_formatter": spec.tick_label,
        "allow_interruptions": True,
        "dots_size": 4,
        "margin": 12,
        "spacing": 12,
        "include_x_axis": True,
        "print_values": False,
        "no_data_text": "",
    }
    if spec.kind == "line":
        # Periods are short labels ("v. 49"), never cut; at most about eight under the
        # axis (every point is still drawn).
        options["truncate_label"] = -1
        if many:
            options["x_labels_major_every"] = -(-len(spec.labels) // 8)
            options["show_minor_x_labels"] = False
    elif not spec.horizontal and many:
        options["x_label_rotation"] = 35
    chart_class = {
        ("line", False): pygal.Line,
        ("line", True): pygal.Line,
        ("bar", False): pygal.Bar,
        ("bar", True): pygal.HorizontalBar,
        ("stacked", False): pygal.StackedBar,
        ("stacked", True): pygal.HorizontalStackedBar,
    }[(spec.kind, spec.horizontal)]
    chart = chart_class(**options)
    # A horizontal chart draws its first category at the bottom; reversed, the page's
    # order reads from the top.
    flip = spec.horizontal and spec.kind != "line"
    chart.x_labels = list(reversed(spec.labels)) if flip else list(spec.labels)
    for name, values in spec.series:
        chart.add(name, list(reversed(values)) if flip else list(values))
    tree: ET.Element = chart.render_tree()
    return tree


# ---- clean-up ----
_GONE_CLASSES = {"tooltip-overlay", "text-overlay", "titles"}


def _classes(node: ET.Element) -> set[str]:
    return set((node.get("class") or "").split())


def _strip(root: ET.Element) -> None:
    """Remove what the page may not or need not carry: scripts, styles, comments,
    pygal's titles and tooltip data, and every ``style`` attribute."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            if (
                not tag  # comments and processing instructions
                or tag in ("script", "style", "title", "desc")
                or _classes(child) & _GONE_CLASSES
            ):
                parent.remove(child)
    for node in root.iter():
        node.attrib.pop("style", None)
        if node.get("class") == "":
            del node.attrib["class"]
        if node.get("id", "").startswith("activate-serie"):
            del node.attrib["id"]  # pygal's ids repeat from chart to chart


def _defs(root: ET.Element) -> ET.Element:
    found = root.find("defs")
    if found is None:
        found = ET.Element("defs")
        root.insert(0, found)
    return found


def _style_frame(root: ET.Element, spec: SvgSpec) -> None:
    """Backgrounds, the axes, their guide lines and labels."""
    for node in root.iter("rect"):
        if "background" in _classes(node):
            node.set("fill", PAPER)
    for axis in root.iter("g"):
        classes = _classes(axis)
        if "axis" not in classes:
            continue
        value_axis = "always_show" in classes
        for guides in list(axis):
            for node in list(guides):
                _style_axis_node(axis, guides, node, value_axis, "x" in classes)
            if guides.tag == "path":
                _style_axis_node(axis, axis, guides, value_axis, "x" in classes)


def _style_axis_node(
    axis: ET.Element, parent: ET.Element, node: ET.Element, value_axis: bool, x_axis: bool
) -> None:
    classes = _classes(node)
    if node.tag == "path":
        if "guide" in classes and not value_axis:
            parent.remove(node)  # lines across the plot at every category: noise
            return
        grid = "guide" in classes
        node.set("stroke", GRID if grid else MUTED)
        node.set("stroke-width", "1")
        node.set("fill", "none")
    elif node.tag == "text":
        node.set("fill", MUTED)
        node.set("font-size", str(FONT_SIZE))
        rotated = node.get("transform") is not None
        node.set("text-anchor", ("start" if rotated else "middle") if x_axis else "end")
        node.attrib.pop("class", None)


# ---- series ----
def _series_index(node: ET.Element) -> int | None:
    for name in _classes(node):
        if name.startswith("serie-"):
            return int(name.removeprefix("serie-"))
    return None


def _style_series(root: ET.Element, spec: SvgSpec, defs: ET.Element) -> None:
    for group in list(root.iter("g")):
        index = _series_index(group)
        if index is None or "series" not in _classes(group):
            continue
        colour = PALETTE[index % len(PALETTE)]
        for parent in list(group.iter()):
            for node in list(parent):
                if node.tag == "path" and "line" in _classes(node):
                    _line(node, colour, index)
                elif node.tag == "circle":
                    _marker(parent, node, colour, index)
                elif node.tag == "rect" and _empty(node):
                    parent.remove(node)  # a missing value in a stack: nothing to draw
                elif node.tag == "rect":
                    _bar(node, colour, _fill(spec, defs, index, colour))
                node.attrib.pop("class", None)


def _empty(rect: ET.Element) -> bool:
    return float(rect.get("width", "0")) <= 0 or float(rect.get("height", "0")) <= 0


def _line(node: ET.Element, colour: str, index: int) -> None:
    node.set("fill", "none")
    node.set("stroke", colour)
    node.set("stroke-width", "3")
    node.set("stroke-linejoin", "round")
    dash = DASHES[index % len(DASHES)]
    if dash:
        node.set("stroke-dasharray", dash)


def _marker_shape(shape: str, x: float, y: float, colour: str) -> ET.Element:
    r = 4.5
    if shape == "circle":
        return ET.Element("circle", cx=_n(x), cy=_n(y), r=_n(r), fill=colour)
    if shape == "square":
        side = 2 * r * 0.9
        return ET.Element(
            "rect", x=_n(x - side / 2), y=_n(y - side / 2), width=_n(side), height=_n(side),
            fill=colour,
        )  # fmt: skip
    if shape == "triangle":
        d = f"M{_n(x)} {_n(y - r * 1.2)} L{_n(x + r * 1.1)} {_n(y + r * 0.8)} "
        d += f"L{_n(x - r * 1.1)} {_n(y + r * 0.8)} Z"
        return ET.Element("path", d=d, fill=colour)
    d = f"M{_n(x)} {_n(y - r * 1.3)} L{_n(x + r * 1.1)} {_n(y)} L{_n(x)} {_n(y + r * 1.3)} "
    d += f"L{_n(x - r * 1.1)} {_n(y)} Z"
    return ET.Element("path", d=d, fill=colour)


def _marker(parent: ET.Element, node: ET.Element, colour: str, index: int) -> None:
    """pygal's dot becomes the series' marker (circle, square, triangle, diamond)."""
    x, y = float(node.get("cx", "0")), float(node.get("cy", "0"))
    shape = _marker_shape(MARKERS[index % len(MARKERS)], x, y, colour)
    position = list(parent).index(node)
    parent.remove(node)
    parent.insert(position, shape)


def _fill(spec: SvgSpec, defs: ET.Element, index: int, colour: str) -> str:
    """The fill of a bar series: its colour, or a pattern in its colour on white."""
    pattern = PATTERNS[index % len(PATTERNS)]
    if pattern == "solid":
        return colour
    pattern_id = f"{spec.dom_id}-fill-{index}"
    if defs.find(f"pattern[@id='{pattern_id}']") is None:
        node = ET.SubElement(
            defs, "pattern", id=pattern_id, patternUnits="userSpaceOnUse", width="8", height="8"
        )
        ET.SubElement(node, "rect", width="8", height="8", fill=PAPER)
        if pattern in ("hatch", "cross"):
            ET.SubElement(node, "path", d="M-2 2 L2 -2 M0 8 L8 0 M6 10 L10 6", stroke=colour)
            node[-1].set("stroke-width", "2.5")
        if pattern == "cross":
            ET.SubElement(node, "path", d="M-2 6 L2 10 M0 0 L8 8 M6 -2 L10 2", stroke=colour)
            node[-1].set("stroke-width", "2.5")
        if pattern == "dots":
            ET.SubElement(node, "circle", cx="4", cy="4", r="2.2", fill=colour)
    return f"url(#{pattern_id})"


def _bar(node: ET.Element, colour: str, fill: str) -> None:
    node.set("fill", fill)
    node.set("stroke", colour)
    node.set("stroke-width", "1.5")
    for rounded in ("rx", "ry"):
        node.attrib.pop(rounded, None)


# ---- legend ----
def _style_legend(root: ET.Element, spec: SvgSpec) -> None:
    defs = _defs(root)
    for legends in root.iter("g"):
        if "legends" not in _classes(legends):
            continue
        for index, legend in enumerate(legends.findall("g")):
            legend.attrib.pop("class", None)
            box = legend.find("rect")
            text = legend.find("text")
            if text is not None:
                text.set("fill", INK)
                text.set("font-size", str(FONT_SIZE))
            if box is None:
                continue
            colour = PALETTE[index % len(PALETTE)]
            x, y = float(box.get("x", "0")), float(box.get("y", "0"))
            size = float(box.get("width", "20"))
            legend.remove(box)
            if spec.kind == "line":
                sample = ET.Element(
                    "path", d=f"M{_n(x)} {_n(y + size / 2)} h{_n(size)}", stroke=colour
                )
                _line(sample, colour, index)
                legend.insert(0, sample)
                marker = _marker_shape(
                    MARKERS[index % len(MARKERS)], x + size / 2, y + size / 2, colour
                )
                legend.insert(1, marker)
            else:
                swatch = ET.Element(
                    "rect", x=_n(x + 2), y=_n(y + 2), width=_n(size - 4), height=_n(size - 4)
                )
                _bar(swatch, colour, _fill(spec, defs, index, colour))
                legend.insert(0, swatch)


# ---- the target line ----
_MOVE = re.compile(r"M\s*(-?[\d.]+)[ ,]+(-?[\d.]+)")


def _value_axis(root: ET.Element) -> list[float]:
    """The coordinates of the value axis' guides, in the order of ``spec.ticks``."""
    for axis in root.iter("g"):
        if {"axis", "always_show"} <= _classes(axis):
            found = []
            for guides in axis.findall("g"):
                path = guides.find("path")
                match = _MOVE.match(path.get("d", "")) if path is not None else None
                if match:
                    found.append(float(match.group(1 if "x" in _classes(axis) else 2)))
            return found
    return []


def _plot(root: ET.Element) -> ET.Element | None:
    graph = root.find("g")
    if graph is None:
        return None
    for node in graph.findall("g"):
        if _classes(node) == {"plot"}:
            return node
    return None


def _draw_target(root: ET.Element, spec: SvgSpec, value: float, label: str) -> None:
    """A dashed line at ``value`` across the plot, with its label on it."""
    positions = _value_axis(root)
    plot = _plot(root)
    background = plot.find("rect") if plot is not None else None
    if plot is None or background is None or len(positions) != len(spec.ticks):
        return  # no line rather than a wrong one; the target is in the description
    low, high = spec.ticks[0], spec.ticks[-1]
    at = positions[0] + (value - low) * (positions[-1] - positions[0]) / (high - low)
    width = float(background.get("width", "0"))
    height = float(background.get("height", "0"))
    group = ET.SubElement(plot, "g")
    if spec.horizontal:
        line = ET.SubElement(group, "path", d=f"M{_n(at)} 0 v{_n(height)}")
        text = ET.SubElement(group, "text", x=_n(at - 4), y=_n(FONT_SIZE))
        text.set("text-anchor", "end")
    else:
        line = ET.SubElement(group, "path", d=f"M0 {_n(at)} h{_n(width)}")
        text = ET.SubElement(group, "text", x=_n(width - 2), y=_n(at - 6))
        text.set("text-anchor", "end")
    line.set("stroke", INK)
    line.set("stroke-width", "2")
    line.set("stroke-dasharray", TARGET_DASH)
    line.set("fill", "none")
    text.text = label
    text.set("fill", INK)
    text.set("font-size", str(FONT_SIZE))
    text.set("font-weight", "600")
    # A white halo so that the label reads over bars and lines.
    text.set("stroke", PAPER)
    text.set("stroke-width", "4")
    text.set("paint-order", "stroke")


# ---- the accessible name ----
def _label(root: ET.Element, spec: SvgSpec) -> None:
    root.set("id", f"{spec.dom_id}-svg")
    root.set("class", "chart-svg")
    root.set("role", "img")
    root.set("aria-labelledby", f"{spec.dom_id}-title {spec.dom_id}-desc")
    root.set("font-size", str(FONT_SIZE))
    title = ET.Element("title", id=f"{spec.dom_id}-title")
    title.text = spec.title
    desc = ET.Element("desc", id=f"{spec.dom_id}-desc")
    desc.text = spec.desc
    root.insert(0, desc)
    root.insert(0, title)


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
