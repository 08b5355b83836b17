"""Human words for codes (statuses, channels, priorities, roles, event types), in the
catalogs through ``N_`` markers so that ``make messages`` extracts them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from nara import i18n
from nara.i18n import N_

if TYPE_CHECKING:
    from nara.queries.case_service import PromiseBadge

# Timeline events that Nära itself does whoever's request set them off (a customer's new
# case is routed by Nära, not by the customer): their actor is shown as "Nära".
SYSTEM_EVENTS = frozenset(
    {
        "case.routed",
        "promise.set",
        "promise.warning",
        "promise.breached",
        "case.six_months",
    }
)

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "new": N_("New"),
        "open": N_("Open"),
        "waiting_on_customer": N_("Waiting for customer"),
        "waiting_on_team": N_("Waiting for another team"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
    "status_plain": {  # what a customer reads
        "new": N_("Received"),
        "open": N_("Being handled"),
        "waiting_on_customer": N_("Waiting for your answer"),
        "waiting_on_team": N_("Being handled"),
        "resolved": N_("Solved"),
        "closed": N_("Closed"),
    },
    "category": {
        "open": N_("Open"),
        "waiting_on_customer": N_("Waiting for customer"),
        "waiting_on_team": N_("Waiting for another team"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    },
    "channel": {
        "web": N_("Web"),
        "chat": N_("Chat"),
        "email": N_("E-mail"),
        "phone": N_("Phone"),
    },
    "priority": {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "urgent": N_("Urgent"),
    },
    "role": {
        "customer": N_("Customer"),
        "agent": N_("Agent"),
        "lead": N_("Team lead"),
        "admin": N_("Administrator"),
    },
    "event": {
        "case.opened": N_("Case opened"),
        "message.customer": N_("Message from the customer"),
        "message.agent": N_("Reply to the customer"),
        "note.added": N_("Internal note"),
        "case.status_changed": N_("Status changed"),
        "case.assigned": N_("Owner changed"),
        "case.unassigned": N_("Owner removed"),
        "case.team_changed": N_("Responsible team changed"),
        "case.handed_over": N_("Handed over"),
        "case.priority_changed": N_("Priority changed"),
        "case.topic_changed": N_("Topic changed"),
        "case.routed": N_("Routed"),
        "selfservice.handed_over": N_("Handed over from self-service"),
        "promise.set": N_("Response promise"),
        "promise.warning": N_("Promise due soon"),
        "promise.breached": N_("Promise breached"),
        "task.created": N_("Task"),
        "task.done": N_("Task done"),
        "satisfaction.rated": N_("Customer satisfaction"),
        "satisfaction.changed": N_("Customer satisfaction changed"),
        "case.six_months": N_("Open for six months"),
        "case.linked": N_("Related case added"),
        "case.unlinked": N_("Related case removed"),
        "case.merged": N_("Cases merged"),
        "case.continued_in": N_("Continues in another case"),
        "callback.booked": N_("Callback booked"),
        "callback.moved": N_("Callback moved"),
        "callback.cancelled": N_("Callback cancelled"),
        "callback.reached": N_("Called back"),
        "callback.not_reached": N_("Callback: not reached"),
        "decision.taken": N_("Decision taken"),
        "decision.outcome": N_("Decision"),
        "decision.requested": N_("Approval requested"),
        "decision.pending": N_("We are checking with a colleague"),
        "decision.declined": N_("Request declined"),
        "decision.withdrawn": N_("Request withdrawn"),
        "approval.escalated": N_("Approval request escalated"),
        "approval.overdue": N_("Approval request overdue"),
    },
    "task": {
        "delay_notice": N_("Send the customer a delay notice (förvaltningslagen 11 §)"),
        "satisfaction_followup": N_("Follow up the customer's low score"),
    },
    "task_done": {
        "delay_notice": N_("Mark as sent"),
        "satisfaction_followup": N_("Mark as followed up"),
    },
    "score": {
        "1": N_("1 – Not at all well"),
        "5": N_("5 – Very well"),
    },
    "decision_state": {
        "taken": N_("Taken"),
        "pending_approval": N_("Waiting for approval"),
        "declined": N_("Declined"),
        "withdrawn": N_("Withdrawn"),
    },
    "decision_kind": {
        "amount": N_("Amount (kronor)"),
        "days": N_("Days"),
        "yes_no": N_("Yes or no"),
    },
    "decision_how": {
        "at_once": N_("decided at once"),
        "requested": N_("sent for approval"),
        "approved": N_("approved"),
        "declined": N_("declined"),
        "withdrawn": N_("withdrawn"),
        "pending": N_("waiting for approval"),
    },
    "improvement_status": {
        "raised": N_("Raised"),
        "accepted": N_("Accepted"),
        "in_progress": N_("In progress"),
        "done": N_("Done"),
        "declined": N_("Declined"),
    },
    "improvement_kind": {"fix": N_("Fix"), "opportunity": N_("Opportunity")},
    "evidence_status": {
        "suggested": N_("Suggested"),
        "confirmed": N_("Confirmed"),
        "rejected": N_("Rejected"),
    },
    "follower_role": {
        "reporter": N_("You raised it"),
        "supporter": N_("You support it"),
        "follower": N_("You follow it"),
    },
    "approval": {
        "pending": N_("Waiting"),
        "approved": N_("Approved"),
        "declined": N_("Declined"),
        "withdrawn": N_("Withdrawn"),
    },
    "consultation": {
        "open": N_("Awaiting answer"),
        "answered": N_("Answered"),
        "closed": N_("Closed"),
    },
    "presence": {
        "available": N_("Available"),
        "busy": N_("Busy"),
        "away": N_("Away"),
    },
    "promise": {
        "first_response": N_("First response"),
        "resolution": N_("Resolution"),
    },
    "promise_state": {
        "none": N_("No promise"),
        "ok": N_("On track"),
        "warning": N_("Due soon"),
        "breached": N_("Breached"),
        "paused": N_("Paused (waiting for the customer)"),
        "met": N_("Kept"),
        "missed": N_("Kept late"),
    },
    "callback": {
        "booked": N_("Booked"),
        "cancelled": N_("Cancelled"),
        "reached": N_("Reached"),
        "not_reached": N_("Not reached"),
    },
    "consultation_status": {
        "open": N_("Waiting for an answer"),
        "answered": N_("Answered"),
        "closed": N_("Closed"),
    },
    "routing_reason": {
        "topic": N_("handles the topic"),
        "overflow": N_("overflow: the first team could not keep the promise"),
        "least_wait": N_("shortest expected wait"),
        "fallback": N_("fallback team"),
        "chosen": N_("chosen by staff"),
        "kept": N_("kept by the person who opened it"),
        "front_line": N_("front line: self-service was not sure of the topic"),
    },
    "outcome": {
        "answered_confirmed": N_("Answered, and it helped"),
        "answered_no_feedback": N_("Answered, no feedback"),
        "answered_rejected": N_("Answered, did not help: to a person"),
        "abstained": N_("Not sure: to a person"),
        "asked_for_person": N_("Asked for a person"),
    },
    "job": {
        "promises.check": N_("Promise check"),
        "waits.refresh": N_("New expected times for customers still waiting"),
        "selfservice.train": N_("Self-service training"),
        "knowledge_gaps.mine": N_("Grouping handed-over questions"),
        "improvements.measure": N_("Measuring the effect of done improvements"),
        "improvements.gather": N_("Suggesting similar cases as evidence for improvements"),
        "followup.rollup": N_("Adding up the follow-up's days"),
        "jobs.recover": N_("Recovering stopped jobs"),
        "jobs.prune": N_("Clearing old job runs"),
        "cases.embed": N_("Preparing new cases for the similar-case search"),
    },
    "job_stage": {  # the stages a running job reports
        "embedding": N_("reading the questions"),
        "cross-validation": N_("testing on held-out examples"),
        "final model": N_("training the final model"),
        "evaluating": N_("measuring on the evaluation set"),
        "storing": N_("storing the model"),
        "grouping": N_("grouping"),
        "embedding cases": N_("reading new cases"),
        "rolling up days": N_("adding up days"),
    },
    "suggestion_status": {
        "suggested": N_("Waiting for review"),
        "accepted": N_("Accepted"),
        "discarded": N_("Discarded"),
    },
    "suggestion_kind": {
        "example": N_("Example"),
        "counter_example": N_("Counter-example"),
    },
    "suggestion_source": {
        "correction": N_("An agent set the topic"),
        "confirmed": N_("Resolved with this topic"),
        "rejection": N_("The customer said the answer did not help"),
    },
    "language": {
        "sv": N_("Swedish"),
        "en": N_("English"),
    },
    "job_status": {
        "queued": N_("Queued"),
        "running": N_("Running"),
        "succeeded": N_("Done"),
        "failed": N_("Failed"),
    },
    "audit_action": {
        "user.created": N_("User created"),
        "user.updated": N_("User changed"),
        "user.role_changed": N_("Role changed"),
        "user.activated": N_("User activated"),
        "user.deactivated": N_("User deactivated"),
        "user.password_changed": N_("Password changed"),
        "team.created": N_("Team created"),
        "team.updated": N_("Team changed"),
        "team.member_added": N_("Member added to team"),
        "team.member_removed": N_("Member removed from team"),
        "topic.created": N_("Topic created"),
        "topic.updated": N_("Topic changed"),
        "routing.team_added": N_("Team now handles topic"),
        "routing.team_removed": N_("Team no longer handles topic"),
        "routing.changed": N_("Routing order changed"),
        "calendar.changed": N_("Calendar changed"),
        "promise.created": N_("Response promise created"),
        "promise.updated": N_("Response promise changed"),
        "promise.deleted": N_("Response promise deleted"),
        "token.created": N_("API token created"),
        "token.revoked": N_("API token revoked"),
        "private_link.created": N_("Private link to a case created"),
        "private_link.revoked": N_("Private link to a case withdrawn"),
        "selfservice.settings_changed": N_("Self-service settings changed"),
        "selfservice.examples_added": N_("Training examples added"),
        "selfservice.example_corrected": N_("Training example suggested from a corrected topic"),
        "selfservice.suggestion_reviewed": N_("Training suggestion reviewed"),
        "selfservice.model_trained": N_("Self-service model trained"),
        "selfservice.model_activated": N_("Self-service model activated"),
        "auth.login": N_("Logged in"),
        "auth.login_failed": N_("Failed login"),
        "auth.locked": N_("Login locked after failed attempts"),
        "auth.logout": N_("Logged out"),
        "decision_type.created": N_("Decision type created"),
        "decision_type.updated": N_("Decision type changed"),
        "mandate_rule.created": N_("Mandate rule created"),
        "mandate_rule.changed": N_("Mandate rule changed"),
        "mandate_ceiling.set": N_("Mandate ceiling set"),
        "improvement.owner_changed": N_("Improvement moved to another team"),
    },
    "audit_object": {
        "user": N_("User"),
        "team": N_("Team"),
        "topic": N_("Topic"),
        "routing": N_("Routing (topic/team)"),
        "calendar": N_("Team calendar"),
        "promise": N_("Response promise"),
        "token": N_("API token"),
        "private_link": N_("Private link to a case"),
        "selfservice_settings": N_("Self-service settings"),
        "selfservice_model": N_("Self-service model"),
        "decision_type": N_("Decision type"),
        "mandate_rule": N_("Mandate rule"),
        "mandate_ceiling": N_("Mandate ceiling (team, decision type)"),
        "training_example": N_("Training example"),
        "improvement": N_("Improvement"),
    },
    "audit_actor": {
        "system": N_("Nära (system)"),
        "anonymous": N_("Not logged in"),
    },
    "audit_field": {
        "email": N_("E-mail address"),
        "display_name": N_("Name"),
        "role": N_("Role"),
        "locale": N_("Language"),
        "is_active": N_("Active"),
        "has_password": N_("Has a password"),
        "slug": N_("Short name"),
        "name_sv": N_("Name (Swedish)"),
        "name_en": N_("Name (English)"),
        "description": N_("Description"),
        "is_fallback": N_("Fallback team"),
        "receives_unsure": N_("Receives unsure hand-overs"),
        "case": N_("Case"),
        "user_id": N_("User"),
        "team_id": N_("Team"),
        "topic_id": N_("Topic"),
        "rank": N_("Order"),
        "accepts_overflow": N_("Takes overflow"),
        "timezone": N_("Time zone"),
        "hours": N_("Opening hours"),
        "holiday_country": N_("Public holidays"),
        "closed_dates": N_("Closed dates"),
        "callback_slot_minutes": N_("Callback slot (minutes)"),
        "callback_capacity": N_("Callbacks per slot"),
        "priority": N_("Priority"),
        "channel": N_("Channel"),
        "first_response_minutes": N_("First response (minutes)"),
        "resolution_minutes": N_("Resolution (minutes)"),
        "name": N_("Name"),
        "prefix": N_("Prefix"),
        "expires_at": N_("Expires"),
        "revoked_at": N_("Revoked"),
        "precision_target": N_("Precision target"),
        "version": N_("Version"),
        "n_examples": N_("Examples"),
        "count": N_("Number"),
        "source": N_("Source"),
        "minutes": N_("Minutes"),
        "status": N_("Status"),
        "kind": N_("Kind"),
        "action": N_("Action"),
    },
    "next_step": {  # what happens next, for the customer, by status (nobody owns it yet)
        "new": N_("We have received your case. A person in %(team)s will answer you here."),
        "waiting_on_customer": N_("We are waiting for your answer. Write to us below."),
        "waiting_on_team": N_("%(team)s is looking into it together with another team."),
        "resolved": N_(
            "We believe this is solved. Reply if anything is still wrong and we will reopen it."
        ),
        "closed": N_("This case is closed. Do you have a new question? Open a new case."),
    },
    "next_step_owned": {  # the same when the case has an owner: the customer sees one name
        "new": N_("%(owner)s is handling your case and will answer you here."),
        "open": N_("%(owner)s is handling your case and will answer you here."),
        "waiting_on_team": N_("%(owner)s is looking into it together with a colleague."),
    },
}


def label(kind: str, value: str | None, lang: str) -> str:
    if value is None:
        return ""
    message = LABELS.get(kind, {}).get(value)
    if message is None:
        return value
    return i18n.translations(lang).gettext(message)


def name_of(ref: Any, lang: str) -> str:
    """The name of a team or topic (anything with name_sv and name_en) in ``lang``."""
    if ref is None:
        return ""
    return str(ref.name_en if lang == "en" else ref.name_sv)


def next_step(case: Any, lang: str) -> str:
    """What happens next in a case, in words for the customer: the owner by name
    whenever the case has one (one named person, whichever team they are in), the team
    only while nobody owns it."""
    key = case.status
    if case.owner is not None and key in LABELS["next_step_owned"]:
        message = LABELS["next_step_owned"][key]
    else:
        message = LABELS["next_step"].get(key, LABELS["next_step"]["new"])
    text = i18n.translations(lang).gettext(message)
    owner = case.owner.display_name if case.owner else ""
    return text % {"owner": owner, "team": name_of(case.team, lang)}


def duration(minutes: int, lang: str) -> str:
    """Business minutes in short words: '25 min', '3 h', '3 h 10 min'."""
    t = i18n.translations(lang).gettext
    minutes = max(0, int(minutes))
    if minutes < 60:
        return t(N_("%(m)s min")) % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return t(N_("%(h)s h")) % {"h": hours}
    return t(N_("%(h)s h %(m)s min")) % {"h": hours, "m": rest}


_NO_PROMISE = Markup('<span class="muted">–</span>')


def promise_badge(badge: PromiseBadge | None, lang: str) -> Markup:
    """A list row's promise: paused, time left or overdue, with what is promised and when
    in its title. Written here rather than as a template macro: the inbox shows fifty,
    and the macro calls cost a tenth of the page."""
    if badge is None:
        return _NO_PROMISE
    t = i18n.translations(lang).gettext
    if badge.state == "paused":
        return Markup('<span class="badge badge-promise-paused">{}</span>').format(t(N_("paused")))
    if badge.minutes_left is None:
        return _NO_PROMISE
    what = t(N_("first response")) if badge.kind == "first_response" else t(N_("resolution"))
    title = f"{what} · {i18n.format_time(badge.due_at, lang)}"
    if badge.minutes_left < 0:
        text = t(N_("overdue %(t)s")) % {"t": duration(-badge.minutes_left, lang)}
        return Markup('<span class="badge badge-promise-breached" title="{}">{}</span>').format(
            title, text
        )
    text = t(N_("%(t)s left")) % {"t": duration(badge.minutes_left, lang)}
    return Markup('<span class="badge badge-promise-{}" title="{}">{}</span>').format(
        badge.state, title, text
    )
