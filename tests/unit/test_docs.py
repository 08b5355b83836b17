"""The README documents every setting and opens with the two commands."""

from __future__ import annotations

from pathlib import Path

from nara.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"NARA_{name.upper()}"
        for name in Settings.model_fields
        if f"`NARA_{name.upper()}`" not in readme
    ]
    assert missing == []


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:400]
    assert "make demo" in head
    assert "make test" in head
