#!/usr/bin/env bash
# Start the real servers the tests talk to, when they are not already running.
# Loopback only; ports below 32768. Prints the environment the tests should use.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done
  log "port $1 did not open"; return 1
}
apt_install() {
  if [ -z "${_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; _APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PG_PORT=${TACTFUL_PG_PORT:-5432}
REDIS_PORT=${TACTFUL_REDIS_PORT:-6379}

# PostgreSQL: the machine's own cluster when it answers; otherwise a throw-away one (trust auth,
# fsync off, a superuser named root, database "test").
PG_URL="postgresql://root@127.0.0.1:${PG_PORT}/test"
if port_open "$PG_PORT"; then
  log "PostgreSQL already running on $PG_PORT"
else
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
  PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
  PGDATA=/tmp/tactful-pg-$PG_PORT
  if [ ! -d "$PGDATA" ]; then
    mkdir -p "$PGDATA" && chown postgres "$PGDATA" 2>/dev/null || true
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U root >/dev/null
  fi
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -o "-p $PG_PORT -k /tmp -c fsync=off -c listen_addresses=127.0.0.1" -l "$PGDATA.log" start >/dev/null
  wait_port "$PG_PORT"
  "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U root -d postgres -tc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
    || "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U root test
  log "started a throw-away PostgreSQL in $PGDATA"
fi

# Redis for Celery.
if port_open "$REDIS_PORT"; then
  log "Redis already running on $REDIS_PORT"
else
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no >/dev/null
  wait_port "$REDIS_PORT"
  log "started Redis on $REDIS_PORT"
fi

# The fault tests (src/tactful/desk/tests/test_fault_*.py) start, kill and restart their own
# redis-server and PostgreSQL cluster on free ports: the binaries must be here even when the
# suite's servers above run elsewhere (another host, a service container).
command -v redis-server >/dev/null 2>&1 || { apt_install redis-server; log "installed redis-server"; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  apt_install postgresql
  log "installed PostgreSQL's server binaries"
fi

# Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`,
# which downloads a browser).
if [ -x /usr/bin/chromium ]; then
  log "Chromium present"
else
  apt_install chromium
  log "installed Chromium"
fi

# Pango and a font with Cyrillic for WeasyPrint (the monthly CSAT report's PDF), and poppler's
# pdftoppm/pdftotext, which the browser test uses to render the PDF's pages to PNG.
missing=""
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing="$missing libpango-1.0-0"
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing="$missing libpangoft2-1.0-0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  apt_install $missing
  log "installed$missing"
else
  log "Pango, DejaVu and poppler present"
fi

# coturn for the TURN credential test (the test starts its own turnserver on a free port).
if command -v turnserver >/dev/null 2>&1; then
  log "coturn present"
else
  apt_install coturn
  log "installed coturn"
fi

# Postfix + Dovecot for the e-mail tests; mailserver.sh prints their `export` lines itself.
"$(dirname "$0")/mailserver.sh"

echo "export TACTFUL_TEST_DATABASE_URL=${PG_URL}"
echo "export TACTFUL_TEST_REDIS_URL=redis://127.0.0.1:${REDIS_PORT}/15"
