import sys, time, pickle; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _data, _eval, _train, _heads, _encoder, _analyze
t = time.time()
use_models(SHIPPED)
r = real(); r.update(own())
pickle.dump(r, open('var/coachml-x/base.pkl', 'wb'))
show({'shipped': r}); print(time.time() - t)
