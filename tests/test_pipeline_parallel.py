"""The inference-process paths (one pose process; two fed round-robin) give the same results
as the in-process path."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.analyze import analyze_video
from formcheck.pipeline.pose_process import Job, PoseProcess, ServerStopped, WarmPool
from formcheck.pipeline.session import SessionOutputs

pytestmark = [pytest.mark.clips, pytest.mark.slow]


@pytest.mark.parametrize("clip,exercise", [("glute_bridge_ndn_1.mp4", "glute_bridge"),
                                           ("pushup_tbf_1.mp4", "push_up")])
def test_worker_process_equals_in_process(videos, model_path, tmp_path, clip, exercise):
    spec = get_exercise(exercise)
    reports = []
    for workers in (1, 2, 3):
        out = SessionOutputs(report=tmp_path / f"r{workers}.json",
                             video=tmp_path / f"a{workers}.mp4", history=False)
        # Three processes: taken from pose processes started ahead, as the CLI does.
        warm = WarmPool(2) if workers == 3 else None
        if warm is not None:
            warm.load(model_path)  # named before the video is opened, as the CLI does
        try:
            reports.append(analyze_video(videos / clip, spec, model_path, "full", side=None,
                                         outputs=out, workers=workers, warm=warm).report)
        finally:
            if warm is not None:
                assert warm.take() is None, "both started processes were used"
                warm.close()
    seq = reports[0]
    assert seq.summary.rep_count >= 1
    for par in reports[1:]:
        assert par.summary.rep_count == seq.summary.rep_count
        assert par.frames == seq.frames
        for a, b in zip(seq.reps, par.reps, strict=True):
            assert abs(a.start_s - b.start_s) < 0.07 and abs(a.end_s - b.end_s) < 0.07
            assert [f.code for f in a.faults] == [f.code for f in b.faults]
    assert (tmp_path / "a3.mp4").stat().st_size > 0


def test_unused_started_processes_are_ended():
    warm = WarmPool(2)
    procs = [p.proc for p in warm.started()]
    assert len(procs) == 2 and all(p.is_alive() for p in procs)
    warm.close()
    assert not any(p.is_alive() for p in procs)
    assert warm.take() is None


def _process(model_path, shape, slots, census, process=None) -> PoseProcess:
    proc = process or PoseProcess()
    proc.load(model_path, census)
    proc.open_ring(shape, slots)
    return proc


def _submit(proc: PoseProcess, slot: int, frame, t_s: float, index: int) -> None:
    staged = proc.stage(slot, frame)
    proc.send(Job(slot, t_s, index, staged, (frame.shape[1], frame.shape[0])))


def test_pose_process_serves_reports_its_times_and_exits(model_path):
    frame = np.full((240, 320, 3), 90, np.uint8)  # nobody in it: the model still runs
    proc = _process(model_path, frame.shape, 2, census=False)
    try:
        for i in range(3):
            _submit(proc, i % 2, frame, i / 30, i)
        got = [proc.result(timeout=30) for _ in range(3)]
        proc.stop()
        with pytest.raises(ServerStopped):
            proc.result(timeout=30)
    finally:
        proc.close()
    assert [d.slot for d in got] == [0, 1, 0]
    assert [d.pose.index for d in got] == [0, 1, 2]
    assert not any(d.pose.detected for d in got)
    assert proc.times.frames == 3 and proc.times.busy_ms > 0
    assert proc.proc.exitcode == 0


def test_a_model_that_does_not_load_fails_clearly_and_leaves_no_video(videos, tmp_path):
    bad = tmp_path / "broken.task"
    bad.write_bytes(b"not a model")
    out = tmp_path / "out"
    warm = WarmPool(2)
    warm.load(bad)
    try:
        with pytest.raises(RuntimeError, match="pose worker failed to start"):
            analyze_video(videos / "glute_bridge_ndn_1.mp4", get_exercise("glute_bridge"), bad,
                          "broken", side=None, workers=3, warm=warm,
                          outputs=SessionOutputs(video=out / "a.mp4", history=False))
    finally:
        warm.close()
    assert list(out.iterdir()) == []  # the video's temporary file is gone too


def test_pose_process_told_another_census_reloads(model_path):
    # Warm pools give the first process the census; a caller that wants none says so again,
    # and the process takes the later load instead of mistaking it for its frame ring.
    warm = WarmPool(1)
    warm.load(model_path)
    frame = np.full((120, 160, 3), 90, np.uint8)
    proc = _process(model_path, frame.shape, 1, census=False, process=warm.take())
    try:
        _submit(proc, 0, frame, 0.0, 0)
        done = proc.result(timeout=30)
    finally:
        proc.close()
        warm.close()
    assert (done.slot, done.pose.index, done.pose.detected) == (0, 0, False)
    assert proc.proc.exitcode == 0


def test_a_guessed_model_that_fails_is_forgotten_once_the_right_one_loads(model_path, tmp_path):
    # The command line names the cached model before checking it; if that guess does not
    # load, the checked model named next does, and frames queued before it was ready wait.
    bad = tmp_path / "stale.task"
    bad.write_bytes(b"not a model")
    warm = WarmPool(1)
    warm.load(bad)
    warm.load(model_path)
    frame = np.full((120, 160, 3), 90, np.uint8)
    proc = _process(model_path, frame.shape, 2, census=True, process=warm.take())
    try:
        _submit(proc, 0, frame, 0.0, 0)
        _submit(proc, 1, frame, 1 / 30, 1)
        got = [proc.result(timeout=60) for _ in range(2)]
    finally:
        proc.close()
        warm.close()
    assert [(d.slot, d.pose.index) for d in got] == [(0, 0), (1, 1)]
    assert proc.proc.exitcode == 0


def test_pose_processes_come_from_the_fork_server_where_there_is_one():
    import multiprocessing

    warm = WarmPool(2)
    try:
        procs = warm.started()
        if "forkserver" in multiprocessing.get_all_start_methods():
            assert all(type(p.proc).__name__ == "ForkServerProcess" for p in procs)
        assert all(p.proc.is_alive() for p in procs)
    finally:
        warm.close()


def test_starting_the_server_starts_no_pose_process():
    """pose_process.start_server's contract: it starts (once) the fork server that imports
    MediaPipe, no pose process; processes started afterwards come from that server."""
    import multiprocessing

    from formcheck.pipeline import pose_process

    before = set(multiprocessing.active_children())
    pose_process.start_server()
    pose_process.start_server()  # once is enough: a second call starts nothing more
    assert set(multiprocessing.active_children()) == before
    warm = WarmPool(1)
    try:
        (proc,) = warm.started()
        if "forkserver" in multiprocessing.get_all_start_methods():
            assert type(proc.proc).__name__ == "ForkServerProcess"
        assert proc.proc.is_alive()
    finally:
        warm.close()
    assert not proc.proc.is_alive()
