"""Replay a saved pose track through the engine and print what it saw, frame by frame (not a
test: a tool for finding why a clip's count or hold time is off).

    python scripts/trace_track.py samples/tracks/clamshell_vkg_1.npz -e clamshell [--step 0.1]

Each printed line: time, the side in use, the key measure there and on both sides, whether
the person is in the exercise's position (the key counts only then), whether the view needs
advice, the counter's phase, rest and peak (reps) or the hold so far, and why the key could not
be read when it could not (no person, a landmark seen too poorly, a segment pointing at the
camera, a value past the measure's range). The reps or holds found close the trace: those
`formcheck analyze TRACK` reports.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from formcheck.analysis.engine import Engine  # noqa: E402
from formcheck.analysis.exercise import ExerciseSpec, get_exercise  # noqa: E402
from formcheck.analysis.frame_measures import FrameMeasurer  # noqa: E402
from formcheck.analysis.measures import (  # noqa: E402
    MIN_FORESHORTENING,
    Points,
    hybrid_points,
    observable,
)
from formcheck.analysis.state import SIDES  # noqa: E402
from formcheck.pose.landmarks import PoseFrame, PoseTrack  # noqa: E402
from formcheck.pose.smoothing import PoseSmoother  # noqa: E402


def why_unmeasured(spec: ExerciseSpec, pose: PoseFrame, side: str | None) -> str:
    """Why the key measure reads NaN on `side` in this frame ('' when it can be read)."""
    if not pose.detected:
        return "no person"
    if side is None:
        return "no side yet"
    measurer = FrameMeasurer(spec)
    if math.isfinite(measurer.measure(pose)[SIDES.index(side), measurer.key_index]):
        return ""
    m = spec.measures[spec.key]
    pts = Points(pose.pixels, pose.visibility, side, world=pose.world)
    poor = [n for n in m.points + m.scale if not math.isfinite(float(pts.get(n).sum()))]
    if poor:
        return "seen too poorly: " + ", ".join(poor)
    hybrid = hybrid_points(pose.pixels, pose.world)
    if hybrid is not None and not observable(m, Points(hybrid, pose.visibility, side)):
        return f"end-on: a segment under {MIN_FORESHORTENING:.2f} of its length in the image"
    return "past the measure's range"


def _fmt(v: float | None) -> str:
    return "   -  " if v is None or not math.isfinite(v) else f"{v:6.1f}"


def trace(track: PoseTrack, spec: ExerciseSpec, step_s: float = 0.0) -> list[str]:
    """The trace's lines: one per frame (or per `step_s`), then the records found. Poses are
    smoothed as the pipeline smooths them (formcheck.pipeline.step)."""
    engine, smoother, lines, last = Engine(spec), PoseSmoother(), [], -math.inf
    key_i = engine.measurer.key_index
    for raw in track.frames():
        pose = smoother(raw)
        state = engine.update(pose)
        if pose.t_s - last < step_s:
            continue
        last = pose.t_s
        both = engine.measurer.measure(pose)[:, key_i]
        line = (f"{pose.t_s:7.2f} {state.side or '-':5s} key {_fmt(state.key_value)} "
                f"L {_fmt(both[0])} R {_fmt(both[1])} "
                f"{'placed' if engine.view.in_position else 'out   '} "
                f"{'view ok' if engine.view.ok else 'advice ':7s} {state.phase:7s}")
        counter = engine.counter
        if counter is not None and counter.rest is not None:
            peak = counter.sign * counter.peak if math.isfinite(counter.peak) else math.nan
            line += f" rest {_fmt(counter.sign * counter.rest)} peak {_fmt(peak)}"
        elif engine.timer is not None:
            line += f" hold {state.hold_s:5.1f}"
        line += f" n={state.rep_count}"
        if state.key_value is None:
            line += f"  ({why_unmeasured(spec, pose, state.side)})"
        lines.append(line)
    result = engine.finish()
    lines += [f"rep {i}: {r.start_s:.2f}-{r.end_s:.2f} s" for i, r in enumerate(result.reps, 1)]
    lines += [f"hold {i}: {h.start_s:.2f}-{h.end_s:.2f} s ({h.hold_s:.1f} s)"
              for i, h in enumerate(result.holds, 1)]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("track", type=Path, help="a pose track (.npz), e.g. samples/tracks/X.npz")
    ap.add_argument("-e", "--exercise", required=True)
    ap.add_argument("--variant")
    ap.add_argument("--step", type=float, default=0.0, help="print a line every STEP s")
    args = ap.parse_args(argv)
    spec = get_exercise(args.exercise, variant=args.variant)
    print("\n".join(trace(PoseTrack.load(args.track), spec, args.step)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
