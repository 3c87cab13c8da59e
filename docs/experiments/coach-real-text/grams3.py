"""grams2.py plus customer messages in the n-gram models: each language's own customer_emotion
*train* rows join its public rows at weight W (anger = anger/frustration; negative = anger,
frustration, sadness, worry). The own-CV guard is nested: in each of 5 folds the n-gram models
are refitted without that fold's own rows. C per language and judgement as grams.py chose on dev.
Choice (W, tilt) = best dev mean F1 among those whose own CV macro-F1 stays within 0.02 of
no tilt; test parts scored once at the end."""
import sys, time, pickle, itertools; sys.path.insert(0, 'docs/experiments/coach-real-text')
from pathlib import Path
import numpy as np
from harness import *
from harness import _data, _eval, _analyze, _train
import grams_data
from tactful.coach._chargrams import gram_features, GRAM_DIM, JUDGEMENTS
from grams_data import tilt_both_signs as tilt_emotions
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.metrics import f1_score
from scipy.sparse import csr_matrix, vstack
t0 = time.time()
X = Path('var/coachml-x'); LANGS = tuple(sys.argv[2].split(',')) if len(sys.argv) > 2 else ('en', 'es', 'ru'); JUDGE = ('anger', 'negative')
WEIGHTS = [float(w) for w in sys.argv[1].split(',')] if len(sys.argv) > 1 else [10.0, 30.0]
TOL = 0.02
f1 = lambda t, p: float(f1_score(t, p, average='macro', zero_division=0))
def matrix(texts):
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        g = gram_features(t); rows.append(np.full(len(g.indices), i)); cols.append(g.indices); vals.append(g.values)
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(texts), GRAM_DIM), dtype=np.float32)
E = pickle.load(open(X / 'grams-emotions.pkl', 'rb'))
M = pickle.load(open(X / 'grams-models.pkl', 'rb'))
def top(s): return max(s, key=lambda n: (s[n], n == 'neutral'))
def judge(j, s):
    t = top(s)
    if j in JUDGEMENTS: return t in JUDGEMENTS[j]
    return 'negative' if t in JUDGEMENTS['negative'] else 'positive' if t == 'gratitude' else 'neutral'
spec = _train.SPECS['customer_emotion']
own_train = _data.own_examples(EX, 'customer_emotion', split='train')
x = _train.design_matrix(own_train, spec, C, SHIPPED)
y = np.asarray([spec.classes.index(e.labels[0]) for e in own_train])
p = cross_val_predict(LogisticRegression(C=8.0, max_iter=3000, class_weight='balanced'), x, y,
                      cv=StratifiedKFold(5, shuffle=True, random_state=7), method='predict_proba')
grid = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
out = {}
for lang in LANGS:
    fit, _ = grams_data.rows(lang)
    xp = matrix([e.text for e, _ in fit])
    own = [e for e in own_train if e.language == lang]
    ps = [dict(zip(spec.classes, map(float, r))) for r, e in zip(p, own_train) if e.language == lang]
    truth = [e.labels[0] for e in own]
    xo = matrix([e.text for e in own])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=3).split(xo, truth))
    dx = {j: matrix(E['dev'][(lang, j)][0]) for j in JUDGE}
    for w in WEIGHTS:
        z_own = {j: np.zeros(len(own)) for j in JUDGE}; z_dev = {}; models = {}
        for j in JUDGE:
            yp = np.asarray([grams_data.label(e, fam, j) for e, fam in fit], dtype=int)
            yo = np.asarray([t in JUDGEMENTS[j] for t in truth], dtype=int)
            c = M[(lang, j)][1]
            def fit_on(rows):
                xx = vstack([xp, xo[rows]]); yy = np.concatenate([yp, yo[rows]])
                sw = np.concatenate([np.ones(len(yp)), np.full(len(rows), w)])
                return LogisticRegression(C=c, class_weight='balanced', solver='liblinear', max_iter=2000).fit(xx, yy, sample_weight=sw)
            for tr, te in folds:
                z_own[j][te] = fit_on(tr).decision_function(xo[te])
            models[j] = fit_on(np.arange(len(own)))
            z_dev[j] = models[j].decision_function(dx[j])
        zo = [dict(zip(JUDGE, map(float, r))) for r in zip(z_own['anger'], z_own['negative'])]
        dz = {j: [dict(zip(JUDGE, map(float, r))) for r in zip(*[models[k].decision_function(dx[j]) for k in JUDGE])] for j in JUDGE}
        alone = {j: round(f1(E['dev'][(lang, j)][1], z_dev[j] > 0), 3) for j in JUDGE}
        rows = []
        for ta, tn in itertools.product(grid, grid):
            tilt = {'anger': ta, 'negative': tn}
            dev = np.mean([f1(E['dev'][(lang, j)][1], [judge(j, tilt_emotions(em, z, tilt)) for em, z in zip(E['dev'][(lang, j)][2], dz[j])]) for j in JUDGE])
            ocv = f1(truth, [top(tilt_emotions(s, z, tilt)) for s, z in zip(ps, zo)])
            rows.append((dev, ocv, tilt))
        ok = [r for r in rows if r[1] >= rows[0][1] - TOL]
        best = max(ok, key=lambda r: r[0] - 1e-6 * sum(r[2].values()))
        print(lang, 'W', w, 'dev alone', alone, 'no tilt dev/ownCV', round(rows[0][0], 3), round(rows[0][1], 3), 'guarded', best[2], round(best[0], 3), round(best[1], 3), round(time.time() - t0), flush=True)
        out[(lang, w)] = (best, {j: (models[j].coef_, models[j].intercept_) for j in JUDGE})
pickle.dump(out, open(X / f'grams3-{"-".join(LANGS)}.pkl', 'wb'))
