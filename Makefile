# The targets the README and .ci/run call.
.PHONY: demo test test-fast lint bench-coach eval train

demo:          ## install and run the demo desk on SQLite
	scripts/demo.sh

test:          ## install what the tests need, start the services, run the whole suite
	scripts/test.sh

lint:
	.venv/bin/ruff check src benchmarks && .venv/bin/ruff format --check src benchmarks

train:         ## retrain the coach's heads from ../shared/data and coach_examples/
	.venv/bin/tactful coach train

eval:          ## regenerate docs/EVALUATION.md
	.venv/bin/tactful coach eval

bench-coach:
	.venv/bin/python benchmarks/coach_bench.py
