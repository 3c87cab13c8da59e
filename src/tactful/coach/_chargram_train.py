"""Training the per-language character n-gram heads (part of ``tactful coach train``).

For each language, on its *training-side* public data only (never a test split, never an
evaluation-only set):

- en: GoEmotions train to fit, GoEmotions dev to choose;
- es: XED Spanish's training 80% (its held-out 20% is the real-text test), of which a fixed
  20% by hash is kept apart to choose;
- ru: ru-GoEmotions validation minus the 20% dev part ``_train`` keeps for ekman thresholds,
  plus XED Russian's training 80% minus a 20% dev part by hash; the two dev parts choose.

Two binary logistic regressions per language (anger/frustration vs not; negative vs not, with the
public labels the evaluation groups the same way), C chosen by macro-F1 on the dev part. Then the
tilt weights (``_chargrams.tilt_emotions``): the pair that maximises the mean dev macro-F1 of the
*combined* anger and negative decisions (top emotion after tilting the emotion heads' scores),
among the pairs that keep the own customer messages' 7-way macro-F1 within ``OWN_TOLERANCE`` of
no tilt. The own figure is cross-validated on the own *train* split (``customer_emotion`` refitted
in 5 folds): public text and customer messages disagree, and a tilt that helps Reddit can hurt
the messages the coach actually reads (measured with the first, two-sided tilt: English's
unguarded best tilt lost 0.13 macro-F1 on that cross-validation).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _data
from ._analyze import head_emotion_scores
from ._chargrams import (
    GRAM_DIM,
    JUDGEMENTS,
    MAX_N,
    MIN_N,
    CharGramHead,
    gram_features,
    reset_chargram_cache,
    save_chargram_head,
    tilt_emotions,
)
from ._data import Example
from ._features import sparse_features
from ._heads import load_head
from ._lexicon import lexicon

C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0)
TILT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: How much 7-way macro-F1 on the own messages (5-fold CV) a tilt may cost.
OWN_TOLERANCE = 0.02
#: Balanced dev samples: up to this many texts of each class per judgement.
DEV_PER_CLASS = 500
DEV_SHARE = 0.2

#: Which public labels make a row positive, by corpus (GoEmotions and its Russian translation
#: share one grouping; XED's Plutchik labels another), as the real-text evaluation groups them.
_GROUPS: dict[str, dict[str, frozenset[str]]] = {
    "goemotions": {"anger": _data.GO_ANGER, "negative": _data.GO_NEGATIVE},
    "xed": {"anger": _data.XED_ANGER, "negative": _data.XED_NEGATIVE},
}


def is_positive(example: Example, judgement: str) -> bool:
    family = "xed" if example.source.startswith("xed") else "goemotions"
    return bool(_GROUPS[family][judgement] & set(example.labels))


def _log(message: str) -> None:
    print(f"[train] {message}", flush=True)


def _in_dev_part(text: str) -> bool:
    digest = hashlib.sha1(f"grams-dev:{text}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32 < DEV_SHARE


def language_rows(data: Path, language: str) -> tuple[list[Example], list[Example]]:
    """(fit, dev) rows of one language's training-side public data."""
    if language == "en":
        return _data.goemotions(data, "train"), _data.goemotions(data, "dev")
    fit: list[Example] = []
    dev: list[Example] = []
    if language == "ru":
        for e in _data.ru_goemotions(data, "validation"):
            (dev if _data.in_test_split(f"ru-dev:{e.id}", share=DEV_SHARE) else fit).append(e)
    for e in _data.split_xed(_data.xed(data, language), split="train"):
        (dev if _in_dev_part(e.text) else fit).append(e)
    return fit, dev


def gram_matrix(texts: Sequence[str]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        features = gram_features(text)
        rows.append(np.full(len(features.indices), i))
        cols.append(features.indices)
        vals.append(features.values)
    if not texts:
        return csr_matrix((0, GRAM_DIM), dtype=np.float32)
    return csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), GRAM_DIM),
        dtype=np.float32,
    )


def _macro_f1(truth: Any, predicted: Any) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro", zero_division=0))


def _top(scores: dict[str, float]) -> str:
    return max(scores, key=lambda name: (scores[name], name == "neutral"))


@dataclass(frozen=True)
class DevSample:
    """One judgement's balanced dev sample: texts, truth, and the emotion heads' scores."""

    texts: list[str]
    truth: list[bool]
    scores: list[dict[str, float]]


def _emotion_scores(
    texts: Sequence[str], language: str, models_dir: Path, cache_dir: Path
) -> list[dict[str, float]]:
    """The emotion heads' scores (from the folder being trained into), untilted."""
    from ._train import _embeddings

    public = load_head(models_dir / "emotion.npz", "emotion")
    customer_path = models_dir / "customer_emotion.npz"
    customer = load_head(customer_path, "customer_emotion") if customer_path.exists() else None
    vectors = _embeddings(texts, cache_dir)
    lex = lexicon(language)
    return [
        head_emotion_scores(public, customer, sparse_features(text, lex), vector)[0]
        for text, vector in zip(texts, vectors, strict=True)
    ]


def _own_cv_scores(
    examples_root: Path, models_dir: Path, cache_dir: Path
) -> dict[str, tuple[list[str], list[str], list[dict[str, float]]]]:
    """Per language: own customer messages (train split), their labels, and ``customer_emotion``'s
    5-fold cross-validated scores (C as the shipped head chose it)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from ._train import SPECS, design_matrix

    spec = SPECS["customer_emotion"]
    own = _data.own_examples(examples_root, "customer_emotion", split="train")
    customer_path = models_dir / "customer_emotion.npz"
    if not own or not customer_path.exists():
        return {}
    c = float(load_head(customer_path, "customer_emotion").meta.get("C", 2.0))
    x = design_matrix(own, spec, cache_dir, models_dir)
    y = np.asarray([spec.classes.index(e.labels[0]) for e in own])
    probabilities = cross_val_predict(
        LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
        x,
        y,
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=7),
        method="predict_proba",
    )
    out: dict[str, tuple[list[str], list[str], list[dict[str, float]]]] = {}
    for language in _data.LANGUAGES:
        rows = [i for i, e in enumerate(own) if e.language == language]
        out[language] = (
            [own[i].text for i in rows],
            [own[i].labels[0] for i in rows],
            [dict(zip(spec.classes, map(float, probabilities[i]), strict=True)) for i in rows],
        )
    return out


def _fit(x: Any, y: npt.NDArray[np.int_], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # A fixed seed: liblinear shuffles the rows, and a retrain must reproduce the shipped head.
    model = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=0
    )
    return model.fit(x, y)


def _choose_tilt(
    dev: dict[str, DevSample],
    dev_log_odds: dict[str, list[dict[str, float]]],
    own: tuple[list[str], list[str], list[dict[str, float]]] | None,
    own_log_odds: list[dict[str, float]],
) -> tuple[dict[str, float], dict[str, float]]:
    """The tilt pair with the best mean dev macro-F1 among those the own-messages guard allows
    (ties go to the smaller tilt); and the figures behind the choice."""

    def dev_f1(tilt: dict[str, float]) -> float:
        return float(
            np.mean(
                [
                    _macro_f1(
                        sample.truth,
                        [
                            _top(tilt_emotions(s, z, tilt)) in JUDGEMENTS[judgement]
                            for s, z in zip(sample.scores, dev_log_odds[judgement], strict=True)
                        ],
                    )
                    for judgement, sample in dev.items()
                ]
            )
        )

    def own_f1(tilt: dict[str, float]) -> float | None:
        if own is None or not own[1]:
            return None
        predicted = [
            _top(tilt_emotions(s, z, tilt)) for s, z in zip(own[2], own_log_odds, strict=True)
        ]
        return _macro_f1(own[1], predicted)

    untilted = {judgement: 0.0 for judgement in JUDGEMENTS}
    own_floor = own_f1(untilted)
    best: tuple[float, float, dict[str, float], float | None] | None = None
    for pair in itertools.product(TILT_GRID, repeat=len(JUDGEMENTS)):
        tilt = dict(zip(JUDGEMENTS, pair, strict=True))
        own_score = own_f1(tilt)
        if (
            own_score is not None
            and own_floor is not None
            and own_score < own_floor - OWN_TOLERANCE
        ):
            continue
        score = dev_f1(tilt)
        if best is None or (score, -sum(pair)) > (best[0], best[1]):
            best = (score, -sum(pair), tilt, own_score)
    assert best is not None  # no tilt always passes the guard
    figures = {
        "dev_macro_f1_untilted": round(dev_f1(untilted), 4),
        "dev_macro_f1_tilted": round(best[0], 4),
    }
    if own_floor is not None and best[3] is not None:
        figures.update(
            own_cv_macro_f1_untilted=round(own_floor, 4), own_cv_macro_f1_tilted=round(best[3], 4)
        )
    return best[2], figures


def _log_odds(models: dict[str, Any], x: Any) -> list[dict[str, float]]:
    columns = {judgement: model.decision_function(x) for judgement, model in models.items()}
    return [
        {judgement: float(columns[judgement][i]) for judgement in models} for i in range(x.shape[0])
    ]


def train_language(
    data: Path,
    language: str,
    own: tuple[list[str], list[str], list[dict[str, float]]] | None,
    models_dir: Path,
    cache_dir: Path,
) -> tuple[CharGramHead, dict[str, Any]] | None:
    """One language's n-gram head, or ``None`` when its data is missing or one-sided."""
    try:
        fit, dev_rows = language_rows(data, language)
    except FileNotFoundError as missing:
        _log(f"chargrams-{language}: skipped, no data ({missing.filename})")
        return None
    x = gram_matrix([e.text for e in fit])
    models: dict[str, Any] = {}
    dev: dict[str, DevSample] = {}
    figures: dict[str, Any] = {"fit_rows": len(fit), "dev_rows": len(dev_rows)}
    for judgement in JUDGEMENTS:
        y = np.asarray([is_positive(e, judgement) for e in fit], dtype=int)
        sample = _data.balanced_sample(
            dev_rows,
            partial(is_positive, judgement=judgement),
            DEV_PER_CLASS,
            salt=f"grams-dev-{judgement}-{language}",
        )
        if len(set(y.tolist())) < 2 or not sample:
            _log(f"chargrams-{language}: skipped, {judgement} has one class only")
            return None
        texts = [e.text for e in sample]
        truth = [is_positive(e, judgement) for e in sample]
        x_dev = gram_matrix(texts)
        best: tuple[float, float, Any] | None = None
        for c in C_GRID:
            model = _fit(x, y, c)
            score = _macro_f1(truth, model.decision_function(x_dev) > 0)
            if best is None or score > best[0] + 1e-9:
                best = (score, c, model)
        assert best is not None
        models[judgement] = best[2]
        figures[judgement] = {"C": best[1], "dev_macro_f1_alone": round(best[0], 4)}
        dev[judgement] = DevSample(
            texts, truth, _emotion_scores(texts, language, models_dir, cache_dir)
        )
        _log(f"chargrams-{language}/{judgement}: {figures[judgement]}")
    dev_log_odds = {j: _log_odds(models, gram_matrix(sample.texts)) for j, sample in dev.items()}
    own_log_odds = _log_odds(models, gram_matrix(own[0])) if own else []
    tilt, tilt_figures = _choose_tilt(dev, dev_log_odds, own, own_log_odds)
    figures.update(tilt_figures, tilt=tilt)
    judgements = tuple(JUDGEMENTS)
    head = CharGramHead(
        language=language,
        judgements=judgements,
        weights=np.stack([models[j].coef_[0] for j in judgements], axis=1).astype(np.float32),
        bias=np.asarray([models[j].intercept_[0] for j in judgements], dtype=np.float32),
        tilt=tilt,
        meta={"figures": figures},
    )
    return head, figures


def write_card(language: str, figures: dict[str, Any], path: Path) -> None:
    sources = {
        "en": "GoEmotions train (fit) and dev (choices); Apache-2.0",
        "es": "XED Spanish, its training 80% (fit 80% / dev 20% of it); CC BY 4.0",
        "ru": "ru-GoEmotions validation (MIT) and XED Russian's training 80% (CC BY 4.0), "
        "each minus a 20% dev part",
    }[language]
    lines = [
        f"# Model card: `chargrams-{language}`",
        "",
        "Character n-grams for misspelt, slangy and shouted customer text: two logistic "
        "regressions (anger/frustration vs not; negative vs not) whose log-odds tilt the "
        "emotion heads' scores by weights chosen on dev data.",
        "",
        f"- Features: lower-cased character {MIN_N}–{MAX_N}-grams inside whitespace tokens, "
        f"hashed (zlib.crc32) into {GRAM_DIM:,} buckets, sublinear counts, L2-normalised.",
        f"- Trained: {datetime.now(UTC).date().isoformat()} by `tactful coach train`.",
        f"- Data: {sources}. No test split and no evaluation-only set is read.",
        "- Tilt guard: the project's own customer messages (`coach_examples/`, MIT), train split "
        f"only: a tilt may cost at most {OWN_TOLERANCE} of their 5-fold CV macro-F1.",
        "- Figures on training-side data: " + json.dumps(figures, ensure_ascii=False),
        "- Held-out figures: see `docs/EVALUATION.md` (regenerate with `tactful coach eval`).",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def train_chargrams(
    data: Path, examples_root: Path, models_dir: Path, cache_dir: Path
) -> dict[str, dict[str, Any]]:
    """Train and write ``chargrams-<lang>.npz`` (and its card) for every language with data.

    Reads the ``emotion`` and ``customer_emotion`` heads from ``models_dir``: train them first.
    """
    if not (models_dir / "emotion.npz").exists():
        raise SystemExit(f"train the 'emotion' head into {models_dir} before 'chargrams'")
    own = _own_cv_scores(examples_root, models_dir, cache_dir)
    results: dict[str, dict[str, Any]] = {}
    for language in _data.LANGUAGES:
        started = time.perf_counter()
        trained = train_language(data, language, own.get(language), models_dir, cache_dir)
        if trained is None:
            continue
        head, figures = trained
        save_chargram_head(head, str(models_dir / f"chargrams-{language}.npz"))
        write_card(language, figures, models_dir / f"chargrams-{language}.md")
        figures["seconds"] = round(time.perf_counter() - started, 1)
        results[f"chargrams-{language}"] = figures
        _log(f"chargrams-{language}: {figures}")
    reset_chargram_cache()
    return results
