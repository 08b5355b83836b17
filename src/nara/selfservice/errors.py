"""Errors of the self-service engine."""

from __future__ import annotations


class SelfServiceError(Exception):
    """Base class: something the caller can show as a message."""


class EmbeddingUnavailable(SelfServiceError):
    """The bundled sentence-embedding model cannot be loaded (no silent fallback)."""


class TrainingDataError(SelfServiceError, ValueError):
    """The labelled examples cannot train a model (too few, one topic only, ...)."""


class ModelFormatError(SelfServiceError, ValueError):
    """Stored model bytes are not a model this version of Nära can read."""
