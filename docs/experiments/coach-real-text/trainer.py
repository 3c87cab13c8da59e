import sys; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _train
name = sys.argv[1]; heads = sys.argv[2].split(',')
d = models_copy(name)
r = _train.train(D, EX, out_dir=d, cache_dir=C, only=heads)
for k, v in r.items(): print(k, v)
