"""Is a model file a working pose landmarker? Structure first, then a real detection.

A model that loads but was built wrong (bad metadata, wrong members) fails or finds nobody, so
the check runs the landmarker (in a child process, see probe.py) on a known photo of a person
and expects the nose where it is. That costs ~1 s, so passing results are remembered by
(size, mtime, sha256) in the model dir's `.cache/verified.json`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from formcheck.atomic import write_text_atomic
from formcheck.pose.models.bundle import is_tflite, read_members
from formcheck.pose.models.errors import InvalidModel
from formcheck.pose.models.probe import VERIFY_IMAGE

EXPECTED_NOSE = (0.44, 0.25)  # normalised x, y of the nose in VERIFY_IMAGE
NOSE_TOLERANCE = 0.08
RECORD_FILE = "verified.json"
PROBE_TIMEOUT_S = 60  # a normal probe takes ~1 s
CHECK_VERSION = 1  # bump when the check changes so old records are not trusted


def check_structure(path: Path) -> None:
    """Cheap checks: a zip holding both members, each a TFLite flatbuffer."""
    try:
        members = read_members(path)
    except ValueError as exc:
        raise InvalidModel(str(exc)) from exc
    for name, data in members.items():
        if not is_tflite(data):
            raise InvalidModel(f"member {name} is not a TFLite model")


def check_detection(path: Path) -> None:
    """Run PoseLandmarker on the known image in a child process; require the person found.

    A child because a broken model can crash or deadlock MediaPipe (see probe.py).
    """
    import formcheck

    env = dict(os.environ)
    root = str(Path(formcheck.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "formcheck.pose.models.probe", str(path)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              stdin=subprocess.DEVNULL, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise _native(f"PoseLandmarker hangs on it (over {PROBE_TIMEOUT_S} s)",
                      exc.stderr) from exc
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if not isinstance(result, dict):
            raise ValueError(result)
    except (IndexError, ValueError) as exc:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise _native(f"PoseLandmarker crashed on it (exit {done.returncode}: {detail})",
                      done.stderr) from exc
    if "error" in result:
        raise _native(f"does not work in PoseLandmarker ({result['error']})", done.stderr)
    if not result.get("people"):
        raise InvalidModel(f"loads but finds no person in {VERIFY_IMAGE}")
    x, y = result["nose"]
    if abs(x - EXPECTED_NOSE[0]) > NOSE_TOLERANCE or abs(y - EXPECTED_NOSE[1]) > NOSE_TOLERANCE:
        raise InvalidModel(f"finds the person in {VERIFY_IMAGE} in the wrong place "
                           f"(nose at {x:.2f}, {y:.2f})")


def _native(message: str, stderr: str | bytes | None) -> InvalidModel:
    """The failure, after passing on what the probe wrote to our fd 2 (the run's native
    log, or the terminal under --debug)."""
    if stderr:
        try:
            os.write(2, stderr.encode() if isinstance(stderr, str) else stderr)
        except OSError:
            pass
    exc = InvalidModel(message)
    exc.native = True
    return exc


def check_model(path: Path) -> None:
    """Raise InvalidModel unless `path` is a working pose landmarker bundle."""
    check_structure(path)
    check_detection(path)


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest.hexdigest(),
            "check": CHECK_VERSION}


def _load_records(record_dir: Path) -> dict:
    try:
        records = json.loads((record_dir / RECORD_FILE).read_text(encoding="utf-8"))
        return records if isinstance(records, dict) else {}
    except (OSError, ValueError):
        return {}


def verify(path: Path, record_dir: Path | None = None) -> None:
    """check_model(path), skipped when `record_dir` remembers this exact file passing."""
    if not path.is_file():
        raise InvalidModel("does not exist" if not path.exists() else "is not a file")
    try:
        fingerprint = _fingerprint(path)
    except OSError as exc:
        raise InvalidModel(f"cannot be read ({exc})") from exc
    key = str(path.resolve())
    if record_dir is not None and _load_records(record_dir).get(key) == fingerprint:
        return
    check_model(path)
    if record_dir is not None:
        _save_record(record_dir, key, fingerprint)


def remember_verified(path: Path, record_dir: Path) -> None:
    """Record that `path`, as it is now, passed check_model (e.g. before it was renamed)."""
    try:
        _save_record(record_dir, str(path.resolve()), _fingerprint(path))
    except OSError:
        pass


def _save_record(record_dir: Path, key: str, fingerprint: dict) -> None:
    records = {k: v for k, v in _load_records(record_dir).items() if Path(k).exists()}
    records[key] = fingerprint
    try:
        write_text_atomic(record_dir / RECORD_FILE, json.dumps(records, indent=1))
    except OSError:
        pass  # an unwritable cache only costs a re-check next time
