#!/usr/bin/env bash
# Drift check: installs the newest versions of every dependency that pyproject.toml allows
# into a scratch venv (not .venv), prints them and how they differ from requirements.lock, and
# runs the tests with them. Exit code: pytest's. Other arguments go to pytest (e.g. -x).
#   --lock   when the tests pass, also rewrite requirements.lock (exact versions with hashes,
#            for Python 3.11, as the quick start and CI use), resolved by uv from the same
#            ranges; uv runs from the scratch venv and is not a dependency of formcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=0
if [ "${1:-}" = --lock ]; then LOCK=1; shift; fi
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PY" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install -q --upgrade pip
"$TMP/venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e '.[dev,cluster]'
"$TMP/venv/bin/python" -m pip freeze --exclude-editable > "$TMP/freeze.txt"
echo "== newest allowed versions (Python $("$TMP/venv/bin/python" -V 2>&1 | cut -d' ' -f2)):"
cat "$TMP/freeze.txt"
echo "== differences from requirements.lock:"
"$TMP/venv/bin/python" - "$TMP/freeze.txt" <<'PY'
import re, sys
pin = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)", re.M)
def pins(path):
    return {re.sub(r"[-_.]+", "-", n).lower(): (n, v) for n, v in pin.findall(open(path).read())}
locked, got = pins("requirements.lock"), pins(sys.argv[1])
diff = [f"  {n}: {locked.get(k, ('', '-'))[1]} -> {v}" for k, (n, v) in got.items()
        if locked.get(k, ('', None))[1] != v]
print("\n".join(diff) or "  none")
PY
status=0
"$TMP/venv/bin/python" -m pytest -q "$@" || status=$?
echo "== drift check: pytest exit $status"
if [ "$LOCK" = 1 ] && [ "$status" = 0 ]; then
  "$TMP/venv/bin/python" -m pip install -q uv
  "$TMP/venv/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes \
    --python-version 3.11 --upgrade -o requirements.lock
  echo "== requirements.lock rewritten; install it with: bash scripts/quickstart.sh"
fi
exit "$status"
