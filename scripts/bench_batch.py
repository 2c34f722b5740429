"""How `formcheck batch` scales: N dev clips with 1, 2 and all local workers and on a local
Ray, then the same videos again with another exercise (the cached tracks replayed without the
model). Prints videos/minute, the speed-up over one worker, each worker's peak memory (from
the batch state) and the replay speed-up. One run gives ratios from the same machine state;
on a shared machine run it twice and compare.

    python scripts/bench_batch.py [--videos N] [--no-ray]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VIDEOS = Path(os.environ.get("FORMCHECK_TEST_VIDEOS", REPO.parent / "shared" / "videos"))
# Short clips of exercises formcheck has, shortest first (a few seconds each).
CLIPS = ["glute_bridge_crv_2", "glute_bridge_kin_1", "single_leg_rdl_kin_1", "plank_tfa_1",
         "plank_sbc_1", "hamstring_curl_anv_1", "squat_vkg_1", "plank_drw_1"]
EXERCISE = {"glute_bridge": "glute_bridge", "single_leg_rdl": "single_leg_rdl",
            "plank": "plank", "hamstring_curl": "glute_bridge", "squat": "glute_bridge"}


def _manifest(n: int, folder: Path, exercise: str = "") -> Path:
    """The clips with their own exercise, or all with `exercise`."""
    rows = ["video,exercise,side,person,date"]
    for name in CLIPS[:n]:
        kind = name.rsplit("_", 2)[0]
        ex = exercise or EXERCISE.get(kind, "glute_bridge")
        rows.append(f"{VIDEOS / (name + '.mp4')},{ex},,,")
    path = folder / f"bench{exercise}.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _run(args: list[str], out: Path) -> tuple[float, dict[str, list[float]]]:
    """Wall time of one batch, and each worker's peak memory (MB) after each of its videos
    (flat when nothing piles up from video to video)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "formcheck", "batch", "-q", *args,
                           "--out-dir", str(out)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"batch failed: {proc.stderr or proc.stdout}")
    with sqlite3.connect(out / "state.sqlite3") as db:
        failed = db.execute("SELECT video, reason FROM videos WHERE status != 'done'").fetchall()
        memory: dict[str, list[float]] = {}
        for worker, rss in db.execute("SELECT worker, rss_mb FROM videos WHERE worker != '' "
                                      "ORDER BY rowid"):  # per worker: its order
            memory.setdefault(worker, []).append(rss)
    if failed:
        print(f"  note: {len(failed)} failed: {failed[0]}")
    return wall, memory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=6)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    if not (VIDEOS / "MANIFEST.tsv").exists():
        sys.exit(f"dev clips not found at {VIDEOS}")
    n = min(args.videos, len(CLIPS))
    cores = os.cpu_count() or 1
    configs = [("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"]),
               (f"local, all ({cores}) workers", [])]
    try:
        import ray  # noqa: F401

        if not args.no_ray:
            configs.append(("ray, local cluster", ["--executor", "ray"]))
    except ImportError:
        print("ray not installed (pip install 'formcheck[cluster]'): Ray skipped")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        manifest = _manifest(n, folder)
        print(f"{n} videos, {cores} cores, load {os.getloadavg()[0]:.1f}")
        base = None
        for i, (label, extra) in enumerate(configs):
            out = folder / f"out{i}"
            wall, memory = _run([str(manifest), *extra], out)
            base = base or wall
            mem = ", ".join("->".join(f"{m:.0f}" for m in ms) for ms in memory.values())
            print(f"{label:28s} {wall:6.1f} s  {60 * n / wall:5.1f} videos/min  "
                  f"speed-up {base / wall:4.2f}  peak MB per worker after each video: {mem}")
        # The first run's tracks, replayed with another exercise (no model), same workers.
        wall, _ = _run([str(_manifest(n, folder, "chair_bridge")), "--workers", "1"],
                       folder / "out0")
        print(f"{'replay cached tracks, 1 w.':28s} {wall:6.1f} s  {60 * n / wall:5.1f} "
              f"videos/min  speed-up over the model {base / wall:4.1f}")


if __name__ == "__main__":
    main()
