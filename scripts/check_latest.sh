#!/usr/bin/env bash
# Drift check: installs the newest versions of every dependency that pyproject.toml allows
# into a scratch venv (not .venv, not the lock), prints them, and runs the tests with them.
# Exit code: pytest's. Extra arguments go to pytest (e.g. -x, -k live).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PY" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install -q --upgrade pip
"$TMP/venv/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e '.[dev]'
echo "== newest allowed versions (Python $("$TMP/venv/bin/python" -c 'import platform; print(platform.python_version())')):"
"$TMP/venv/bin/python" -m pip freeze --exclude-editable
echo "== differences from requirements.lock:"
"$TMP/venv/bin/python" - <<'PY'
import re, subprocess, sys
locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", open("requirements.lock").read(), re.M))
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
locked = {norm(k): v for k, v in locked.items()}
out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                     capture_output=True, text=True, check=True).stdout
diff = [f"  {n}: {locked.get(norm(n), '-')} -> {v}"
        for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", out, re.M)
        if locked.get(norm(n)) != v]
print("\n".join(diff) or "  none")
PY
status=0
"$TMP/venv/bin/python" -m pytest -q "$@" || status=$?
echo "== drift check: pytest exit $status"
exit "$status"
