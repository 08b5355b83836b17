"""What the follow-up pages show, assembled from the figures: the sections with their
figures and breakdowns, the trends, the comments, the improvements and the personal
figures, all in the reader's language (``followup_view`` formats the parts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from nara import i18n
from nara.followup.figures import (
    Comment,
    Figure,
    FollowupFigures,
    ImprovementLine,
    PersonalFigures,
)
from nara.i18n import N_
from nara.web.ui import followup_names as names
from nara.web.ui import followup_view as view
from nara.web.ui import labels


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    note: str
    rows: list[view.FigureRow]
    breakdowns: list[view.BreakdownView]

    @property
    def has_targets(self) -> bool:
        return any(r.target for r in self.rows)


def sections(found: FollowupFigures, params: Mapping[str, str], lang: str) -> list[SectionView]:
    gettext = i18n.translations(lang).gettext
    out = []
    for section in found.sections:
        note = names.SECTION_NOTES.get(section.key)
        out.append(
            SectionView(
                key=section.key,
                title=names.named(names.SECTIONS, section.key, lang),
                note=gettext(note) if note else "",
                rows=[view.figure_row(f, params, lang) for f in section.figures],
                breakdowns=[view.breakdown_view(b, params, lang) for b in section.breakdowns],
            )
        )
    return out


def trend_targets(found: FollowupFigures, lang: str) -> dict[str, str]:
    """The promise or target of each figure that has one, in words, for the trends."""
    return {
        f.key: view.target_text(f.target, f.key, lang)
        for s in found.sections
        for f in s.figures
        if f.target is not None
    }


def trend_target_minutes(found: FollowupFigures) -> dict[str, float]:
    """A single promise or bar in minutes, for the line drawn across a trend's chart
    (none when the counted cases had different promises)."""
    out: dict[str, float] = {}
    for s in found.sections:
        for f in s.figures:
            t = f.target
            if t is None or t.minutes is None or f.unit != "minutes":
                continue
            if t.minutes_high is None or t.minutes_high == t.minutes:
                out[f.key] = t.minutes
    return out


@dataclass(frozen=True)
class CommentView:
    case_number: str
    score: int
    comment: str
    at: datetime


def comments(found: Sequence[Comment]) -> list[CommentView]:
    return [CommentView(c.case_number, c.score, c.comment, c.at) for c in found]


EFFECT_NOT_MEASURED = N_("Not measured yet")
EFFECT_NOT_ENOUGH = N_("Not enough data to measure")
EFFECT_CHANGE = N_("%(change)s %% contacts per day")


@dataclass(frozen=True)
class ImprovementView:
    id: int
    title: str
    status: str
    done_at: datetime | None
    effect: str


def effect_text(line: ImprovementLine, lang: str) -> str:
    gettext = i18n.translations(lang).gettext
    if line.change_pct is not None:
        sign = "+" if line.change_pct > 0 else ("\u2212" if line.change_pct < 0 else "")
        number = i18n.format_number(abs(line.change_pct), lang)
        return gettext(EFFECT_CHANGE) % {"change": sign + number}
    if line.verdict == "not_enough_data":
        return gettext(EFFECT_NOT_ENOUGH)
    return gettext(EFFECT_NOT_MEASURED)


def improvements(found: Sequence[ImprovementLine], lang: str) -> list[ImprovementView]:
    return [
        ImprovementView(
            i.id,
            i.title,
            labels.label("improvement_status", i.status, lang),
            i.done_at,
            effect_text(i, lang),
        )
        for i in found
    ]


# ---- the personal follow-up ----
PERSONAL_GROUPS = (
    ("cases", N_("My cases"), ("mine.active", "mine.resolved")),
    (
        "promises",
        N_("My promises"),
        (
            "mine.first_response.kept",
            "mine.first_response.missed",
            "mine.first_response.kept_share",
        ),
    ),
    ("satisfaction", N_("My customers' satisfaction"), ("mine.csat.rated", "mine.csat.average")),
    (
        "decisions",
        N_("My decisions and improvements"),
        ("mine.decisions.at_once", "mine.decisions.for_approval", "mine.improvements.raised"),
    ),
)
OTHER = N_("Other figures")


def personal_sections(
    found: PersonalFigures, params: Mapping[str, str], lang: str
) -> list[SectionView]:
    """The personal figures in groups; a figure of no group (added later) in "Other"."""
    gettext = i18n.translations(lang).gettext
    by_key: dict[str, Figure] = {f.key: f for f in found.figures}
    out = []
    for key, title, keys in PERSONAL_GROUPS:
        rows = [view.figure_row(by_key.pop(k), params, lang) for k in keys if k in by_key]
        if rows:
            out.append(SectionView(key, gettext(title), "", rows, []))
    if by_key:
        rows = [view.figure_row(f, params, lang) for f in by_key.values()]
        out.append(SectionView("other", gettext(OTHER), "", rows, []))
    return out
