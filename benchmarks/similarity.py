"""How well cosine similarity of Nära's sentence embeddings finds "the same thing",
measured on Exempelbanken's labelled questions, to choose the thresholds of
``nara.improvements.similarity`` (docs/improvements-similarity.md).

    .venv/bin/python benchmarks/similarity.py            # the tables (about a minute)
    .venv/bin/python benchmarks/similarity.py --json     # one JSON object on stdout

The texts: the demo's training examples (``knowledge_examples.EXAMPLES``, 22 topics,
Swedish and English, about 1,270) and the evaluation questions with a topic
(``evaluation_set``, 171, written apart from the training examples: other wording,
typos, long stories). Labels are topics; "related" topics are those one team handles
(``content.TOPICS``: the card team's seven, the loan team's four, ...), so that a team's
topics play the part of one broad topic and each topic the part of one driver within it.

1. Suggestions, as the search makes them: each evaluation question is the query (the
   improvement's first case), the training examples of the topics related to its topic
   are the history. A suggestion is right when its topic is the query's. Precision is
   over all suggestions (micro), recall over all same-topic candidates.
2. All pairs of related texts: same topic or not, at each threshold.
3. Duplicates: pseudo-improvements, each three training examples of one topic and
   language joined (what customers experience, in their words); two on the same topic
   are duplicates, two on related topics are not.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from nara.demo import content, evaluation_set, knowledge_examples
from nara.improvements.similarity import (
    DUPLICATE_THRESHOLD,
    SUGGESTION_THRESHOLD,
    embed_unique,
)
from nara.selfservice.embeddings import get_embedder

THRESHOLDS = [round(0.80 + 0.01 * i, 2) for i in range(17)]


@dataclass(frozen=True)
class Text:
    text: str
    topic: str
    lang: str


def related_topics() -> dict[str, set[str]]:
    """Each topic's related topics (itself included): those a team it belongs to handles."""
    teams: dict[str, set[str]] = {}
    for slug, _sv, _en, team_slugs in content.TOPICS:
        for team in team_slugs:
            teams.setdefault(team, set()).add(slug)
    related: dict[str, set[str]] = {}
    for members in teams.values():
        for slug in members:
            related.setdefault(slug, set()).update(members)
    return related


def training_texts() -> list[Text]:
    return [
        Text(text, topic, lang)
        for topic, by_lang in knowledge_examples.EXAMPLES.items()
        for lang, texts in by_lang.items()
        for text in texts
    ]


def evaluation_texts() -> list[Text]:
    return [
        Text(q.text, q.topic, q.lang) for q in evaluation_set.EVALUATION_SET if q.topic is not None
    ]


def pseudo_improvements(train: Sequence[Text], seed: int = 15) -> list[Text]:
    rng = random.Random(seed)  # noqa: S311 (a fixed shuffle, not a secret)
    groups: dict[tuple[str, str], list[str]] = {}
    for t in train:
        groups.setdefault((t.topic, t.lang), []).append(t.text)
    made = []
    for (topic, lang), texts in sorted(groups.items()):
        texts = texts[:]
        rng.shuffle(texts)
        for start in range(0, len(texts) - 2, 3):
            made.append(Text(" ".join(texts[start : start + 3]), topic, lang))
    return made


def embed(texts: Sequence[Text]) -> NDArray[np.float32]:
    return embed_unique(get_embedder(), [t.text for t in texts])


def _pr(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return {"precision": round(precision, 3), "recall": round(recall, 3), "suggested": tp + fp}


def suggestions(
    queries: Sequence[Text],
    qv: NDArray[np.float32],
    history: Sequence[Text],
    hv: NDArray[np.float32],
    related: dict[str, set[str]],
) -> list[dict[str, Any]]:
    scores = qv @ hv.T
    topics = np.array([h.topic for h in history])
    rows = []
    for threshold in THRESHOLDS:
        tp = fp = fn = answered = 0
        for i, q in enumerate(queries):
            pool = np.isin(topics, sorted(related[q.topic]))
            same = pool & (topics == q.topic)
            hit = pool & (scores[i] >= threshold)
            tp += int((hit & same).sum())
            fp += int((hit & ~same).sum())
            fn += int((same & ~hit).sum())
            answered += int(hit.any())
        row = {"threshold": threshold, **_pr(tp, fp, fn)}
        row["queries_with_a_suggestion"] = round(answered / len(queries), 3)
        row["suggestions_per_query"] = round((tp + fp) / len(queries), 2)
        rows.append(row)
    return rows


def pairs(
    texts: Sequence[Text], vectors: NDArray[np.float32], related: dict[str, set[str]]
) -> list[dict[str, Any]]:
    scores = vectors @ vectors.T
    upper = np.triu(np.ones_like(scores, dtype=bool), k=1)
    topics = [t.topic for t in texts]
    same = np.array([[a == b for b in topics] for a in topics])
    rel = np.array([[b in related[a] for b in topics] for a in topics])
    considered = upper & rel
    rows = []
    for threshold in THRESHOLDS:
        hit = considered & (scores >= threshold)
        tp, fp = int((hit & same).sum()), int((hit & ~same).sum())
        fn = int((considered & same & ~hit).sum())
        rows.append({"threshold": threshold, **_pr(tp, fp, fn)})
    return rows


def spread(texts: Sequence[Text], vectors: NDArray[np.float32]) -> dict[str, float]:
    """Percentiles of the cosine of same-topic pairs: how far apart one topic's texts are."""
    scores = vectors @ vectors.T
    topics = np.array([t.topic for t in texts])
    same = (topics[:, None] == topics[None, :]) & np.triu(np.ones_like(scores, dtype=bool), 1)
    values = scores[same]
    return {f"p{p}": round(float(np.percentile(values, p)), 3) for p in (10, 25, 50, 75, 90)}


def show(
    queries: Sequence[Text],
    qv: NDArray[np.float32],
    history: Sequence[Text],
    hv: NDArray[np.float32],
    related: dict[str, set[str]],
    count: int,
) -> None:
    """Random suggestions at the chosen threshold, to read: same driver or not?"""
    scores = qv @ hv.T
    found = [
        (i, j)
        for i, q in enumerate(queries)
        for j, h in enumerate(history)
        if h.topic in related[q.topic] and scores[i, j] >= SUGGESTION_THRESHOLD
    ]
    rng = random.Random(92)  # noqa: S311 (a fixed sample, not a secret)
    for i, j in rng.sample(found, min(count, len(found))):
        mark = "same topic" if queries[i].topic == history[j].topic else "OTHER TOPIC"
        print(f"{scores[i, j]:.3f} {mark}\n  Q: {queries[i].text}\n  C: {history[j].text}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--show", type=int, default=0, help="print N random suggestions at the threshold"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    related = related_topics()
    train, evaluation = training_texts(), evaluation_texts()
    improvements = pseudo_improvements(train)
    print(f"embedding {len(train) + len(evaluation) + len(improvements)} texts …", file=sys.stderr)
    tv, ev, iv = embed(train), embed(evaluation), embed(improvements)
    same_lang = [i for i, q in enumerate(evaluation) if q.lang == "sv"]
    result: dict[str, Any] = {
        "texts": {
            "training": len(train),
            "evaluation": len(evaluation),
            "pseudo_improvements": len(improvements),
        },
        "chosen": {"suggestion": SUGGESTION_THRESHOLD, "duplicate": DUPLICATE_THRESHOLD},
        "suggestions": suggestions(evaluation, ev, train, tv, related),
        "suggestions_swedish_queries": suggestions(
            [evaluation[i] for i in same_lang], ev[same_lang], train, tv, related
        ),
        "pairs_related_training": pairs(train, tv, related),
        "same_topic_cosine": spread(train, tv),
        "duplicates": pairs(improvements, iv, related),
        "seconds": round(time.monotonic() - started, 1),
    }
    if args.show:
        show(evaluation, ev, train, tv, related, args.show)
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        json.dumps(result["texts"]), "same-topic cosine:", json.dumps(result["same_topic_cosine"])
    )
    for name in (
        "suggestions",
        "suggestions_swedish_queries",
        "pairs_related_training",
        "duplicates",
    ):
        print(f"\n{name}")
        rows = result[name]
        keys = list(rows[0])
        print(" | ".join(f"{k:>10}" for k in keys))
        for row in rows:
            print(" | ".join(f"{row[k]!s:>10}" for k in keys))
    print(f"\n{result['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
