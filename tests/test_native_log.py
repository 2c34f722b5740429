"""Native output goes to the run's log by where it comes from, whatever it says: the terminal
gets only what formcheck itself writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck import native_log

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"
CLIP = "glute_bridge_ndn_1.mp4"

# Everything formcheck itself may write to stderr: its one-line errors and notes. Anything
# else on stderr (a library's chatter in any wording) fails the tests below.
OWN_STDERR = re.compile(r"formcheck: (error|warning|note|interrupted)\b.*")

SCRIPT = r'''
import logging, os, subprocess, sys, warnings
from formcheck import native_log
log = native_log.redirect()
os.write(1, b"native out\n")
os.write(2, b"native err\n")
child = "import os; os.write(2, b'child err\\n'); print('child out')"
subprocess.run([sys.executable, "-c", child])
logging.getLogger("somelib").warning("library logging")
warnings.warn("library warning")
print("own out")
print("own err", file=sys.stderr)
print(log.path, file=sys.stderr)
native_log.close()
'''


def _formcheck(*args, env=None):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env)


def _logs() -> list[Path]:
    return sorted(Path(os.environ[native_log.ENV_DIR]).glob("formcheck-*.log"))


def _only_own_stderr(run) -> None:
    foreign = [line for line in run.stderr.splitlines()
               if line.strip() and not OWN_STDERR.fullmatch(line)]
    assert not foreign, f"not formcheck's own stderr: {foreign[:5]}"


def test_native_output_goes_to_the_log_and_own_output_to_the_terminal(tmp_path):
    env = dict(os.environ, **{native_log.ENV_DIR: str(tmp_path)})
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "own out\n"
    own, path = run.stderr.splitlines()
    assert own == "own err" and Path(path).parent == tmp_path
    log = Path(path).read_text()
    for line in ("native out", "native err", "child err", "child out", "library logging",
                 "library warning"):
        assert line in log


def test_an_empty_log_is_removed_unless_an_error_named_it(tmp_path):
    script = ("import sys; from formcheck import native_log; native_log.redirect(); "
              "sys.argv[1:] and print(native_log.mention(), file=sys.stderr); "
              "native_log.close()")
    env = dict(os.environ, **{native_log.ENV_DIR: str(tmp_path)})
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
    assert list(tmp_path.iterdir()) == []
    run = subprocess.run([sys.executable, "-c", script, "named"], capture_output=True,
                         text=True, check=True, env=env, timeout=60)
    kept = list(tmp_path.iterdir())
    assert len(kept) == 1 and run.stderr.strip() == f"(native log: {kept[0]})"


def test_old_logs_are_pruned(tmp_path):
    for i in range(native_log.KEEP + 5):
        old = tmp_path / f"formcheck-old-{i:02d}.log"
        old.write_text("x")
        os.utime(old, (1000 + i, 1000 + i))
    native_log._prune(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == native_log.KEEP - 1
    assert left[-1] == f"formcheck-old-{native_log.KEEP + 4}.log"


@pytest.mark.slow
def test_replaying_a_track_writes_only_formcheck_lines(tmp_path):
    run = _formcheck("analyze", SAMPLE, "-e", "glute_bridge", "--out", tmp_path / "d.mp4",
                     "--no-history")
    assert run.returncode == 0, run.stderr
    assert "3 reps" in run.stdout
    _only_own_stderr(run)


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize("command,said", [
    (["analyze", "{clip}", "--out", "{tmp}/d.mp4"], "3 reps"),
    (["live", "--source", "{clip}", "--no-window", "--report", "{tmp}/r.json"],
     "3 reps"),
])
def test_analysing_a_clip_or_a_live_session_writes_only_formcheck_lines(
        videos, model_path, tmp_path, command, said):
    args = [a.format(clip=videos / CLIP, tmp=tmp_path) for a in command]
    run = _formcheck(*args, "-e", "glute_bridge", "--no-history")
    assert run.returncode == 0, run.stderr
    assert said in run.stdout
    _only_own_stderr(run)


def test_a_missing_video_fails_at_once_starting_nothing():
    run = _formcheck("analyze", "nope.mp4", "-e", "glute_bridge")
    assert (run.returncode, run.stderr) == (2, "formcheck: error: nope.mp4: no such file\n")
    assert _logs() == []  # nothing native ran: the log stayed empty and was removed


def test_a_pose_process_failure_names_the_log(monkeypatch, tmp_path, capsys):
    """A failure that is not the user's names the log in its one line."""
    from formcheck.cli import app as app_module
    from formcheck.pipeline import analyze
    from formcheck.pipeline.pose_process import PoseProcessError

    def fail(*args, **kwargs):
        raise PoseProcessError("pose worker failed to start: the pose worker process died")

    monkeypatch.setattr(analyze, "analyze_track", fail)
    log = native_log.NativeLog(tmp_path / "formcheck-x.log")
    monkeypatch.setattr(native_log, "_current", log)
    monkeypatch.setattr(sys, "argv", ["formcheck", "analyze", str(SAMPLE), "-e", "glute_bridge",
                                      "-q"])
    assert app_module._run(debug=False) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("formcheck: error: pose worker failed")
    assert f"(native log: {log.path})" in err and log.keep
