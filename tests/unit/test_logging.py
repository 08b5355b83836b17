"""Log records never carry a full personnummer once they pass MaskPersonnummerFilter."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from nara.logging_setup import MaskPersonnummerFilter, configure_logging

PNR = "198004262385"


@pytest.fixture
def masked_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    the_filter = MaskPersonnummerFilter()
    caplog.handler.addFilter(the_filter)
    caplog.set_level(logging.INFO, logger="nara.test")
    try:
        yield caplog
    finally:
        caplog.handler.removeFilter(the_filter)


@pytest.fixture
def stream_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own whose handler formats like production (with the filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPersonnummerFilter())
    logger = logging.getLogger("nara.test.stream")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_personnummer_in_message_is_masked(masked_caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("nara.test").info("looked up customer 19800426-2385")
    assert masked_caplog.messages == ["looked up customer 19800426-****"]
    assert "2385" not in masked_caplog.text


def test_personnummer_in_arguments_is_masked(masked_caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("nara.test").info("customer %s on case %s", PNR, "NA-2026-000123")
    (record,) = masked_caplog.records
    assert record.getMessage() == "customer 19800426-**** on case NA-2026-000123"
    assert PNR not in masked_caplog.text


def test_dict_arguments_are_masked(masked_caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("nara.test").info("search %(q)s", {"q": "800426-2385"})
    assert masked_caplog.messages == ["search 800426-****"]


def test_record_without_personnummer_is_untouched(
    masked_caplog: pytest.LogCaptureFixture,
) -> None:
    logging.getLogger("nara.test").info("case %s for %s", "NA-2026-000123", "070-1740635")
    (record,) = masked_caplog.records
    assert record.args == ("NA-2026-000123", "070-1740635")
    assert record.getMessage() == "case NA-2026-000123 for 070-1740635"


def test_filter_never_drops_a_record() -> None:
    the_filter = MaskPersonnummerFilter()
    record = logging.LogRecord("nara", logging.INFO, __file__, 1, "pnr %s", (PNR,), None)
    assert the_filter.filter(record) is True
    assert record.getMessage() == "pnr 19800426-****"


def test_formatted_output_is_masked(stream_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = stream_logger
    logger.warning("customer %s called from %s", PNR, "070-1740635")
    assert stream.getvalue() == (
        "WARNING nara.test.stream: customer 19800426-**** called from 070-1740635\n"
    )


def test_exception_text_is_masked(stream_logger: tuple[logging.Logger, io.StringIO]) -> None:
    """A traceback can carry a personnummer (for example a database unique-key error
    that quotes the value); the formatted output must not."""
    logger, stream = stream_logger
    try:
        raise ValueError(f'duplicate key value (personnummer)=({PNR}) violates "uq"')
    except ValueError:
        logger.exception("unhandled error on %s", "POST /api/v1/customers")
    output = stream.getvalue()
    assert "ValueError" in output
    assert "19800426-****" in output
    assert PNR not in output
    assert "2385" not in output


def test_stack_info_is_masked(stream_logger: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = stream_logger
    logger.info("where", stack_info=True, extra={"pnr": "198004262385"})
    output = stream.getvalue()
    assert "Stack (most recent call last)" in output
    assert "19800426-****" in output
    assert PNR not in output


def test_configure_logging_installs_the_filter() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    uvicorn_state = {
        name: (
            logging.getLogger(name).handlers[:],
            logging.getLogger(name).filters[:],
            logging.getLogger(name).propagate,
        )
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error")
    }
    try:
        configure_logging("warning")
        assert root.level == logging.WARNING
        (handler,) = root.handlers
        assert any(isinstance(f, MaskPersonnummerFilter) for f in handler.filters)
        for name in uvicorn_state:
            logger = logging.getLogger(name)
            assert logger.propagate
            assert any(isinstance(f, MaskPersonnummerFilter) for f in logger.filters)
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        for name, (handlers, filters, propagate) in uvicorn_state.items():
            logger = logging.getLogger(name)
            logger.handlers = handlers
            logger.filters = filters
            logger.propagate = propagate
