"""Per-language character n-gram heads: how real customers spell, slang and shout.

The sentence encoder reads meaning, but misspelt, slangy or shouted words ("ПОЗОРИЩЕ",
"q asco", "esto es una mierdaaa") fall outside what it saw; character n-grams inside
words still match their stems. Each language has its own small linear model over hashed
character 1–5-grams, trained on that language's public data (``tactful coach train``) and
stored as ``models/chargrams-<lang>.npz``; it scores two judgements, *anger/frustration vs
not* and *negative vs not*, as log-odds that, where positive, tilt the emotion heads' scores
toward that judgement (see ``tilt_emotions``) by weights chosen on each language's
training-side dev data. It can add anger or negativity the sentence vector missed; it never
takes away what the emotion heads read.
"""

from __future__ import annotations

import json
import math
import threading
import zlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import model_missing

#: Hashed character n-gram space per language; 2^18 keeps collisions rare among the ~1M
#: distinct 1–5-grams of a language's training texts while a model stays a few MB in float16.
GRAM_DIM = 1 << 18
MIN_N, MAX_N = 1, 5
#: Characters read, as many as the sentence encoder reads: the heads learned from short texts,
#: and a 100,000-character draft must not cost half a million hash calls.
GRAM_CHARS = 1_000
#: The judgements a character n-gram head scores, and the customer emotions each one covers.
JUDGEMENTS: dict[str, frozenset[str]] = {
    "anger": frozenset({"anger", "frustration"}),
    "negative": frozenset({"anger", "frustration", "sadness", "worry"}),
}


@dataclass(frozen=True, slots=True)
class GramFeatures:
    """One text's non-zero hashed n-grams (sublinear counts, L2-normalised)."""

    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]


def _gram_index(gram: str) -> int:
    # zlib.crc32, not hash(): Python salts str hashes per process, so a model trained in one
    # process would read different buckets in the next.
    return zlib.crc32(gram.encode("utf-8")) % GRAM_DIM


def gram_features(text: str) -> GramFeatures:
    """Character 1–5-grams inside whitespace-separated tokens, each padded with spaces.

    Lower-cased so that a shouted word shares its n-grams with the quiet one; a token's
    punctuation stays attached ("mal!!!"), which keeps exclamation runs as evidence. Only the
    first ``GRAM_CHARS`` characters are read.
    """
    counts: dict[int, int] = {}
    for token in text[:GRAM_CHARS].lower().split():
        padded = f" {token} "
        for n in range(MIN_N, MAX_N + 1):
            for start in range(len(padded) - n + 1):
                index = _gram_index(padded[start : start + n])
                counts[index] = counts.get(index, 0) + 1
    if not counts:
        return GramFeatures(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    values = np.asarray([1.0 + math.log(v) for v in counts.values()], dtype=np.float32)
    values /= float(np.linalg.norm(values))
    return GramFeatures(np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)), values)


@dataclass(frozen=True)
class CharGramHead:
    """Log-odds per judgement from a language's n-grams, and how much each should count."""

    language: str
    judgements: tuple[str, ...]
    weights: npt.NDArray[np.float32]  # (GRAM_DIM, judgements)
    bias: npt.NDArray[np.float32]  # (judgements,)
    #: Weight of each judgement's log-odds in the tilt, chosen on dev data at training time.
    tilt: dict[str, float]
    meta: dict[str, Any]

    def log_odds(self, features: GramFeatures) -> dict[str, float]:
        z = self.bias + features.values @ self.weights[features.indices]
        return {name: float(v) for name, v in zip(self.judgements, z, strict=True)}


def tilt_emotions(
    scores: dict[str, float], log_odds: dict[str, float], tilt: dict[str, float]
) -> dict[str, float]:
    """Move probability mass into each judgement's emotions by its weighted positive log-odds.

    For a judgement covering emotions G with log-odds ``z > 0``, every emotion in G is
    multiplied by ``exp(+t·z/2)`` and every other by ``exp(−t·z/2)``, then the scores are
    renormalised to their old total: the log-ratio between G and the rest grows by ``t·z``
    while the order inside each side stays the head's. ``t = 0`` leaves the scores as they were.

    Only evidence *for* a judgement counts (``z`` is clipped at 0): the heads learned from
    Reddit and subtitles, where a complaint about a blocked card or a late parcel does not
    look angry or negative, so a low ``z`` on a customer message is not evidence of calm.
    Measured (docs/experiments/coach-real-text): with both signs, 3 of 25 Russian own test
    messages moved from anger/worry to confusion; clipped, none did.
    """
    pushes = {j: tilt.get(j, 0.0) * max(z, 0.0) for j, z in log_odds.items()}
    total = sum(scores.values())
    if total <= 0 or not any(pushes.values()):
        return dict(scores)
    logs = {e: math.log(max(p, 1e-9)) for e, p in scores.items()}
    for judgement, push in pushes.items():
        group = JUDGEMENTS[judgement]
        for emotion in logs:
            logs[emotion] += (0.5 if emotion in group else -0.5) * push
    top = max(logs.values())
    raw = {e: math.exp(v - top) for e, v in logs.items()}
    scale = total / sum(raw.values())
    return {e: v * scale for e, v in raw.items()}


def save_chargram_head(head: CharGramHead, path: str) -> None:
    """Write a head as float16 weights (zeros compress away) plus JSON metadata."""
    np.savez_compressed(
        path,
        weights=head.weights.astype(np.float16),
        bias=head.bias.astype(np.float32),
        meta=np.array(
            json.dumps(
                {
                    **head.meta,
                    "language": head.language,
                    "judgements": list(head.judgements),
                    "tilt": head.tilt,
                }
            )
        ),
    )


def load_chargram_head(source: Any, language: str) -> CharGramHead:
    """Read ``save_chargram_head``'s format from a path or an importlib resource.

    Raises:
        CoachError: E005 when the file is unreadable or was trained for another hash space.
    """
    name = f"chargrams-{language}.npz"
    try:
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            loaded = CharGramHead(
                language=language,
                judgements=tuple(meta["judgements"]),
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                tilt={k: float(v) for k, v in meta["tilt"].items()},
                meta=meta,
            )
    except (OSError, ValueError, KeyError) as exc:
        raise model_missing(name) from exc
    if loaded.weights.shape != (GRAM_DIM, len(loaded.judgements)) or not set(
        loaded.judgements
    ) <= set(JUDGEMENTS):
        raise model_missing(f"{name} (trained for another n-gram layout)")
    return loaded


_lock = threading.Lock()
_loaded: dict[str, CharGramHead | None] = {}


def _models_dir() -> Any:
    return resources.files("tactful.coach") / "models"


def chargram_head(language: str) -> CharGramHead | None:
    """The language's n-gram head, loaded once per process; ``None`` when none was trained."""
    if language not in _loaded:
        with _lock:
            if language not in _loaded:
                resource = _models_dir() / f"chargrams-{language}.npz"
                _loaded[language] = (
                    load_chargram_head(resource, language) if resource.is_file() else None
                )
    return _loaded[language]


def reset_chargram_cache() -> None:
    """Forget loaded n-gram heads (after training writes new ones)."""
    with _lock:
        _loaded.clear()
