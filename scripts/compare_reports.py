"""Reports of every dev clip and saved track, for comparing two versions of formcheck (not a
test: the clips take minutes through the model).

    python scripts/compare_reports.py run OUT_DIR [--tracks-only]   # with the version to record
    python scripts/compare_reports.py diff OLD_DIR NEW_DIR          # what changed, exit 1 if any
    python scripts/compare_reports.py tracks OUT.json               # tests/data/track_reports.json

`run` analyses each clip of ../shared/videos/MANIFEST.tsv that has a formcheck exercise with
`formcheck analyze` (default workers, full model) from the repository it is run in (the
current directory), and replays every committed track of samples/tracks the same way; it
writes each report JSON without its creation time (the one field that differs run to run)
and with the source's file name only (checkouts differ in where they are). `tracks` replays
the committed tracks in-process into one file: what tests/test_same_reports.py expects.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import bench_accuracy as acc  # noqa: E402

VOLATILE = ("started_at",)


def normalised(report: Path | dict) -> dict:
    data = report if isinstance(report, dict) else json.loads(report.read_text(encoding="utf-8"))
    for key in VOLATILE:
        data.pop(key, None)
    if isinstance(data.get("source"), str):  # the checkout the track was replayed from
        data["source"] = Path(data["source"]).name
    return data


def analyze(target: Path, exercise: str, variant: str | None, out: Path, cwd: Path,
            model: Path | None) -> str | None:
    """One `formcheck analyze`; the error line if it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        cmd = [sys.executable, "-m", "formcheck", "analyze", str(target), "-e", exercise,
               "--report", str(report), "--no-history", "-q"]
        cmd += ["--variant", variant] if variant else []
        cmd += ["--model-path", str(model)] if model else []
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
        if proc.returncode != 0 or not report.exists():
            return (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit "
                                                                              f"{proc.returncode}"]
        out.write_text(json.dumps(normalised(report), indent=1, sort_keys=True),
                       encoding="utf-8")
    return None


def run(out: Path, tracks_only: bool) -> int:
    cwd = Path.cwd()
    out.mkdir(parents=True, exist_ok=True)
    from formcheck.analysis.exercise import builtin_exercises

    catalogue = builtin_exercises()
    videos = REPO.parent / "shared" / "videos"
    plans = [acc.plan_clip(r, catalogue) for r in acc.read_manifest(videos / "MANIFEST.tsv")]
    model, why = acc.model_path("full")
    failed = 0
    for plan in plans:
        if plan.skip or not plan.checks:
            continue
        check = plan.checks[0]
        targets = [("track", cwd / "samples" / "tracks" / f"{plan.clip}.npz")]
        if not tracks_only:
            targets.append(("video", videos / plan.file))
        for kind, target in targets:
            if not target.exists():
                continue
            err = analyze(target, check.exercise, check.variant,
                          out / f"{plan.clip}.{kind}.json", cwd, model)
            failed += err is not None
            print(f"{plan.clip} {kind} {check.name}: {err or 'ok'}", flush=True)
    return 1 if failed else 0


def _plans() -> list:
    from formcheck.analysis.exercise import builtin_exercises

    videos = REPO.parent / "shared" / "videos"
    rows = acc.read_manifest(videos / "MANIFEST.tsv")
    return [p for p in (acc.plan_clip(r, builtin_exercises()) for r in rows)
            if not p.skip and p.checks]


def tracks(out: Path) -> int:
    """Every committed track with its clip's exercise, replayed here: {clip: exercise,
    variant, report}."""
    found = {}
    for plan in _plans():
        track = Path.cwd() / "samples" / "tracks" / f"{plan.clip}.npz"
        if track.exists():
            check = plan.checks[0]
            report = normalised(acc.analyze_track_file(track, check))
            found[plan.clip] = {"exercise": check.exercise, "variant": check.variant,
                                "report": report}
    out.write_text(json.dumps(found, indent=None, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(found)} track reports written to {out}")
    return 0


def diff(old: Path, new: Path) -> int:
    names = sorted({p.name for p in old.glob("*.json")} | {p.name for p in new.glob("*.json")})
    changed = 0
    for name in names:
        a, b = old / name, new / name
        if not (a.exists() and b.exists()):
            print(f"{name}: only in {'old' if a.exists() else 'new'}")
            changed += 1
        elif json.loads(a.read_text()) != json.loads(b.read_text()):
            print(f"{name}: differs")
            changed += 1
    print(f"{len(names)} reports, {changed} differ")
    return 1 if changed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--tracks-only", action="store_true")
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    t = sub.add_parser("tracks")
    t.add_argument("out", type=Path)
    args = ap.parse_args()
    if args.cmd == "tracks":
        return tracks(args.out)
    return run(args.out, args.tracks_only) if args.cmd == "run" else diff(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
