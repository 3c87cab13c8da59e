"""Character n-gram experiment: each language's training-side data, split into fit and dev.

Training side only: GoEmotions train (en) and dev (en dev); ru-GoEmotions validation minus a 20%
dev part by id (the same part `_train` holds out for ekman thresholds) plus XED Russian's training
80% minus a 20% dev part; XED Spanish's training 80% minus a 20% dev part. No test split, no
evaluation-only set (UMSAB, EmpatheticDialogues) is read here.
"""
import hashlib
from pathlib import Path
from tactful.coach import _data, _eval

D = Path('../shared/data')
ANGER = {'go': _eval._GO_ANGER, 'xed': _eval._XED_ANGER}
NEGATIVE = {'go': _eval._GO_NEGATIVE, 'xed': _eval._XED_NEGATIVE}


def _dev_part(key: str) -> bool:
    return int(hashlib.sha1(f'grams-dev:{key}'.encode()).hexdigest()[:8], 16) / 2**32 < 0.2


def rows(lang: str):
    """(fit, dev) lists of (Example, family) where family says which label grouping applies."""
    fit, dev = [], []
    if lang == 'en':
        fit = [(e, 'go') for e in _data.goemotions(D, 'train')]
        dev = [(e, 'go') for e in _data.goemotions(D, 'dev')]
    elif lang == 'es':
        for e in _data.split_xed(_data.xed(D, 'es'), split='train'):
            (dev if _dev_part(e.text) else fit).append((e, 'xed'))
    else:
        for e in _data.ru_goemotions(D, 'validation'):
            (dev if _data.in_test_split(f'ru-dev:{e.id}', share=0.2) else fit).append((e, 'go'))
        for e in _data.split_xed(_data.xed(D, 'ru'), split='train'):
            (dev if _dev_part(e.text) else fit).append((e, 'xed'))
    return fit, dev


def label(example, family: str, judgement: str) -> bool:
    groups = ANGER if judgement == 'anger' else NEGATIVE
    return bool(groups[family] & set(example.labels))


def tilt_both_signs(scores, log_odds, tilt):
    """The first variant's tilt (both signs of the log-odds count), as measured in grams.py,
    grams2.py, grams3.py and `grams_train.py both`; the shipped tilt clips z at 0."""
    import math
    from tactful.coach._chargrams import JUDGEMENTS
    total = sum(scores.values())
    logs = {e: math.log(max(p, 1e-9)) for e, p in scores.items()}
    for judgement, z in log_odds.items():
        w = tilt.get(judgement, 0.0)
        for emotion in logs:
            logs[emotion] += (0.5 if emotion in JUDGEMENTS[judgement] else -0.5) * w * z
    top = max(logs.values())
    raw = {e: math.exp(v - top) for e, v in logs.items()}
    return {e: v * total / sum(raw.values()) for e, v in raw.items()}


def use_both_signs():
    """Patch the coach's runtime and training to the first variant's tilt."""
    from tactful.coach import _analyze, _chargram_train
    _analyze.tilt_emotions = tilt_both_signs
    _chargram_train.tilt_emotions = tilt_both_signs
