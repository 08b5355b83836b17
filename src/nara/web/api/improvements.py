"""/api/v1 improvements (förbättringar): raise, list, read, link evidence, change status,
comment, follow, support, move to another team, merge duplicates, the ranked list.
Staff only: a customer gets 403 on every route. Every staff member reads every
improvement; evidence cases are named only to those who may read them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nara import i18n
from nara.domain import improvements as actions
from nara.domain.improvements import MAX_TEXT, MAX_TITLE, MAX_TOPICS, MAX_WEEKS
from nara.queries import improvements as queries
from nara.web.api.schemas import SLUG, In
from nara.web.deps import DB, CurrentCaller

router = APIRouter(tags=["improvements"])

Kind = Literal["fix", "opportunity"]
Status = Literal["raised", "accepted", "in_progress", "done", "declined"]


# ---- requests ----
class ImprovementIn(In):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(
        min_length=1, max_length=MAX_TEXT, description="What customers experience."
    )
    suggestion: str | None = Field(None, max_length=MAX_TEXT, description="The suggested change.")
    kind: Kind = Field(
        description="fix: remove a cause of contacts; opportunity: something customers "
        "would value that we could offer."
    )
    topics: list[Annotated[str, Field(max_length=64, pattern=SLUG)]] = Field(
        default_factory=list,
        max_length=MAX_TOPICS,
        description="Topic slugs (the driver); the first one chooses the owning team. "
        "Empty: the case's topic.",
    )
    case_number: str | None = Field(
        None, max_length=32, description="The case it is raised from: its first evidence."
    )
    count_topic_contacts: bool = Field(
        True,
        description="The effect counts every case on its topics besides the confirmed "
        "evidence (false: the confirmed evidence only).",
    )
    weeks_before: int = Field(6, ge=1, le=MAX_WEEKS, description="Weeks measured before.")
    weeks_after: int = Field(6, ge=1, le=MAX_WEEKS, description="Weeks measured after.")


class EvidenceIn(In):
    case_number: str = Field(min_length=1, max_length=32)


class StatusChangeIn(In):
    status: Status = Field(
        description="accepted (needs target_date), in_progress, done (needs live_at), "
        "declined (needs reason), raised (raise a declined one again)."
    )
    reason: str | None = Field(None, max_length=MAX_TEXT)
    live_at: date | None = Field(None, description="The day the change went live (done).")
    target_date: date | None = Field(None, description="The promised day (accepted).")


class CommentIn(In):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class OwnerIn(In):
    team_id: int


class MergeIn(In):
    into: int = Field(description="The improvement the duplicate is merged into.")


# ---- responses ----
class TeamRef(BaseModel):
    id: int
    slug: str
    name: str


class EffectOut(BaseModel):
    relative_change: float = Field(description="-0.38: contacts fell 38 %.")
    ci_low: float | None = Field(description="95 % interval of relative_change, low end.")
    ci_high: float | None
    before_rate: float | None = Field(description="Linked contacts per 1,000 contacts before.")
    after_rate: float | None
    verdict: str = Field(description="The effect in plain words, in the caller's language.")
    measured_at: datetime


class ImprovementOut(BaseModel):
    id: int
    title: str
    description: str
    suggestion: str
    kind: Kind
    status: Status
    owner_team: TeamRef
    topics: list[str]
    raised_by: str | None
    created_at: datetime
    updated_at: datetime
    target_date: date | None
    live_at: date | None
    decline_reason: str | None
    merged_into_id: int | None
    evidence_count: int = Field(description="Confirmed evidence cases.")
    suggested_count: int = Field(description="Suggested evidence waiting for a decision.")
    supporters: int
    my_role: Literal["reporter", "supporter", "follower"] | None
    effect: EffectOut | None
    effect_status: Literal["measured", "not_enough_data", "not_measured"]
    effect_due: date | None = Field(description="When the after-window has passed.")
    count_topic_contacts: bool
    weeks_before: int
    weeks_after: int


class EvidenceOut(BaseModel):
    id: int
    case_number: str
    subject: str
    status: Literal["suggested", "confirmed", "rejected"]
    source: Literal["raised", "manual", "suggested", "merged"]
    score: float | None
    opened_at: datetime


class WeekOut(BaseModel):
    week: date = Field(description="The Monday the week starts on.")
    contacts: int


class CostOut(BaseModel):
    contacts_per_week: float
    handle_minutes: float = Field(description="Work time per contact.")
    handle_source: Literal["work_sessions", "team_stats", "default"]
    hours_per_year: float = Field(description="Staff hours a year: the cost of doing nothing.")
    typical_effect: float
    typical_source: Literal["measured", "default"]
    saving_hours_per_year: float = Field(description="If contacts fell by the typical effect.")


class ImprovementDetailOut(ImprovementOut):
    evidence: list[EvidenceOut] = Field(description="Evidence cases the caller may read.")
    hidden_evidence: int = Field(description="Confirmed evidence cases the caller may not read.")
    trend: list[WeekOut]
    cost: CostOut


class ImprovementPage(BaseModel):
    items: list[ImprovementOut]
    next_cursor: str | None


class EventOut(BaseModel):
    id: int
    type: str
    actor: str | None
    text: str
    body: str | None = Field(description="A comment's text.")
    created_at: datetime


class RankedOut(BaseModel):
    improvement: ImprovementOut
    contacts: int = Field(description="Linked contacts over the last 12 weeks.")
    cost: CostOut


def _locale(caller: CurrentCaller) -> str:
    return caller.user.locale or "sv"


def _effect(row: queries.ImprovementRow, locale: str) -> EffectOut | None:
    effect = row.effect
    if not effect.measured or effect.relative_change is None or effect.measured_at is None:
        return None
    translate = i18n.translations(locale).gettext
    verdict = queries.effect_verdict(effect, row.improvement, row.topics, translate, locale)
    return EffectOut(
        relative_change=effect.relative_change,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        before_rate=effect.before_rate,
        after_rate=effect.after_rate,
        verdict=verdict or "",
        measured_at=effect.measured_at,
    )


def _out(row: queries.ImprovementRow, locale: str) -> ImprovementOut:
    i = row.improvement
    return ImprovementOut(
        id=i.id,
        title=i.title,
        description=i.description,
        suggestion=i.suggestion,
        kind=i.kind,
        status=i.status,
        owner_team=TeamRef(id=row.team.id, slug=row.team.slug, name=row.team.name(locale)),
        topics=[t.slug for t in row.topics],
        raised_by=row.raised_by,
        created_at=i.created_at,
        updated_at=i.updated_at,
        target_date=i.target_date,
        live_at=i.live_at,
        decline_reason=i.decline_reason,
        merged_into_id=i.merged_into_id,
        evidence_count=row.evidence_count,
        suggested_count=row.suggested_count,
        supporters=row.supporters,
        my_role=row.my_role,
        effect=_effect(row, locale),
        effect_status=row.effect.status,
        effect_due=queries.effect_due(i),
        count_topic_contacts=i.count_topic_contacts,
        weeks_before=i.weeks_before,
        weeks_after=i.weeks_after,
    )


def _cost(cost: queries.Cost) -> CostOut:
    return CostOut(
        contacts_per_week=round(cost.contacts_per_week, 2),
        handle_minutes=round(cost.handle_minutes, 1),
        handle_source=cost.handle_source,
        hours_per_year=round(cost.hours_per_year, 1),
        typical_effect=cost.typical_effect,
        typical_source=cost.typical_source,
        saving_hours_per_year=round(cost.saving_hours_per_year, 1),
    )


def _detail(db: DB, caller: CurrentCaller, improvement_id: int) -> ImprovementDetailOut:
    detail = queries.improvement_detail(db, caller.actor, improvement_id)
    base = _out(detail.row, _locale(caller))
    return ImprovementDetailOut(
        **base.model_dump(),
        evidence=[
            EvidenceOut(
                id=line.evidence.id,
                case_number=line.case_number or "",
                subject=line.subject or "",
                status=line.evidence.status,
                source=line.evidence.source,
                score=line.evidence.score,
                opened_at=line.opened_at or line.evidence.created_at,
            )
            for line in detail.evidence
        ],
        hidden_evidence=detail.hidden_evidence,
        trend=[WeekOut(week=week, contacts=n) for week, n in detail.trend],
        cost=_cost(detail.cost),
    )


def _one(db: DB, caller: CurrentCaller, improvement_id: int) -> ImprovementOut:
    return _out(queries.get_row(db, caller.actor, improvement_id), _locale(caller))


@router.post("/improvements", status_code=201, response_model=ImprovementOut)
def raise_improvement(body: ImprovementIn, db: DB, caller: CurrentCaller) -> ImprovementOut:
    """Raise an improvement (any staff member). A case it is raised from (one the caller
    may read; 404 otherwise) is its first evidence."""
    made = actions.raise_improvement(
        session=db,
        actor=caller.actor,
        title=body.title,
        description=body.description,
        suggestion=body.suggestion,
        kind=body.kind,
        topics=body.topics,
        case_number=body.case_number,
        count_topic_contacts=body.count_topic_contacts,
        weeks_before=body.weeks_before,
        weeks_after=body.weeks_after,
    )
    db.commit()
    return _one(db, caller, made.id)


@router.get("/improvements", response_model=ImprovementPage)
def list_improvements(
    db: DB,
    caller: CurrentCaller,
    status: Annotated[Status | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    team_id: Annotated[int | None, Query(description="Owned by this team.")] = None,
    topic: Annotated[str | None, Query(max_length=64, pattern=SLUG)] = None,
    mine: Annotated[bool, Query(description="Raised, supported or followed by me.")] = False,
    open_only: Annotated[
        bool, Query(alias="open", description="Raised, accepted or in progress.")
    ] = False,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 25,
) -> ImprovementPage:
    """Improvements, newest first (merged duplicates left out)."""
    page = queries.list_improvements(
        db,
        caller.actor,
        status=status,
        kind=kind,
        team_id=team_id,
        topic=topic,
        mine=mine,
        open_only=open_only,
        cursor=cursor,
        limit=limit,
    )
    locale = _locale(caller)
    return ImprovementPage(
        items=[_out(r, locale) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/improvements/ranked", response_model=list[RankedOut])
def ranked(
    db: DB,
    caller: CurrentCaller,
    team_id: Annotated[int | None, Query(description="Owned by this team.")] = None,
) -> list[RankedOut]:
    """Open improvements by evidence volume × cost (staff hours a year), largest first,
    with the saving expected at the typical measured effect."""
    locale = _locale(caller)
    return [
        RankedOut(improvement=_out(line.row, locale), contacts=line.contacts, cost=_cost(line.cost))
        for line in queries.ranked(db, caller.actor, team_id=team_id)
    ]


@router.get("/improvements/{improvement_id}", response_model=ImprovementDetailOut)
def get_improvement(improvement_id: int, db: DB, caller: CurrentCaller) -> ImprovementDetailOut:
    """One improvement with its evidence (the cases the caller may read), trend, cost
    and effect."""
    return _detail(db, caller, improvement_id)


@router.get("/improvements/{improvement_id}/events", response_model=list[EventOut])
def events(improvement_id: int, db: DB, caller: CurrentCaller) -> list[EventOut]:
    """The improvement's timeline, oldest first."""
    detail = queries.timeline(db, caller.actor, improvement_id)
    locale = _locale(caller)
    translate = i18n.translations(locale).gettext
    return [
        EventOut(
            id=event.id,
            type=event.type,
            actor=detail.actor_names.get(event.actor_id) if event.actor_id else None,
            text=queries.describe_event(event, translate, locale, detail.visible_case_ids),
            body=str(event.data.get("body"))
            if event.type == "improvement.commented" and event.data
            else None,
            created_at=event.created_at,
        )
        for event in detail.events
    ]


def _evidence_out(db: DB, evidence_id: int) -> EvidenceOut:
    row, case = queries.evidence_with_case(db, evidence_id)
    return EvidenceOut(
        id=row.id,
        case_number=case.number,
        subject=case.subject,
        status=row.status,
        source=row.source,
        score=row.score,
        opened_at=case.opened_at,
    )


@router.post("/improvements/{improvement_id}/evidence", status_code=201, response_model=EvidenceOut)
def link_evidence(
    improvement_id: int, body: EvidenceIn, db: DB, caller: CurrentCaller
) -> EvidenceOut:
    """Link a case the caller may read as confirmed evidence (404 for any other)."""
    row = actions.link_evidence(
        session=db, actor=caller.actor, improvement_id=improvement_id, case_number=body.case_number
    )
    db.commit()
    return _evidence_out(db, row.id)


@router.post(
    "/improvements/{improvement_id}/evidence/{evidence_id}/confirm", response_model=EvidenceOut
)
def confirm_evidence(
    improvement_id: int, evidence_id: int, db: DB, caller: CurrentCaller
) -> EvidenceOut:
    """Confirm a suggested evidence link."""
    row = actions.decide_evidence(
        session=db,
        actor=caller.actor,
        improvement_id=improvement_id,
        evidence_id=evidence_id,
        confirm=True,
    )
    db.commit()
    return _evidence_out(db, row.id)


@router.post(
    "/improvements/{improvement_id}/evidence/{evidence_id}/reject", response_model=EvidenceOut
)
def reject_evidence(
    improvement_id: int, evidence_id: int, db: DB, caller: CurrentCaller
) -> EvidenceOut:
    """Reject a suggested evidence link (it is not suggested again)."""
    row = actions.decide_evidence(
        session=db,
        actor=caller.actor,
        improvement_id=improvement_id,
        evidence_id=evidence_id,
        confirm=False,
    )
    db.commit()
    return _evidence_out(db, row.id)


@router.post("/improvements/{improvement_id}/status", response_model=ImprovementOut)
def change_status(
    improvement_id: int, body: StatusChangeIn, db: DB, caller: CurrentCaller
) -> ImprovementOut:
    """Accept (owning team's lead or an admin; target_date not in the past), decline
    (with a reason), start, mark done (live_at not in the future) or raise a declined one
    again. A change the current status does not allow is a conflict (409)."""
    actions.change_status(
        session=db,
        actor=caller.actor,
        improvement_id=improvement_id,
        status=body.status,
        reason=body.reason,
        live_at=body.live_at,
        target_date=body.target_date,
    )
    db.commit()
    return _one(db, caller, improvement_id)


@router.post("/improvements/{improvement_id}/comments", status_code=201, response_model=EventOut)
def comment(improvement_id: int, body: CommentIn, db: DB, caller: CurrentCaller) -> EventOut:
    """A comment on the improvement's timeline; its followers are notified."""
    event = actions.comment(
        session=db, actor=caller.actor, improvement_id=improvement_id, body=body.body
    )
    db.commit()
    return EventOut(
        id=event.id,
        type=event.type,
        actor=caller.user.display_name,
        text=i18n.translations(_locale(caller)).gettext(queries.EVENT_TEXT[event.type]),
        body=str(event.data.get("body")),
        created_at=event.created_at,
    )


@router.post("/improvements/{improvement_id}/follow", response_model=ImprovementOut)
def follow(improvement_id: int, db: DB, caller: CurrentCaller) -> ImprovementOut:
    actions.follow(session=db, actor=caller.actor, improvement_id=improvement_id)
    db.commit()
    return _one(db, caller, improvement_id)


@router.post("/improvements/{improvement_id}/unfollow", response_model=ImprovementOut)
def unfollow(improvement_id: int, db: DB, caller: CurrentCaller) -> ImprovementOut:
    """Stop following (the person who raised it keeps following: 409)."""
    actions.unfollow(session=db, actor=caller.actor, improvement_id=improvement_id)
    db.commit()
    return _one(db, caller, improvement_id)


@router.post("/improvements/{improvement_id}/support", response_model=ImprovementOut)
def support(improvement_id: int, db: DB, caller: CurrentCaller) -> ImprovementOut:
    """Say you see this too (and follow it)."""
    actions.support(session=db, actor=caller.actor, improvement_id=improvement_id)
    db.commit()
    return _one(db, caller, improvement_id)


@router.post("/improvements/{improvement_id}/owner", response_model=ImprovementOut)
def set_owner(improvement_id: int, body: OwnerIn, db: DB, caller: CurrentCaller) -> ImprovementOut:
    """Move the improvement to another team (a lead of either team, or an admin)."""
    actions.set_owner_team(
        session=db, actor=caller.actor, improvement_id=improvement_id, team_id=body.team_id
    )
    db.commit()
    return _one(db, caller, improvement_id)


@router.post("/improvements/{improvement_id}/merge", response_model=ImprovementOut)
def merge(improvement_id: int, body: MergeIn, db: DB, caller: CurrentCaller) -> ImprovementOut:
    """Merge this duplicate into another open improvement: evidence, reporters and
    followers move there. Answers the improvement merged into."""
    target = actions.merge(
        session=db, actor=caller.actor, improvement_id=improvement_id, into_id=body.into
    )
    db.commit()
    return _one(db, caller, target.id)
