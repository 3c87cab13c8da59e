"""Character n-gram heads (per language) alone and tilting the shipped emotion head.

Everything is chosen on training-side dev data (grams_data.py): C of each n-gram model by its
dev macro-F1, then the tilt weights by the mean of the dev anger and negative macro-F1 of the
combined decision. The real-text test parts are scored once, at the end.
Usage: grams.py [stage]  (writes var/coachml-x/grams-*.pkl)
"""
import sys, time, pickle, itertools; sys.path.insert(0, 'docs/experiments/coach-real-text')
from pathlib import Path
import numpy as np
from harness import *
from harness import _data, _eval, _analyze
import grams_data
from tactful.coach._chargrams import gram_features, GRAM_DIM, JUDGEMENTS
from grams_data import tilt_both_signs as tilt_emotions
from tactful.coach._types import EMOTIONS
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from scipy.sparse import csr_matrix

t0 = time.time()
X = Path('var/coachml-x')
LANGS = ('en', 'es', 'ru')
JUDGE = ('anger', 'negative')
f1 = lambda t, p: float(f1_score(t, p, average='macro', zero_division=0))


def matrix(texts):
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        g = gram_features(t)
        rows.append(np.full(len(g.indices), i)); cols.append(g.indices); vals.append(g.values)
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(texts), GRAM_DIM), dtype=np.float32)


def emotions_of(texts, lang):
    return [a.emotions.as_dict() for a in _analyze.analyze_many(texts, language=lang)]


# --- 1. shipped head's emotion scores on dev samples, real test sets and the own split -------
cache = X / 'grams-emotions.pkl'
if cache.exists():
    E = pickle.load(open(cache, 'rb'))
else:
    use_models(SHIPPED)
    E = {'dev': {}, 'real': [], 'own': None}
    for lang in LANGS:
        fit, dev = grams_data.rows(lang)
        for j in JUDGE:
            pos = {id(e) for e, fam in dev if grams_data.label(e, fam, j)}
            sample = _data.balanced_sample([e for e, _ in dev], lambda e: id(e) in pos, 500, salt=f'grams-dev-{j}-{lang}')
            texts = [e.text for e in sample]
            E['dev'][(lang, j)] = (texts, [id(e) in pos for e in sample], emotions_of(texts, lang))
            print('dev', lang, j, len(texts), round(time.time() - t0), flush=True)
    for s in _eval.real_text_sets(D):
        if s.judgement.startswith('abusive'): continue
        texts = [e.text for e in s.examples]
        E['real'].append((s.judgement, s.language, s.source, texts, s.truth, emotions_of(texts, s.language)))
    test = _data.own_examples(EX, 'customer_emotion', split='test')
    E['own'] = [(e.text, e.language, e.labels[0]) for e in test]
    pickle.dump(E, open(cache, 'wb'))
print('emotions ready', round(time.time() - t0), flush=True)

# --- 2. n-gram models per language and judgement, C chosen on dev ---------------------------
models = {}
for lang in LANGS:
    fit, dev = grams_data.rows(lang)
    x = matrix([e.text for e, _ in fit])
    for j in JUDGE:
        y = np.asarray([grams_data.label(e, fam, j) for e, fam in fit], dtype=int)
        dtexts, dtruth, _ = E['dev'][(lang, j)]
        xd = matrix(dtexts)
        best = None
        for c in (0.5, 1.0, 2.0, 4.0, 8.0):
            m = LogisticRegression(C=c, class_weight='balanced', solver='liblinear', max_iter=2000).fit(x, y)
            s = f1(dtruth, m.decision_function(xd) > 0)
            print(lang, j, 'C', c, 'dev alone', round(s, 3), flush=True)
            if best is None or s > best[0]: best = (s, c, m)
        models[(lang, j)] = best
        print(lang, j, 'rows', len(y), 'pos', int(y.sum()), 'chosen C', best[1], round(best[0], 3), round(time.time() - t0), flush=True)
pickle.dump({k: (v[0], v[1], v[2].coef_, v[2].intercept_) for k, v in models.items()}, open(X / 'grams-models.pkl', 'wb'))


def z_of(texts, lang):
    xm = matrix(texts)
    return [{j: float(v) for j, v in zip(JUDGE, row)} for row in
            np.stack([models[(lang, j)][2].decision_function(xm) for j in JUDGE], 1)]


def top(scores):
    return max(scores, key=lambda n: (scores[n], n == 'neutral'))


def judge(j, scores):
    t = top(scores)
    if j == 'anger': return t in JUDGEMENTS['anger']
    if j == 'negative': return t in JUDGEMENTS['negative']
    return 'negative' if t in JUDGEMENTS['negative'] else 'positive' if t == 'gratitude' else 'neutral'


# --- 3. tilt weights per language, chosen on dev --------------------------------------------
grid = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
tilts = {}
for lang in LANGS:
    dz = {j: z_of(E['dev'][(lang, j)][0], lang) for j in JUDGE}
    best = None
    for ta, tn in itertools.product(grid, grid):
        tilt = {'anger': ta, 'negative': tn}
        score = np.mean([f1(E['dev'][(lang, j)][1], [judge(j, tilt_emotions(em, z, tilt)) for em, z in zip(E['dev'][(lang, j)][2], dz[j])]) for j in JUDGE])
        if (ta, tn) == (0.0, 0.0): base = score
        if best is None or score > best[0] + 1e-9: best = (score, tilt)
    alone = {j: f1(E['dev'][(lang, j)][1], [z[j] > 0 for z in dz[j]]) for j in JUDGE}
    tilts[lang] = best[1]
    print(lang, 'dev mean F1 shipped', round(base, 3), 'alone', {k: round(v, 3) for k, v in alone.items()}, 'combined', round(best[0], 3), 'tilt', best[1], flush=True)

# --- 4. the real-text test parts and the own split, scored once -----------------------------
res = {'shipped': {}, 'ngram alone': {}, 'combined': {}}
for judgement, lang, source, texts, truth, ems in E['real']:
    j = 'anger' if judgement.startswith('anger') else 'negative' if judgement.startswith('negative') else 'sentiment'
    zs = z_of(texts, lang); k = (judgement[:8], lang, source[:14])
    res['shipped'][k] = f1(truth, [judge(j, em) for em in ems])
    res['combined'][k] = f1(truth, [judge(j, tilt_emotions(em, z, tilts[lang])) for em, z in zip(ems, zs)])
    res['ngram alone'][k] = f1(truth, [z[j] > 0 for z in zs]) if j != 'sentiment' else float('nan')
# own split: the tilt applied to customer_emotion's scores (own figures recomputed here)
own_texts = [t for t, _, _ in E['own']]
use_models(SHIPPED)
for lang in LANGS:
    idx = [i for i, r in enumerate(E['own']) if r[1] == lang]
    texts = [E['own'][i][0] for i in idx]; truth = [E['own'][i][2] for i in idx]
    ems = emotions_of(texts, lang); zs = z_of(texts, lang)
    for name, pred in (('shipped', [top(em) for em in ems]),
                       ('combined', [top(tilt_emotions(em, z, tilts[lang])) for em, z in zip(ems, zs)])):
        res[name][('own', lang, 'macro')] = f1(truth, pred)
        res[name][('own', lang, 'anger')] = f1([t in JUDGEMENTS['anger'] for t in truth], [p in JUDGEMENTS['anger'] for p in pred])
show(res)
pickle.dump((tilts, res), open(X / 'grams-result.pkl', 'wb'))
print('seconds', round(time.time() - t0))
