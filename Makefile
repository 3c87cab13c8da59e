# The targets the README and .ci/run call.
.PHONY: demo test test-fast lint bench-coach bench-load eval train

demo:          ## install and run the demo desk on SQLite
	scripts/demo.sh

test:          ## install what the tests need, start the services, run the whole suite
	scripts/test.sh

lint:          ## the guards scripts/test.sh runs first: style, types, migrations, import contracts
	.venv/bin/ruff check src benchmarks conftest.py
	.venv/bin/ruff format --check src benchmarks conftest.py
	.venv/bin/mypy
	DJANGO_SETTINGS_MODULE=tactful.desk.settings_test .venv/bin/python -m django makemigrations --check --dry-run
	.venv/bin/lint-imports

train:         ## retrain the coach's heads from ../shared/data and coach_examples/
	.venv/bin/tactful coach train

eval:          ## regenerate docs/EVALUATION.md
	.venv/bin/tactful coach eval

bench-coach:
	.venv/bin/python benchmarks/coach_bench.py

bench-load:    ## 45 s of agents, e-mail and chat against 2 web + 2 Celery processes (needs .[load])
	.venv/bin/python benchmarks/load/run.py
