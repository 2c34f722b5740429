"""Pose model preparation: offline build, bundle format, verification, fallbacks, CLI.

The `full` model is built once per session from the real mediapipe wheel (pip download, a few
seconds); tests that need a fresh model dir reuse that wheel through `.cache/`.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.errors import UserError
from formcheck.pose.models import (
    VARIANTS,
    ModelError,
    model_status,
    packages,
    prepare,
    resolve_model,
)
from formcheck.pose.models import download as download_mod
from formcheck.pose.models.bundle import ALIGNMENT, data_offsets, read_members
from formcheck.pose.models.errors import SourceFailed
from formcheck.pose.models.offline import packed_range
from formcheck.pose.models.progress import Reporter
from formcheck.pose.models.variants import (
    DETECTOR_MEMBER,
    DETECTOR_NORM,
    LANDMARKS_MEMBER,
    LANDMARKS_NORM,
)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory):
    """The `full` model built offline into a session dir: (Prepared, model dir)."""
    directory = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORMCHECK_MODEL_DIR", str(directory))
        mp.setenv("FORMCHECK_OFFLINE", "1")
        return prepare("full"), directory


@pytest.fixture
def session_dir(built, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the model dir at the session build."""
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(built[1]))
    monkeypatch.setenv("FORMCHECK_OFFLINE", "1")
    return built[1]


@pytest.fixture
def fresh_dir(built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model dir whose `.cache/` already holds the wheel (no second download)."""
    directory = tmp_path / "models"
    (directory / ".cache").mkdir(parents=True)
    for wheel in (built[1] / ".cache").glob("*.whl"):
        (directory / ".cache" / wheel.name).symlink_to(wheel)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(directory))
    monkeypatch.setenv("FORMCHECK_OFFLINE", "1")
    return directory


@pytest.mark.slow
def test_offline_build_full(built) -> None:
    prepared, directory = built
    assert prepared.path == directory / "pose_landmarker_full.task"
    assert prepared.source == "offline build from PyPI wheel mediapipe==0.10.21"
    assert any("official download: skipped" in t for t in prepared.tried)
    assert list((directory / ".cache").glob("mediapipe-0.10.21-*.whl"))
    assert not list(directory.glob(".*.task")), "no temp file left behind"


@pytest.mark.slow
def test_bundle_metadata_declares_normalisation(built) -> None:
    from formcheck.pose.models.metadata import read_normalization

    members = read_members(built[0].path)
    assert read_normalization(members[DETECTOR_MEMBER]) == DETECTOR_NORM == (127.5, 127.5)
    assert read_normalization(members[LANDMARKS_MEMBER]) == LANDMARKS_NORM == (0.0, 255.0)


def test_bundle_members_stored_and_aligned(built) -> None:
    path = built[0].path
    with zipfile.ZipFile(path) as bundle:
        assert sorted(bundle.namelist()) == sorted([DETECTOR_MEMBER, LANDMARKS_MEMBER])
        assert all(i.compress_type == zipfile.ZIP_STORED for i in bundle.infolist())
    offsets = data_offsets(path)
    assert all(offset % ALIGNMENT == 0 for offset in offsets.values()), offsets


def test_cached_model_is_reused_quickly(session_dir: Path, built) -> None:
    start = time.perf_counter()
    assert resolve_model("full") == built[0].path
    assert time.perf_counter() - start < 1.0  # verification result is remembered
    assert model_status("full") == ("ready", built[0].path)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(200_000))


def _wrong_members(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("model.tflite", b"\0\0\0\0TFL3" + os.urandom(1000))


def _swapped_members(path: Path) -> None:
    members = read_members(path)
    with zipfile.ZipFile(path, "w") as bundle:  # loads, then fails (and hangs on close)
        bundle.writestr(DETECTOR_MEMBER, members[LANDMARKS_MEMBER])
        bundle.writestr(LANDMARKS_MEMBER, members[DETECTOR_MEMBER])


@pytest.mark.slow
@pytest.mark.parametrize("damage", [_truncated, _random, _wrong_members, _swapped_members])
def test_corrupt_cached_file_is_rebuilt(fresh_dir: Path, built, damage) -> None:
    cached = fresh_dir / "pose_landmarker_full.task"
    cached.write_bytes(built[0].path.read_bytes())
    damage(cached)
    assert model_status("full")[0] == "corrupt"
    prepared = prepare("full")
    assert prepared.path == cached
    assert prepared.source.startswith("offline build")
    assert any(t.startswith(f"cache {cached}: corrupt") for t in prepared.tried)
    assert cached.read_bytes() == built[0].path.read_bytes()  # rebuilt, byte for byte
    assert model_status("full")[0] == "ready"


def test_explicit_model_path_must_exist_and_verify(session_dir: Path, tmp_path: Path,
                                                   built) -> None:
    missing = tmp_path / "nope.task"
    with pytest.raises(ModelError, match="nope.task: does not exist") as info:
        resolve_model("full", str(missing))
    assert isinstance(info.value, UserError)
    garbage = tmp_path / "garbage.task"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="garbage.task: not a readable zip"):
        resolve_model("full", str(garbage))
    assert resolve_model("lite", str(built[0].path)) == built[0].path


def test_unknown_variant() -> None:
    with pytest.raises(ModelError, match="unknown pose model variant 'huge'"):
        resolve_model("huge")


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A loopback HTTP server serving `files[path]`; yields (base URL, files)."""
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", files
    finally:
        server.shutdown()
        server.server_close()


def test_download_refused_falls_back_fast(fresh_dir: Path, monkeypatch) -> None:
    monkeypatch.delenv("FORMCHECK_OFFLINE")
    monkeypatch.setattr(download_mod, "official_url",
                        lambda v: f"http://127.0.0.1:9/pose_landmarker_{v}.task")
    start = time.perf_counter()
    with pytest.raises(SourceFailed):
        download_mod.download("full", fresh_dir / "x.task", Reporter())
    assert time.perf_counter() - start < 6
    prepared = prepare("full")
    assert prepared.source.startswith("offline build")
    assert any(t.startswith("official download: ") and "refused" in t.lower()
               for t in prepared.tried), prepared.tried


def test_download_garbage_is_rejected(fresh_dir: Path, monkeypatch, http_server) -> None:
    base, files = http_server
    files["/full.task"] = os.urandom(50_000)
    monkeypatch.delenv("FORMCHECK_OFFLINE")
    monkeypatch.setattr(download_mod, "official_url", lambda v: f"{base}/{v}.task")
    prepared = prepare("full")
    assert prepared.source.startswith("offline build")
    assert "official download: not a readable zip" in "; ".join(prepared.tried)


def test_download_good_model_is_used(fresh_dir: Path, monkeypatch, http_server, built) -> None:
    base, files = http_server
    files["/full.task"] = built[0].path.read_bytes()
    monkeypatch.delenv("FORMCHECK_OFFLINE")
    monkeypatch.setattr(download_mod, "official_url", lambda v: f"{base}/{v}.task")
    prepared = prepare("full")
    assert prepared.source == "official download"
    assert prepared.path.read_bytes() == files["/full.task"]


def test_no_pip_no_npm_says_what_was_tried(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("FORMCHECK_OFFLINE", "1")
    monkeypatch.setattr(packages, "npm_executable", lambda: None)
    monkeypatch.setattr(packages, "pip_available", lambda: False)
    with pytest.raises(ModelError) as info:
        resolve_model("full")
    message = str(info.value)
    for part in ("cache ", "not prepared", "official download: skipped",
                 "PyPI wheel mediapipe==0.10.21: pip is not installed",
                 "npm package @mediapipe/pose@", "npm is not installed"):
        assert part in message, message
    with pytest.raises(ModelError, match="npm is not installed"):
        resolve_model("heavy")


def test_packed_range_parsed_from_loader() -> None:
    js = ('loadPackage({"files": [{"filename": "/third_party/mediapipe/modules/pose_detection/'
          'pose_detection.tflite", "start": 0, "end": 2962288}], "remote_package_size": 2962288});')
    assert packed_range("var x = 1;\n" + js + "\n})();") == (0, 2962288)
    with pytest.raises(SourceFailed):
        packed_range("no loader here")
    with pytest.raises(SourceFailed):
        packed_range(js.replace("pose_detection.tflite", "other.tflite"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")
def test_offline_build_lite_and_heavy_from_npm(fresh_dir: Path) -> None:
    for variant in ("lite", "heavy"):
        prepared = prepare(variant)
        assert prepared.source.startswith("offline build from npm package @mediapipe/pose@")
        assert model_status(variant)[0] == "ready"
    assert len(list((fresh_dir / ".cache").glob("*.tgz"))) == 1  # fetched once


def test_cli_path_and_list(session_dir: Path, built) -> None:
    from formcheck.cli import models_cmd  # noqa: F401 - registers `models`
    from formcheck.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["models", "path", "full"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(built[0].path)
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert set(VARIANTS) <= set(rows)
    assert "ready" in rows["full"] and "not prepared" in rows["lite"]


def test_cli_bad_model_path_is_one_line_error(session_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "missing.task"
    done = subprocess.run([sys.executable, "-m", "formcheck", "models", "path", "--model-path",
                           str(bad)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == f"formcheck: error: model path {bad}: does not exist"


def test_tasks_api_import_leaves_no_placeholders():
    """MediaPipe is imported without pyplot or sounddevice, and neither stays stubbed."""
    import subprocess
    import sys

    code = ("import sys; from formcheck.pose.tasks_api import import_tasks; mp = import_tasks(); "
            "from mediapipe.tasks.python import vision; "
            "print(vision.PoseLandmarker.__name__, 'matplotlib' in sys.modules, "
            "'sounddevice' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["PoseLandmarker", "False", "False"]
