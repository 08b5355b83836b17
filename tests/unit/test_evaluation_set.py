"""The demo bank's evaluation set: big enough, well-formed, and never trained on."""

from __future__ import annotations

from collections import Counter

from nara.demo import content, knowledge_examples
from nara.demo.evaluation_set import EVALUATION_SET, KINDS, is_held_out
from nara.selfservice.text import normalise


def _trained_on() -> set[str]:
    texts = [
        q for by_lang in knowledge_examples.EXAMPLES.values() for qs in by_lang.values() for q in qs
    ]
    texts += [q for qs in knowledge_examples.OUT_OF_SCOPE.values() for q in qs]
    texts += [m for ms in content.MESSAGES.values() for m in ms]  # the demo cases' messages
    return {normalise(t) for t in texts}


def test_the_set_is_big_and_varied_enough() -> None:
    langs = Counter(q.lang for q in EVALUATION_SET)
    assert langs["sv"] >= 150 and langs["en"] >= 60 and set(langs) == {"sv", "en"}
    assert sum(q.topic is None for q in EVALUATION_SET) >= 40
    assert {q.kind for q in EVALUATION_SET} == set(KINDS)
    topics = {slug for slug, *_ in content.TOPICS}
    assert {q.topic for q in EVALUATION_SET if q.topic is not None} == topics
    for q in EVALUATION_SET:
        assert (q.kind == "no_topic") == (q.topic is None), q.text
    held_out = [q for q in EVALUATION_SET if is_held_out(q)]
    assert len(EVALUATION_SET) / 5 < len(held_out) < len(EVALUATION_SET) / 2
    assert any(q.topic is None for q in held_out) and any(q.lang == "en" for q in held_out)


def test_no_question_is_trained_on_or_repeated() -> None:
    trained = _trained_on()
    texts = [normalise(q.text) for q in EVALUATION_SET]
    assert [t for t in texts if t in trained] == []
    assert len(set(texts)) == len(texts)
