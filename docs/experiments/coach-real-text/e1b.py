"""E1b: public single-label rows (600 per language) mixed into customer_emotion at fixed weights,
one fit each (C=2, as the shipped head chose by CV), measured end to end."""
import sys, time, pickle, hashlib; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _data, _eval, _train, _heads
from tactful.coach._data import Example
from sklearn.linear_model import LogisticRegression
t0 = time.time()
def single(rows, mapping, lang, src, n=600):
    out = []
    for e in rows:
        labs = list(dict.fromkeys(mapping[l] for l in e.labels if l in mapping))
        if len(labs) == 1 and len(e.labels) == 1:
            out.append(Example(e.text, (labs[0],), lang, src, id=e.id))
    out.sort(key=lambda e: hashlib.sha1(e.text.encode()).hexdigest()); return out[:n]
extra = (single(_data.goemotions(D, 'dev'), _data.GOEMOTIONS_TO_CUSTOMER, 'en', 'go')
         + single(_data.ru_goemotions(D, 'validation'), _data.GOEMOTIONS_TO_CUSTOMER, 'ru', 'rugo')
         + single(_data.split_xed(_data.xed(D, 'es'), split='train'), _data.XED_TO_CUSTOMER, 'es', 'xed'))
own_train = _data.own_examples(EX, 'customer_emotion', split='train')
spec = _train.SPECS['customer_emotion']
ex = [*own_train, *extra]
x = _train.design_matrix(ex, spec, C)
y = np.asarray([spec.classes.index(e.labels[0]) for e in ex])
is_own = np.arange(len(ex)) < len(own_train)
results = {'shipped': pickle.load(open('var/coachml-x/base.pkl', 'rb'))}
for weight in [float(a) for a in sys.argv[1:]]:
    w = np.where(is_own, 1.0, weight)
    m = LogisticRegression(C=2.0, max_iter=3000, class_weight='balanced'); m.fit(x, y, sample_weight=w)
    hd = _train._to_head(spec, m.coef_, m.intercept_, [0.5] * len(spec.classes), {})
    d = models_copy(f'e1b-{weight}'); _heads.save_head(hd, str(d / 'customer_emotion.npz'))
    use_models(d); r = real(); r.update(own()); results[f'mix{weight}'] = r
    print('done', weight, time.time() - t0, flush=True)
show(results)
pickle.dump(results, open('var/coachml-x/e1b.pkl', 'wb'))
