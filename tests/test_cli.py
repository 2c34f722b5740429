"""The command line as a user meets it: catalogue, replaying the bundled sample, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.report.schema import load_report

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"


def _formcheck(*args, env=None):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_exercises_list_and_show():
    run = _formcheck("exercises")
    assert run.returncode == 0 and "glute_bridge" in run.stdout
    show = _formcheck("exercises", "show", "glute_bridge")
    assert show.returncode == 0
    assert "Side view" in show.stdout or "side-on" in show.stdout
    assert "3 x 10" in show.stdout


@pytest.mark.slow
def test_analyze_sample_track_writes_video_and_report(tmp_path):
    run = _formcheck("analyze", SAMPLE, "-e", "glute_bridge", "--out", tmp_path / "d.mp4",
                     "--report", tmp_path / "d.json", "-q")
    assert run.returncode == 0, run.stderr
    assert "3 reps" in run.stdout
    assert load_report(tmp_path / "d.json").summary.rep_count == 3
    assert (tmp_path / "d.mp4").stat().st_size > 10_000


@pytest.mark.parametrize("args,message", [
    (["analyze", "nope.mp4", "-e", "glute_bridge"], "nope.mp4: no such file"),
    (["analyze", SAMPLE, "-e", "bench_press"], "unknown exercise 'bench_press'; valid ids:"),
    (["analyze", SAMPLE, "-e", "glute_bridge", "--side", "middle"], "--side must be"),
    (["analyze", SAMPLE, "-e", "glute_bridge", "--report", "/proc/nope/r.json"],
     "cannot write /proc/nope/r.json"),
    (["exercises", "show", "nope"], "unknown exercise 'nope'"),
    (["live", "-e", "glute_bridge", "--source", SAMPLE, "--no-window", "--source-speed", "0"],
     "--source-speed must be more than 0, not 0"),
    (["live", "-e", "glute_bridge", "--source", SAMPLE, "--no-window", "--workers", "-1"],
     "--workers must be 0 (auto), 1 or more, not -1"),
    (["analyze", SAMPLE, "-e", "glute_bridge", "--workers", "-2"],
     "--workers must be 0 (auto), 1 or more, not -2"),
])
@pytest.mark.slow
def test_errors_are_one_line_without_traceback(args, message):
    run = _formcheck(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_unwritable_output_is_refused_before_processing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = _formcheck("analyze", SAMPLE, "-e", "glute_bridge", "--report",
                     tmp_path / "r.json", "--out", blocker / "sub" / "v.mp4")
    assert run.returncode == 2 and "cannot write" in run.stderr
    assert not (tmp_path / "r.json").exists()  # nothing was processed


class _Stop(Exception):
    """Raised where a command would go on to its work."""


@pytest.fixture
def pose_starts(monkeypatch, tmp_path):
    """Runs `formcheck ARGS` in this process up to its work; returns the pose processes it
    started (n and the models named to them) and its exit code."""
    import typer.main

    from formcheck.cli import analyze_cmd, live_cmd
    from formcheck.cli import app as app_module
    from formcheck.pipeline import pose_process
    from formcheck.source import paced, video

    started: list = []

    class Pool:
        def __init__(self, n):
            self.n, self.loads = n, []
            started.append(self)

        def load(self, path, second_look=None):
            self.loads.append(path)

        def close(self):
            pass

    class Source:
        info = None

        def __init__(self, path, **_):
            if not Path(path).exists():
                raise video.SourceError(f"{path}: no such file")

        def close(self):
            pass

    def stop(*_a, **_k):
        raise _Stop

    monkeypatch.setattr(pose_process, "WarmPool", Pool)
    monkeypatch.setattr(pose_process, "default_pose_processes", lambda: 1)
    monkeypatch.setattr(analyze_cmd, "_analyze", stop)
    monkeypatch.setattr(live_cmd, "resolve_model_path", stop)
    monkeypatch.setattr(video, "VideoFileSource", Source)
    monkeypatch.setattr(paced, "RealtimeSource", lambda src, speed, clock=None: src)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for name in ("clip.mp4", "track.npz", "pose_landmarker_full.task", "mine.task"):
        (tmp_path / name).write_bytes(b"x")
    app_module._register()
    command = typer.main.get_command(app_module.app)

    def run(*argv: str):
        started.clear()
        try:
            command.main(list(argv), standalone_mode=False)
            code = 0
        except _Stop:
            code = None  # got as far as its work
        except Exception as exc:  # noqa: BLE001  # a mistake: UserError or click's own
            code = getattr(exc, "exit_code", 2)
        return code, [(p.n, p.loads) for p in started]

    return run


def test_video_commands_start_as_many_pose_processes_as_they_use(pose_starts, tmp_path):
    """Once its command line is checked, `analyze` or `live` starts the pose processes it
    will use (a backend takes them later), naming the likely model at once: saved tracks and
    --workers 1 start none."""
    ex = ("-e", "glute_bridge")
    full = [tmp_path / "pose_landmarker_full.task"]
    cases = {
        ("analyze", "clip.mp4", *ex): [(1, full)],  # one tracker: see analyze_pose_processes
        ("analyze", "clip.mp4", "--workers", "3", *ex): [(2, full)],
        ("analyze", "clip.mp4", "--workers=2", "--exercise=glute_bridge"): [(1, full)],
        ("analyze", "clip.mp4", "--workers", "1", *ex): [],
        ("analyze", "track.npz", *ex): [],
        ("analyze", "clip.mp4", "--model", "heavy", *ex): [(1, [])],  # not prepared yet
        ("analyze", "clip.mp4", "--model-path", "mine.task", *ex): [(1, [Path("mine.task")])],
        ("live", "--source", "clip.mp4", "--no-window", *ex): [(1, full)],
        ("live", "--source", "clip.mp4", "--no-window", "--workers", "2", *ex): [(1, full)],
        ("live", "--source", "clip.mp4", "--no-window", "--workers", "1", *ex): [],
    }
    for argv, expected in cases.items():
        assert pose_starts(*argv) == (None, expected), argv


def test_a_mistake_on_the_command_line_starts_no_pose_process(pose_starts):
    """A typo in a path, exercise id, side or model fails at once, before any model work."""
    for argv in (
        ["analyze", "nope.mp4", "-e", "glute_bridge"],
        ["analyze", "clip.mp4", "-e", "glute_brigde"],
        ["analyze", "clip.mp4"],  # no exercise
        ["analyze", "clip.mp4", "--exercise-file", "mine.toml"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--side", "middle"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--model", "tiny"],
        ["analyze", "clip.mp4", "other.mp4", "-e", "glute_bridge"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--workers", "lots"],
        ["live", "--source", "nope.mp4", "-e", "glute_bridge", "--no-window"],
        ["live", "--source", "clip.mp4", "-e", "glute_bridge", "--no-window", "--model", "x"],
    ):
        code, started = pose_starts(*argv)
        assert code is not None and code != 0 and started == [], argv


def test_only_pose_commands_start_the_fork_server_at_program_start(monkeypatch):
    """`analyze` and `live` begin the pose processes' import (pose_process.start_server)
    before anything else; other commands do not."""
    from formcheck.cli import app as app_module
    from formcheck.pipeline import pose_process

    calls: list[str] = []
    monkeypatch.setattr(pose_process, "start_server", lambda: calls.append("server"))
    monkeypatch.setattr(app_module, "_run", lambda debug: calls.append("run") or 0)
    monkeypatch.setattr(app_module, "_leave", lambda code: None)
    monkeypatch.setattr(app_module.native_log, "redirect", lambda: None)
    for argv, expected in ((["analyze", "x.mp4"], ["server", "run"]),
                           (["live"], ["server", "run"]),
                           (["report", "r.json"], ["run"]), (["exercises"], ["run"]),
                           ([], ["run"])):
        calls.clear()
        monkeypatch.setattr(sys, "argv", ["formcheck", *argv])
        app_module.main()
        assert calls == expected, argv


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (what a run's children inherit)."""
    found = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in env.read_bytes():
                found.append(int(env.parent.name))
        except OSError:
            pass
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list processes")
def test_a_run_leaves_no_process_behind(tmp_path):
    """The fork server started for `analyze` (here for a saved track, which needs no pose
    process) ends with the program, which exits without running exit handlers."""
    import os
    import time
    import uuid

    marker = f"FORMCHECK_TEST_RUN={uuid.uuid4().hex}"
    key, value = marker.split("=")
    run = _formcheck("analyze", SAMPLE, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "-q", env={**os.environ, key: value})
    assert run.returncode == 0, run.stderr
    assert load_report(tmp_path / "r.json").summary.rep_count == 3
    for _ in range(100):  # the server reads the end of its pipe: give it a moment to go
        if not _processes_with(marker):
            break
        time.sleep(0.1)
    assert _processes_with(marker) == []
