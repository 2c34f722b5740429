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


def test_exercises_list_and_show():
    run = _formcheck("exercises")
    assert run.returncode == 0 and "glute_bridge" in run.stdout
    show = _formcheck("exercises", "show", "glute_bridge")
    assert show.returncode == 0
    assert "Side view" in show.stdout or "side-on" in show.stdout
    assert "3 x 10" in show.stdout


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


def test_video_commands_start_their_pose_processes_first(monkeypatch, tmp_path):
    """`analyze` and `live` start the pose processes before anything else, as many as they
    will use; other commands, saved tracks and --workers 1 start none."""
    from formcheck.cli import app as app_module
    from formcheck.pipeline import pose_process as worker

    started: list[int] = []

    class Pool:
        def __init__(self, n):
            self.n, self.loads = n, []
            started.append(n)

        def load(self, path):
            self.loads.append(path)

    monkeypatch.setattr(worker, "WarmPool", Pool)
    monkeypatch.setattr(worker, "default_pose_processes", lambda: 2)
    monkeypatch.chdir(tmp_path)
    for name in ("clip.mp4", "track.npz"):
        (tmp_path / name).write_bytes(b"x")
    ex = ("-e", "glute_bridge")
    cases = {
        ("analyze", "clip.mp4", *ex): 2,
        ("analyze", "clip.mp4", "--workers", "3", *ex): 2,
        ("analyze", "clip.mp4", "--workers=2", "--exercise=glute_bridge"): 1,
        ("analyze", "clip.mp4", "--workers", "1", *ex): None,
        ("analyze", "clip.mp4", "--workers", "lots", *ex): None,  # typer reports the value
        ("analyze", "track.npz", *ex): None,
        ("live", "--source", "clip.mp4", *ex): 2,
        ("live", "--workers", "2", *ex): 1,
        ("live", "--workers", "1", *ex): None,
        ("exercises",): None,
        ("analyze", "--help"): None,
    }
    for argv, expected in cases.items():
        started.clear()
        got = app_module._warm_pool(list(argv))
        assert (got.n if got else None) == expected, argv
        assert started == ([] if expected is None else [expected]), argv
    monkeypatch.setattr(worker, "default_pose_processes", lambda: 0)  # a single core
    assert app_module._warm_pool(["analyze", "clip.mp4", *ex]) is None
    assert app_module._warm_pool(["live", *ex]) is None
    assert app_module._warm_pool(["live", "--workers", "2", *ex]).n == 1


def test_a_mistake_on_the_command_line_starts_no_pose_process(monkeypatch, tmp_path):
    """A typo in a path, exercise id, side or model fails at once, before any model work."""
    from formcheck.cli import app as app_module
    from formcheck.pipeline import pose_process as worker

    def no_pool(n):
        raise AssertionError("a pose process was started")

    monkeypatch.setattr(worker, "WarmPool", no_pool)
    monkeypatch.setattr(worker, "default_pose_processes", lambda: 2)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"x")
    for argv in (
        ["analyze", "nope.mp4", "-e", "glute_bridge"],
        ["analyze", "clip.mp4", "-e", "glute_brigde"],
        ["analyze", "clip.mp4"],  # no exercise
        ["analyze", "clip.mp4", "--exercise-file", "mine.toml"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--side", "middle"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--model", "tiny"],
        ["analyze", "clip.mp4", "-e", "glute_bridge", "--model-path", "none.task"],
        ["analyze", "clip.mp4", "other.mp4", "-e", "glute_bridge"],
        ["live", "--source", "nope.mp4", "-e", "glute_bridge"],
    ):
        assert app_module._warm_pool(argv) is None, argv


def test_the_options_that_take_a_value_are_known_before_parsing():
    """The hand parse that gates the pose processes knows every option that takes a value,
    and the built-in exercise ids are their file names."""
    import typer.main

    from formcheck.analysis.exercise import builtin_exercises
    from formcheck.cli import app as app_module

    app_module._register()
    group = typer.main.get_command(app_module.app)
    valued = {opt for name in ("analyze", "live") for p in group.commands[name].params
              if not getattr(p, "is_flag", True) for opt in p.opts}
    assert valued == app_module.VALUE_OPTIONS
    assert all(spec.source and Path(spec.source).stem == ex_id
               for ex_id, spec in builtin_exercises().items())


def test_pose_processes_are_told_the_likely_model_at_once(monkeypatch, tmp_path):
    """The cached model of --model (or --model-path as given) is named to the pose processes
    before the command line is parsed; nothing is named when there is no such file."""
    from formcheck.cli import app as app_module
    from formcheck.pipeline import pose_process as worker

    class Pool:
        def __init__(self, n):
            self.loads = []

        def load(self, path):
            self.loads.append(path)

    monkeypatch.setattr(worker, "WarmPool", Pool)
    monkeypatch.setattr(worker, "default_pose_processes", lambda: 2)
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"x")
    own = tmp_path / "mine.task"
    own.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"x")
    cases = {
        ("analyze", "clip.mp4"): [tmp_path / "pose_landmarker_full.task"],
        ("analyze", "clip.mp4", "--model", "heavy"): [],  # not prepared yet
        ("analyze", "clip.mp4", "--model-path", str(own)): [own],
        ("live", "--model", "full"): [tmp_path / "pose_landmarker_full.task"],
    }
    for argv, loads in cases.items():
        pool = app_module._warm_pool([*argv, "-e", "glute_bridge"])
        assert pool.loads == loads, argv
