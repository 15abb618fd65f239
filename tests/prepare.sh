#!/usr/bin/env bash
# Start or install what the tests need that a fresh machine may lack: PostgreSQL,
# strongSwan's charon for tests/strongswan, and Chromium with its driver for the console's
# browser tests (tests/console/test_browser.py). Outside CI a missing piece only makes its
# tests skip; under CI=true they must run, so a piece that cannot be made available is
# an error there.
set -u

STRONGSWAN_PACKAGES="strongswan-charon strongswan-swanctl libstrongswan-standard-plugins libcharon-extra-plugins"

prepare_postgres() {
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && ls /etc/postgresql >/dev/null 2>&1; then
    for v in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && return 0
      sleep 1
    done
  fi
  if [ "${CI:-}" = "true" ]; then
    if [ "$(id -u)" = 0 ] && ! command -v pg_ctlcluster >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      v=$(ls /etc/postgresql | head -n 1)
      pg_ctlcluster --skip-systemctl-redirect "$v" main start
      su postgres -c "psql -qc \"CREATE ROLE root SUPERUSER LOGIN\"" 2>/dev/null || true
      su postgres -c "createdb -O root test" 2>/dev/null || true
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
    fi
    echo "tests/prepare.sh: PostgreSQL at 127.0.0.1:5432 is required under CI and is not answering" >&2
    return 1
  fi
  echo "tests/prepare.sh: no PostgreSQL at 127.0.0.1:5432; its tests will skip" >&2
  return 0
}

# The Debian packages of charon (PyPI's vici comes with the test extra). No daemon is
# started by installing them; the tests start their own in namespaces of their own.
prepare_strongswan() {
  local missing="" p
  for p in $STRONGSWAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "${CI:-}" = "true" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      # shellcheck disable=SC2086 # one word per package
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $missing >/dev/null && return 0
    fi
    echo "tests/prepare.sh: strongSwan ($missing ) is required under CI and could not be installed" >&2
    return 1
  fi
  echo "tests/prepare.sh: strongSwan is not installed ($missing ); tests/strongswan will skip" \
    "its daemon tests (as root: apt-get install$missing)" >&2
  return 0
}

# Debian's Chromium and chromedriver: the browser tests drive these two files and nothing
# else (no browser or driver is ever downloaded at run time).
prepare_chromium() {
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
  if [ "${CI:-}" = "true" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null \
        && return 0
    fi
    echo "tests/prepare.sh: chromium and chromium-driver are required under CI and could not be installed" >&2
    return 1
  fi
  echo "tests/prepare.sh: chromium is not installed; the console's browser tests will skip" \
    "(as root: apt-get install chromium chromium-driver)" >&2
  return 0
}

status=0
prepare_postgres || status=1
prepare_strongswan || status=1
prepare_chromium || status=1
exit $status
