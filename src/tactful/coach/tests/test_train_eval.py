"""``tactful coach train`` and ``tactful coach eval`` on small generated data.

The real data folder (``../shared/data``) is not available here, so every test writes its own
files in the layouts the readers expect (see ``fixtures_data``). Training writes into
``tmp_path`` only; the shipped heads in ``src/tactful/coach/models/`` must stay untouched and
must be what every later test loads again.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tactful.coach import EMOTIONS, _data, _eval, _heads, _train
from tactful.coach._encoder import DIM, encode_uncached
from tactful.coach._features import sparse_features, sparse_width
from tactful.coach._heads import LinearHead, load_head, reset_cache
from tactful.coach._lexicon import lexicon
from tactful.coach.tests import fixtures_data

SHIPPED_MODELS = Path(_train.__file__).parent / "models"

# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixtures_data.write_public_data(tmp_path_factory.mktemp("shared") / "data")


@pytest.fixture(scope="module")
def own_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixtures_data.write_own_examples(tmp_path_factory.mktemp("own") / "coach_examples")


@pytest.fixture
def shipped_heads() -> Iterator[None]:
    """Start and end with an empty head cache, so the shipped heads are (re)loaded from the package."""
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def models_dir_at(tmp_path: Path) -> Iterator[Path]:
    """Point the runtime's head loader at a temporary models folder for one test.

    ``_train._public_emotion_scores`` reads the ``emotion`` head through ``_heads.head``, i.e.
    from the package's models folder, whatever ``out_dir`` training writes to. The patch is
    undone *before* the cache is cleared, so nothing loaded from ``tmp_path`` can outlive the test.
    """
    models = tmp_path / "models"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_heads, "_models_dir", lambda: models)
        reset_cache()
        try:
            yield models
        finally:
            reset_cache()
    reset_cache()


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# --- readers -----------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_goemotions_reader_parses_label_ids_and_ids(tmp_path: Path) -> None:
    index = _data.GOEMOTIONS_LABELS.index
    _write(
        tmp_path / "goemotions" / "dev.tsv",
        f"You charged me twice!\t{index('anger')},{index('annoyance')}\teeibzbs\n"
        f'He said "thanks" twice\t{index("gratitude")}\tq1\n'
        f"No id column\t{index('neutral')}\n"
        "a line with a single field\n",
    )
    rows = _data.goemotions(tmp_path, "dev")
    assert [(e.text, e.labels, e.id) for e in rows] == [
        ("You charged me twice!", ("anger", "annoyance"), "eeibzbs"),
        ('He said "thanks" twice', ("gratitude",), "q1"),  # QUOTE_NONE: quotes are text
        ("No id column", ("neutral",), ""),
    ]
    assert {(e.language, e.source) for e in rows} == {("en", "goemotions/dev")}
    assert len(_data.GOEMOTIONS_LABELS) == 28
    with pytest.raises(FileNotFoundError):
        _data.goemotions(tmp_path, "train")


def test_ru_goemotions_reader_parses_bracketed_ids(tmp_path: Path) -> None:
    _write(
        tmp_path / "ru_goemotions" / "ru-go-emotions-simplified-validation.csv",
        "ru_text,text,labels,id\n"
        "Это возмутительно,This is outrageous,[2 27],r1\n"
        '"Спасибо, всё пришло","Thanks, it came",[15],r2\n',
    )
    rows = _data.ru_goemotions(tmp_path, "validation")
    assert [(e.text, e.labels, e.id) for e in rows] == [
        ("Это возмутительно", ("anger", "neutral"), "r1"),
        ("Спасибо, всё пришло", ("gratitude",), "r2"),
    ]
    assert {(e.language, e.source) for e in rows} == {("ru", "ru_goemotions/validation")}


def test_xed_readers_keep_valid_plutchik_labels_and_skip_the_rest(tmp_path: Path) -> None:
    body = "I hate this.\t1, 3\nLovely day\t5\nout of range\t9\nbroken\tx\nno tab at all\n\t4\n"
    _write(tmp_path / "xed" / "en-annotated.tsv", body)
    _write(tmp_path / "xed" / "es-projections.tsv", "Qué miedo\t4\nOdio esto.\t1\n")
    _write(tmp_path / "xed" / "ru-projections.tsv", "Как грустно\t6\n")
    _write(tmp_path / "xed" / "neu_en.txt", "9\tJust a sentence.\n9\t\n9\tAnother one\there\n")
    english = _data.xed(tmp_path, "en")
    assert [(e.text, e.labels, e.id) for e in english] == [
        ("I hate this.", ("anger", "disgust"), "xed-en-0"),
        ("Lovely day", ("joy",), "xed-en-1"),
    ]
    assert {(e.language, e.source) for e in english} == {("en", "xed/en")}
    spanish = _data.xed(tmp_path, "es")
    assert [(e.labels, e.language, e.source) for e in spanish] == [
        (("fear",), "es", "xed/es"),
        (("anger",), "es", "xed/es"),
    ]
    assert [(e.text, e.labels, e.language) for e in _data.xed(tmp_path, "ru")] == [
        ("Как грустно", ("sadness",), "ru")
    ]
    neutral = _data.xed_neutral(tmp_path)
    assert [(e.text, e.labels, e.language, e.source) for e in neutral] == [
        ("Just a sentence.", ("neutral",), "en", "xed/neutral"),
        ("Another one\there", ("neutral",), "en", "xed/neutral"),  # only the first tab splits
    ]


def test_epitome_and_esconv_readers(tmp_path: Path) -> None:
    for name in ("emotional-reactions", "interpretations", "explorations"):
        path = tmp_path / "epitome" / f"{name}-reddit.csv"
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sp_id", "rp_id", "seeker_post", "response_post", "level"])
            writer.writerow(["s1", "r1", f"{name}: I lost my job, again.", "That's awful.", "2"])
            writer.writerow(["s2", "r2", "Nobody listens.", "", "0"])
    assert _data.epitome(tmp_path, "interpretation") == [
        ("interpretations: I lost my job, again.", "That's awful.", 2),
        ("Nobody listens.", "", 0),
    ]
    assert _data.epitome(tmp_path, "exploration")[0][0].startswith("explorations:")
    assert _data.epitome(tmp_path, "emotional_reaction")[0][2] == 2
    _write(
        tmp_path / "esconv_strategies" / "test_supporter_turns.csv",
        "conversation_id,supporter_response,strategy\n"
        '1,"How long, exactly, has it been?",Question\n'
        "2,It sounds like you're hurt.,Reflection of feelings\n",
    )
    assert _data.esconv(tmp_path) == [
        ("How long, exactly, has it been?", "Question"),
        ("It sounds like you're hurt.", "Reflection of feelings"),
    ]


def test_split_xed_partitions_by_sentence_deterministically(public_data: Path) -> None:
    rows = _data.xed(public_data, "es")
    train = _data.split_xed(rows, split="train")
    test = _data.split_xed(rows, split="test")
    assert train and test
    assert not {e.id for e in train} & {e.id for e in test}
    assert sorted(e.id for e in train + test) == sorted(e.id for e in rows)
    assert _data.split_xed(rows, split="test") == test
    assert _data.split_xed(list(reversed(rows)), split="test") == list(reversed(test))
    # The held-out side depends on the sentence only: a duplicate lands with its twin.
    twin = _data.Example(test[0].text, ("joy",), "es", "xed/es", id="twin")
    assert twin in _data.split_xed([twin], split="test")


def _keys(rows: list[_data.Example]) -> list[tuple[str, str]]:
    return [(e.language, e.id) for e in rows]


def test_own_examples_split_is_a_deterministic_partition(own_root: Path) -> None:
    for task, labels in _data.OWN_TASKS.items():
        everything = _data.own_examples(own_root, task, split="all")
        train = _data.own_examples(own_root, task, split="train")
        test = _data.own_examples(own_root, task, split="test")
        assert train and test, task
        assert not set(_keys(train)) & set(_keys(test)), task
        assert sorted(_keys(train) + _keys(test)) == sorted(_keys(everything)), task
        assert _data.own_examples(own_root, task, split="test") == test
        assert {e.language for e in everything} == set(fixtures_data.OWN_LANGUAGES[task])
        assert {e.source for e in everything} == {f"own/{task}"}
        assert {e.labels[0] for e in everything} == set(labels), task
        # Enough per class for the 5-fold stratified cross-validation training runs.
        assert min(Counter(e.labels[0] for e in train).values()) >= 8, task
    # Replies to one customer message stay on one side of the split.
    for task in ("empathy_without_action", "fault_admission"):
        sides: dict[str | None, set[bool]] = {}
        for split in ("train", "test"):
            for e in _data.own_examples(own_root, task, split=split):
                assert e.customer
                sides.setdefault(e.customer, set()).add(split == "test")
        assert all(len(side) == 1 for side in sides.values())
        assert any(True in side for side in sides.values())


def test_own_examples_skip_missing_languages_and_tasks(tmp_path: Path) -> None:
    _write(
        tmp_path / "es" / "next_step.jsonl",
        '{"id": "a", "text": "Le llamo hoy.", "label": "next_step"}\n\n',
    )
    assert [
        (e.id, e.language, e.customer)
        for e in _data.own_examples(tmp_path, "next_step", split="all")
    ] == [("a", "es", None)]
    assert _data.own_examples(tmp_path, "over_apology", split="all") == []


# --- training ----------------------------------------------------------------------------------------


def _card(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _over_apology_probability(trained: LinearHead, text: str, language: str) -> float:
    return trained.probabilities(sparse_features(text, lexicon(language)))["over_apology"]


REPLY_HEADS = ["over_apology", "next_step", "assumption", "company_fault"]


def test_train_writes_loadable_heads_with_cards(
    public_data: Path, own_root: Path, tmp_path: Path, shipped_heads: None
) -> None:
    shipped_before = _digests(SHIPPED_MODELS)
    out, cache = tmp_path / "models", tmp_path / "cache"
    results = _train.train(public_data, own_root, out_dir=out, cache_dir=cache, only=REPLY_HEADS)
    assert set(results) == set(REPLY_HEADS)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{ext}" for n in REPLY_HEADS for ext in ("npz", "md")
    )
    assert list(cache.glob("emb-*.npy")), "company_fault reads sentence vectors, cached on disk"
    assert _digests(SHIPPED_MODELS) == shipped_before, "training must not touch the shipped heads"

    for name in REPLY_HEADS:
        spec = _train.SPECS[name]
        trained = load_head(out / f"{name}.npz", name)
        assert (trained.name, trained.kind, trained.classes) == (name, "binary", spec.classes)
        assert trained.sparse_weights.shape == (sparse_width(), 1)
        assert np.isfinite(trained.sparse_weights).all()
        if spec.uses_embedding:
            assert trained.dense_weights is not None
            assert trained.dense_weights.shape == (DIM, 1)
        else:
            assert trained.dense_weights is None
        assert trained.bias.shape == (1,)
        assert trained.thresholds.tolist() == [0.5]
        train_rows = _data.own_examples(own_root, name, split="train")
        assert trained.meta["train_rows"] == results[name]["train_rows"] == len(train_rows)
        assert trained.meta["C"] in (0.5, 2.0, 8.0)
        assert 0.0 <= trained.meta["cv_macro_f1"] <= 1.0
        if name in _train.EVIDENCE_CATEGORY:
            assert trained.meta["evidence_gate"] in _train.GATES
            assert 0.0 <= trained.meta["cv_macro_f1_with_gate"] <= 1.0
        else:
            assert "evidence_gate" not in trained.meta

        card = _card(out / f"{name}.md")
        assert card.startswith(f"# Model card: `{name}`")
        assert f"- Classes: {', '.join(spec.classes)}" in card
        by_language = Counter(e.language for e in train_rows)
        for language, count in by_language.items():
            assert f"own/{language} {count}" in card
        assert _train.LICENCES["own"] in card
        assert not any(licence in card for key, licence in _train.LICENCES.items() if key != "own")
        assert ("512-d multilingual sentence vector" in card) == spec.uses_embedding

    # The head learned the difference, on replies it never saw.
    over_apology = load_head(out / "over_apology.npz", "over_apology")
    probes = {
        "en": (
            "I am so sorry, I sincerely apologise, we're so sorry about the voucher. Sorry again, please forgive us.",
            "I've sent the voucher to your email; you'll receive it within 2 hours.",
        ),
        "es": (
            "Lo siento muchísimo, mil disculpas, perdón de nuevo por el cupón, lo sentimos de verdad.",
            "Le he enviado el cupón por correo; lo recibirá en 2 horas.",
        ),
        "ru": (
            "Простите нас, приносим извинения, извините ещё раз за купон, очень сожалеем, простите.",
            "Я отправил купон на вашу почту, он придёт в течение 2 часов.",
        ),
    }
    for language, (sorry, plain) in probes.items():
        assert (
            _over_apology_probability(over_apology, sorry, language)
            > 0.5
            > (_over_apology_probability(over_apology, plain, language))
        ), language


def test_train_abuse_threat_mixes_paradetox_at_a_weight_chosen_by_cv(
    public_data: Path, own_root: Path, tmp_path: Path, shipped_heads: None
) -> None:
    out = tmp_path / "models"
    results = _train.train(
        public_data, own_root, out_dir=out, cache_dir=tmp_path / "cache", only=["abuse_threat"]
    )
    own = _data.own_examples(own_root, "abuse_threat", split="train")
    extra = _train.paradetox_examples(public_data)
    assert extra and {e.labels[0] for e in extra} == {"abuse", "none"}
    assert all(e.source == "paradetox/train" for e in extra)  # never the dev split
    trained = load_head(out / "abuse_threat.npz", "abuse_threat")
    assert (trained.kind, trained.classes) == ("multiclass", ("none", "abuse", "threat"))
    assert trained.sparse_weights.shape == (sparse_width(), 3)
    assert trained.dense_weights is not None
    assert trained.dense_weights.shape == (DIM, 3)
    weight = trained.meta["paradetox_weight"]
    assert weight in _train.MIX_WEIGHTS
    assert set(trained.meta["cv_mean_macro_f1_by_weight"]) == {f"{w:g}" for w in _train.MIX_WEIGHTS}
    assert results["abuse_threat"]["paradetox_weight"] == weight
    assert trained.meta["train_rows"] == len(own) + (len(extra) if weight > 0 else 0)
    card = _card(out / "abuse_threat.md")
    data_line = card.split("- Data")[1].split("\n")[0]
    assert ("paradetox/ru" in data_line) == (weight > 0)
    assert _train.LICENCES["own"] in card
    assert ("paradetox" in str(trained.meta["sources"])) == (weight > 0)


def test_train_abuse_threat_without_paradetox_uses_own_examples_only(
    own_root: Path, tmp_path: Path, shipped_heads: None
) -> None:
    data = fixtures_data.write_public_data(tmp_path / "data")
    import shutil

    shutil.rmtree(data / "ru_paradetox_russe2022")
    out = tmp_path / "models"
    _train.train(data, own_root, out_dir=out, cache_dir=tmp_path / "cache", only=["abuse_threat"])
    trained = load_head(out / "abuse_threat.npz", "abuse_threat")
    own = _data.own_examples(own_root, "abuse_threat", split="train")
    assert trained.meta["train_rows"] == len(own)
    assert "paradetox_weight" not in trained.meta


def test_train_stops_when_an_own_task_file_is_missing(
    public_data: Path, tmp_path: Path, shipped_heads: None
) -> None:
    examples = fixtures_data.write_own_examples(
        tmp_path / "examples", tasks=("over_apology", "assumption")
    )
    out = tmp_path / "models"
    with pytest.raises(SystemExit, match="no training examples for next_step"):
        _train.train(
            public_data, examples, out_dir=out, cache_dir=tmp_path / "cache", only=["next_step"]
        )
    assert not list(out.glob("next_step.*"))


def test_customer_emotion_needs_the_emotion_head_first(
    public_data: Path, own_root: Path, tmp_path: Path, models_dir_at: Path
) -> None:
    models_dir_at.mkdir()  # an empty models folder: no emotion head to stack on
    with pytest.raises(
        SystemExit, match=r"train the 'emotion' head into .* before 'customer_emotion'"
    ):
        _train.train(
            public_data,
            own_root,
            out_dir=models_dir_at,
            cache_dir=tmp_path / "cache",
            only=["customer_emotion"],
        )


def test_emotion_data_maps_public_labels_onto_the_coach_emotions(
    public_data: Path, own_root: Path
) -> None:
    train, weights, dev = _train._emotion_data(public_data, "emotion")
    assert len(weights) == len(train)
    assert {label for e in train + dev for label in e.labels} == set(EMOTIONS)
    assert all(e.text != "I wonder how the tracking works?" for e in train + dev)  # curiosity
    assert {e.source for e in dev} == {"goemotions/dev"}
    spanish = [e for e in train if e.language == "es"]
    held_out = {e.text for e in _data.split_xed(_data.xed(public_data, "es"), split="test")}
    assert spanish and not {e.text for e in spanish} & held_out
    ekman, _, _ = _train._emotion_data(public_data, "ekman")
    assert {label for e in ekman for label in e.labels} <= set(_data.EKMAN)


def test_train_emotion_then_stacked_customer_emotion(
    public_data: Path, own_root: Path, tmp_path: Path, models_dir_at: Path
) -> None:
    shipped_before = _digests(SHIPPED_MODELS)
    results = _train.train(
        public_data,
        own_root,
        out_dir=models_dir_at,
        cache_dir=tmp_path / "cache",
        only=["emotion", "customer_emotion"],
    )
    assert list(results) == ["emotion", "customer_emotion"]
    assert _digests(SHIPPED_MODELS) == shipped_before

    emotion = load_head(models_dir_at / "emotion.npz", "emotion")
    assert (emotion.kind, emotion.classes) == ("multilabel", EMOTIONS)
    assert emotion.sparse_weights.shape == (sparse_width(), len(EMOTIONS))
    assert emotion.dense_weights is not None
    assert emotion.dense_weights.shape == (DIM, len(EMOTIONS))
    assert emotion.bias.shape == (len(EMOTIONS),)
    assert all(0.2 <= t < 0.9 for t in emotion.thresholds.tolist())
    assert set(emotion.meta["dev_f1_per_class"]) == set(EMOTIONS)
    public_train, _, _ = _train._emotion_data(public_data, "emotion")
    assert emotion.meta["train_rows"] == len(public_train)
    card = _card(models_dir_at / "emotion.md")
    for source in ("goemotions/en", "ru_goemotions/ru", "xed/en", "xed/es", "xed/ru"):
        assert source in card
    for key in ("goemotions", "ru_goemotions", "xed"):
        assert _train.LICENCES[key] in card
    assert _train.LICENCES["own"] not in card

    customer = load_head(models_dir_at / "customer_emotion.npz", "customer_emotion")
    assert (customer.kind, customer.classes) == ("multiclass", EMOTIONS)
    assert customer.sparse_weights.shape == (sparse_width(), len(EMOTIONS))
    assert customer.dense_weights is not None
    # The sentence vector plus the emotion head's seven calibrated scores (stacking).
    assert customer.dense_weights.shape == (DIM + len(EMOTIONS), len(EMOTIONS))
    assert customer.meta["C"] in (0.5, 2.0, 8.0)
    card = _card(models_dir_at / "customer_emotion.md")
    assert _train.LICENCES["own"] in card and "own/ru" in card

    # The runtime's head loader sees the fresh heads while the patch holds, and the stacked
    # layout matches what the analyser feeds it: the head fits its own training split.
    loaded = _heads.head("emotion")
    assert loaded is not None and loaded.meta == emotion.meta
    rows = _data.own_examples(own_root, "customer_emotion", split="train")
    vectors = encode_uncached([e.text for e in rows])
    hits = 0
    for example, vector in zip(rows, vectors, strict=True):
        features = sparse_features(example.text, lexicon(example.language))
        public = emotion.calibrated(features, vector)
        stacked = np.concatenate([vector, np.asarray([public[e] for e in EMOTIONS], np.float32)])
        scores = customer.probabilities(features, stacked)
        hits += max(scores, key=lambda c: scores[c]) == example.labels[0]
    assert hits / len(rows) >= 0.8


def test_shipped_heads_load_from_the_package(shipped_heads: None) -> None:
    """Whatever ran before, the runtime reads the heads shipped in the package."""
    assert Path(str(_heads._models_dir())) == Path(str(resources.files("tactful.coach") / "models"))
    emotion = _heads.head("emotion")
    assert emotion is not None
    assert emotion.meta == load_head(SHIPPED_MODELS / "emotion.npz", "emotion").meta


# --- evaluation ----------------------------------------------------------------------------------------


def test_own_rows_cover_every_task_and_language_with_the_shipped_heads(
    own_root: Path, shipped_heads: None
) -> None:
    assert all(_heads.head(name) is not None for name in _train.SPECS)
    rows = _eval.own_rows(own_root, vader=None)
    by_key = Counter((r.task, r.language) for r in rows)
    assert all(count == 1 for count in by_key.values())
    expected = {
        (task, language)
        for task, languages in fixtures_data.OWN_LANGUAGES.items()
        for language in languages
    }
    expected |= {
        ("anger/frustration vs not", language)
        for language in fixtures_data.OWN_LANGUAGES["customer_emotion"]
    }
    assert set(by_key) == expected
    for row in rows:
        source_task = "customer_emotion" if row.task.startswith("anger/") else row.task
        test = [
            e
            for e in _data.own_examples(own_root, source_task, split="test")
            if e.language == row.language
        ]
        assert row.n == len(test) > 0, row
        assert 0.0 <= row.accuracy <= 1.0 and 0.0 <= row.macro_f1 <= 1.0, row
        assert row.vader_macro_f1 is None
        assert row.target == (
            _eval.TARGETS["anger_frustration"]
            if row.task.startswith("anger/")
            else _eval.TARGETS["own"]
        )
        assert f"({source_task}.jsonl)" in row.source


def test_own_rows_compare_anger_with_a_sentiment_baseline(
    own_root: Path, shipped_heads: None
) -> None:
    def exclaims(text: str) -> float:  # a crude stand-in baseline: "!" means negative
        return -0.5 if "!" in text else 0.5

    rows = [r for r in _eval.own_rows(own_root, vader=exclaims) if r.task.startswith("anger/")]
    assert {r.language for r in rows} == {"en", "es", "ru"}
    for row in rows:
        assert row.vader_macro_f1 is not None and 0.0 <= row.vader_macro_f1 <= 1.0
        assert "VADER" in row.note


def test_table_renders_markdown_with_the_met_column() -> None:
    rows = [
        _eval.Row("next_step", "en", "own", 10, 0.9, 0.9, 0.85),
        _eval.Row("next_step", "es", "own", 12, 0.5, 0.4, 0.85, note="weak"),
        _eval.Row("ESConv", "en", "zero-shot", 3, 1.0, 1.0, None, vader_macro_f1=0.25),
    ]
    plain = _eval._table(rows)
    assert plain[0] == "| task | lang | source | n | accuracy | macro-F1 | target | met | note |"
    assert plain[1] == "|---|---|---|---|---|---|---|---|---|"
    assert plain[2] == "| next_step | en | own | 10 | 0.900 | 0.900 | 0.850 | ✅ |  |"
    assert plain[3] == "| next_step | es | own | 12 | 0.500 | 0.400 | 0.850 | ❌ | weak |"
    assert plain[4] == "| ESConv | en | zero-shot | 3 | 1.000 | 1.000 | — |  |  |"
    with_vader = _eval._table(rows, with_vader=True)
    assert with_vader[0].endswith("| met | VADER macro-F1 | note |")
    assert with_vader[1].count("---") == with_vader[0].count("|") - 1
    assert with_vader[2].endswith("| ✅ | — |  |")
    assert with_vader[4].endswith("|  | 0.250 |  |")
    for line in plain + with_vader:
        assert line.startswith("|") and line.endswith("|")


# --- real text ---------------------------------------------------------------------------------------


def test_real_text_readers(tmp_path: Path) -> None:
    _write(tmp_path / "xlmt_sentiment_es" / "test_text.txt", "Qué asco de día\n\nMe encanta\n")
    _write(tmp_path / "xlmt_sentiment_es" / "test_labels.txt", "0\n1\n2\n")
    assert [(e.text, e.labels) for e in _data.umsab_spanish(tmp_path, "test")] == [
        ("Qué asco de día", ("negative",)),
        ("Me encanta", ("positive",)),  # an empty line is no tweet, and its label goes with it
    ]
    _write(
        tmp_path / "ru_paradetox_russe2022" / "dev.tsv",
        'toxic_comment\tneutral_comment1\tneutral_comment2\n"дурак" ты\t"Ты" неправ\t\n'
        "\tбез пары\t\nтолько токсичный\t\t\n",
    )
    pairs = _data.paradetox(tmp_path, "dev")
    assert [(e.text, e.labels[0], e.id) for e in pairs] == [
        ('"дурак" ты', "toxic", "paradetox-dev-0"),  # QUOTE_NONE: quotes are text
        ('"Ты" неправ', "neutral", "paradetox-dev-0"),
        ("только токсичный", "toxic", "paradetox-dev-2"),
    ]
    folder = tmp_path / "empathetic_intents" / "empatheticdialogues_full_by_emotion"
    _write(
        folder / "furious.csv",
        'Dialog_ID,Type,Actor,Text\nh1,situation,none,"They lost my bag, again."\n'
        "h1,utterance,speaker,They lost it.\n",
    )
    assert [(e.text, e.labels) for e in _data.empathetic_situations(tmp_path)] == [
        ("They lost my bag, again.", ("furious",))
    ]


def test_balanced_sample_is_balanced_stable_and_order_free() -> None:
    rows = [
        _data.Example(f"text {i}", ("yes" if i % 4 == 0 else "no",), "en", "t") for i in range(40)
    ]

    def positive(e: _data.Example) -> bool:
        return e.labels[0] == "yes"

    sample = _data.balanced_sample(rows, positive, 6, salt="a")
    assert sum(map(positive, sample)) == 6 and len(sample) == 12
    assert _data.balanced_sample(list(reversed(rows)), positive, 6, salt="a") == sample
    assert len(_data.balanced_sample(rows, positive, 100, salt="a")) == 20  # 10 positives
    assert _data.balanced_sample(rows, positive, 6, salt="b") != sample


def test_real_text_rows_measure_each_judgement_with_baselines(
    public_data: Path, shipped_heads: None
) -> None:
    def exclaims(text: str) -> float:
        return -0.5 if "!" in text else 0.5

    rows = _eval.real_text_rows(public_data, vader=exclaims)
    keys = {(r.judgement, r.language) for r in rows}
    assert {
        ("anger/frustration vs not", "en"),
        ("anger/frustration vs not", "es"),
        ("anger/frustration vs not", "ru"),
        ("negative vs not", "en"),
        ("negative vs not", "es"),
        ("negative vs not", "ru"),
        ("sentiment negative/neutral/positive", "es"),
        ("abusive/toxic vs not", "ru"),
    } == keys
    for row in rows:
        assert 0.0 <= row.macro_f1 <= 1.0 and row.n > 0, row
        assert (row.vader_macro_f1 is not None) == (row.language == "en"), row
        if row.judgement != "sentiment negative/neutral/positive" and "UMSAB" not in row.source:
            assert row.majority_macro_f1 == pytest.approx(1 / 3), row  # balanced samples
            assert row.target == _eval.REAL_TEXT_TARGET
    umsab = next(r for r in rows if r.judgement.startswith("sentiment"))
    assert umsab.target == _eval.PUBLISHED_UMSAB_ES["XLM-R"] and "XLM-R 0.659" in umsab.published
    # No real-text row is read from the project's own examples.
    assert not any("own" in r.source for r in rows)
    table = _eval._real_table(rows)
    assert table[0].startswith("| judgement | lang | real-text test set |")
    assert all(line.count("|") == table[0].count("|") for line in table)


def test_real_prediction_reads_the_reported_judgement() -> None:
    from tactful.coach import analyze_message

    angry = analyze_message("You charged me twice again, this is outrageous and I am furious!")
    thanks = analyze_message("Thank you so much, the refund arrived today!")
    assert _eval._real_prediction("anger/frustration vs not", angry) is True
    assert _eval._real_prediction("negative vs not", angry) is True
    assert _eval._real_prediction("sentiment negative/neutral/positive", angry) == "negative"
    assert _eval._real_prediction("sentiment negative/neutral/positive", thanks) == "positive"
    assert _eval._real_prediction("abusive/toxic vs not", thanks) is False


def test_umsab_research_config_trains_on_its_train_split_only(public_data: Path) -> None:
    row = _eval.umsab_research(public_data)
    test = _data.umsab_spanish(public_data, "test")
    assert row.n == len(test) and 0.0 <= row.macro_f1 <= 1.0
    assert "research" in row.source and "never shipped" in row.in_training


def test_evaluate_writes_the_real_text_section_first(
    public_data: Path, own_root: Path, tmp_path: Path, shipped_heads: None
) -> None:
    out = tmp_path / "EVALUATION.md"
    rows = _eval.evaluate(public_data, own_root, out, research=False)
    report = out.read_text(encoding="utf-8")
    real = report.index("## Real text the project never wrote")
    assert real < report.index("## Own test splits") < report.index("## Empathy mechanisms")
    assert "| abusive/toxic vs not | ru |" in report
    assert any(isinstance(r, _eval.RealRow) for r in rows)
    assert "What limits it" not in report  # no research row, no claim about the ceiling


def test_ceiling_note_quotes_this_runs_figures() -> None:
    shipped = _eval.RealRow("sentiment negative/neutral/positive", "es", "UMSAB", "no", 9, 0.5, 0.2)
    research = _eval.RealRow(
        "sentiment negative/neutral/positive", "es", "UMSAB; research config", "yes", 9, 0.6, 0.2
    )
    note = " ".join(_eval._ceiling_note([shipped, research]))
    assert "reach 0.600" in note and "against 0.500" in note and "0.659" in note
    assert _eval._ceiling_note([shipped]) == []
