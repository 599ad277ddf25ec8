#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432: start an installed cluster that is not running.
# Under CI=true a PostgreSQL that is missing or will not start fails the run.
set -u
ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ready; then exit 0; fi
if command -v pg_lsclusters >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    echo "starting PostgreSQL $version …"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start 2>/dev/null || true
    for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
  fi
fi
if [ "${CI:-}" = "true" ]; then
  echo "error: PostgreSQL is required under CI=true and is not available on 127.0.0.1:5432" >&2
  exit 1
fi
echo "warning: PostgreSQL is not available; its half of the tests will be skipped" >&2
exit 0
