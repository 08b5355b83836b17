"""A sentence embedding of each case's first words, for finding similar cases (the
evidence of an improvement). Filled by the ``cases.embed`` background job and
``nara improvements embed-cases``; read by ``queries/similar_cases.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class CaseEmbedding(Base):
    """One vector per case: what the customer wrote first (the case's subject and first
    message, or a self-service hand-over's customer turns), embedded by ``model``.

    The vector is L2-normalised float16, little-endian (``dim`` × 2 bytes: 768 for
    multilingual-e5-small). Topic and opening time are not copied here: a case's topic
    can be corrected later, so the search joins ``cases`` (``ix_cases_topic_opened``)."""

    __tablename__ = "case_embeddings"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # sha256 of the embedded text: the same text is not embedded again.
    text_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
