"""Tables, one module per aggregate. Importing this package registers them all."""

from nara.models.audit import AuditEntry
from nara.models.base import Base
from nara.models.callbacks import Callback, CallbackSlot, CallbackStatus
from nara.models.cases import (
    ACTIVE_STATUSES,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    IdempotencyKey,
    Priority,
    StatusCategory,
    active_clause,
    status_in,
)
from nara.models.collaboration import (
    CaseLink,
    CaseLinkKind,
    CaseParticipant,
    Consultation,
    ConsultationStatus,
    Notification,
)
from nara.models.customers import Customer
from nara.models.jobs import JobRun, JobStatus, KnowledgeGapReport
from nara.models.knowledge import Article, ArticleVersion
from nara.models.private_links import CasePrivateLink
from nara.models.selfservice import (
    Conversation,
    ConversationTurn,
    Outcome,
    SelfServiceModel,
    TrainingExample,
)
from nara.models.service import (
    CaseTask,
    MemberPresence,
    Presence,
    ResponsePolicy,
    ServiceResultsReport,
    TeamCalendar,
    TeamStats,
    WaitEstimate,
    WorkSession,
)
from nara.models.teams import Team, TeamMember, TeamTopic, Topic
from nara.models.users import ApiToken, AuthSession, LoginFailure, Role, User

__all__ = [
    "ACTIVE_STATUSES",
    "ApiToken",
    "Article",
    "ArticleVersion",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Callback",
    "CallbackSlot",
    "CallbackStatus",
    "Case",
    "CaseEvent",
    "CaseLink",
    "CaseLinkKind",
    "CaseNumberCounter",
    "CaseParticipant",
    "CasePrivateLink",
    "CaseStatus",
    "CaseTask",
    "Channel",
    "Consultation",
    "ConsultationStatus",
    "Conversation",
    "ConversationTurn",
    "Customer",
    "IdempotencyKey",
    "JobRun",
    "JobStatus",
    "KnowledgeGapReport",
    "LoginFailure",
    "MemberPresence",
    "Notification",
    "Outcome",
    "Presence",
    "Priority",
    "ResponsePolicy",
    "Role",
    "SelfServiceModel",
    "ServiceResultsReport",
    "StatusCategory",
    "Team",
    "TeamCalendar",
    "TeamMember",
    "TeamStats",
    "TeamTopic",
    "Topic",
    "TrainingExample",
    "User",
    "WaitEstimate",
    "WorkSession",
    "active_clause",
    "status_in",
]
