"""The real-text rows and the own split end to end (harness.py) with the n-gram heads that
grams_train.py trained, beside the shipped heads; plus each n-gram head alone (log-odds > 0).
Usage: grams_eval.py [models folder] [both]  (both: the first variant's two-sided tilt)."""
import sys, time, pickle; sys.path.insert(0, 'docs/experiments/coach-real-text')
from pathlib import Path
from harness import *
from harness import _eval
from tactful.coach import _chargrams
d = Path(sys.argv[1]) if len(sys.argv) > 1 else Path('var/coachml-x/models-grams')
if sys.argv[2:] == ['both']:
    import grams_data; grams_data.use_both_signs()
t0 = time.time()
def use(folder, grams):
    use_models(folder)
    _chargrams._models_dir = (lambda: folder) if grams else (lambda: Path('/nonexistent'))
    _chargrams.reset_chargram_cache()
results = {}
use(SHIPPED, False); r = real(); r.update(own()); results['shipped'] = r
alone = {}
for s in _eval.real_text_sets(D):
    j = s.judgement.split('/')[0].split(' ')[0]
    if j not in ('anger', 'negative'): continue
    head = _chargrams.load_chargram_head(d / f'chargrams-{s.language}.npz', s.language)
    pred = [head.log_odds(_chargrams.gram_features(e.text))[j] > 0 for e in s.examples]
    alone[(s.judgement[:8], s.language, s.source[:14])] = _eval._scores(s.truth, pred)[1]
results['ngram alone'] = alone
use(d, True); r = real(); r.update(own()); results['combined'] = r
show(results)
pickle.dump(results, open('var/coachml-x/grams-eval.pkl', 'wb'))
print('seconds', round(time.time() - t0))
