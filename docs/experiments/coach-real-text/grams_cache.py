"""Fill var/cache with sentence vectors for the real-text sets, the own test split and the
n-gram experiment's dev parts (keyed by the cleaned text, as analyze_many encodes it)."""
import sys, time; sys.path.insert(0, 'docs/experiments/coach-real-text')
from pathlib import Path
from tactful.coach import _data, _eval, _train
from tactful.coach._text import clean
import grams_data
C = Path('var/cache')
texts = []
for s in _eval.real_text_sets(grams_data.D):
    texts += [e.text for e in s.examples]
texts += [e.text for e in _data.own_examples(Path('coach_examples'), 'customer_emotion', split='test')]
for lang in ('en', 'es', 'ru'):
    texts += [e.text for e, _ in grams_data.rows(lang)[1]]
texts = list(dict.fromkeys(clean(t).text for t in texts))
print('texts', len(texts), flush=True)
t0 = time.time()
for i in range(0, len(texts), 1000):
    _train._embeddings(texts[i:i + 1000], C)
    print(i + 1000, round(time.time() - t0), flush=True)
