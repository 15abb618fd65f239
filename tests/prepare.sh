#!/usr/bin/env bash
# Start what the tests need that a fresh machine may not be running: PostgreSQL.
# Outside CI a missing server only makes the PostgreSQL tests skip; under CI=true
# they must run, so a server that cannot be reached is an error there.
set -u
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && ls /etc/postgresql >/dev/null 2>&1; then
  for v in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
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
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
  fi
  echo "tests/prepare.sh: PostgreSQL at 127.0.0.1:5432 is required under CI and is not answering" >&2
  exit 1
fi
echo "tests/prepare.sh: no PostgreSQL at 127.0.0.1:5432; its tests will skip" >&2
exit 0
