"""The follow-up pages' words: the names of sections, figures, drill-down metrics,
breakdowns and trends, as catalog messages (``N_``) translated where they are shown.
The keys are those of ``nara.followup`` (``catalogue.SECTIONS``, ``metrics.METRICS``);
``docs/metrics.md`` defines what each one counts."""

from __future__ import annotations

from nara import i18n
from nara.i18n import N_

SECTIONS = {
    "volumes": N_("Volumes"),
    "selfservice": N_("Self-service"),
    "promises": N_("Response and resolution against the promises"),
    "backlog": N_("Backlog"),
    "collaboration": N_("Resolution, re-contacts and collaboration"),
    "improvements": N_("Improvements"),
    "satisfaction": N_("Customer satisfaction"),
    "authority": N_("Public service (KKiK and förvaltningslagen)"),
}

SECTION_NOTES = {
    "selfservice": N_("Self-service is counted by topic only: not by team, channel or priority."),
    "backlog": N_("The backlog is the situation now, whatever the period."),
    "improvements": N_("Improvements are counted by team and topic: not by channel or priority."),
}

# Figures and drill-down metrics share their keys where they count the same thing.
FIGURES = {
    "cases.opened": N_("Cases opened"),
    "cases.resolved": N_("Cases resolved"),
    "selfservice.conversations": N_("Self-service conversations"),
    "selfservice.answered": N_("Answered by self-service"),
    "selfservice.answered_share": N_("Share answered by self-service"),
    "selfservice.confirmed": N_("Answers the customer confirmed"),
    "selfservice.rejected": N_("Answers the customer rejected"),
    "selfservice.handed_over": N_("Handed over to a person"),
    "selfservice.recontact": N_("Re-contact within 7 days after an answer"),
    "selfservice.recontact_share": N_("Share re-contacting within 7 days after an answer"),
    "first_response.answered": N_("Cases with a first human response"),
    "first_response.median": N_("First human response, median"),
    "first_response.p90": N_("First human response, 90th percentile"),
    "first_response.kept": N_("First responses within the promise"),
    "first_response.missed": N_("First responses after the promise"),
    "first_response.kept_share": N_("Share of response promises kept"),
    "resolution.resolved": N_("Cases resolved"),
    "resolution.median": N_("Resolution time, median"),
    "resolution.p90": N_("Resolution time, 90th percentile"),
    "resolution.kept": N_("Resolved within the promise"),
    "resolution.missed": N_("Resolved after the promise"),
    "resolution.kept_share": N_("Share of resolution promises kept"),
    "resolution.first_contact": N_("Resolved at the first contact"),
    "resolution.first_contact_share": N_("First-contact resolution"),
    "backlog.active": N_("Active cases now"),
    "backlog.waiting_on_us": N_("Waiting on us"),
    "backlog.waiting_on_customer": N_("Waiting on the customer"),
    "backlog.first_response_overdue": N_("First response overdue"),
    "backlog.resolution_overdue": N_("Resolution overdue"),
    "backlog.six_months": N_("Cases older than six months (FL 12 §)"),
    "cases.recontact": N_("Re-contacts within 7 days"),
    "cases.recontact_share": N_("Re-contact within 7 days"),
    "cases.handed_over": N_("Cases handed over"),
    "cases.handovers_per_case": N_("Hand-overs per case"),
    "consultations.decided": N_("Consultations answered or overdue"),
    "consultations.in_time": N_("Consultations answered on time"),
    "consultations.late": N_("Consultations answered late or not at all"),
    "consultations.in_time_share": N_("Share of consultations answered on time"),
    "decisions.at_once": N_("Decisions taken at the front line"),
    "decisions.for_approval": N_("Decisions sent for approval"),
    "decisions.front_line_share": N_("Share of decisions taken at the front line"),
    "improvements.raised": N_("Improvements raised"),
    "improvements.done": N_("Improvements done"),
    "csat.rated": N_("Cases rated by the customer"),
    "csat.average": N_("Average satisfaction (1–5)"),
    "csat.response_rate": N_("Share of resolved cases rated"),
    "kkik.received": N_("Messages received"),
    "kkik.in_time": N_("Answered within one working day"),
    "kkik.late": N_("Answered later, or not yet"),
    "kkik.in_time_share": N_("Share answered within one working day (KKiK)"),
    "wait.answered": N_("Answered by a person"),
    "wait.average": N_("Average wait for a first human answer"),
    "wait.within_bar": N_("Answered within 10 minutes"),
    "wait.within_bar_share": N_("Share answered within 10 minutes"),
    "delay_notice.due": N_("Delay notices due (FL 11 §)"),
    "delay_notice.on_time": N_("Delay notices sent on time"),
    "delay_notice.late": N_("Delay notices late or missing"),
    "delay_notice.on_time_share": N_("Share of delay notices sent on time"),
    "mine.active": N_("My active cases"),
    "mine.resolved": N_("My resolved cases"),
    "mine.first_response.kept": N_("My first responses within the promise"),
    "mine.first_response.missed": N_("My first responses after the promise"),
    "mine.first_response.kept_share": N_("My share of promises kept"),
    "mine.csat.rated": N_("My cases rated by the customer"),
    "mine.csat.average": N_("My average satisfaction (1–5)"),
    "mine.decisions.at_once": N_("My decisions taken at once"),
    "mine.decisions.for_approval": N_("My decisions sent for approval"),
    "mine.improvements.raised": N_("Improvements I raised"),
}

SCORE = N_("Rated %(score)s")
AGE = N_("Active cases %(age)s old")

BACKLOG_AGES = {
    "0-1": N_("under 1 day"),
    "1-3": N_("1–3 days"),
    "3-7": N_("3–7 days"),
    "7-30": N_("7–30 days"),
    "30-": N_("30 days or more"),
}

BREAKDOWNS = {
    "opened_by_channel": N_("Cases opened by channel"),
    "opened_by_topic": N_("Cases opened by topic"),
    "csat_scores": N_("Ratings by score"),
    "backlog_age": N_("Active cases by age"),
}
BREAKDOWN_HEADERS = {
    "opened_by_channel": N_("Channel"),
    "opened_by_topic": N_("Topic"),
    "csat_scores": N_("Score"),
    "backlog_age": N_("Age"),
}

UNITS = {
    "count": N_("number"),
    "share": N_("per cent"),
    "minutes": N_("minutes"),
    "score": N_("score 1–5"),
    "per_case": N_("per case"),
}

ITEM_KINDS = {
    "case": N_("Case"),
    "consultation": N_("Consultation"),
    "decision": N_("Decision"),
    "conversation": N_("Self-service conversation"),
    "improvement": N_("Improvement"),
}

NO_TOPIC = N_("Without a topic")


def figure_name(key: str, lang: str) -> str:
    """A figure's or a drill-down metric's name in ``lang`` (the key itself if unnamed)."""
    gettext = i18n.translations(lang).gettext
    if key in FIGURES:
        return gettext(FIGURES[key])
    if key.startswith("csat.score_"):
        return gettext(SCORE) % {"score": key.removeprefix("csat.score_")}
    if key.startswith("backlog.age_"):
        band = key.removeprefix("backlog.age_")
        return gettext(AGE) % {"age": gettext(BACKLOG_AGES.get(band, band))}
    return key


def named(table: dict[str, str], key: str, lang: str) -> str:
    message = table.get(key)
    return i18n.translations(lang).gettext(message) if message else key
