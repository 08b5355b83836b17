"""/api/v1/followup: the follow-up's figures (issue 16) and the drill-down behind each
figure, with the same definitions as the pages (``docs/metrics.md``). Staff only; an agent
reads the teams they belong to. Unknown query parameters are refused (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from nara import clock
from nara.config import get_settings
from nara.followup import figures as f
from nara.followup.days import local_date
from nara.followup.filters import DRILLDOWN_PARAMS, Filters, parse_filters
from nara.followup.metrics import METRICS
from nara.models import Case, Channel, Priority
from nara.queries import followup as queries
from nara.web.api import schemas, serializers
from nara.web.api.schemas import SLUG
from nara.web.deps import DB, CurrentActor

router = APIRouter(prefix="/followup", tags=["follow-up"])

UnitOut = Literal["count", "share", "minutes", "score", "per_case"]


class TargetOut(BaseModel):
    kind: Literal["promise", "bar", "law", "kkik"] = Field(
        description="promise: the cases' own response promises (minutes..minutes_high); "
        "bar: a fixed bar in minutes; law: förvaltningslagen; kkik: one working day."
    )
    minutes: float | None
    minutes_high: float | None


class FigureOut(BaseModel):
    key: str
    value: float | None = Field(description="Null when there is nothing to compute it from.")
    unit: UnitOut
    count: int = Field(description="How many items the figure is counted or taken over.")
    metric: str | None = Field(
        description="The drill-down metric listing exactly those items (GET /followup/cases)."
    )
    target: TargetOut | None


class BreakdownRowOut(BaseModel):
    value: str
    count: int
    share: float | None
    metric: str
    filters: dict[str, str] = Field(description="Add these to the filters to drill down.")
    name_sv: str | None
    name_en: str | None


class BreakdownOut(BaseModel):
    key: str
    rows: list[BreakdownRowOut]


class SectionOut(BaseModel):
    key: str
    dimensions: list[str] = Field(description="The filters that apply to this section.")
    figures: list[FigureOut]
    breakdowns: list[BreakdownOut]


class PointOut(BaseModel):
    first: date
    last: date
    value: float | None
    count: int


class TrendOut(BaseModel):
    key: str
    unit: UnitOut
    weekly: list[PointOut]
    monthly: list[PointOut]


class CommentOut(BaseModel):
    case_number: str
    score: int
    comment: str
    at: datetime


class ImprovementLineOut(BaseModel):
    id: int
    title: str
    status: str
    done_at: datetime | None
    verdict: str | None
    change_pct: float | None


class FiltersOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    team: str | None
    topic: str | None
    channel: str | None
    priority: str | None


class FollowupOut(BaseModel):
    filters: FiltersOut
    timezone: str
    computed_at: datetime
    rolled_through: date | None = Field(
        description="The last day read from the daily roll-ups; later days were counted live."
    )
    team_ids: list[int] | None = Field(description="The teams covered (null: every team).")
    sections: list[SectionOut]
    trends: list[TrendOut]
    comments: list[CommentOut]
    improvements: list[ImprovementLineOut]
    personal: list[FigureOut] | None = Field(
        description="The caller's own figures over the period (staff with a login)."
    )


class ItemOut(BaseModel):
    kind: Literal["case", "consultation", "decision", "conversation", "improvement"]
    id: int
    at: datetime = Field(description="The moment that put the item in the figure.")
    case: schemas.CaseOut | None = Field(
        description="The case (or the item's case) when the caller may read it."
    )
    detail: dict[str, Any]


class FollowupPage(BaseModel):
    metric: str
    items: list[ItemOut]
    next_cursor: str | None
    left_out: int | None = Field(
        description="On the first page: items the figure counts on cases the caller may "
        "not read (never listed). Null on later pages."
    )


# ---- parameters (documented here, parsed once by nara.followup.filters) ----
FromQ = Annotated[
    date | None,
    Query(alias="from", description="The first local day (default: 30 days before to)."),
]
ToQ = Annotated[date | None, Query(description="The last local day, included (default: today).")]
TeamQ = Annotated[str | None, Query(max_length=64, pattern=SLUG, description="A team's slug.")]
TopicQ = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^\s*(-|[a-z0-9]+(-[a-z0-9]+)*)\s*$",
        description="A topic's slug, or - for cases without a topic.",
    ),
]
ChannelQ = Annotated[Channel | None, Query()]
PriorityQ = Annotated[Priority | None, Query()]


def _filters(request: Request, allowed: tuple[str, ...] | None = None) -> Filters:
    today = local_date(clock.now(), get_settings().display_timezone)
    params = {k: v for k, v in request.query_params.items()}
    if allowed is None:
        return parse_filters(params, today=today)
    return parse_filters(params, today=today, allowed=allowed)


def _figure(fig: f.Figure) -> FigureOut:
    target = fig.target
    return FigureOut(
        key=fig.key,
        value=fig.value,
        unit=fig.unit,
        count=fig.count,
        metric=fig.metric,
        target=None
        if target is None
        else TargetOut(kind=target.kind, minutes=target.minutes, minutes_high=target.minutes_high),
    )


def _section(section: f.Section) -> SectionOut:
    return SectionOut(
        key=section.key,
        dimensions=list(section.dimensions),
        figures=[_figure(x) for x in section.figures],
        breakdowns=[
            BreakdownOut(
                key=b.key,
                rows=[
                    BreakdownRowOut(
                        value=r.value,
                        count=r.count,
                        share=r.share,
                        metric=r.metric,
                        filters=dict(r.filters),
                        name_sv=r.name_sv,
                        name_en=r.name_en,
                    )
                    for r in b.rows
                ],
            )
            for b in section.breakdowns
        ],
    )


def _points(points: tuple[f.TrendPoint, ...]) -> list[PointOut]:
    return [PointOut(first=p.first, last=p.last, value=p.value, count=p.count) for p in points]


@router.get("", response_model=FollowupOut, response_model_by_alias=True)
def followup(
    request: Request,
    db: DB,
    actor: CurrentActor,
    from_: FromQ = None,
    to: ToQ = None,
    team: TeamQ = None,
    topic: TopicQ = None,
    channel: ChannelQ = None,
    priority: PriorityQ = None,
) -> FollowupOut:
    """The follow-up's figures for the period (local days of the organisation's time
    zone, both included; at most five years) and filters: every promise next to its
    measured figure, each with the drill-down metric behind it, weekly and monthly
    trends, and the caller's own figures."""
    filters = _filters(request)
    now = clock.now()
    figs = queries.figures(db, actor, filters, now)
    personal = None
    if actor.user_id is not None:
        personal = [_figure(x) for x in queries.personal_figures(db, actor, filters, now).figures]
    return FollowupOut(
        filters=FiltersOut.model_validate(
            {
                "from": filters.first,
                "to": filters.last,
                "team": filters.team,
                "topic": filters.topic,
                "channel": filters.channel.value if filters.channel else None,
                "priority": filters.priority.value if filters.priority else None,
            }
        ),
        timezone=figs.timezone,
        computed_at=figs.computed_at,
        rolled_through=figs.rolled_through,
        team_ids=sorted(figs.team_ids) if figs.team_ids is not None else None,
        sections=[_section(s) for s in figs.sections],
        trends=[
            TrendOut(key=t.key, unit=t.unit, weekly=_points(t.weekly), monthly=_points(t.monthly))
            for t in figs.trends
        ],
        comments=[
            CommentOut(case_number=c.case_number, score=c.score, comment=c.comment, at=c.at)
            for c in figs.comments
        ],
        improvements=[
            ImprovementLineOut(
                id=i.id,
                title=i.title,
                status=i.status,
                done_at=i.done_at,
                verdict=i.verdict,
                change_pct=i.change_pct,
            )
            for i in figs.improvements
        ],
        personal=personal,
    )


MetricQ = Annotated[
    str,
    Query(
        max_length=64,
        description="A figure's metric (its 'metric' in GET /followup): "
        + ", ".join(METRICS)
        + ".",
    ),
]


@router.get("/cases", response_model=FollowupPage)
def followup_cases(
    request: Request,
    db: DB,
    actor: CurrentActor,
    metric: MetricQ,
    from_: FromQ = None,
    to: ToQ = None,
    team: TeamQ = None,
    topic: TopicQ = None,
    channel: ChannelQ = None,
    priority: PriorityQ = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 25,
) -> FollowupPage:
    """The items behind a figure, newest first, with the same filters: exactly those the
    figure counts, each with its case when the caller may read it; the others are only
    counted (``left_out``). Cursor-paginated like GET /cases."""
    filters = _filters(request, DRILLDOWN_PARAMS)
    page = queries.drilldown(db, actor, filters, metric, cursor, limit, now=clock.now())
    cases: list[Case] = [i.case for i in page.items if i.case is not None]
    unique = list({c.id: c for c in cases}.values())
    out = serializers.cases_out(db, actor, unique)
    rendered = dict(zip([c.id for c in unique], out, strict=True))
    return FollowupPage(
        metric=page.metric,
        items=[
            ItemOut(
                kind=i.kind,
                id=i.id,
                at=i.at,
                case=rendered[i.case.id] if i.case is not None else None,
                detail=dict(i.detail),
            )
            for i in page.items
        ],
        next_cursor=page.next_cursor,
        left_out=page.left_out,
    )
