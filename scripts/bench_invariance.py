"""Invariance benchmark (not a test): does a count change when the clip changes in a way that
should not matter? Every labelled clip's committed pose track (as scripts/bench_accuracy.py
--tracks replays it) against the same track mirrored, at half the frame rate, at 480p, with
landmark noise and 3% lost frames, with its first and last second cut, and (harder) with twice
that noise and lost frames and at a third of the frame rate (tests/invariance.py).

    python scripts/bench_invariance.py                  # every check of every labelled clip
    python scripts/bench_invariance.py --only bridge --transforms mirror,480p

Prints one row per check: the untransformed replay (reps, or holds and seconds), then per
transform "=" when nothing compared changed, else the new count, "faults" (fault counts
changed), or the change of the hold time (a rep exercise's: the time held at the top).
Compared: the count; the hold time (within EXACT_TOL_S for the transforms that must change
nothing, mirror and 480p; else within HOLD_TOL_S / 2); for mirror and 480p also the fault
counts. "trim" is "n/a" where the untransformed replay has a rep or hold within its first or
last second (cutting would cut a rep). Ends with K/N unchanged per transform. Exit status 0,
or 2 without manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bench_accuracy as bench

ROOT = bench.ROOT
EXACT = ("mirror", "480p")  # must change nothing at all, faults included
EXACT_TOL_S = 0.01
LOOSE_TOL_S = bench.HOLD_TOL_S / 2


@dataclass(frozen=True)
class Outcome:
    count: int
    hold_s: float
    faults: tuple[tuple[str, int], ...]
    spans: tuple[tuple[float, float], ...]  # (start_s, end_s) of each rep or hold

    @classmethod
    def of(cls, report: dict, check: bench.Check) -> Outcome:
        r = bench.measure(report, check)
        items = report.get("holds") or [] if r.check.kind in ("hold", "zero_hold") else []
        items = items or report.get("reps", []) or report.get("holds", [])
        spans = tuple((float(i["start_s"]), float(i["end_s"])) for i in items)
        faults = tuple(sorted(report["summary"].get("fault_counts", {}).items()))
        return cls(r.count or 0, r.hold_total or 0.0, faults, spans)

    def text(self, check: bench.Check) -> str:
        hold = check.kind in ("hold", "zero_hold")
        return f"{self.count}h {self.hold_s:.1f}s" if hold else f"{self.count}"


def changed(base: Outcome, got: Outcome, transform: str) -> bool:
    tol = EXACT_TOL_S if transform in EXACT else LOOSE_TOL_S
    if got.count != base.count or abs(got.hold_s - base.hold_s) > tol:
        return True
    return transform in EXACT and got.faults != base.faults


def trim_applies(base: Outcome, t0: float, t1: float) -> bool:
    import invariance

    return all(s >= t0 + invariance.TRIM_S and e <= t1 - invariance.TRIM_S
               for s, e in base.spans)


def run_check(check: bench.Check, track, transforms: list[str], tmp: Path) -> dict:
    import invariance

    def replay(t, name: str) -> Outcome:
        path = tmp / f"{name}.npz"
        t.save(path)
        try:
            return Outcome.of(bench.analyze_track_file(path, check), check)
        finally:
            path.unlink(missing_ok=True)

    base = replay(track, "base")
    row: dict = {"check": check, "base": base, "cells": {}}
    for name in transforms:
        if name == "trim" and not trim_applies(base, track.t_s[0], track.t_s[-1]):
            row["cells"][name] = None
            continue
        row["cells"][name] = replay(invariance.TRANSFORMS[name](track), name)
    return row


def cell(row: dict, name: str) -> str:
    got = row["cells"][name]
    if got is None:
        return "n/a"
    if not changed(row["base"], got, name):
        return "="
    base = row["base"]
    if got.count != base.count:
        return got.text(row["check"])
    if name in EXACT and got.faults != base.faults:
        return "faults"
    return f"{got.hold_s - base.hold_s:+.2f}s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=Path, default=bench.DEFAULT_VIDEOS)
    ap.add_argument("--track-dir", type=Path, default=ROOT / "samples" / "tracks")
    ap.add_argument("--only", metavar="SUBSTR", help="only clips whose name contains this")
    ap.add_argument("--transforms",
                    default="mirror,half_fps,480p,jitter,trim,jitter_2x,third_fps")
    ap.add_argument("--main-only", action="store_true",
                    help="only each clip's main check (no zero checks of other exercises)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the table here")
    args = ap.parse_args(argv)
    manifest = args.videos / "MANIFEST.tsv"
    if not manifest.exists():
        print(f"no manifest at {manifest}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "tests"))
    from formcheck.analysis.exercise import builtin_exercises
    from formcheck.pose.landmarks import PoseTrack

    transforms = [t.strip() for t in args.transforms.split(",") if t.strip()]
    catalogue = builtin_exercises()
    rows = [r for r in bench.read_manifest(manifest) if not args.only or args.only in r["file"]]
    plans = [p for p in (bench.plan_clip(r, catalogue) for r in rows) if not p.skip and p.checks]
    head = (f"{'clip':<28} {'exercise':<30} {'base':>9} "
            + " ".join(f"{t:>9}" for t in transforms))
    print(head)
    print("-" * len(head))
    table, same, applies = [], dict.fromkeys(transforms, 0), dict.fromkeys(transforms, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for plan in plans:
            path = args.track_dir / f"{plan.clip}.npz"
            if not path.exists():
                continue
            track = PoseTrack.load(path)
            for check in plan.checks[:1] if args.main_only else plan.checks:
                row = run_check(check, track, transforms, Path(tmp))
                cells = {t: cell(row, t) for t in transforms}
                for t in transforms:
                    applies[t] += cells[t] != "n/a"
                    same[t] += cells[t] == "="
                print(f"{plan.clip:<28} {check.name:<30} {row['base'].text(check):>9} "
                      + " ".join(f"{cells[t]:>9}" for t in transforms), flush=True)
                table.append({"clip": plan.clip, "check": check.name,
                              "base": row["base"].text(check), **cells})
    print()
    for t in transforms:
        print(f"{t:<9} unchanged {same[t]}/{applies[t]}")
    if args.json:
        args.json.write_text(json.dumps({"rows": table, "unchanged": same, "n": applies},
                                        indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
