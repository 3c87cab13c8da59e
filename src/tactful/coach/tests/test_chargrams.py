"""Per-language character n-gram heads: stable features, the tilt, loading once, the decisions
they change in each language, and their training from (generated) public data."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tactful.coach import _chargram_train, _chargrams, _heads, _train, analyze_message
from tactful.coach._chargrams import (
    GRAM_DIM,
    JUDGEMENTS,
    chargram_head,
    gram_features,
    load_chargram_head,
    reset_chargram_cache,
    tilt_emotions,
)
from tactful.coach._heads import reset_cache
from tactful.coach.tests import fixtures_data

SHIPPED_MODELS = Path(_train.__file__).parent / "models"


@pytest.fixture
def fresh_chargram_cache() -> Iterator[None]:
    reset_chargram_cache()
    yield
    reset_chargram_cache()


@pytest.fixture
def without_chargram_heads(tmp_path: Path) -> Iterator[None]:
    """The coach as it was before the n-gram heads: their folder holds none."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_chargrams, "_models_dir", lambda: tmp_path)
        reset_chargram_cache()
        try:
            yield
        finally:
            reset_chargram_cache()
    reset_chargram_cache()


# --- features and the tilt -------------------------------------------------------------------------


def test_gram_buckets_are_the_same_in_every_process_whatever_its_hash_seed() -> None:
    text = "¡QUÉ ASCO de servicio!!! ПОЗОРИЩЕ"
    code = (
        "from tactful.coach._chargrams import gram_features;"
        f"print(sorted(gram_features({text!r}).indices.tolist()))"
    )
    printed = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert printed == {str(sorted(gram_features(text).indices.tolist()))}


def test_grams_are_lower_cased_padded_1_to_5_grams_l2_normalised() -> None:
    shouted, quiet = gram_features("ПОЗОРИЩЕ"), gram_features("позорище")
    assert shouted.indices.tolist() == quiet.indices.tolist()
    # " ab " holds 3 distinct 1-grams (the padding space twice), 3 2-grams, 2 3-grams and one
    # 4-gram; no 5-gram fits. " abc " adds the 5-gram.
    assert len(gram_features("ab").indices) == 3 + 3 + 2 + 1
    assert len(gram_features("abc").indices) == 4 + 4 + 3 + 2 + 1
    features = gram_features("mal mal!!! mal")
    assert math.isclose(float(np.linalg.norm(features.values)), 1.0, rel_tol=1e-5)
    assert int(features.indices.max()) < GRAM_DIM
    assert gram_features("   ").indices.size == 0
    # Only the first GRAM_CHARS characters are read: a huge draft costs what a short one does.
    long = "x" * _chargrams.GRAM_CHARS + " terrible"
    assert gram_features(long).indices.tolist() == gram_features(long[:-9]).indices.tolist()


def test_tilt_moves_the_log_ratio_between_a_judgements_emotions_and_the_rest() -> None:
    scores = {"anger": 0.1, "frustration": 0.2, "sadness": 0.1, "neutral": 0.6}
    tilted = tilt_emotions(scores, {"anger": 4.0}, {"anger": 0.5})
    # Across the anger group's border the ratio moves by exp(t·z) = e²; inside a side it stays.
    assert math.isclose(
        tilted["anger"] / tilted["neutral"], math.e**2 * scores["anger"] / scores["neutral"]
    )
    assert math.isclose(tilted["anger"] / tilted["frustration"], 0.5)
    assert math.isclose(tilted["sadness"] / tilted["neutral"], 1 / 6)
    assert math.isclose(sum(tilted.values()), sum(scores.values()))
    assert max(tilted, key=lambda e: tilted[e]) == "frustration"
    assert tilt_emotions(scores, {"anger": 5.0}, {"anger": 0.0}) == scores


def test_tilt_only_adds_evidence_never_takes_a_judgement_away() -> None:
    """Text that does not look angry to Reddit- and subtitle-trained n-grams (a calm report of
    a blocked card) is no evidence of calm: negative log-odds change nothing."""
    scores = {"anger": 0.5, "frustration": 0.1, "worry": 0.1, "confusion": 0.2, "neutral": 0.1}
    tilt = {"anger": 1.5, "negative": 1.0}
    assert tilt_emotions(scores, {"anger": -4.0, "negative": -2.0}, tilt) == scores
    raised = tilt_emotions(scores, {"anger": 0.0, "negative": 2.0}, tilt)
    assert raised["worry"] > scores["worry"] and raised["confusion"] < scores["confusion"]


# --- the shipped heads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_shipped_head_loads_with_its_dev_chosen_tilt(
    language: str, fresh_chargram_cache: None
) -> None:
    head = chargram_head(language)
    assert head is not None
    assert head.judgements == tuple(JUDGEMENTS)
    assert head.weights.shape == (GRAM_DIM, len(JUDGEMENTS))
    assert set(head.tilt) == set(JUDGEMENTS)
    figures = head.meta["figures"]
    assert figures["dev_macro_f1_tilted"] >= figures["dev_macro_f1_untilted"]
    assert figures["own_cv_macro_f1_tilted"] >= figures["own_cv_macro_f1_untilted"] - 0.02


#: Angry messages the coach read as neutral before the n-gram heads: slang ("me cabrea",
#: "блин"), an insult the sentence vector misses, misspelt ("медлено") and shouted words.
ANGER_THE_GRAMS_CATCH = [
    ("en", "damn service"),
    ("en", "DAMN SERVICE"),
    ("es", "me cabrea un montón"),
    ("es", "el técnico es un imbécil"),
    ("ru", "блин как же медлено"),
    ("ru", "УЖАСНЫЙ ЦВЕТ У ДИВАНА"),
]


def _top_emotion(language: str, text: str) -> str:
    return analyze_message(text, language=language).emotions.top()


@pytest.mark.parametrize(("language", "text"), ANGER_THE_GRAMS_CATCH)
def test_the_language_head_reads_slangy_misspelt_or_shouted_anger(
    language: str, text: str, tmp_path: Path
) -> None:
    reset_chargram_cache()
    with_grams = _top_emotion(language, text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_chargrams, "_models_dir", lambda: tmp_path)
        reset_chargram_cache()
        without_grams = _top_emotion(language, text)
    reset_chargram_cache()
    assert without_grams not in JUDGEMENTS["anger"]
    assert with_grams in JUDGEMENTS["anger"]


def test_no_own_customer_message_loses_anger_or_negativity_to_the_heads(tmp_path: Path) -> None:
    """The heads only add evidence: every own example (all languages, both splits) read as
    angry or negative without them is still read so with them."""
    from tactful.coach import _data, analyze_many

    examples_root = Path(__file__).resolve().parents[4] / "coach_examples"
    rows = _data.own_examples(examples_root, "customer_emotion", split="all")
    assert {e.language for e in rows} == {"en", "es", "ru"}

    def tops() -> list[str]:
        found: list[str] = []
        for language in ("en", "es", "ru"):
            texts = [e.text for e in rows if e.language == language]
            found += [a.emotions.top() for a in analyze_many(texts, language=language)]
        return found

    reset_chargram_cache()
    with_grams = tops()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_chargrams, "_models_dir", lambda: tmp_path)
        reset_chargram_cache()
        without_grams = tops()
    reset_chargram_cache()
    for judgement in ("anger", "negative"):
        group = JUDGEMENTS[judgement]
        lost = [
            i
            for i, (a, b) in enumerate(zip(without_grams, with_grams, strict=True))
            if a in group and b not in group
        ]
        assert lost == []


def test_each_language_head_is_loaded_once_per_process(
    fresh_chargram_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[str] = []
    real_load = load_chargram_head

    def counting_load(source: object, language: str) -> _chargrams.CharGramHead:
        loads.append(language)
        return real_load(source, language)

    monkeypatch.setattr(_chargrams, "load_chargram_head", counting_load)
    for _ in range(3):
        analyze_message("¡Otra vez sin luz!", language="es")
        analyze_message("Опять нет света!", language="ru")
    assert sorted(loads) == ["es", "ru"]
    assert chargram_head("es") is chargram_head("es")


def test_a_missing_head_leaves_the_language_untilted(without_chargram_heads: None) -> None:
    assert chargram_head("es") is None
    assert analyze_message("¡Otra vez sin luz!", language="es").emotions.top()


def test_a_head_for_another_layout_is_refused(tmp_path: Path) -> None:
    head = load_chargram_head(SHIPPED_MODELS / "chargrams-es.npz", "es")
    wrong = _chargrams.CharGramHead(
        "es", head.judgements, head.weights[:1000], head.bias, head.tilt, {}
    )
    path = tmp_path / "chargrams-es.npz"
    _chargrams.save_chargram_head(wrong, str(path))
    with pytest.raises(Exception, match="layout"):
        load_chargram_head(path, "es")


# --- training ------------------------------------------------------------------------------------------


@pytest.fixture
def models_dir_at(tmp_path: Path) -> Iterator[Path]:
    models = tmp_path / "models"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_heads, "_models_dir", lambda: models)
        patch.setattr(_chargrams, "_models_dir", lambda: models)
        reset_cache()
        reset_chargram_cache()
        try:
            yield models
        finally:
            reset_cache()
            reset_chargram_cache()
    reset_cache()
    reset_chargram_cache()


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_train_writes_a_head_per_language_after_the_emotion_heads(
    tmp_path: Path, models_dir_at: Path
) -> None:
    data = fixtures_data.write_public_data(tmp_path / "shared" / "data")
    own = fixtures_data.write_own_examples(tmp_path / "coach_examples")
    shipped_before = _digests(SHIPPED_MODELS)
    results = _train.train(
        data,
        own,
        out_dir=models_dir_at,
        cache_dir=tmp_path / "cache",
        only=["emotion", "customer_emotion", "chargrams"],
    )
    assert _digests(SHIPPED_MODELS) == shipped_before
    assert list(results)[-3:] == ["chargrams-en", "chargrams-es", "chargrams-ru"]
    for language in ("en", "es", "ru"):
        figures = results[f"chargrams-{language}"]
        head = load_chargram_head(models_dir_at / f"chargrams-{language}.npz", language)
        assert head.tilt == figures["tilt"]
        assert set(head.tilt.values()) <= set(_chargram_train.TILT_GRID)
        assert figures["anger"]["C"] in _chargram_train.C_GRID
        # The chosen tilt is the best dev figure the guard allows: never below no tilt.
        assert figures["dev_macro_f1_tilted"] >= figures["dev_macro_f1_untilted"]
        card = (models_dir_at / f"chargrams-{language}.md").read_text(encoding="utf-8")
        assert "No test split" in card and "crc32" in card
        # The runtime reads the fresh head while the patch holds.
        assert chargram_head(language) is not None
    # The dev parts are kept out of the fit: es and ru rows are split, never shared.
    fit, dev = _chargram_train.language_rows(data, "es")
    assert fit and dev and not {e.text for e in fit} & {e.text for e in dev}


def test_chargrams_need_the_emotion_head_first(tmp_path: Path) -> None:
    data = fixtures_data.write_public_data(tmp_path / "shared" / "data")
    own = fixtures_data.write_own_examples(tmp_path / "coach_examples")
    with pytest.raises(SystemExit, match="emotion"):
        _train.train(
            data, own, out_dir=tmp_path / "empty", cache_dir=tmp_path / "c", only=["chargrams"]
        )
