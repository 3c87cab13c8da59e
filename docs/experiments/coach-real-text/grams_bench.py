"""benchmarks/coach_bench.py with (default) or without ('off' as first argument) the n-gram heads,
in one checkout: the rest of the arguments go to coach_bench.
    python docs/experiments/coach-real-text/grams_bench.py off --clock cpu --calls 100"""
import sys
from pathlib import Path
sys.path.insert(0, 'benchmarks')
if sys.argv[1:2] == ['off']:
    from tactful.coach import _chargrams
    _chargrams._models_dir = lambda: Path('/nonexistent')  # forked workers inherit it
    sys.argv.pop(1)
import coach_bench
sys.exit(coach_bench.main())
