"""Private links: an anonymous visitor follows and answers their case without an account.

Only an HMAC of the link's random token is stored (like API tokens); the token itself is
shown once, when the case is opened. See ``domain/private_links.py`` for the rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class CasePrivateLink(Base):
    __tablename__ = "case_private_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
