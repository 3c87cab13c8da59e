"""C1: reading one customer message — language, emotions, intensity, formality, risks, questions."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from . import _encoder
from ._chargrams import chargram_head, gram_features, tilt_emotions
from ._errors import unknown_language
from ._features import SparseFeatures, sparse_features
from ._heads import LinearHead, head
from ._lang import detect_language
from ._lexicon import SUPPORTED, Lexicon, lexicon
from ._text import MAX_CHARS, CleanText, caps_ratio, clean, sentences, words
from ._types import (
    EMOTIONS,
    EmotionScores,
    Finding,
    Formality,
    Language,
    MessageAnalysis,
    Signal,
    Span,
)

_NEGATIVE = ("anger", "frustration", "sadness", "worry")


@dataclass(frozen=True)
class Doc:
    """A cleaned text with its language, sentences and features, shared by the steps."""

    clean: CleanText
    language: Language
    lex: Lexicon
    sentences: tuple[Span, ...]
    features: SparseFeatures
    matches: dict[str, tuple[Span, ...]]

    @property
    def text(self) -> str:
        return self.clean.text

    def spans(self, category: str) -> list[Span]:
        """The category's matches in the whole text (scanned once, in ``make_doc``)."""
        return list(self.matches.get(category, ()))

    def has(self, category: str) -> bool:
        return bool(self.matches.get(category))

    @cached_property
    def _starts(self) -> dict[str, list[int]]:
        # Start offsets per category, ascending (``finditer`` yields matches in text order), so
        # counting the matches inside a sentence is two binary searches, not a pass over all of
        # them: a long, repetitive draft has as many matches as sentences, and the per-sentence
        # steps would otherwise cost sentences × matches.
        return {category: [m.start for m in found] for category, found in self.matches.items()}

    def count_in(self, category: str, span: Span) -> int:
        """Matches of a category that start inside ``span`` (a sentence of this text)."""
        starts = self._starts.get(category)
        if not starts:
            return 0
        return bisect_left(starts, span.end) - bisect_left(starts, span.start)

    def counts_in(self, span: Span) -> dict[str, int]:
        return {category: self.count_in(category, span) for category in self.matches}

    def sentences_with(self, spans: Iterable[Span]) -> list[Span]:
        """This text's sentences, in order, inside which at least one of ``spans`` starts."""
        return sentences_starting(self.sentences, spans)


def sentences_starting(candidates: Iterable[Span], spans: Iterable[Span]) -> list[Span]:
    """The ``candidates`` (in their order) inside which at least one of ``spans`` starts.

    Sorting the starts once and bisecting per candidate keeps this O((c + s) log s) where the
    obvious double loop is O(c × s).
    """
    starts = sorted(span.start for span in spans)
    found: list[Span] = []
    for candidate in candidates:
        first = bisect_left(starts, candidate.start)
        if first < len(starts) and starts[first] < candidate.end:
            found.append(candidate)
    return found


def resolve_language(language: str | None, text: str) -> Language:
    """The caller's language when given (validated), else the detected one."""
    if language is None:
        return detect_language(text)
    code = language.strip().lower()[:2] if language.strip() else ""
    if language.strip().lower() == "und":
        return "und"
    if code not in SUPPORTED:
        raise unknown_language(language)
    return code  # type: ignore[return-value]


def make_doc(raw: str | bytes, language: str | None) -> Doc:
    cleaned = clean(raw)
    lang = resolve_language(language, cleaned.text)
    lex = lexicon(lang)
    matches = lex.scan(cleaned.text)
    return Doc(
        clean=cleaned,
        language=lang,
        lex=lex,
        sentences=tuple(sentences(cleaned.text)),
        features=sparse_features(cleaned.text, lex, {c: len(m) for c, m in matches.items()}),
        matches=matches,
    )


def cleaning_findings(doc: Doc) -> list[Finding]:
    """Findings about the input itself: cut short, bad bytes, a language we do not read."""
    found: list[Finding] = []
    if doc.clean.truncated_from is not None:
        found.append(
            Finding(
                "too_long",
                "warning",
                (Span(max(0, len(doc.text) - 1), len(doc.text)),),
                doc.lex.message("findings", "too_long", limit=MAX_CHARS),
            )
        )
    if doc.clean.had_invalid_utf8:
        marks = tuple(Span(i, i + 1) for i, ch in enumerate(doc.text) if ch == "\ufffd")[:20]
        found.append(
            Finding(
                "invalid_encoding", "info", marks, doc.lex.message("findings", "invalid_encoding")
            )
        )
    if doc.language == "und":
        found.append(
            Finding(
                "unsupported_language",
                "info",
                (),
                doc.lex.message("findings", "unsupported_language"),
            )
        )
    return found


def evidence_sentences(
    doc: Doc, trained: LinearHead | None, label: str, *, limit: int = 2
) -> tuple[Span, ...]:
    """Sentences that push a head toward ``label`` most, scored with its sparse weights alone.

    Used when a head decides without any lexicon match to point at, so the verdict still
    comes with evidence a reviewer can check.
    """
    if trained is None or not doc.sentences:
        return ()
    column = 0 if trained.kind == "binary" else trained.classes.index(label)
    scored: list[tuple[float, Span]] = []
    # A sentence's weight depends only on its text and its lexicon counts; long drafts that
    # repeat one sentence (hostile or pasted) pay for each distinct sentence once.
    weights: dict[tuple[str, tuple[int, ...]], float] = {}
    for span in doc.sentences:
        sentence = doc.text[span.start : span.end]
        counts = doc.counts_in(span)
        key = (sentence, tuple(counts.values()))
        weight = weights.get(key)
        if weight is None:
            features = sparse_features(sentence, doc.lex, counts)
            weight = float(features.values @ trained.sparse_weights[features.indices, column])
            weights[key] = weight
        scored.append((weight, span))
    scored.sort(key=lambda item: item[0], reverse=True)
    return tuple(span for score, span in scored[:limit] if score > 0) or (scored[0][1],)


def _lexicon_emotions(doc: Doc) -> dict[str, float]:
    counts = {e: len(doc.matches.get(e, ())) for e in EMOTIONS if e != "neutral"}
    scores = {e: 1.0 - math.exp(-0.8 * c) for e, c in counts.items()}
    scores["neutral"] = max(0.0, 1.0 - max(scores.values(), default=0.0))
    return scores


def head_emotion_scores(
    public: LinearHead,
    customer: LinearHead | None,
    features: SparseFeatures,
    embedding: npt.NDArray[np.float32],
) -> tuple[dict[str, float], dict[str, float]]:
    """The emotion heads' scores before any language-specific tilt, and the public head's own.

    Training reads this too (``_chargram_train``): the n-gram tilt is chosen on exactly the
    scores it will tilt at run time.
    """
    public_scores = public.calibrated(features, embedding)
    if customer is not None:
        stacked = np.concatenate(
            [embedding, np.asarray([public_scores[e] for e in EMOTIONS], dtype=np.float32)]
        )
        return customer.probabilities(features, stacked), public_scores
    scores = dict(public_scores)
    # Neutral is the absence of emotion: no emotion past its threshold means neutral wins.
    scores["neutral"] = max(
        scores["neutral"], 1.0 - max(v for e, v in scores.items() if e != "neutral")
    )
    return scores, public_scores


def _emotions(doc: Doc, embedding: npt.NDArray[np.float32] | None) -> tuple[EmotionScores, float]:
    """Customer emotion scores, and how strongly negative the message is (for intensity).

    The in-domain ``customer_emotion`` head decides which emotion it is; it reads the
    public-data ``emotion`` head's scores as inputs. Strength comes from the public head, whose
    per-emotion sigmoids measure how far past its threshold each emotion is.
    """
    public = head("emotion")
    customer = head("customer_emotion")
    if public is None or embedding is None:
        scores = _lexicon_emotions(doc)
        if doc.has("sarcasm"):
            scores = _sarcastic(scores)
        strength = max(scores[e] for e in _NEGATIVE)
        return EmotionScores(**{e: round(float(scores[e]), 4) for e in EMOTIONS}), strength
    scores, public_scores = head_emotion_scores(public, customer, doc.features, embedding)
    grams = chargram_head(doc.language)
    if grams is not None:
        # Misspelt, slangy or shouted words the sentence vector reads poorly still share
        # character n-grams with their stems: the language's n-gram head tilts the scores.
        scores = tilt_emotions(scores, grams.log_odds(gram_features(doc.text)), grams.tilt)
    strength = max(max(public_scores[e], scores[e]) for e in _NEGATIVE)
    if doc.has("sarcasm"):
        scores, strength = _sarcastic(scores), max(strength, 0.5)
    return EmotionScores(**{e: round(float(scores[e]), 4) for e in EMOTIONS}), strength


def _sarcastic(scores: dict[str, float]) -> dict[str, float]:
    """Thanks that mean the opposite ("thanks for nothing", "gracias por nada", "спасибо за
    ничего") are not gratitude: the thanks, and the calm it implies, become frustration and
    anger. A head reading "thanks" cannot tell, so the lexicon's sarcasm match decides."""
    moved = scores["gratitude"] + 0.5 * scores["neutral"]
    out = dict(scores)
    out["gratitude"] = min(scores["gratitude"], 0.05)
    out["neutral"] = 0.5 * scores["neutral"]
    out["frustration"] = min(1.0, scores["frustration"] + 0.6 * moved)
    out["anger"] = min(1.0, scores["anger"] + 0.4 * moved)
    return out


def _signal_from_head(
    doc: Doc,
    name: str,
    label: str,
    category: str,
    embedding: npt.NDArray[np.float32] | None,
    *,
    rule_score: float,
) -> Signal:
    """A signal decided by a trained head when there is one, else by the lexicon rule score."""
    spans = tuple(doc.spans(category))
    trained = head(name)
    if trained is None or (trained.uses_embedding and embedding is None):
        return Signal(rule_score >= 0.5, round(rule_score, 4), spans)
    probabilities = trained.probabilities(doc.features, embedding)
    score = probabilities[label]
    # Without a lexicon match to show, the head needs more confidence (bar chosen by CV in training).
    gate = float(trained.meta.get("evidence_gate", 0.5))
    present = trained.decide(probabilities)[label] and (bool(spans) or score >= gate)
    if present and not spans:
        spans = evidence_sentences(doc, trained, label, limit=1)
    return Signal(present, round(score, 4), spans if present else ())


def _abuse_and_threat(
    doc: Doc, embedding: npt.NDArray[np.float32] | None, emotions: EmotionScores | None = None
) -> tuple[Signal, Signal]:
    abuse_spans = tuple(doc.spans("abuse"))
    threat_spans = tuple(doc.spans("threat"))
    trained = head("abuse_threat")
    if trained is None or embedding is None:
        abuse_score = 1.0 - math.exp(-1.2 * len(abuse_spans))
        threat_score = 1.0 - math.exp(-1.2 * len(threat_spans))
        return (
            Signal(abuse_score >= 0.5, round(abuse_score, 4), abuse_spans),
            Signal(threat_score >= 0.5, round(threat_score, 4), threat_spans),
        )
    p = trained.probabilities(doc.features, embedding)
    # Kept apart on purpose: a message can be both, and each routes differently. Without a
    # lexicon match to show, a class needs the probability chosen by CV in training.
    gate = float(trained.meta.get("evidence_gate", 0.0))
    # A thankful message with no hostile word in it is not hostile, whatever the head guesses
    # ("I just wanted to say thank you." read as a threat sent a thank-you note to a lead).
    grateful = (
        emotions is not None
        and emotions.top() == "gratitude"
        and emotions.anger + emotions.frustration < 0.15  # "thanks for nothing" stays suspect
    )
    # With a lexicon match to show, the class needs 0.35; without one it must also beat
    # "none" and reach the gate (ParaDetox's Russian comments pull "none" up for short
    # insults in the other languages: "¿No sabéis leer, inútiles?" is still abuse).
    abuse = (bool(abuse_spans) and p["abuse"] >= 0.35) or (
        p["abuse"] >= max(p["none"], 0.35, gate) and not grateful
    )
    threat = (bool(threat_spans) and p["threat"] >= 0.35) or (
        p["threat"] >= max(p["none"], 0.35, gate) and not grateful
    )
    if abuse and not abuse_spans:
        abuse_spans = evidence_sentences(doc, trained, "abuse", limit=1)
    if threat and not threat_spans:
        threat_spans = evidence_sentences(doc, trained, "threat", limit=1)
    return (
        Signal(abuse, round(p["abuse"], 4), abuse_spans if abuse else ()),
        Signal(threat, round(p["threat"], 4), threat_spans if threat else ()),
    )


def formality_of(doc: Doc) -> tuple[Formality, float]:
    """``formal``/``informal``/``neutral`` and P(formal), from the head or the marker counts."""
    trained = head("formality")
    formal_hits = len(doc.matches.get("formal", ()))
    informal_hits = len(doc.matches.get("informal", ()))
    if trained is not None:
        p_formal = trained.probabilities(doc.features)["formal"]
    elif formal_hits + informal_hits == 0:
        p_formal = 0.5
    else:
        p_formal = (formal_hits + 0.5) / (formal_hits + informal_hits + 1.0)
    # Without a single register marker only a confident head decides (and never on short texts).
    if formal_hits + informal_hits == 0 and (len(words(doc.text)) < 6 or 0.15 < p_formal < 0.85):
        return "neutral", round(p_formal, 4)
    if p_formal >= 0.6:
        return "formal", round(p_formal, 4)
    if p_formal <= 0.4:
        return "informal", round(p_formal, 4)
    # Markers of one register only ("su compañero", "usted"; "tú", "ты") decide when the
    # head hesitates: a customer's single "su compañero me dijo" is usted, and a reply in
    # tú to her must be flagged.
    if formal_hits and not informal_hits:
        return "formal", round(p_formal, 4)
    if informal_hits and not formal_hits:
        return "informal", round(p_formal, 4)
    return "neutral", round(p_formal, 4)


def question_spans(doc: Doc) -> tuple[Span, ...]:
    """Sentences that ask something: a question mark, ``¿``, or a question opener in chat style."""
    found: list[Span] = []
    for span in doc.sentences:
        sentence = doc.text[span.start : span.end]
        if (
            "?" in sentence
            or "¿" in sentence
            or (
                doc.lex.question_openers is not None
                and doc.lex.question_openers.search(sentence)
                # An opener without "?" counts only in short, chat-like sentences.
                and len(words(sentence)) <= 14
                and not sentence.rstrip().endswith((".", "!"))
            )
        ):
            found.append(span)
    return tuple(found)


def _key_sentences(doc: Doc, questions: tuple[Span, ...]) -> tuple[Span, ...]:
    """Up to three sentences that state the problem, in reading order."""
    scored: list[tuple[float, int, Span]] = []
    asked = set(questions)
    for position, span in enumerate(doc.sentences):
        sentence = doc.text[span.start : span.end]
        n_words = len(words(sentence))
        if n_words < 3:
            continue
        score = 2.0 * doc.count_in("company_fault", span)
        score += sum(doc.count_in(e, span) for e in _NEGATIVE) + doc.count_in("confusion", span)
        score += 0.8 * doc.count_in("urgency", span)
        score += 0.7 if span in asked else 0.0
        score -= 1.0 if doc.count_in("gratitude", span) and n_words < 8 else 0.0
        score += min(n_words, 25) / 50.0  # prefer sentences that carry content
        scored.append((score, position, span))
    if not scored:
        return doc.sentences[:1]
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:3]
    return tuple(span for _, _, span in sorted(best, key=lambda item: item[1]))


def _intensity(doc: Doc, negative: float, abuse: Signal, threat: Signal) -> float:
    exclamations = min(doc.text.count("!"), 4) / 4.0
    shouting = caps_ratio(doc.text)
    profanity = 1.0 if doc.has("profanity") else 0.0
    hostile = 1.0 if (abuse.present or threat.present) else 0.0
    value = 0.8 * negative + 0.15 * exclamations + 0.2 * shouting + 0.1 * profanity + 0.25 * hostile
    return round(min(1.0, value), 4)


def _und_analysis(doc: Doc) -> MessageAnalysis:
    # No lexicon, no trained head applies: report only what needs no language.
    none = Signal(False, 0.0, ())
    zero = EmotionScores(**{e: 0.0 for e in EMOTIONS})
    questions = tuple(s for s in doc.sentences if "?" in doc.text[s.start : s.end])
    return MessageAnalysis(
        text=doc.text,
        language="und",
        emotions=zero,
        intensity=0.0,
        formality="neutral",
        urgency=none,
        abuse=none,
        threat=none,
        company_fault=none,
        questions=questions,
        key_sentences=doc.sentences[:3],
        findings=tuple(cleaning_findings(doc)),
    )


def _questions_to_answer(questions: tuple[Span, ...], abuse: Signal) -> tuple[Span, ...]:
    """The customer's questions minus the insults phrased as questions ("Are you all idiots?"):
    those are not waiting for an answer, and the agent should not be told to answer them."""
    if not abuse.present or not abuse.spans:
        return questions
    return tuple(
        question
        for question in questions
        if not any(a.start < question.end and question.start < a.end for a in abuse.spans)
    )


def analyze_doc(doc: Doc, embedding: npt.NDArray[np.float32] | None = None) -> MessageAnalysis:
    """Run every C1 step over a prepared document."""
    if doc.language == "und":
        return _und_analysis(doc)
    if embedding is None:
        embedding = _encoder.encode([doc.text])[0]
    emotions, negative = _emotions(doc, embedding)
    abuse, threat = _abuse_and_threat(doc, embedding, emotions)
    urgency_spans = tuple(doc.spans("urgency"))
    urgency_score = 1.0 - math.exp(-0.9 * len(urgency_spans))
    company_fault = _signal_from_head(
        doc,
        "company_fault",
        "company_fault",
        "company_fault",
        embedding,
        rule_score=1.0 - math.exp(-1.0 * len(doc.matches.get("company_fault", ()))),
    )
    formality, _ = formality_of(doc)
    questions = _questions_to_answer(question_spans(doc), abuse)
    return MessageAnalysis(
        text=doc.text,
        language=doc.language,
        emotions=emotions,
        intensity=_intensity(doc, negative, abuse, threat),
        formality=formality,
        urgency=Signal(urgency_score >= 0.5, round(urgency_score, 4), urgency_spans),
        abuse=abuse,
        threat=threat,
        company_fault=company_fault,
        questions=questions,
        key_sentences=_key_sentences(doc, questions),
        findings=tuple(cleaning_findings(doc)),
    )


def analyze_message(text: str | bytes, *, language: str | None = None) -> MessageAnalysis:
    """Read one customer message.

    Args:
        text: the message; bytes are decoded as UTF-8 (invalid bytes replaced, with a finding);
            HTML is reduced to its text.
        language: ``en``, ``es``, ``ru`` or ``und`` to skip detection.

    Returns:
        A :class:`MessageAnalysis` whose spans index into ``analysis.text`` (the cleaned text).

    Raises:
        CoachError: E001 empty text, E002 not text, E003 unknown language.
    """
    return analyze_doc(make_doc(text, language))


def analyze_many(texts: list[str], *, language: str | None = None) -> list[MessageAnalysis]:
    """Analyse a batch, encoding all texts in one encoder call (the batch path of C5)."""
    docs = [make_doc(text, language) for text in texts]
    readable = [i for i, doc in enumerate(docs) if doc.language != "und"]
    vectors = _encoder.encode([docs[i].text for i in readable]) if readable else None
    by_index = {i: vectors[row] for row, i in enumerate(readable)} if vectors is not None else {}
    return [analyze_doc(doc, by_index.get(i)) for i, doc in enumerate(docs)]
