"""Readers for the labelled data the coach learns from and is measured on.

Public sets are read from a data folder (``../shared/data`` in the project's checkout) and never
copied; the project's own examples live in ``coach_examples/<lang>/<task>.jsonl``. Nothing here
is imported on the runtime path.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(10_000_000)

LANGUAGES = ("en", "es", "ru")

#: Own-example tasks and their label sets (first label = the "negative" class for binary tasks).
OWN_TASKS: dict[str, tuple[str, ...]] = {
    "customer_emotion": (
        "neutral",
        "anger",
        "frustration",
        "sadness",
        "worry",
        "confusion",
        "gratitude",
    ),
    "abuse_threat": ("none", "abuse", "threat"),
    "company_fault": ("other", "company_fault"),
    "formality": ("informal", "formal"),
    "over_apology": ("ok", "over_apology"),
    "empathy_without_action": ("ok", "empathy_without_action"),
    "assumption": ("ok", "assumption"),
    "fault_admission": ("deflected", "admitted"),
    "next_step": ("none", "next_step"),
    # Empathy mechanism levels (EPITOME's definitions), written for the coach: see NOTES.md.
    "emotional_reaction": ("none", "weak", "strong"),
    "exploration": ("none", "weak", "strong"),
}

#: Share of each own-example file held out for testing. The split is a hash of the example's
#: group (its customer message when it has one, else its id), fixed before any tuning.
TEST_SHARE = 0.3

GOEMOTIONS_LABELS = [
    "admiration",
    "amusement",
    "anger",
    "annoyance",
    "approval",
    "caring",
    "confusion",
    "curiosity",
    "desire",
    "disappointment",
    "disapproval",
    "disgust",
    "embarrassment",
    "excitement",
    "fear",
    "gratitude",
    "grief",
    "joy",
    "love",
    "nervousness",
    "optimism",
    "pride",
    "realization",
    "relief",
    "remorse",
    "sadness",
    "surprise",
    "neutral",
]

#: GoEmotions' own Ekman grouping (from the data set's repository).
EKMAN = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
GOEMOTIONS_TO_EKMAN: dict[str, str] = {
    **dict.fromkeys(["anger", "annoyance", "disapproval"], "anger"),
    "disgust": "disgust",
    **dict.fromkeys(["fear", "nervousness"], "fear"),
    **dict.fromkeys(
        [
            "joy",
            "amusement",
            "approval",
            "excitement",
            "gratitude",
            "love",
            "optimism",
            "relief",
            "pride",
            "admiration",
            "desire",
            "caring",
        ],
        "joy",
    ),
    **dict.fromkeys(["sadness", "disappointment", "embarrassment", "grief", "remorse"], "sadness"),
    **dict.fromkeys(["surprise", "realization", "confusion", "curiosity"], "surprise"),
    "neutral": "neutral",
}

#: GoEmotions labels → the coach's customer emotions (labels with no counterpart are dropped).
GOEMOTIONS_TO_CUSTOMER: dict[str, str] = {
    **dict.fromkeys(["anger", "disgust"], "anger"),
    **dict.fromkeys(["annoyance", "disapproval"], "frustration"),
    **dict.fromkeys(["sadness", "disappointment", "grief", "remorse"], "sadness"),
    **dict.fromkeys(["fear", "nervousness"], "worry"),
    "confusion": "confusion",
    **dict.fromkeys(["gratitude", "joy", "admiration", "relief", "love"], "gratitude"),
    "neutral": "neutral",
}

XED_LABELS = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")
XED_TO_EKMAN = {
    "anger": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "joy": "joy",
    "sadness": "sadness",
    "surprise": "surprise",
    "trust": "joy",
}
XED_TO_CUSTOMER = {
    "anger": "anger",
    "disgust": "anger",
    "fear": "worry",
    "joy": "gratitude",
    "sadness": "sadness",
    "trust": "gratitude",
}

#: Public labels that count as *anger/frustration* and as *negative* in the real-text judgements
#: (read by the evaluation, and by the character n-gram heads' training on training splits).
GO_ANGER = frozenset({"anger", "annoyance", "disgust"})
GO_NEGATIVE = GO_ANGER | frozenset(
    {
        "disapproval",
        "sadness",
        "disappointment",
        "grief",
        "remorse",
        "fear",
        "nervousness",
        "embarrassment",
    }
)
XED_ANGER = frozenset({"anger", "disgust"})
XED_NEGATIVE = XED_ANGER | frozenset({"fear", "sadness"})


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text; ``labels`` has one entry except for multi-label emotion sets."""

    text: str
    labels: tuple[str, ...]
    language: str
    source: str
    customer: str | None = None
    id: str = ""


def in_test_split(group: str, *, share: float = TEST_SHARE) -> bool:
    """Whether ``group`` falls in the held-out ``share``: a stable hash, fixed before any tuning."""
    digest = hashlib.sha1(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def own_examples(root: Path, task: str, *, split: str) -> list[Example]:
    """The project's own examples for ``task`` in every language, ``split`` = train | test | all."""
    if split not in {"train", "test", "all"}:
        raise ValueError(f"split must be 'train', 'test' or 'all', not {split!r}")
    found: list[Example] = []
    for language in LANGUAGES:
        path = root / language / f"{task}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            customer = row.get("customer")
            test = in_test_split(f"{language}:{task}:{customer or row['id']}")
            if split == "all" or (split == "test") == test:
                found.append(
                    Example(
                        row["text"], (row["label"],), language, f"own/{task}", customer, row["id"]
                    )
                )
    return found


def _goemotions_rows(path: Path) -> Iterator[tuple[str, list[str], str]]:
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 2:
                yield (
                    row[0],
                    [GOEMOTIONS_LABELS[int(i)] for i in row[1].split(",") if i.strip()],
                    row[2] if len(row) > 2 else "",
                )


def goemotions(data: Path, split: str) -> list[Example]:
    """GoEmotions (English) ``train`` / ``dev`` / ``test`` with the 28 fine labels."""
    return [
        Example(text, tuple(labels), "en", f"goemotions/{split}", id=rid)
        for text, labels, rid in _goemotions_rows(data / "goemotions" / f"{split}.tsv")
    ]


def ru_goemotions(data: Path, split: str) -> list[Example]:
    """ru-GoEmotions ``validation`` / ``test`` (machine-translated), 28 fine labels."""
    path = data / "ru_goemotions" / f"ru-go-emotions-simplified-{split}.csv"
    found = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ids = [int(x) for x in re.findall(r"\d+", row["labels"])]
            found.append(
                Example(
                    row["ru_text"],
                    tuple(GOEMOTIONS_LABELS[i] for i in ids),
                    "ru",
                    f"ru_goemotions/{split}",
                    id=row["id"],
                )
            )
    return found


def xed(data: Path, language: str) -> list[Example]:
    """XED sentences with Plutchik labels (English annotated, Spanish/Russian projected)."""
    name = {"en": "en-annotated.tsv", "es": "es-projections.tsv", "ru": "ru-projections.tsv"}[
        language
    ]
    found = []
    with (data / "xed" / name).open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            text, _, labels = line.rstrip("\n").rpartition("\t")
            try:
                ids = [int(x) for x in labels.split(",") if x.strip()]
            except ValueError:
                continue
            if text.strip() and ids and all(1 <= i <= 8 for i in ids):
                found.append(
                    Example(
                        text,
                        tuple(XED_LABELS[i - 1] for i in ids),
                        language,
                        f"xed/{language}",
                        id=f"xed-{language}-{n}",
                    )
                )
    return found


def xed_neutral(data: Path) -> list[Example]:
    found = []
    with (data / "xed" / "neu_en.txt").open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            _, _, text = line.rstrip("\n").partition("\t")
            if text.strip():
                found.append(Example(text, ("neutral",), "en", "xed/neutral", id=f"xed-neu-{n}"))
    return found


def split_xed(examples: list[Example], *, split: str) -> list[Example]:
    """XED's fixed held-out part (20%, by hash of the sentence) so evaluation never sees training rows.

    Used for Spanish and Russian (both projected from English): training reads ``train``,
    the real-text evaluation reads ``test``."""

    def held_out(example: Example) -> bool:
        return int(hashlib.sha1(example.text.encode("utf-8")).hexdigest()[:8], 16) / 2**32 < 0.2

    return [e for e in examples if held_out(e) == (split == "test")]


def epitome(data: Path, mechanism: str) -> list[tuple[str, str, int]]:
    """EPITOME (seeker post, response, level 0/1/2) for one mechanism."""
    name = {
        "emotional_reaction": "emotional-reactions",
        "interpretation": "interpretations",
        "exploration": "explorations",
    }[mechanism]
    with (data / "epitome" / f"{name}-reddit.csv").open(encoding="utf-8") as handle:
        return [
            (row["seeker_post"], row["response_post"], int(row["level"]))
            for row in csv.DictReader(handle)
        ]


def esconv(data: Path, split: str = "test") -> list[tuple[str, str]]:
    """ESConv supporter turns (response, strategy)."""
    with (data / "esconv_strategies" / f"{split}_supporter_turns.csv").open(
        encoding="utf-8"
    ) as handle:
        return [(row["supporter_response"], row["strategy"]) for row in csv.DictReader(handle)]


def sample(items: list[Example], limit: int, *, seed: int = 13) -> list[Example]:
    if len(items) <= limit:
        return items
    return random.Random(seed).sample(items, limit)


#: EmpatheticDialogues emotions grouped for the real-text evaluation (its 32 labels).
ED_ANGER = frozenset({"angry", "annoyed", "furious", "disgusted"})
ED_NEGATIVE = ED_ANGER | frozenset(
    {
        "afraid",
        "anxious",
        "apprehensive",
        "ashamed",
        "devastated",
        "disappointed",
        "embarrassed",
        "guilty",
        "jealous",
        "lonely",
        "sad",
        "terrified",
    }
)


def empathetic_situations(data: Path) -> list[Example]:
    """EmpatheticDialogues' situation texts (written by crowd workers), labelled with the
    conversation's emotion. Evaluation only (CC BY-NC): never a training source."""
    folder = data / "empathetic_intents" / "empatheticdialogues_full_by_emotion"
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("Type") == "situation" and row.get("Text", "").strip():
                    found.append(
                        Example(
                            row["Text"],
                            (path.stem,),
                            "en",
                            "empathetic_dialogues",
                            id=row.get("Dialog_ID", ""),
                        )
                    )
    return found


UMSAB_LABELS = ("negative", "neutral", "positive")


def umsab_spanish(data: Path, split: str) -> list[Example]:
    """UMSAB Spanish tweets (InterTASS as framed by XLM-T): ``train`` / ``val`` / ``test``,
    labels negative / neutral / positive. Evaluation and research configuration only."""
    folder = data / "xlmt_sentiment_es"
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text(encoding="utf-8").split()
    return [
        Example(text, (UMSAB_LABELS[int(label)],), "es", f"umsab/{split}", id=f"umsab-{split}-{n}")
        for n, (text, label) in enumerate(zip(texts, labels, strict=False))
        if text.strip()
    ]


def paradetox(data: Path, split: str) -> list[Example]:
    """RuSSE 2022 ParaDetox: each toxic Russian comment (label ``toxic``) and, where the split
    has them, its first neutral rewrite (label ``neutral``); a pair shares its id."""
    found = []
    path = data / "ru_paradetox_russe2022" / f"{split}.tsv"
    with path.open(encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)):
            toxic = (row.get("toxic_comment") or "").strip()
            if not toxic:
                continue
            pair = f"paradetox-{split}-{n}"
            found.append(Example(toxic, ("toxic",), "ru", f"paradetox/{split}", id=pair))
            neutral = (row.get("neutral_comment1") or "").strip()
            if neutral:
                found.append(Example(neutral, ("neutral",), "ru", f"paradetox/{split}", id=pair))
    return found


def balanced_sample(
    examples: list[Example], positive: Callable[[Example], bool], per_class: int, *, salt: str
) -> list[Example]:
    """Up to ``per_class`` positives and as many negatives, chosen by a hash of each text
    (stable across runs and machines, independent of file order), in a stable order."""

    def rank(example: Example) -> str:
        return hashlib.sha1(f"{salt}:{example.text}".encode()).hexdigest()

    positives = sorted((e for e in examples if positive(e)), key=rank)
    negatives = sorted((e for e in examples if not positive(e)), key=rank)
    n = min(per_class, len(positives), len(negatives))
    return sorted(positives[:n] + negatives[:n], key=rank)
