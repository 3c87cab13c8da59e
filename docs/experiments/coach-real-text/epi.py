import sys; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _data, _eval, _heads
from tactful.coach import review_reply
from sklearn.metrics import confusion_matrix, f1_score
import random
d = sys.argv[1] if len(sys.argv) > 1 else str(SHIPPED)
use_models(d)
L = {'none': 0, 'weak': 1, 'strong': 2}
for mech in ('emotional_reaction', 'exploration'):
    pairs = [p for p in _data.epitome(D, mech) if p[1].strip()]
    truth, pred = [], []
    for s, r, lvl in pairs:
        truth.append(lvl); pred.append(L[getattr(review_reply(r, language='en'), mech).level])
    print(mech, 'macroF1', round(f1_score(truth, pred, average='macro'), 3))
    print(confusion_matrix(truth, pred))
    if len(sys.argv) > 2:
        random.seed(1); miss = [(t, p, r) for (s, r, _), t, p in zip(pairs, truth, pred) if t != p]
        for t, p, r in random.sample(miss, 12): print(t, p, '|', r[:160].replace('\n', ' '))
