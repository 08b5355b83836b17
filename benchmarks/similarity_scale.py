"""How the similar-case search scales with the number of candidate cases: brute-force
cosine in numpy over the stored vectors of the topic's cases in the window.

    NARA_DATABASE_URL=... nara migrate && nara demo --cases 0 --no-train
    NARA_DATABASE_URL=... nara bench seed --cases 100000
    NARA_DATABASE_URL=... .venv/bin/python benchmarks/similarity_scale.py --fill

``--fill`` stores a random unit vector for every case without one (the model would take
about an hour for 100,000 cases on two cores; the search's cost does not depend on what
the vectors say). Then, for 1,000 to 100,000 candidates (the cap ``MAX_CANDIDATES``
lifted for the measurement), it times the search by stored vectors (``similar_to_cases``:
read, decode, rank) and, apart, the numpy part alone; the median of five runs each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from nara.db import get_engine, session_scope
from nara.domain.case_embeddings import store_case_embeddings
from nara.improvements.similarity import decode, rank
from nara.models import Case, CaseEmbedding, Topic
from nara.queries import similar_cases as search
from nara.selfservice.embeddings import EMBEDDER_NAME

SIZES = (1_000, 10_000, 20_000, 50_000, 100_000)


def fill(chunk: int = 5000) -> int:
    rng = np.random.default_rng(7)
    engine, written = get_engine(), 0
    while True:
        with session_scope(engine) as session:
            ids = search.cases_to_embed(session, model=EMBEDDER_NAME, limit=chunk)
            if not ids:
                return written
            vectors = rng.normal(size=(len(ids), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            written += store_case_embeddings(
                session=session,
                model=EMBEDDER_NAME,
                case_ids=ids,
                texts=[str(i) for i in ids],
                vectors=vectors,
            )
        print(f"  filled {written}", file=sys.stderr, flush=True)


def _median_ms(call, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def measure() -> list[dict[str, float | int]]:
    engine = get_engine()
    with session_scope(engine) as session:
        topics = list(session.scalars(select(Topic.id)))
        total = session.scalar(select(func.count()).select_from(CaseEmbedding)) or 0
        query_case = session.scalar(select(CaseEmbedding.case_id).limit(1))
    rows = []
    for size in SIZES:
        if size > total:
            break
        search.MAX_CANDIDATES = size  # type: ignore[misc]
        with session_scope(engine) as session:

            def run() -> list[tuple[int, float]]:
                return search.similar_to_cases(
                    session,
                    case_ids=[query_case],
                    topic_ids=topics,
                    since=None,
                    threshold=0.92,
                    limit=50,
                )

            whole = _median_ms(run)
            blobs = [
                row[1]
                for row in session.execute(search._candidates(topics, None, None, EMBEDDER_NAME))
            ]
        ids = list(range(len(blobs)))
        query = decode(blobs[:1], 384)
        numpy_ms = _median_ms(lambda: rank(query, decode(blobs, 384), ids, threshold=0.92))  # noqa: B023
        rows.append(
            {
                "candidates": len(blobs),
                "search_ms": whole,
                "numpy_ms": numpy_ms,
                "vector_mb": round(len(blobs) * 768 / 1e6, 1),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    search.MAX_CANDIDATES = 20_000  # type: ignore[misc]
    with session_scope(engine) as session:
        biggest, count = session.execute(
            select(Case.topic_id, func.count())
            .where(Case.topic_id.is_not(None))
            .group_by(Case.topic_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        one_topic = _median_ms(
            lambda: search.similar_to_cases(
                session, case_ids=[query_case], topic_ids=[biggest], since=None, threshold=0.92
            )
        )
    rows.append({"one_topic_candidates": count, "search_ms": one_topic})
    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def duplicate_timing() -> list[dict[str, float | int]]:
    """``similar_texts`` over N open improvements (title and description, about 300
    characters each): the first call embeds them all, a second one only the query."""
    from nara.demo.knowledge_examples import EXAMPLES
    from nara.improvements import similarity

    texts = [t for by_lang in EXAMPLES.values() for ts in by_lang.values() for t in ts]
    rows = []
    for n in (100, 300, 500):
        similarity._cache.clear()
        candidates = [
            (i, " ".join(texts[(i * 5 + k) % len(texts)] for k in range(5))) for i in range(n)
        ]
        started = time.perf_counter()
        similarity.similar_texts("Kortet har inte kommit", candidates)
        cold = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        similarity.similar_texts("Kortet har inte kommit med posten", candidates)
        warm = (time.perf_counter() - started) * 1000
        rows.append({"improvements": n, "first_call_ms": round(cold), "later_call_ms": round(warm)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", action="store_true", help="random vectors for unembedded cases")
    parser.add_argument(
        "--duplicates", action="store_true", help="time similar_texts instead (no database)"
    )
    args = parser.parse_args()
    if args.duplicates:
        print(json.dumps({"duplicates": duplicate_timing()}))
        return 0
    if args.fill:
        print(f"filled {fill()} case(s)", file=sys.stderr)
    print(json.dumps({"backend": get_engine().dialect.name, "sizes": measure()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
