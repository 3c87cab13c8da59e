"""Train the n-gram heads with the project's training command into a copy of the shipped models
(var/coachml-x/models-grams), exactly as `tactful coach train --only chargrams` would.
`grams_train.py both`: the first variant, whose tilt counts both signs (into models-grams-both)."""
import sys; sys.path.insert(0, 'docs/experiments/coach-real-text')
from harness import *
from harness import _train
import grams_data
both = sys.argv[1:] == ['both']
if both: grams_data.use_both_signs()
d = models_copy('grams-both' if both else 'grams')
for k, v in _train.train(D, EX, out_dir=d, cache_dir=C, only=['chargrams']).items(): print(k, v)
