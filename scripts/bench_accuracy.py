"""Accuracy benchmark (not a test): every labelled clip in MANIFEST.tsv through `formcheck analyze`.

Prints, per clip, the expected and counted reps (and hold times), then the exact-match rate,
within-one rate and mean absolute error of the rep counts, and the mean hold-time error.

    python scripts/bench_accuracy.py                 # the videos, with the full pose model
    python scripts/bench_accuracy.py --tracks        # the committed pose tracks (fast, no model)
    python scripts/bench_accuracy.py --videos DIR    # another folder with its own MANIFEST.tsv

Clips that are 1-4 s stock loops are marked: a loop cut mid-movement makes a count of one
inherently borderline.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEOS = ROOT.parent / "shared" / "videos"
LOOP_MAX_S = 4.5  # the stock loops are 1.5-4 s long

# Clip name prefix -> (formcheck exercise id, variant, reason to skip or None). Longest first.
EXERCISE_MAP: list[tuple[str, str | None, str | None, str | None]] = [
    ("glute_bridge_pwa", None, None, "edited tutorial with cuts: robustness only, no count"),
    ("hamstring_stretch", None, None, "half-kneeling hamstring stretch is not one of the twelve"),
    ("glute_bridge", "glute_bridge", None, None),
    ("clamshell", "clamshell", None, None),
    ("forward_fold", "forward_fold", None, None),
    # The supine sliding leg curl is the nearest analogue of the stability-ball curl.
    ("hamstring_curl", "ball_hamstring_curl", None, None),
    ("hip_flexor", "kneeling_hip_flexor", None, None),
    ("leg_swing", "leg_swing", None, None),
    # A forearm plank hold: the set-up of plank_hip_extension, timed by its plank-hold variant
    # (the rep exercise itself would rightly count nothing here).
    ("plank", "plank_hip_extension", "plank-hold", None),
    ("pushup", "push_up", None, None),
    ("single_leg_rdl", "single_leg_rdl", None, None),
    ("squat", "squat", None, None),
]


@dataclass
class Expected:
    reps: int | None = None  # a count of reps (or of holds)
    hold_s: float | None = None  # seconds: the whole hold, or each hold of `reps`
    each: bool = False  # hold_s is per rep ("2 holds ~4.5 s each")


def parse_truth(text: str) -> Expected | None:
    """'5', 'hold ~12.5 s', '2 holds ~4.5 s each', 'hold 6.9 s (whole clip)'; None if unknown."""
    t = text.strip().lower()
    if re.fullmatch(r"\d+", t):
        return Expected(reps=int(t))
    m = re.match(r"(\d+)\s+holds?\s+~?\s*([\d.]+)\s*s\s+each", t)
    if m:
        return Expected(reps=int(m.group(1)), hold_s=float(m.group(2)), each=True)
    m = re.match(r"holds?\s+~?\s*([\d.]+)\s*s", t)
    if m:
        return Expected(reps=1, hold_s=float(m.group(1)))
    return None


def read_manifest(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"), strict=False)) for ln in lines[1:] if ln.strip()]


def exercise_for(clip: str) -> tuple[str | None, str | None, str | None]:
    for prefix, ex, variant, skip in EXERCISE_MAP:
        if clip.startswith(prefix):
            return ex, variant, skip
    return None, None, "no formcheck exercise for this clip"


def model_args() -> list[str]:
    local = ROOT / "models" / "pose_landmarker_full.task"
    return ["--model-path", str(local)] if local.exists() else ["--model", "full"]


def analyze(source: Path, ex: str, variant: str | None, use_model: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "formcheck", "analyze", str(source), "-e", ex,
               "--report", str(report), "--no-history", "-q"]
        cmd += ["--variant", variant] if variant else []
        cmd += model_args() if use_model else []
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0 or not report.exists():
            raise RuntimeError((proc.stderr or proc.stdout).strip().splitlines()[-1:] or
                               [f"exit {proc.returncode}"])
        return json.loads(report.read_text(encoding="utf-8"))


def got_from(report: dict, exp: Expected) -> tuple[int, float | None]:
    """(count, hold seconds to compare with exp.hold_s)."""
    holds, reps = report.get("holds", []), report.get("reps", [])
    count = len(holds) if holds and not reps else report["summary"]["rep_count"]
    if exp.hold_s is None:
        return count, None
    if exp.each:
        times = [r["hold_s"] for r in (reps or holds)]
        return count, sum(times) / len(times) if times else 0.0
    return count, float(report["summary"]["hold_seconds"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", action="store_true", help="use samples/tracks/*.npz (no model)")
    ap.add_argument("--videos", type=Path, default=DEFAULT_VIDEOS,
                    help="folder with the clips and MANIFEST.tsv")
    ap.add_argument("--track-dir", type=Path, default=ROOT / "samples" / "tracks")
    args = ap.parse_args(argv)

    manifest = args.videos / "MANIFEST.tsv"
    if not manifest.exists():
        print(f"no manifest at {manifest}", file=sys.stderr)
        return 2
    mode = "tracks" if args.tracks else "videos"
    print(f"formcheck accuracy benchmark on the {mode} of {manifest}\n")
    head = f"{'clip':<28} {'exercise':<31} {'expected':>9} {'got':>5} {'diff':>5}  " \
           f"{'hold exp':>8} {'hold got':>8} {'err':>6}  note"
    print(head)
    print("-" * len(head))
    diffs: list[int] = []
    hold_errs: list[float] = []
    for row in read_manifest(manifest):
        clip = Path(row["file"]).stem
        ex, variant, skip = exercise_for(clip)
        exp = parse_truth(row.get("true_rep_count", ""))
        if skip is None and exp is None:
            skip = f"no hand count ({row.get('true_rep_count', '')!r})"
        loop = float(row.get("duration_s") or 0) <= LOOP_MAX_S
        notes = ["short loop"] if loop else []
        name = ex + (f"[{variant}]" if variant else "") if ex else "-"
        if skip:
            print(f"{clip:<28} {name:<31} {'':>9} {'':>5} {'':>5}  {'':>8} {'':>8} {'':>6}  "
                  f"skipped: {skip}")
            continue
        assert ex is not None and exp is not None
        source = (args.track_dir / f"{clip}.npz") if args.tracks else (args.videos / row["file"])
        if not source.exists():
            print(f"{clip:<28} {name:<31} missing {source}")
            continue
        try:
            report = analyze(source, ex, variant, use_model=not args.tracks)
        except RuntimeError as exc:
            print(f"{clip:<28} {name:<31} failed: {exc}")
            continue
        count, hold = got_from(report, exp)
        hold_txt = err_txt = ""
        if exp.hold_s is not None and hold is not None:
            hold_errs.append(abs(hold - exp.hold_s))
            hold_txt, err_txt = f"{hold:.1f}", f"{hold - exp.hold_s:+.1f}"
            notes.insert(0, "hold each" if exp.each else "hold")
        exp_reps = "" if exp.reps is None else str(exp.reps)
        diff_txt = ""
        if exp.reps is not None:  # a hold exercise's rep is one hold
            diffs.append(count - exp.reps)
            diff_txt = f"{count - exp.reps:+d}"
        exp_hold = "" if exp.hold_s is None else f"{exp.hold_s:.1f}"
        print(f"{clip:<28} {name:<31} {exp_reps:>9} {count:>5} {diff_txt:>5}  {exp_hold:>8} "
              f"{hold_txt:>8} {err_txt:>6}  {', '.join(notes)}")

    print()
    if diffs:
        n = len(diffs)
        exact = sum(d == 0 for d in diffs) / n
        within = sum(abs(d) <= 1 for d in diffs) / n
        mae = sum(abs(d) for d in diffs) / n
        print(f"rep counts on {n} clips: exact {exact:.0%}, within one {within:.0%}, "
              f"mean absolute error {mae:.2f} reps")
    if hold_errs:
        print(f"hold time on {len(hold_errs)} clips: mean absolute error "
              f"{sum(hold_errs) / len(hold_errs):.2f} s, worst {max(hold_errs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
