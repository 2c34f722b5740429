"""Issue 18, items 3-7: a session that ends badly (repeated Ctrl+C, a dead pose process, a full
disk, a model that failed to load, too many workers) still writes its report where it can,
says what it did not write, and leaves every input and earlier output as it was."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from test_safety import SAMPLE, snapshot

from formcheck.pipeline.writer import ENCODE_DELAY_ENV, ENCODING_MARK
from formcheck.report.schema import validate

CLIP = "glute_bridge_ndn_1.mp4"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "t.npz").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "earlier.json").write_text('{"an": "earlier output"}\n')
    return tmp_path


def _start(folder: Path, *args, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "formcheck", *map(str, args)], cwd=folder,
                            stdout=subprocess.PIPE, stderr=open(folder / "err.txt", "w"),
                            text=True, env={**os.environ, **(env or {})}, **popen)


def _wait_for(check, what: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert proc.poll() is None, f"ended before {what}: {proc.returncode}"
        assert time.monotonic() < deadline, f"no {what} in {seconds} s"
        time.sleep(0.02)


def _err(folder: Path) -> str:
    return (folder / "err.txt").read_text()


def _interrupt(proc: subprocess.Popen, folder: Path, times: int) -> tuple[int, str, str]:
    """Ctrl+C once the video is being written, then `times` - 1 more while it is finished."""
    _wait_for(lambda: ENCODING_MARK in _err(folder), "video frames", proc)
    proc.send_signal(signal.SIGINT)
    _wait_for(lambda: "interrupted: finishing" in _err(folder), "finishing message", proc)
    for _ in range(times - 1):
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out, _err(folder)


def _report(path: Path) -> dict:
    data = json.loads(path.read_text())
    validate(data)
    return data


def _kept(before: dict, folder: Path) -> None:
    """Every entry there before is still there, byte-identical; no hidden file is left."""
    after = snapshot(folder)
    assert {k: after.get(k) for k in before} == before
    assert not [k for k in after if Path(k).name.startswith(".")]


def _frames(path: Path) -> int:
    return int(cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT))


# ------------------------------------------------------------------ 3. repeated Ctrl+C

ANALYZE = ("analyze", "t.npz", "-e", "glute_bridge", "--out", "a.mp4", "--report", "a.json",
           "--no-history", "-q")


@pytest.mark.slow
def test_second_ctrl_c_only_hurries_the_video_and_the_report_is_written(folder):
    before = snapshot(folder)
    # One second a frame: the four scenes queued behind the one being written outlast the
    # second Ctrl+C even when a busy machine delays it (at 0.3 s, CI once drained the queue
    # first and nothing was left out).
    proc = _start(folder, *ANALYZE, env={ENCODE_DELAY_ENV: "1"})
    code, out, err = _interrupt(proc, folder, 2)
    assert code == 130, err
    assert "hurrying: the video stops here" in err and "Traceback" not in err
    data = _report(folder / "a.json")
    assert data["partial"]
    assert any(w.startswith("interrupted: the report covers the video up to")
               for w in data["warnings"])
    assert any("the annotated video leaves out the last" in w for w in data["warnings"])
    assert _frames(folder / "a.mp4") > 0  # playable, as far as it was written
    assert "Annotated video: a.mp4" in out and "Report: a.json" in out
    _kept(before, folder)


@pytest.mark.slow
def test_third_ctrl_c_abandons_the_video_never_the_report(folder):
    before = snapshot(folder)
    # Two seconds a frame: the third Ctrl+C comes while a frame is still being written.
    proc = _start(folder, *ANALYZE, env={ENCODE_DELAY_ENV: "2"})
    code, out, err = _interrupt(proc, folder, 3)
    assert code == 130, err
    message = "the annotated video was not written to a.mp4: abandoned on the third Ctrl+C"
    assert f"formcheck: error: {message}" in err and "Traceback" not in err
    data = _report(folder / "a.json")
    assert data["partial"] and message in data["warnings"]
    assert not (folder / "a.mp4").exists() and "Annotated video" not in out
    _kept(before, folder)


@pytest.mark.slow
@pytest.mark.clips
@pytest.mark.parametrize("presses", [2, 3])
def test_live_keeps_its_report_on_repeated_ctrl_c(videos, model_path, folder, presses):
    before = snapshot(folder)
    # Two seconds a frame, as above: the third Ctrl+C must come while a frame is being written.
    proc = _start(folder, "live", "--source", videos / CLIP, "--no-window", "-e",
                  "glute_bridge", "--model-path", model_path, "--out", "a.mp4",
                  "--report", "a.json", "--no-history", env={ENCODE_DELAY_ENV: "2"})
    code, out, err = _interrupt(proc, folder, presses)
    assert "Traceback" not in err
    data = _report(folder / "a.json")
    assert data["partial"] and data["mode"] == "live"
    assert any(w.startswith("interrupted: the report covers the session up to")
               for w in data["warnings"])
    if presses == 2:
        assert code == 130 and _frames(folder / "a.mp4") > 0
    else:
        assert code == 130 and not (folder / "a.mp4").exists()
        assert "abandoned on the third Ctrl+C" in err
    _kept(before, folder)


# ------------------------------------------------------------------ 4. a pose process dies

def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc: no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _pose_processes(pid: int) -> list[int]:
    """The pose processes of formcheck `pid`: children of its fork server, its child."""
    return [g for c in _children(pid) for g in _children(c)]


@pytest.mark.slow
@pytest.mark.clips
def test_a_dead_pose_process_still_gives_the_report_and_a_partial_video(videos, model_path,
                                                                        folder):
    before = snapshot(folder)
    proc = _start(folder, "analyze", videos / CLIP, "-e", "glute_bridge", "--model-path",
                  model_path, "--workers", "2", "--out", "b.mp4", "--report", "a.json",
                  "--no-history", "-q", env={ENCODE_DELAY_ENV: "0.01"})
    _wait_for(lambda: ENCODING_MARK in _err(folder), "video frames", proc)
    pose = _pose_processes(proc.pid)
    assert len(pose) == 1
    os.kill(pose[0], signal.SIGKILL)
    out, _ = proc.communicate(timeout=120)
    err = _err(folder)
    assert proc.returncode == 1, err
    assert "formcheck: error: the analysis stopped early: the pose worker process died (the " \
           "report covers the video up to" in err and "Traceback" not in err
    data = _report(folder / "a.json")
    assert data["partial"] and data["duration_s"] < 13
    assert any(w.startswith("the analysis stopped early at ") and "pose worker process died"
               in w for w in data["warnings"])
    # The video of the part analysed, named as incomplete; never under the name asked for.
    assert not (folder / "b.mp4").exists()
    assert 0 < _frames(folder / "b.partial.mp4") < 404
    assert any("b.partial.mp4" in w for w in data["warnings"])
    _kept(before, folder)


def test_a_partial_video_never_replaces_a_file_of_that_name(tmp_path):
    import numpy as np

    from formcheck.pipeline.ending import Ending
    from formcheck.pipeline.writer import VideoOutput

    (tmp_path / "a.partial.mp4").write_bytes(b"the user's own")
    before = snapshot(tmp_path)
    video = VideoOutput(tmp_path / "a.mp4", 30, (64, 48), 4, Ending())
    for _ in range(3):
        video.put(np.zeros((48, 64, 3), np.uint8))
    assert video.finish(complete=False) is None
    assert video.error == ("the annotated video of the part analysed was not kept: "
                           f"{tmp_path / 'a.partial.mp4'} already exists")
    assert snapshot(tmp_path) == before  # nothing replaced, no temporary file left


# ------------------------------------------------- 5. a full disk, and what killed runs left

def _file_size_limit(limit: int):
    """For preexec_fn: files the child writes may not grow past `limit` bytes (a full disk
    as far as it can tell: EFBIG where ENOSPC would be)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_full_disk_for_the_video_still_gives_the_report(folder):
    before = snapshot(folder)
    # The video (about 3 MB) and the pose track (300 KB) do not fit; the report (8 KB) does.
    proc = _start(folder, *ANALYZE, "--save-pose", "p.npz",
                  preexec_fn=_file_size_limit(200_000))
    out, _ = proc.communicate(timeout=300)
    err = _err(folder)
    assert proc.returncode == 1, err
    assert err.splitlines() == [
        "formcheck: error: the annotated video was not written to a.mp4: File too large",
        "formcheck: error: the pose track was not written to p.npz: File too large"]
    data = _report(folder / "a.json")
    assert data["summary"]["rep_count"] == 3 and not data["partial"]  # the whole analysis
    assert "the annotated video was not written to a.mp4: File too large" in data["warnings"]
    assert "Report: a.json" in out and "Annotated video" not in out
    assert not (folder / "a.mp4").exists() and not (folder / "p.npz").exists()
    _kept(before, folder)  # no hidden temporary video either


@pytest.mark.slow
def test_when_the_report_cannot_be_written_the_error_says_so(folder):
    before = snapshot(folder)
    proc = _start(folder, "analyze", "t.npz", "-e", "glute_bridge", "--report", "a.json",
                  "-q", preexec_fn=_file_size_limit(2_000))
    out, _ = proc.communicate(timeout=300)
    err = _err(folder)
    assert proc.returncode == 1, err
    assert "formcheck: error: the report was not written to a.json: File too large" in err
    assert "Report: a.json" not in out and "3 reps" in out  # the summary is still shown
    assert not (folder / "a.json").exists()
    _kept(before, folder)


def _dead_pid() -> int:
    """A PID no process has: a child that has ended and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_later_run_removes_what_killed_runs_left_and_only_that(folder, tmp_path):
    from formcheck.atomic import temp_beside
    from formcheck.pipeline.pose_process import SHM_DIR, SHM_PREFIX, PoseProcess

    dead, alive = _dead_pid(), os.getppid()  # pytest's parent outlives the test
    orphans = [folder / f".a.mp4.fc{dead}-abcd_123.mp4", folder / f".r.json.fc{dead}-zz9zz9zz.json"]
    kept = [folder / f".a.mp4.fc{alive}-abcd_123.mp4", folder / ".a.mp4.abcd_123.mp4",
            folder / f".notes.fc{dead}-x.txt"]
    for p in orphans + kept:
        p.write_bytes(b"left behind")
    before = {k: v for k, v in snapshot(folder).items() if k not in {p.name for p in orphans}}
    tmp = temp_beside(folder / "b.json")
    assert tmp.name.startswith(f".b.json.fc{os.getpid()}-")
    tmp.unlink()
    assert snapshot(folder) == before  # the orphans gone; the rest byte-identical

    if not SHM_DIR.is_dir():
        pytest.skip("no /dev/shm here")
    shm_orphan = SHM_DIR / f"{SHM_PREFIX}{dead}-0123abcd"
    shm_live = SHM_DIR / f"{SHM_PREFIX}{alive}-0123abcd"
    for p in (shm_orphan, shm_live):
        p.write_bytes(b"ring")
    proc = PoseProcess(start=False)
    try:
        proc.open_ring((4, 4, 3), 2)
        ring = SHM_DIR / proc._shm.name.lstrip("/")  # type: ignore[union-attr]
        assert ring.name.startswith(f"{SHM_PREFIX}{os.getpid()}-") and ring.exists()
        assert not shm_orphan.exists() and shm_live.read_bytes() == b"ring"
    finally:
        proc.close()
        shm_live.unlink()
    assert not ring.exists()


# ------------------------------------------------- 6. a model that failed to load is not kept

def _waiting_for_work(proc) -> bool:
    """The pose process has read every message sent and waits on its pipe again."""
    import fcntl
    import struct
    import termios

    unread = struct.unpack("i", fcntl.ioctl(proc._jobs.fileno(), termios.FIONREAD,
                                             b"\0\0\0\0"))[0]
    pid = proc.proc.pid
    try:
        wchan = Path(f"/proc/{pid}/task/{pid}/wchan").read_text()
    except OSError:
        wchan = "pipe"
    return unread == 0 and "pipe" in wchan


@pytest.mark.slow
def test_a_model_rebuilt_at_the_same_path_is_loaded_again(model_path, tmp_path):
    """The pre-started pool is told the cached model before it is verified; a corrupt one is
    rebuilt in place (a new file at the same path) and named again: the pose process must
    load the new file, not keep its failed load (the run then failed: 'pose worker failed to
    start')."""
    import numpy as np

    from formcheck.pipeline.pose_process import Job, WarmPool

    cached = tmp_path / "pose_landmarker_full.task"
    cached.write_bytes(b"PK\3\4 not a model")
    pool = WarmPool(1)
    try:
        pool.load(cached)
        proc = pool.started()[0]
        deadline = time.monotonic() + 60
        while not _waiting_for_work(proc) and time.monotonic() < deadline:
            time.sleep(0.05)  # the corrupt one tried first, as in a run
        rebuilt = tmp_path / ".rebuilt.task"
        rebuilt.write_bytes(model_path.read_bytes())
        os.replace(rebuilt, cached)  # how the model cache puts a rebuilt model in place
        pool.load(cached)
        taken = pool.take()
        assert taken is not None
        taken.open_ring((48, 64, 3), 1)
        staged = taken.stage(0, np.zeros((48, 64, 3), np.uint8))
        taken.send(Job(0, 0.0, 0, staged, (64, 48)))
        done = taken.result(timeout=60)
        assert done.slot == 0 and done.pose.t_s == 0.0  # type: ignore[attr-defined]
        taken.close()
    finally:
        pool.close()


# ------------------------------------------------------------------ 7. --workers capped

def test_workers_are_capped_at_cores_and_memory():
    from formcheck.pipeline.pose_process import POSE_PROCESS_BYTES, max_workers

    assert max_workers(2, 64 * 2**30) == 3  # a pose process per core, and this one
    assert max_workers(16, 3 * POSE_PROCESS_BYTES + 1) == 4  # as many as the memory holds
    assert max_workers(8, POSE_PROCESS_BYTES // 2) == 1  # none: inference in this process
    assert max_workers(4, None) == 5  # memory unknown: cores only


@pytest.mark.slow
def test_a_thousand_workers_start_a_few_pose_processes(model_path, folder):
    from test_safety import tiny_video

    from formcheck.pipeline.pose_process import free_memory, max_workers

    tiny_video(folder / "s.mp4", frames=90)
    before = snapshot(folder)
    most = max_workers(os.cpu_count() or 1, free_memory())
    proc = _start(folder, "analyze", "s.mp4", "-e", "glute_bridge", "--model-path", model_path,
                  "--workers", "1000", "--report", "a.json", "--no-history", "-q")
    seen = 0
    while proc.poll() is None:
        seen = max(seen, len(_pose_processes(proc.pid)))
        time.sleep(0.02)
    err = _err(folder)
    assert proc.returncode == 0, err
    assert err.startswith(f"formcheck: --workers 1000 is more than this machine can hold "
                          f"({os.cpu_count()} cores, ")
    assert f"): using {most}\n" in err
    assert 0 < seen <= most - 1  # pose processes: the rest of the workers
    assert _report(folder / "a.json")["summary"]["rep_count"] == 0
    _kept(before, folder)


# ------------------------------------------------------- outputs and the history's own files

def test_the_video_writer_never_renames_over_a_link_made_meanwhile(tmp_path):
    import numpy as np

    from formcheck.atomic import NotRegularFileError
    from formcheck.pipeline.writer import AnnotatedVideoWriter

    (tmp_path / "kept.txt").write_text("the link's target\n")
    writer = AnnotatedVideoWriter(tmp_path / "a.mp4", 30, (64, 48))
    writer.write(np.zeros((48, 64, 3), np.uint8))
    (tmp_path / "a.mp4").symlink_to("kept.txt")  # after the start, before the rename
    before = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".")}
    with pytest.raises(NotRegularFileError, match="not a regular file"):
        writer.close()
    assert snapshot(tmp_path) == before  # the link and its target as they were, no temp


@pytest.mark.slow
def test_a_history_page_never_replaces_a_history_file(folder):
    history = folder / "history"
    env = {**os.environ, "FORMCHECK_HISTORY_DIR": str(history)}
    run = subprocess.run([sys.executable, "-m", "formcheck", "analyze", "t.npz", "-e",
                          "glute_bridge", "--report", "history/filed.json", "-q"], cwd=folder,
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert (history / "history.sqlite3").is_file()
    before = snapshot(folder)
    for name, option in [("history.sqlite3", "--html"), ("filed.json", "--html"),
                         ("filed.json", "--csv")]:
        run = subprocess.run([sys.executable, "-m", "formcheck", "report", "--history",
                              "--history-dir", "history", option, f"history/{name}"],
                             cwd=folder, capture_output=True, text=True)
        assert run.returncode == 2, run.stderr
        assert run.stderr == (f"formcheck: error: {option} history/{name} would overwrite "
                              f"the history file {name} history/{name}; formcheck never "
                              "replaces its input: choose another file name\n")
        assert snapshot(folder) == before
