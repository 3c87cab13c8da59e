"""Research script (not shipped, not in the test suite); run from the repository root.

Fast loop: the real-text rows of _eval, end to end, with sentence vectors read from var/cache."""
import hashlib, shutil, sys, time
from pathlib import Path
import numpy as np
from tactful.coach import _data, _eval, _train, _heads, _encoder, _analyze
D = Path('../shared/data'); C = Path('var/cache')
EX = Path('coach_examples'); SHIPPED = Path('src/tactful/coach/models')
Path('var/coachml-x').mkdir(parents=True, exist_ok=True)  # scratch: pickles, trial heads
_real_encode = _encoder.encode
def cached_encode(texts):
    known = _train._VECTORS.get(C) or {}
    if not known:
        _train._embeddings([], C); known = _train._VECTORS[C]
    out = np.zeros((len(texts), 512), dtype=np.float32); miss = []
    for i, t in enumerate(texts):
        v = known.get(_train._text_key(t))
        if v is None: miss.append(i)
        else: out[i] = v
    if miss:
        vs = _real_encode([texts[i] for i in miss])
        for r, i in zip(vs, miss): out[i] = r
    return out
_encoder.encode = cached_encode
def use_models(d):
    d = Path(d)
    _heads._models_dir = lambda: d
    _heads.reset_cache()
def models_copy(name):
    d = Path(f'var/coachml-x/models-{name}'); d.mkdir(parents=True, exist_ok=True)
    for f in SHIPPED.glob('*.npz'):
        if not (d / f.name).exists(): shutil.copy(f, d / f.name)
    return d
_SETS = None
def real(label=''):
    global _SETS
    if _SETS is None: _SETS = [s for s in _eval.real_text_sets(D) if not s.judgement.startswith('abusive')]
    out = {}
    for s in _SETS:
        an = _analyze.analyze_many([e.text for e in s.examples], language=s.language)
        pred = [_eval._real_prediction(s.judgement, a) for a in an]
        f1 = _eval._scores(s.truth, pred)[1]
        out[(s.judgement[:8], s.language, s.source[:14])] = f1
    return out
def own():
    test = _data.own_examples(EX, 'customer_emotion', split='test')
    pred = _eval._own_predictions('customer_emotion', test)
    out = {}
    for lang in ('en','es','ru'):
        idx = [i for i, e in enumerate(test) if e.language == lang]
        t = [test[i].labels[0] for i in idx]; p = [pred[i] for i in idx]
        out[('own', lang, 'macro')] = _eval._scores(t, p)[1]
        out[('own', lang, 'anger')] = _eval._scores([x in {'anger','frustration'} for x in t], [x in {'anger','frustration'} for x in p])[1]
    return out
def show(results):
    keys = list(next(iter(results.values())).keys())
    names = list(results)
    print(f"{'':44s}" + ''.join(f'{n[:10]:>11s}' for n in names))
    for k in keys:
        print(f'{" ".join(k):44s}' + ''.join(f'{results[n].get(k, float("nan")):11.3f}' for n in names))
    for n in names:
        rv = [v for k, v in results[n].items() if k[0] != 'own']
        print(n, 'mean real', round(float(np.mean(rv)), 4))
