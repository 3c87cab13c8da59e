"""Small trained linear heads (logistic regression) stored as ``models/<name>.npz``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._encoder import DIM
from ._errors import model_missing
from ._features import SparseFeatures, sparse_width

HeadKind = Literal["binary", "multiclass", "multilabel"]

#: Lexicon categories that must match before a mechanism head may grade a reply above "none"
#: (an exploration also needs a question): the head grades what the coach can point at.
LEVEL_EVIDENCE: dict[str, tuple[str, ...]] = {
    "emotional_reaction": ("emotional_reaction", "apology", "gush"),
    "exploration": ("exploration",),
}

_lock = threading.Lock()
_loaded: dict[str, LinearHead | None] = {}


@dataclass(frozen=True)
class LinearHead:
    """A logistic-regression head over sparse lexical/n-gram features and, optionally, sentence vectors.

    ``binary`` heads have one column and report ``P(classes[1])``; ``multiclass`` heads are
    softmax over ``classes``; ``multilabel`` heads are one sigmoid per class.
    """

    name: str
    kind: HeadKind
    classes: tuple[str, ...]
    sparse_weights: npt.NDArray[np.float32]
    dense_weights: npt.NDArray[np.float32] | None
    bias: npt.NDArray[np.float32]
    thresholds: npt.NDArray[np.float32]
    meta: dict[str, Any]

    @property
    def uses_embedding(self) -> bool:
        return self.dense_weights is not None

    def logits(
        self, features: SparseFeatures, embedding: npt.NDArray[np.float32] | None = None
    ) -> npt.NDArray[np.float32]:
        z = self.bias + features.values @ self.sparse_weights[features.indices]
        if self.dense_weights is not None:
            if embedding is None:
                raise ValueError(f"head {self.name} needs a sentence vector")
            z = z + embedding @ self.dense_weights
        return np.asarray(z, dtype=np.float32)

    def probabilities(
        self, features: SparseFeatures, embedding: npt.NDArray[np.float32] | None = None
    ) -> dict[str, float]:
        """Class name → probability (for ``binary``, only the positive class)."""
        z = self.logits(features, embedding)
        if self.kind == "multiclass":
            e = np.exp(z - z.max())
            p = e / e.sum()
            return {c: float(v) for c, v in zip(self.classes, p, strict=True)}
        p = 1.0 / (1.0 + np.exp(-z))
        if self.kind == "binary":
            return {self.classes[1]: float(p[0])}
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def calibrated(
        self, features: SparseFeatures, embedding: npt.NDArray[np.float32] | None = None
    ) -> dict[str, float]:
        """Multi-label scores shifted so each class's decision threshold sits at 0.5.

        Training balances rare classes, so raw sigmoids are not comparable across classes;
        after the shift, "highest score" means "furthest past its own threshold".
        """
        z = self.logits(features, embedding)
        t = np.clip(self.thresholds, 1e-4, 1 - 1e-4)
        shifted = z - np.log(t / (1 - t))
        p = 1.0 / (1.0 + np.exp(-shifted))
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def decide(
        self, probabilities: dict[str, float], language: str | None = None
    ) -> dict[str, bool]:
        """Apply the per-class thresholds chosen at training time (never on test data).

        A head trained with dev data in several languages keeps a set per language.
        """
        if self.kind == "multiclass":
            best = max(probabilities, key=lambda c: probabilities[c])
            return {c: c == best for c in self.classes}
        names = self.classes[1:] if self.kind == "binary" else self.classes
        by_language = self.meta.get("thresholds_by_language", {})
        thresholds = by_language.get(language, self.thresholds) if language else self.thresholds
        return {c: probabilities[c] >= float(t) for c, t in zip(names, thresholds, strict=True)}


def _models_dir() -> Any:
    return resources.files("tactful.coach") / "models"


def save_head(head: LinearHead, path: str) -> None:
    """Write a head as compressed float16 weights plus JSON metadata."""
    arrays: dict[str, Any] = {
        "sparse_weights": head.sparse_weights.astype(np.float16),
        "bias": head.bias.astype(np.float32),
        "thresholds": head.thresholds.astype(np.float32),
        "meta": np.array(
            json.dumps(
                {**head.meta, "name": head.name, "kind": head.kind, "classes": list(head.classes)}
            )
        ),
    }
    if head.dense_weights is not None:
        arrays["dense_weights"] = head.dense_weights.astype(np.float16)
    np.savez_compressed(path, **arrays)


def load_head(source: Any, name: str) -> LinearHead:
    """Read a head from a path or an importlib resource (``save_head``'s format).

    Raises:
        CoachError: E005 when the file is unreadable or was trained for another feature layout.
    """
    try:
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            sparse = data["sparse_weights"].astype(np.float32)
            dense = data["dense_weights"].astype(np.float32) if "dense_weights" in data else None
            loaded = LinearHead(
                name=name,
                kind=meta["kind"],
                classes=tuple(meta["classes"]),
                sparse_weights=sparse,
                dense_weights=dense,
                bias=data["bias"].astype(np.float32),
                thresholds=data["thresholds"].astype(np.float32),
                meta=meta,
            )
    except (OSError, ValueError, KeyError) as exc:
        raise model_missing(f"{name}.npz") from exc
    if loaded.sparse_weights.shape[0] != sparse_width() or (
        loaded.dense_weights is not None and loaded.dense_weights.shape[0] < DIM
    ):
        raise model_missing(f"{name}.npz (trained for another feature layout)")
    return loaded


def _read(name: str) -> LinearHead | None:
    resource = _models_dir() / f"{name}.npz"
    if not resource.is_file():
        return None
    return load_head(resource, name)


def head(name: str) -> LinearHead | None:
    """The trained head ``name``, loaded once per process; ``None`` when it was never trained.

    Without a head the coach falls back to its lexicon rules for that judgement, so a fresh
    checkout still works before ``tactful coach train`` has ever run.
    """
    if name not in _loaded:
        with _lock:
            if name not in _loaded:
                _loaded[name] = _read(name)
    return _loaded[name]


def reset_cache() -> None:
    """Forget loaded heads (after training writes new ones)."""
    with _lock:
        _loaded.clear()
