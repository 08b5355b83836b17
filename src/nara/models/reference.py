"""Which state of the reference data (teams, topics, people's names and roles, team
calendars, decision types and mandate rules) the database holds: one random token per
kind, replaced in the transaction that changes that kind (``nara.reference_cache``).
Processes keep what they read of a kind with its token and read it again when the token
differs, so a change is seen by every process from the moment it commits."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class ReferenceVersion(Base):
    __tablename__ = "reference_versions"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)
