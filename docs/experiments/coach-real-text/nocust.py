import sys, time, pickle; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _data, _eval, _train, _heads, _encoder, _analyze
d = models_copy('nocust'); (d/'customer_emotion.npz').unlink(missing_ok=True)
use_models(d)
r = real(); r.update(own())
base = pickle.load(open('var/coachml-x/base.pkl','rb'))
show({'shipped': base, 'public-only': r})
