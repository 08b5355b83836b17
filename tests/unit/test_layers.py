"""Layers depend one way (docs/architecture.md): the read side never imports the write
side, models import nothing of Nära's layers, and only web/, cli/ and jobs/ sit on top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "nara"
# What queries/ may take from domain/: who is acting, the errors it raises, and the pure
# text normalisers (no database, no writes).
SHARED_DOMAIN = {"nara.domain.actors", "nara.domain.errors", "nara.domain.validation"}


def imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(SRC)), node.module))
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(SRC)), alias.name) for alias in node.names]
    return found


def test_queries_do_not_import_the_write_side() -> None:
    bad = [
        (f, m)
        for f, m in imports("queries")
        if m.startswith("nara.domain") and m not in SHARED_DOMAIN
    ]
    assert bad == []


@pytest.mark.parametrize(
    "package",
    ["models", "queries", "domain", "promises", "selfservice", "improvements", "followup"],
)
def test_lower_layers_do_not_import_web_cli_or_jobs(package: str) -> None:
    upper = ("nara.web", "nara.cli", "nara.jobs")
    assert [(f, m) for f, m in imports(package) if m.startswith(upper)] == []


def test_models_import_no_layer() -> None:
    layers = ("nara.domain", "nara.queries", "nara.web", "nara.cli", "nara.jobs")
    assert [(f, m) for f, m in imports("models") if m.startswith(layers)] == []
