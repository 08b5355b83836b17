"""Tables, one module per aggregate. Importing this package registers them all."""

from nara.models.base import Base
from nara.models.cases import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStatus,
    Channel,
    IdempotencyKey,
    Priority,
    StatusCategory,
)
from nara.models.customers import Customer
from nara.models.teams import Team, TeamMember, TeamTopic, Topic
from nara.models.users import ApiToken, AuthSession, Role, User

__all__ = [
    "ApiToken",
    "AuthSession",
    "Base",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseStatus",
    "Channel",
    "Customer",
    "IdempotencyKey",
    "Priority",
    "Role",
    "StatusCategory",
    "Team",
    "TeamMember",
    "TeamTopic",
    "Topic",
    "User",
]
