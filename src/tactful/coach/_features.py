"""Feature vectors for the learned heads: lexicon counts, hashed n-grams, sentence vectors."""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._lexicon import Lexicon, categories
from ._text import caps_ratio, sentences, words

#: Size of the hashed n-gram space; small enough that every head fits in a few hundred KB.
HASH_DIM = 1 << 15


@dataclass(frozen=True, slots=True)
class SparseFeatures:
    """Indices and values of one text's non-zero features (lexicon + hashed n-grams)."""

    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]


def _structural(text: str) -> list[float]:
    tokens = words(text)
    n_words = max(1, len(tokens))
    n_sentences = len(sentences(text))
    return [
        math.log1p(n_words) / 6.0,
        math.log1p(n_sentences) / 3.0,
        min(text.count("?"), 5) / 5.0,
        min(text.count("!"), 5) / 5.0,
        caps_ratio(text),
        min(sum(ch.isdigit() for ch in text), 20) / 20.0,
    ]


STRUCTURAL_NAMES = ("log_words", "log_sentences", "questions", "exclamations", "caps", "digits")


def lexical_names() -> tuple[str, ...]:
    """Names of the dense lexical features, in vector order."""
    return tuple(f"lex:{c}" for c in categories()) + STRUCTURAL_NAMES


def lexical_vector(text: str, lex: Lexicon, counts: Mapping[str, int] | None = None) -> list[float]:
    """Counts of each pattern category (squashed), then structural measures.

    ``counts`` lets a caller that already scanned the text (see ``Lexicon.scan``) skip the regexes.
    """
    if counts is None:
        counts = {category: lex.count(category, text) for category in categories()}
    values = [min(counts.get(category, 0), 4) / 4.0 for category in categories()]
    return values + _structural(text)


def _hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) % HASH_DIM


def ngram_counts(text: str) -> dict[int, float]:
    """Hashed word unigrams and bigrams plus character 4-grams inside words (morphology)."""
    tokens = [t for t, _, _ in words(text)]
    counts: dict[int, float] = {}
    grams: list[str] = [f"w:{t}" for t in tokens]
    grams += [f"b:{a} {b}" for a, b in itertools.pairwise(tokens)]
    for token in tokens:
        padded = f"<{token}>"
        grams += [f"c:{padded[i : i + 4]}" for i in range(max(1, len(padded) - 3))]
    for gram in grams:
        index = _hash(gram)
        counts[index] = counts.get(index, 0.0) + 1.0
    return counts


def sparse_features(
    text: str, lex: Lexicon, counts: Mapping[str, int] | None = None
) -> SparseFeatures:
    """Lexical features at ``[0, L)`` and n-grams at ``[L, L + HASH_DIM)``, n-grams L2-normalised."""
    lexical = lexical_vector(text, lex, counts)
    offset = len(lexical)
    grams = ngram_counts(text)
    norm = math.sqrt(sum((1.0 + math.log(v)) ** 2 for v in grams.values())) or 1.0
    indices = [i for i, v in enumerate(lexical) if v] + [offset + i for i in grams]
    values = [v for v in lexical if v] + [(1.0 + math.log(v)) / norm for v in grams.values()]
    return SparseFeatures(np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float32))


def sparse_width() -> int:
    return len(lexical_names()) + HASH_DIM
