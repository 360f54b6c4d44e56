#!/usr/bin/env bash
# Reliability soak of `aiinfra serve` (issue 6, item 7): serve_soak.py says what it sends and
# checks. Bounded to 60 s. Run by `make test` against build/aiinfra and by `make test-asan`
# against the ASan+UBSan build (ASAN_OPTIONS=detect_leaks=1 there: a leak fails it).
# Usage: serve_soak_test.sh AIINFRA
# Python 3 (standard library only) drives it; without python3 the test fails in CI (CI set) and
# is skipped (77) elsewhere.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then
    echo "FAIL python3 is not installed (scripts/setup.sh installs it)"
    exit 1
  fi
  echo "SKIP python3 is not installed (scripts/setup.sh installs it); CI fails here"
  exit 77
fi
exec python3 "$here/serve_soak.py" "$1"
