"""The case timeline: one registry of event types, one way to append.

The timeline is the audit log of a case (changes outside cases go to ``audit_log``, see
``domain/audit.py``). Events are only ever inserted; nothing updates or deletes one.
Every domain function that changes a case appends its event in the same transaction.

Events store facts (ids, numbers, times as ISO UTC), and the registry turns them into
words at read time, in the reader's language and the display time zone. Rows written
before that (callbacks and promise alerts stored their words in Swedish and English)
still render from the words they stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from nara import clock
from nara.domain.actors import Actor
from nara.i18n import format_money, format_time
from nara.models import Case, CaseEvent

PROMISE_LABELS = {
    "first_response": ("första svar", "first response"),
    "resolution": ("lösning", "resolution"),
}
"""The promise kinds (``data["promise"]`` of promise alerts) in words."""

Words = Callable[[dict[str, Any], str], dict[str, str]]


def moment(value: object, locale: str) -> str | None:
    """An ISO time stored in an event, in words in ``locale`` and the display time zone."""
    if not isinstance(value, str):
        return None
    try:
        return format_time(clock.ensure_utc(datetime.fromisoformat(value)), locale)
    except ValueError:
        return None


def _when(data: dict[str, Any], locale: str) -> dict[str, str]:
    shown = moment(data.get("starts_at"), locale)
    if shown is None:  # written before events stored facts only
        shown = str(data.get("when_en" if locale == "en" else "when", ""))
    return {"when": shown}


def _decided(data: dict[str, Any], locale: str) -> dict[str, str]:
    """A decision in words: its type and value in the reader's language ("Återbetalning
    av avgift: 250,00 kr"), and the due time of a request."""
    name = str(data.get("type_en" if locale == "en" else "type_sv") or data.get("type") or "")
    value = ""
    if data.get("amount") is not None:
        value = format_money(Decimal(str(data["amount"])), locale)
    elif data.get("days") is not None:
        count = int(data["days"])
        if locale == "en":
            value = f"{count} day" if count == 1 else f"{count} days"
        else:
            value = f"{count} dag" if count == 1 else f"{count} dagar"
    elif data.get("value") is not None:
        yes = bool(data["value"])
        value = ("yes" if yes else "no") if locale == "en" else ("ja" if yes else "nej")
    what = f"{name}: {value}" if value else name
    return {
        "what": what,
        "due": moment(data.get("due_at"), locale) or "",
        "rule_name": str(data.get("rule") or ""),
        "holder_name": str(data.get("holder") or data.get("to") or ""),
    }


def _consulted(data: dict[str, Any], locale: str) -> dict[str, str]:
    """The consulted team in the reader's language and the due time in words."""
    team = data.get("team_en" if locale == "en" else "team") or data.get("team") or ""
    return {"team_name": str(team), "due": moment(data.get("due_at"), locale) or ""}


def _promise_label(data: dict[str, Any], locale: str) -> dict[str, str]:
    labels = PROMISE_LABELS.get(str(data.get("promise")))
    if labels is None:  # written before events stored facts only
        return {"label": str(data.get("label_en" if locale == "en" else "label_sv", ""))}
    return {"label": labels[1] if locale == "en" else labels[0]}


TASKS = {
    "delay_notice": (
        ("skicka förseningsbesked (förvaltningslagen 11 §)", "förseningsbesked"),
        ("send a delay notice (Administrative Procedure Act, section 11)", "delay notice"),
    ),
    "satisfaction_followup": (
        ("följ upp kundens låga betyg", "uppföljning av lågt betyg"),
        ("follow up the customer's low score", "follow-up of a low score"),
    ),
}
"""Case tasks in words (sv, en), as made and as done; a task without a kind is the delay
notice (written before tasks stored their kind in the event)."""


def _task(data: dict[str, Any], locale: str, done: bool) -> dict[str, str]:
    sv, en = TASKS.get(str(data.get("kind") or "delay_notice"), TASKS["delay_notice"])
    return {"task": (en if locale == "en" else sv)[1 if done else 0]}


def _task_created(data: dict[str, Any], locale: str) -> dict[str, str]:
    return _task(data, locale, False)


def _task_done(data: dict[str, Any], locale: str) -> dict[str, str]:
    return _task(data, locale, True)


@dataclass(frozen=True)
class EventType:
    name: str
    public: bool  # shown to the customer
    summary_sv: str
    summary_en: str
    words: Words | None = None  # facts → the words the summaries use

    def summary(self, locale: str, data: dict[str, Any]) -> str:
        template = self.summary_en if locale == "en" else self.summary_sv
        values = {**data, **(self.words(data, locale) if self.words else {})}
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return template


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType("case.opened", True, "Ärendet öppnades", "Case opened"),
        EventType("message.customer", True, "Meddelande från kunden", "Message from customer"),
        EventType("message.agent", True, "Svar till kunden", "Reply to customer"),
        EventType("note.added", False, "Intern anteckning", "Internal note"),
        EventType(
            "case.status_changed",
            True,
            "Status ändrad från {old} till {new}",
            "Status changed from {old} to {new}",
        ),
        EventType(
            "case.assigned",
            False,
            "Ärendeägare ändrad till {owner_name}",
            "Owner changed to {owner_name}",
        ),
        EventType("case.unassigned", False, "Ärendeägare borttagen", "Owner removed"),
        EventType(
            "case.team_changed",
            False,
            "Ansvarigt team ändrat från {old_team} till {new_team}",
            "Responsible team changed from {old_team} to {new_team}",
        ),
        EventType(
            "case.handed_over",
            False,
            "Överlämnat från {from_team} till {to_team}: {reason}",
            "Handed over from {from_team_en} to {to_team_en}: {reason}",
        ),
        EventType(
            "case.priority_changed",
            False,
            "Prioritet ändrad från {old} till {new}",
            "Priority changed from {old} to {new}",
        ),
        EventType(
            "case.topic_changed",
            False,
            "Ämne ändrat till {topic}",
            "Topic changed to {topic_en}",
        ),
        EventType(
            "selfservice.handed_over",
            False,
            "Överlämnat från självservice ({reason})",
            "Handed over from self-service ({reason})",
        ),
        EventType(
            "case.routed",
            False,
            "Dirigerat till {team} ({reason})",
            "Routed to {team_en} ({reason})",
        ),
        EventType(
            "promise.set",
            False,
            "Svarslöfte: första svar inom {first_response_minutes} min, lösning inom "
            "{resolution_minutes} min (arbetstid)",
            "Response promise: first response within {first_response_minutes} min, "
            "resolution within {resolution_minutes} min (business time)",
        ),
        EventType(
            "promise.warning",
            False,
            "Svarslöftet ({label}) går snart ut",
            "Response promise ({label}) is due soon",
            _promise_label,
        ),
        EventType(
            "promise.breached",
            False,
            "Svarslöftet ({label}) bröts",
            "Response promise ({label}) was breached",
            _promise_label,
        ),
        EventType("task.created", False, "Uppgift: {task}", "Task: {task}", _task_created),
        EventType("task.done", False, "Uppgift klar: {task}", "Task done: {task}", _task_done),
        EventType(
            "satisfaction.rated",
            False,
            "Kunden svarade hur väl vi hjälpte till: {score} av 5",
            "The customer rated how well we helped: {score} of 5",
        ),
        EventType(
            "satisfaction.changed",
            False,
            "Kunden ändrade sitt svar från {old_score} till {score} av 5",
            "The customer changed their answer from {old_score} to {score} of 5",
        ),
        EventType(
            "case.six_months",
            True,
            "Ärendet har varit öppet i sex månader. Du kan skriftligen begära att det "
            "avgörs (förvaltningslagen 12 §).",
            "The case has been open for six months. You may ask in writing for a decision "
            "(Administrative Procedure Act, section 12).",
        ),
        EventType("case.linked", False, "Relaterat till ärende {other}", "Related to case {other}"),
        EventType(
            "case.unlinked",
            False,
            "Inte längre relaterat till ärende {other}",
            "No longer related to case {other}",
        ),
        EventType(
            "case.merged",
            False,
            "Ärende {duplicate} slogs ihop med ärende {into}",
            "Case {duplicate} was merged into case {into}",
        ),
        EventType(
            "case.continued_in",
            True,
            "Vi fortsätter med ditt ärende i ärende {into}. Allt du har skrivit finns kvar. "
            "Skriv till oss där om du vill lägga till något.",
            "We are continuing your case in case {into}. Everything you wrote is kept. "
            "Write to us there if you want to add something.",
        ),
        EventType(
            "callback.booked",
            True,
            "Återuppringning bokad {when}",
            "Callback booked for {when}",
            _when,
        ),
        EventType(
            "callback.moved",
            True,
            "Återuppringning flyttad till {when}",
            "Callback moved to {when}",
            _when,
        ),
        EventType(
            "consultation.requested",
            False,
            "Samråd med {team_name}: svar senast {due}",
            "Consultation asked of {team_name}: answer by {due}",
            _consulted,
        ),
        EventType(
            "consultation.answered",
            False,
            "{team_name} svarade i samrådet",
            "{team_name} answered the consultation",
            _consulted,
        ),
        EventType(
            "consultation.closed",
            False,
            "Samrådet med {team_name} avslutades",
            "Consultation with {team_name} closed",
            _consulted,
        ),
        EventType(
            "consultation.overdue",
            False,
            "Samrådet med {team_name} är försenat (svar utlovat senast {due})",
            "Consultation with {team_name} is overdue (answer promised by {due})",
            _consulted,
        ),
        EventType(
            "decision.taken",
            False,
            "Beslut: {what} (regel {rule_name}, version {rule_version})",
            "Decision: {what} (rule {rule_name}, version {rule_version})",
            _decided,
        ),
        EventType(
            "decision.outcome", True, "Vi har beslutat: {what}", "We have decided: {what}", _decided
        ),
        EventType(
            "decision.requested",
            False,
            "Begäran om godkännande: {what}, till {holder_name}, svar senast {due}",
            "Approval requested: {what}, of {holder_name}, answer by {due}",
            _decided,
        ),
        EventType(
            "decision.pending",
            True,
            "Vi stämmer av det här med en kollega. Du får besked senast {due}.",
            "We are checking this with a colleague. You get an answer by {due}.",
            _decided,
        ),
        EventType(
            "decision.declined",
            False,
            "Begäran avslogs: {what}",
            "Request declined: {what}",
            _decided,
        ),
        EventType(
            "decision.withdrawn",
            False,
            "Begäran återkallades: {what}",
            "Request withdrawn: {what}",
            _decided,
        ),
        EventType(
            "approval.escalated",
            False,
            "Begäran om godkännande gick vidare till {holder_name}, svar senast {due}",
            "Approval request escalated to {holder_name}, answer by {due}",
            _decided,
        ),
        EventType(
            "approval.overdue",
            False,
            "Begäran om godkännande är försenad ({holder_name})",
            "Approval request is overdue ({holder_name})",
            _decided,
        ),
        EventType("callback.cancelled", True, "Återuppringning avbokad", "Callback cancelled"),
        EventType("callback.reached", True, "Vi ringde upp dig", "We called you back"),
        EventType(
            "callback.not_reached",
            True,
            "Vi försökte ringa dig men nådde dig inte",
            "We tried to call you but could not reach you",
        ),
    )
}


def append_event(
    session: Session,
    *,
    case: Case,
    type: str,
    actor: Actor,
    body: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Add an event to the case's timeline (``at``: when, if not now; the events of one
    action share their moment)."""
    event_type = EVENT_TYPES[type]  # an unknown type is a programming error
    now = at or clock.now()
    event = CaseEvent(
        case_id=case.id,
        type=event_type.name,
        actor_id=actor.user_id,
        is_public=event_type.public,
        body=body,
        data=data or {},
        created_at=now,
    )
    session.add(event)
    case.updated_at = now
    # Not flushed here: the events of one action go to the database together (one
    # multi-row INSERT) at the next query or the commit.
    return event
