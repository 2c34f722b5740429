"""The inference-process paths (one pose process; two fed round-robin) give the same results
as the in-process path."""

from __future__ import annotations

import pytest

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.analyze import analyze_video
from formcheck.pipeline.pose_process import WarmPool
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
    procs = [p.proc for p in warm._procs]
    assert all(p.is_alive() for p in procs)
    warm.close()
    assert not any(p.is_alive() for p in procs)
    assert warm.take() is None
