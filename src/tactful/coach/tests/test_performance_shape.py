"""The coach's work grows with the text, not with its square, and the fast paths change nothing.

Timings are never asserted. Instead:

* the optimised pieces (match counting by binary search, sentence lookup, per-sentence evidence
  features computed once per distinct sentence, the lexicon's first-character dispatch) are
  compared with the straightforward implementations they replaced, kept here as references,
  both piece by piece and end to end over rows of ``coach_examples/`` in en, es and ru;
* deterministic work counters (matches read, spans read, feature vectors built) show that
  doubling a repetitive draft doubles the work at most, where the old code quadrupled it.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.coach import _analyze, _review, analyze_message, review_reply
from tactful.coach._analyze import Doc, evidence_sentences, make_doc, sentences_starting
from tactful.coach._features import sparse_features
from tactful.coach._heads import LinearHead, head
from tactful.coach._lexicon import (
    SUPPORTED,
    Lexicon,
    _compile,
    _first_characters,
    _read_json,
    lexicon,
)
from tactful.coach._types import Span

EXAMPLES = Path(__file__).resolve().parents[4] / "coach_examples"
CUSTOMER = {
    "en": "I was charged twice and you still took my money! Why? When will I get it back?",
    "es": "¡Me cobraron dos veces y todavía no tengo el dinero! ¿Por qué? ¿Cuándo lo recibiré?",
    "ru": "С меня дважды списали деньги! Почему? Когда вернёте?",
}
REPEATED = {"en": "Sorry. ", "es": "Lo siento. ", "ru": "Извините. "}


# --- the implementations the fast paths replaced ------------------------------------------------


def _plain_pattern(entries: list[str]) -> re.Pattern[str]:
    body = "|".join(f"(?:{entry})" for entry in sorted(entries, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE | re.UNICODE)


@cache
def _plain_lexicon(language: str) -> Lexicon:
    """The language's lexicon with every category compiled as one plain alternation."""
    fast = lexicon(language)
    if language not in SUPPORTED:
        return fast
    raw = _read_json(language, "patterns.json")
    time_words = _read_json(language, "questions.json").get("time_words", [])
    return replace(
        fast,
        patterns={k: _plain_pattern(v) for k, v in raw.items() if not k.startswith("_")},
        time_question=_plain_pattern([re.escape(w) for w in time_words]),
    )


def _plain_scan(language: str, text: str) -> dict[str, tuple[Span, ...]]:
    return {
        category: tuple(
            Span(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()
        )
        for category, pattern in _plain_lexicon(language).patterns.items()
    }


def _naive_count_in(self: Doc, category: str, span: Span) -> int:
    return sum(1 for m in self.matches.get(category, ()) if span.start <= m.start < span.end)


def _naive_starting(candidates: Iterable[Span], spans: Iterable[Span]) -> list[Span]:
    spans = list(spans)
    return [c for c in candidates if any(c.start <= x.start < c.end for x in spans)]


def _naive_sentences_with(self: Doc, spans: Iterable[Span]) -> list[Span]:
    return _naive_starting(self.sentences, spans)


def _naive_evidence(
    doc: Doc, trained: LinearHead | None, label: str, *, limit: int = 2
) -> tuple[Span, ...]:
    if trained is None or not doc.sentences:
        return ()
    column = 0 if trained.kind == "binary" else trained.classes.index(label)
    scored: list[tuple[float, Span]] = []
    for span in doc.sentences:
        features = sparse_features(doc.text[span.start : span.end], doc.lex, doc.counts_in(span))
        weight = features.values @ trained.sparse_weights[features.indices, column]
        scored.append((float(weight), span))
    scored.sort(key=lambda item: item[0], reverse=True)
    return tuple(span for score, span in scored[:limit] if score > 0) or (scored[0][1],)


def _use_reference_implementations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Doc, "count_in", _naive_count_in)
    monkeypatch.setattr(Doc, "sentences_with", _naive_sentences_with)
    monkeypatch.setattr(_review, "sentences_starting", _naive_starting)
    monkeypatch.setattr(_analyze, "evidence_sentences", _naive_evidence)
    monkeypatch.setattr(_review, "evidence_sentences", _naive_evidence)
    monkeypatch.setattr(_analyze, "lexicon", _plain_lexicon)
    monkeypatch.setattr(_review, "lexicon", _plain_lexicon)


# --- corpus -------------------------------------------------------------------------------------


@cache
def _corpus_rows() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every eighth row of coach_examples/{en,es,ru}/*.jsonl (about 300), in a stable order."""
    assert EXAMPLES.is_dir(), f"the tests read the project's examples at {EXAMPLES}"
    rows: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(EXAMPLES.glob("*/*.jsonl")):
        language = path.parent.name
        with path.open(encoding="utf-8") as lines:
            rows += [(language, json.loads(line)) for line in lines if line.strip()]
    return tuple(rows[::8])


def _hostile_texts(language: str, seed: int) -> list[str]:
    """Lexicon words in odd cases, with the characters ``re`` folds specially, glued oddly."""
    rng = random.Random(seed)
    vocabulary = re.findall(
        r"\w+", " ".join(row["text"] for lang, row in _corpus_rows() if lang == language)
    )
    odd = ["ſ", "\u212a", "İ", "ı", "Ё", "ё", "ß", "ẞ", "¿", "¡", "’", "-", "\u00a0", "\n", "?"]
    casings: list[Callable[[str], str]] = [str.lower, str.upper, str.title, str.swapcase]
    texts = []
    for _ in range(60):
        parts = []
        for _ in range(rng.randint(3, 40)):
            word = rng.choice(casings)(rng.choice(vocabulary))
            if rng.random() < 0.1:
                word = word.replace("s", "ſ").replace("k", "\u212a")
            parts.append(word)
            parts.append(rng.choice([" ", " ", " ", ", ", ". ", "! ", "? ", rng.choice(odd)]))
        texts.append("".join(parts))
    return texts


def _repetitive(language: str, units: int) -> str:
    return REPEATED[language] * units


# --- the fast paths agree with the references ---------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED)
def test_lexicon_scan_equals_plain_alternation(language: str) -> None:
    texts = [row["text"] for lang, row in _corpus_rows() if lang == language]
    texts += [row["customer"] for lang, row in _corpus_rows() if "customer" in row]
    texts += _hostile_texts(language, seed=len(language) * 7 + ord(language[0]))
    texts += [_repetitive(language, 50), CUSTOMER[language] * 20]
    fast = lexicon(language)
    found = 0
    for text in texts:
        expected = _plain_scan(language, text)
        assert fast.scan(text) == expected, text
        found += sum(len(spans) for spans in expected.values())
    assert found > 500  # the comparison is about real matches, not empty results
    plain_time = _plain_lexicon(language).time_question
    assert fast.time_question is not None and plain_time is not None
    for text in texts:
        assert [m.span() for m in fast.time_question.finditer(text)] == [
            m.span() for m in plain_time.finditer(text)
        ]


def test_dispatch_keeps_alternative_order_and_special_case_folding() -> None:
    # "sorry to hear" must still win over "sorry"; ſ is an s and the Kelvin sign a k for re.
    entries = [
        "sorry",
        "sorry to hear",
        "ſun",
        "sun\\w*",
        "kelvin",
        "\u212aelvins?",
        "ёж",
        "Ёлк\\w+",
    ]
    entries += [r"(?:\w+ )?wild", "(?<!not )kind", "[a-c]bc", "x?yz", "(?:maybe )?ok"]
    # "I" and "i" are one character for re: both entries must sit in one group, longest first.
    entries += ["i am so sorry", "(?:I|you) am"]
    texts = [
        "Sorry to hear that, SORRY. ſun Sunny SUNDAY. \u212aELVIN kelvins. ЁЖ ёлка ЁЛКИ",
        "so wild, not kind, kind. abc bbc Cbc yz xyz. maybe ok OK. ſorry to hear",
        "i am so sorry. I AM SO SORRY. I am. you am.",
    ]
    for text in texts:
        assert [m.span() for m in _compile(entries).finditer(text)] == [
            m.span() for m in _plain_pattern(entries).finditer(text)
        ]
    assert _first_characters("(?<!not )kind") == {"k"}
    assert _first_characters("x?yz") == {"x", "y"}
    assert _first_characters(r"(?:\w+ )?wild") is None
    assert _first_characters("(?:a)?") is None  # can match nothing: tried everywhere


def test_class_guards_fold_case_exactly_like_literals() -> None:
    """The dispatch relies on ``[c]`` and ``c`` matching the same characters under IGNORECASE."""
    alphabet: set[str] = set()
    for language in SUPPORTED:
        for entries in _read_json(language, "patterns.json").values():
            if isinstance(entries, list):
                for entry in entries:
                    alphabet |= _first_characters(entry) or set()
    assert len(alphabet) > 40
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    flags = re.IGNORECASE | re.UNICODE
    for char in sorted(alphabet):
        literal = [m.start() for m in re.finditer(re.escape(char), everything, flags)]
        guarded = [m.start() for m in re.finditer(f"[{re.escape(char)}]", everything, flags)]
        assert literal == guarded, char


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 60), max_size=30),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(0, 5)), max_size=40),
)
def test_sentence_lookup_equals_the_double_loop(
    cuts: list[int], raw_spans: list[tuple[int, int]]
) -> None:
    bounds = sorted(set(cuts))
    candidates = [Span(a, b) for a, b in itertools.pairwise(bounds)]
    spans = [Span(start, start + length) for start, length in raw_spans]  # unsorted, repeats
    assert sentences_starting(candidates, spans) == _naive_starting(candidates, spans)


@pytest.mark.parametrize("language", SUPPORTED)
def test_counts_in_every_sentence_equal_the_double_loop(language: str) -> None:
    texts = [row["text"] for lang, row in _corpus_rows() if lang == language][:30]
    texts += [_repetitive(language, 40), " ".join(texts)]
    compared = 0
    for text in texts:
        doc = make_doc(text, language)
        for span in (*doc.sentences, Span(0, len(doc.text)), Span(3, 4)):
            for category in doc.matches:
                assert doc.count_in(category, span) == _naive_count_in(doc, category, span)
                compared += doc.count_in(category, span)
        assert doc.sentences_with(doc.spans("apology")) == _naive_starting(
            doc.sentences, doc.spans("apology")
        )
    assert compared > 100


def test_outputs_equal_the_reference_implementation_end_to_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """analyze_message and review_reply on ~300 example rows and repetitive drafts, en/es/ru."""
    inputs: list[tuple[str, str, str | None]] = []
    for language, row in _corpus_rows():
        inputs.append((row["text"], row.get("customer") or CUSTOMER[language], None))
    for language in SUPPORTED:
        for units in (1, 3, 40, 200):
            inputs.append((_repetitive(language, units), CUSTOMER[language], language))
        inputs.append(("¿Por qué? Why? Почему? " * 30, CUSTOMER[language], language))

    def outputs() -> list[object]:
        produced: list[object] = []
        for reply, customer, language in inputs:
            produced.append(analyze_message(reply, language=language))
            produced.append(review_reply(reply, customer_message=customer, language=language))
        return produced

    fast = outputs()
    _use_reference_implementations(monkeypatch)
    reference = outputs()
    assert len(fast) == len(reference) > 600
    for index, (got, expected) in enumerate(zip(fast, reference, strict=True)):
        assert got == expected, inputs[index // 2][0][:200]
    findings = {f.kind for review in fast[1::2] for f in getattr(review, "findings", ())}
    assert {"over_apology", "no_next_step"} <= findings  # the corpus exercises the steps


# --- work counters: doubling a repetitive draft at most doubles the work ------------------------


class _CountingSpans(tuple[Span, ...]):
    """A match tuple that counts how many matches are read out of it."""

    reads = 0

    def __iter__(self) -> Iterator[Span]:
        for span in super().__iter__():
            _CountingSpans.reads += 1
            yield span


def _matches_read(language: str, units: int) -> tuple[int, int]:
    """Matches read while counting every category in every sentence, and how many there are."""
    doc = make_doc(_repetitive(language, units), language)
    counted = replace(doc, matches={c: _CountingSpans(v) for c, v in doc.matches.items()})
    _CountingSpans.reads = 0
    total = 0
    for span in counted.sentences:
        total += sum(counted.counts_in(span).values())
    assert total == sum(len(v) for v in doc.matches.values()) >= units  # every match found
    return _CountingSpans.reads, total


@pytest.mark.parametrize("language", SUPPORTED)
def test_counting_matches_in_sentences_reads_each_match_once(language: str) -> None:
    reads, matches = _matches_read(language, 400)
    doubled_reads, doubled_matches = _matches_read(language, 800)
    # The double loop read sentences × matches: 400 times more here, 1,600 times when doubled.
    assert (reads, doubled_reads) == (matches, doubled_matches)
    assert doubled_reads <= 2 * reads


class _CountingIterable:
    def __init__(self, items: Sequence[Span]) -> None:
        self.items = items
        self.reads = 0

    def __iter__(self) -> Iterator[Span]:
        for item in self.items:
            self.reads += 1
            yield item


def test_sentence_lookup_reads_the_spans_once() -> None:
    doc = make_doc(_repetitive("en", 500), "en")
    spans = _CountingIterable(doc.spans("apology"))
    found = doc.sentences_with(spans)
    assert len(found) == len(doc.sentences) == 500
    assert spans.reads == 500  # not 500 × 500


@pytest.mark.parametrize("language", SUPPORTED)
def test_evidence_features_are_built_once_per_distinct_sentence(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained = head("next_step")
    assert trained is not None, "the shipped next_step head is needed here"
    built: list[str] = []

    def counting_features(text: str, lex: Lexicon, counts: Any = None) -> Any:
        built.append(text)
        return sparse_features(text, lex, counts)

    monkeypatch.setattr(_analyze, "sparse_features", counting_features)
    draft = {
        "en": "Sorry. I will call you tomorrow. ",
        "es": "Lo siento. Le llamaré mañana. ",
        "ru": "Извините. Я перезвоню завтра. ",
    }[language]
    evidence = {}
    for units in (100, 200):
        built.clear()
        doc = make_doc(draft * units, language)
        built.clear()  # the whole-text vector of make_doc is not part of the evidence search
        evidence[units] = evidence_sentences(doc, trained, "next_step", limit=2)
        assert len(built) == 2  # two distinct sentences, whatever the length
        monkeypatch.setattr(_analyze, "sparse_features", sparse_features)
        assert evidence[units] == _naive_evidence(doc, trained, "next_step", limit=2)
        monkeypatch.setattr(_analyze, "sparse_features", counting_features)
    assert evidence[100] == evidence[200]  # ties keep the earliest sentences
