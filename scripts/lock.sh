#!/usr/bin/env bash
# Refreshes requirements.lock: the newest versions pyproject.toml allows (with the dev extra),
# exact, with hashes, for the Python the quick start and CI use (3.11). uv resolves; it runs
# from a scratch venv and is not a dependency of formcheck. Run scripts/check_latest.sh first:
# lock only versions the tests pass with.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$PY" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip install -q uv
"$TMP/venv/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes \
  --python-version "${LOCK_PYTHON:-3.11}" --upgrade -o requirements.lock "$@"
