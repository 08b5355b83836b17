"""``nara eval handovers``: the share of hand-overs that reach the right people, per path,
from a CSV or the demo's evaluation set; clean failures on bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.cli.handovers import _entries
from nara.domain.actors import SYSTEM
from nara.domain.knowledge import save_article
from nara.domain.teams import add_team_topic, create_team, create_topic
from nara.models import Case
from nara.queries import selfservice as selfservice_queries
from nara.selfservice.predictions import Candidate, Prediction
from tests.test_cli import Cli, assert_clean_failure, cli, migrated  # noqa: F401


@dataclass
class Engine:
    def predict(self, text: str) -> Prediction:
        if "kort" in text.lower():
            return Prediction([Candidate("kort", 0.97)], 0.97, True, "t")
        return Prediction([Candidate("lan", 0.4)], 0.4, False, "t")


@pytest.fixture
def bank(migrated: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:  # noqa: F811
    engine = migrated.engine()
    with Session(engine) as s:
        front = create_team(
            session=s,
            actor=SYSTEM,
            slug="front",
            name_sv="Front",
            name_en="Front",
            is_fallback=True,
        )
        for slug in ("kort", "lan"):
            team = create_team(
                session=s, actor=SYSTEM, slug=f"t-{slug}", name_sv=slug, name_en=slug
            )
            topic = create_topic(session=s, actor=SYSTEM, slug=slug, name_sv=slug, name_en=slug)
            add_team_topic(session=s, actor=SYSTEM, team_id=team.id, topic_id=topic.id)
            save_article(
                session=s, actor=SYSTEM, topic_id=topic.id, lang="sv", title=slug, body_md="Svar."
            )
        assert front.is_fallback
        s.commit()
    engine.dispose()
    monkeypatch.setattr(selfservice_queries, "active_predictor", lambda session: Engine())
    return migrated


def _csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "questions.csv"
    path.write_text("text,topic,lang\n" + rows, encoding="utf-8")
    return str(path)


def test_prints_the_share_per_path_and_keeps_nothing(bank: Cli, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Mitt kort har inte kommit,kort,sv\nJag vill låna,lan,sv\nVem vann matchen?,oos,sv\n",
    )
    out = bank.ok("eval", "handovers", "--csv", path).stdout
    assert "path sure_topic" in out and "path unsure_front_line" in out
    figures = json.loads(bank.ok("eval", "handovers", "--csv", path, "--json").stdout)
    assert figures["questions"] == 3
    assert figures["paths"]["sure_topic"] == {"right": 1, "total": 1, "share": 1.0}
    # The unsure loan question lands in the front line (not the loans team); the
    # question without a topic lands there too, which is right.
    assert figures["paths"]["unsure_front_line"] == {"right": 1, "total": 2, "share": 0.5}
    assert figures["without_topic"]["share"] == 1.0
    engine = bank.engine()
    with Session(engine) as s:
        assert s.scalar(select(Case.id)) is None
    engine.dispose()


def test_bad_input_fails_cleanly(bank: Cli, tmp_path: Path) -> None:
    assert_clean_failure(bank("eval", "handovers", "--csv", str(tmp_path / "missing.csv")))
    wrong_header = tmp_path / "wrong.csv"
    wrong_header.write_text("question,answer\nx,y\n", encoding="utf-8")
    assert_clean_failure(bank("eval", "handovers", "--csv", str(wrong_header)))
    unknown = _csv(tmp_path, "Hej,finns-inte,sv\n")
    result = bank("eval", "handovers", "--csv", unknown)
    assert_clean_failure(result)
    assert "unknown topic" in result.stderr


def test_without_a_model_it_says_so(
    migrated: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = migrated("eval", "handovers", "--csv", _csv(tmp_path, "Hej,,sv\n"))
    assert_clean_failure(result)
    assert "no active self-service model" in result.stderr


@dataclass(frozen=True)
class Entry:
    text: str
    lang: str
    topic: str | None
    kind: str


def test_the_evaluation_set_is_found_in_its_module() -> None:
    module = ModuleType("some_set")
    module.KINDS = ("plain",)  # type: ignore[attr-defined]
    module.EVALUATION_SET = (Entry("Hej", "sv", None, "no_topic"),)  # type: ignore[attr-defined]
    assert [e.text for e in _entries(module)] == ["Hej"]
    other = ModuleType("other")
    other.ITEMS = [Entry("Kort?", "sv", "kort", "plain")]  # type: ignore[attr-defined]
    assert [e.topic for e in _entries(other)] == ["kort"]
    assert _entries(ModuleType("empty")) == []
