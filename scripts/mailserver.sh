#!/usr/bin/env bash
# Start the test mail servers: Postfix (SMTP on loopback) delivering over LMTP into Dovecot
# (IMAP on loopback, run from its own config file). Installs both with apt when missing.
# Idempotent: when the ports already answer it only prints the environment.
# stdout: `export TACTFUL_TEST_…=…` lines (scripts/services.sh and the tests eval them);
# everything else goes to stderr.
#
# Every address @example.test is a mailbox (password "tactful"): tests use throw-away addresses
# so they never share a mailbox. customer@ and support@ are listed in the passwd-file as the
# documented, well-known test users.
set -euo pipefail

log() { printf '[mailserver] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
elapsed() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }'; }
wait_port() {
  for _ in $(seq 1 150); do port_open "$1" && return 0; sleep 0.1; done
  log "port $1 did not open (logs in $STATE)"; return 1
}

SMTP_PORT=${TACTFUL_SMTP_PORT:-2525}
IMAP_PORT=${TACTFUL_IMAP_PORT:-1143}
LMTP_PORT=${TACTFUL_LMTP_PORT:-2424}
DOMAIN=${TACTFUL_MAIL_DOMAIN:-example.test}
PASSWORD=${TACTFUL_MAIL_PASSWORD:-tactful}
STATE=${TACTFUL_MAIL_STATE:-/tmp/tactful-mail}

print_env() {
  echo "export TACTFUL_TEST_SMTP_HOST=127.0.0.1"
  echo "export TACTFUL_TEST_SMTP_PORT=${SMTP_PORT}"
  echo "export TACTFUL_TEST_IMAP_HOST=127.0.0.1"
  echo "export TACTFUL_TEST_IMAP_PORT=${IMAP_PORT}"
  echo "export TACTFUL_TEST_MAIL_DOMAIN=${DOMAIN}"
  echo "export TACTFUL_TEST_MAIL_PASSWORD=${PASSWORD}"
}

if port_open "$SMTP_PORT" && port_open "$IMAP_PORT" && port_open "$LMTP_PORT"; then
  log "Postfix ($SMTP_PORT) and Dovecot ($IMAP_PORT) already running"
  print_env
  exit 0
fi

# --- install -------------------------------------------------------------------------------
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v postfix >/dev/null 2>&1 || ! command -v dovecot >/dev/null 2>&1 \
  || [ ! -x /usr/lib/dovecot/lmtp ] || [ ! -x /usr/lib/dovecot/imap ]; then
  started=$EPOCHREALTIME
  # Without these answers the postfix package asks questions (and hangs a non-interactive run).
  debconf-set-selections <<EOF
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string mail.${DOMAIN}
EOF
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postfix dovecot-imapd dovecot-lmtpd >/dev/null
  log "installed Postfix and Dovecot in $(elapsed "$started") s"
fi
started=$EPOCHREALTIME

# --- Dovecot: own config, state and maildirs under $STATE ------------------------------------
mkdir -p "$STATE/dovecot/run" "$STATE/dovecot/lib" "$STATE/maildir"
chown mail:mail "$STATE/maildir"
chmod 0755 "$STATE" "$STATE/dovecot"
cat >"$STATE/dovecot/users" <<EOF
customer@${DOMAIN}:{PLAIN}${PASSWORD}
support@${DOMAIN}:{PLAIN}${PASSWORD}
EOF
chmod 0644 "$STATE/dovecot/users"
cat >"$STATE/dovecot/dovecot.conf" <<EOF
# Written by scripts/mailserver.sh: a loopback-only test server, not a production setup.
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $STATE/dovecot/run
state_dir = $STATE/dovecot/lib
log_path = $STATE/dovecot.log
info_log_path = $STATE/dovecot.log
ssl = no
# Plain passwords over loopback only: this is a test server.
disable_plaintext_auth = no
auth_mechanisms = plain login
# Dovecot refuses to deliver as root; the maildirs belong to the Debian 'mail' user (uid 8).
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
mail_location = maildir:$STATE/maildir/%d/%n
# A worker, its restarted copy and the test itself may all be logged in at once.
mail_max_userip_connections = 200
# Mail storage on tmpfs-like scratch space: skip fsync for speed (nothing here is precious).
mail_fsync = never
imap_idle_notify_interval = 10 secs
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $STATE/dovecot/users
}
# Any other address in the test domain is a throw-away mailbox with the same password.
passdb {
  driver = static
  args = password=${PASSWORD}
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$STATE/maildir/%d/%n allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${IMAP_PORT}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${LMTP_PORT}
  }
}
service imap {
  process_limit = 512
}
protocol lmtp {
  postmaster_address = postmaster@${DOMAIN}
}
EOF

if port_open "$IMAP_PORT" && port_open "$LMTP_PORT"; then
  log "Dovecot already running on $IMAP_PORT"
else
  # A stale master from an earlier run (ports closed, process alive) would refuse to start twice.
  dovecot -c "$STATE/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
  # Daemons must not keep our stdout/stderr open: `$(…)` and `| tee` would wait for them forever.
  dovecot -c "$STATE/dovecot/dovecot.conf" </dev/null >/dev/null 2>>"$STATE/dovecot.log"
  wait_port "$IMAP_PORT"
  wait_port "$LMTP_PORT"
  log "started Dovecot (IMAP $IMAP_PORT, LMTP $LMTP_PORT)"
fi

# --- Postfix: the system instance, reconfigured for loopback test delivery ----------------------
echo "mail.${DOMAIN}" >/etc/mailname
postconf -e \
  "compatibility_level = 3.6" \
  "myhostname = mail.${DOMAIN}" \
  "mydomain = ${DOMAIN}" \
  "myorigin = ${DOMAIN}" \
  "mydestination = localhost" \
  "inet_interfaces = 127.0.0.1" \
  "inet_protocols = ipv4" \
  "mynetworks = 127.0.0.0/8" \
  "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
  "virtual_mailbox_domains = ${DOMAIN}" \
  "virtual_transport = lmtp:inet:127.0.0.1:${LMTP_PORT}" \
  "smtpd_reject_unlisted_recipient = no" \
  "smtp_dns_support_level = disabled" \
  "lmtp_host_lookup = native" \
  "smtp_host_lookup = native" \
  "maillog_file_prefixes = /var, /dev/stdout, $STATE" \
  "maillog_file = $STATE/postfix.log" \
  "message_size_limit = 52428800" \
  "in_flow_delay = 0" \
  "smtpd_error_sleep_time = 0" \
  "biff = no" \
  "append_dot_mydomain = no" \
  "relayhost ="
# No DNS lookups anywhere (Postfix 3.x spells the old disable_dns_lookups this way), no chroot
# (a chroot needs copies of /etc files that only the init script makes), and SMTP only on our
# loopback port instead of port 25.
postconf -F '*/*/chroot = n'
postconf -MX smtp/inet 2>/dev/null || true
postconf -M "${SMTP_PORT}/inet=${SMTP_PORT} inet n - n - - smtpd"
postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
[ -f /etc/aliases ] || echo "postmaster: root" >/etc/aliases
newaliases 2>/dev/null || true

if postfix status >/dev/null 2>&1; then
  postfix reload </dev/null >/dev/null 2>&1
  log "reloaded Postfix"
else
  postfix start </dev/null >/dev/null 2>>"$STATE/postfix.log" \
    || { log "postfix start failed: $(postfix check 2>&1)"; exit 1; }
fi
wait_port "$SMTP_PORT"
log "Postfix on $SMTP_PORT, Dovecot on $IMAP_PORT: started in $(elapsed "$started") s"
print_env
