"""`formcheck batch` (issue 16): reports equal analyze's, reruns skip what is done, a killed
batch resumes with every video done once, failures are rows, the track cache replays without
the model, and a real loopback Ray cluster gives the local executor's results."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.analyze import analyze_track
from formcheck.pipeline.session import SessionOutputs

REPO = Path(__file__).resolve().parent.parent
TRACKS = REPO / "samples" / "tracks"
GOOD = [TRACKS / "glute_bridge_ndn_1.npz", TRACKS / "glute_bridge_kin_1.npz"]


def batch(*args: str | Path, check: int | None = 0, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "formcheck", "batch", "-q", *map(str, args)],
                          capture_output=True, text=True, timeout=600, **kw)
    if check is not None:
        assert proc.returncode == check, proc.stderr + proc.stdout
    return proc


def rows(out: Path) -> dict[str, dict]:
    with sqlite3.connect(out / "state.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return {Path(r["video"]).name: dict(r) for r in db.execute("SELECT * FROM videos")}


def outcome(report: dict) -> dict:
    """What must agree: counts, reps (times, angles, faults), holds, warnings."""
    return {k: report[k] for k in ("exercise", "side", "summary", "reps", "holds",
                                   "frames", "frames_with_person", "warnings", "partial")}


def load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def test_inputs_folders_manifests_once_each(tmp_path):
    from formcheck.batch.inputs import collect
    from formcheck.errors import UserError

    clips = tmp_path / "clips" / "week"
    clips.mkdir(parents=True)
    for name in ("b.mp4", "a.MOV", "notes.txt"):
        (clips / name).write_bytes(b"x")
    out = tmp_path / "clips" / "out"  # the batch's own folder is never an input
    (out / "videos").mkdir(parents=True)
    (out / "videos" / "old.mp4").write_bytes(b"x")
    manifest = tmp_path / "list.csv"
    manifest.write_text("video,exercise,person,date\nclips/week/b.mp4,plank,Ann,2026-11-20\n"
                        ",,,\n")
    items = collect([manifest, tmp_path / "clips"], out)
    assert [(i.video.name, i.exercise, i.person) for i in items] == [
        ("b.mp4", "plank", "Ann"), ("a.MOV", "", "")]
    manifest.write_text("video,exercise,colour\nb.mp4,plank,red\n")
    with pytest.raises(UserError, match="line 1: unknown column 'colour'"):
        collect([manifest], out)
    manifest.write_text("video,exercise\nb.mp4,plank\n,plank\n")
    with pytest.raises(UserError, match="line 3: no video named"):
        collect([manifest], out)


@pytest.mark.slow
def test_tracks_failures_summary_and_rerun(tmp_path):
    broken = tmp_path / "in" / "broken.mp4"
    broken.parent.mkdir()
    broken.write_bytes(os.urandom(4000))
    manifest = tmp_path / "in" / "list.csv"
    manifest.write_text("video,exercise,side,person,date\n"
                        f"{GOOD[0]},glute_bridge,,Ann,2026-11-20\n"
                        f"{TRACKS / 'clamshell_ndn_1.npz'},no_such_exercise,,Bo,2026-11-21\n")
    out = tmp_path / "out"
    first = batch(manifest, GOOD[1], broken, "--exercise", "glute_bridge", "--out-dir", out)
    assert "2 done (3 analysed now, 0 already recorded), 2 failed" in first.stdout
    state = rows(out)
    assert {n: r["status"] for n, r in state.items()} == {
        "glute_bridge_ndn_1.npz": "done", "glute_bridge_kin_1.npz": "done",
        "clamshell_ndn_1.npz": "failed", "broken.mp4": "failed"}
    assert "unknown exercise 'no_such_exercise'" in state["clamshell_ndn_1.npz"]["reason"]
    assert "not a video formcheck can open" in state["broken.mp4"]["reason"]
    expected = {}
    for track in GOOD:  # the same report as analyze gives
        expected[track.name] = outcome(analyze_track(
            track, get_exercise("glute_bridge"), side=None,
            outputs=SessionOutputs(history=False)).report.to_dict())
        assert outcome(load(state[track.name]["report"])) == expected[track.name]
    assert load(state["glute_bridge_ndn_1.npz"]["report"])["summary"]["rep_count"] == 3

    with (out / "summary.csv").open() as f:
        summary = {Path(r["video"]).name: r for r in csv.DictReader(f)}
    ann = summary["glute_bridge_ndn_1.npz"]
    assert (ann["person"], ann["date"], ann["reps"], ann["good_reps"], ann["status"]) == (
        "Ann", "2026-11-20", "3", "3", "done")
    assert summary["broken.mp4"]["status"] == "failed"
    html = (out / "summary.html").read_text()
    assert f'href="reports/{Path(ann["report"]).name}"' in html
    assert "2 done, 2 failed" in html

    # A second run does nothing: no video analysed, no output rewritten.
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "reports").iterdir()}
    second = batch(manifest, GOOD[1], broken, "--exercise", "glute_bridge", "--out-dir", out)
    assert "2 done (0 analysed now, 4 already recorded), 2 failed" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in (out / "reports").iterdir()} == mtimes
    assert rows(out) == state
    # --strict: failures make the exit code 1; --retry-failed runs them again.
    third = batch(GOOD[1], broken, "--exercise", "glute_bridge", "--out-dir", out,
                  "--strict", "--retry-failed", check=1)
    assert "(1 analysed now, 1 already recorded), 1 failed" in third.stdout
    # A report deleted by hand is made again, under the same name.
    kin = Path(state["glute_bridge_kin_1.npz"]["report"])
    kin.unlink()
    fourth = batch(GOOD[1], "--exercise", "glute_bridge", "--out-dir", out)
    assert "1 done (1 analysed now, 0 already recorded), 0 failed" in fourth.stdout
    assert outcome(load(kin)) == expected[GOOD[1].name]


@pytest.mark.slow
def test_changed_threshold_reruns_beside_the_first(tmp_path):
    """A changed threshold is another job: it runs again, and its report lands beside the
    first one, which is kept as it was."""
    out = tmp_path / "out"
    edited = tmp_path / "glute_bridge.toml"
    toml = (REPO / "formcheck" / "exercises" / "glute_bridge.toml").read_text()
    edited.write_text(toml)
    batch(GOOD[0], "--exercise-file", edited, "--out-dir", out)
    (first,) = (out / "reports").iterdir()
    before = first.read_bytes()
    assert "min_duration_s = 1.0" in toml
    edited.write_text(toml.replace("min_duration_s = 1.0", "min_duration_s = 9.0"))
    again = batch(GOOD[0], "--exercise-file", edited, "--out-dir", out)
    assert "(1 analysed now, 0 already recorded)" in again.stdout
    assert first.read_bytes() == before
    (second,) = set((out / "reports").iterdir()) - {first}
    assert load(second)["summary"]["rep_count"] < load(first)["summary"]["rep_count"] == 3


def _clip(path: Path, frames: int = 90) -> Path:
    """A generated clip with no person in it: a grey square sliding over a dark room."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    for i in range(frames):
        img = np.full((240, 320, 3), 40, np.uint8)
        cv2.rectangle(img, (10 + i * 2, 80), (70 + i * 2, 160), (150, 150, 150), -1)
        writer.write(img)
    writer.release()
    return path


@pytest.mark.slow
def test_generated_clip_without_a_person_is_a_failed_row(tmp_path, model_path):
    clip = _clip(tmp_path / "empty_room.mp4")
    out = tmp_path / "out"
    batch(clip, GOOD[0], "--exercise", "glute_bridge", "--out-dir", out, "--workers", "1")
    state = rows(out)
    assert state["empty_room.mp4"]["status"] == "failed"
    assert state["empty_room.mp4"]["reason"] == "no person found in the video"
    assert state["glute_bridge_ndn_1.npz"]["status"] == "done"
    # its track was still extracted: the second look at it needs no model
    assert Path(state["empty_room.mp4"]["track"]).is_file()


@pytest.mark.slow
@pytest.mark.clips
def test_clips_equal_analyze_and_cache_replays(tmp_path, videos, model_path):
    clips = [videos / "glute_bridge_crv_2.mp4", videos / "glute_bridge_kin_1.mp4"]
    out = tmp_path / "out"
    # One worker: the second clip runs on the landmarker the first one used (restarted).
    batch(*clips, "--exercise", "glute_bridge", "--out-dir", out, "--workers", "1",
          "--video")
    state = rows(out)
    for clip in clips:
        report = tmp_path / f"{clip.stem}.json"
        subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(clip), "--exercise",
                        "glute_bridge", "--workers", "1", "--report", str(report),
                        "--no-history", "-q"], check=True, capture_output=True, timeout=600)
        row = state[clip.name]
        assert row["status"] == "done" and row["replayed"] == 0
        assert row["worker"] == state[clips[0].name]["worker"]
        assert outcome(load(row["report"])) == outcome(load(report))
        assert Path(row["annotated"]).stat().st_size > 10_000
    assert load(state["glute_bridge_crv_2.mp4"]["report"])["summary"]["rep_count"] == 2

    # Another exercise definition: the cached tracks are replayed (no landmarker is made).
    batch(*clips, "--exercise", "chair_bridge", "--out-dir", out)
    again = rows(out)
    for clip in clips:
        assert again[clip.name]["status"] == "done" and again[clip.name]["replayed"] == 1
        replayed = load(again[clip.name]["report"])
        assert replayed["frames"] == load(state[clip.name]["report"])["frames"]


@pytest.mark.slow
@pytest.mark.clips
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_batch_resumes_with_every_video_done_once(tmp_path, videos, model_path, sig):
    inputs = [GOOD[0], videos / "glute_bridge_crv_2.mp4", GOOD[1]]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "formcheck", "batch", "-q", *map(str, inputs), "--exercise",
           "glute_bridge", "--out-dir", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # stop it once the first video is recorded
        try:
            if any(r["status"] == "done" for r in rows(out).values()):
                break
        except sqlite3.OperationalError:  # not made yet
            pass
        time.sleep(0.05)
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    if sig != signal.SIGKILL:  # the summary is written on the way out
        with (out / "summary.csv").open() as f:
            assert [r["status"] for r in csv.DictReader(f)] == ["done", "to do", "to do"]
    before = rows(out)
    assert before["glute_bridge_ndn_1.npz"]["status"] == "done"
    assert before["glute_bridge_crv_2.mp4"]["status"] != "done"  # it was in flight
    assert before["glute_bridge_kin_1.npz"]["status"] != "done"

    resumed = batch(*inputs, "--exercise", "glute_bridge", "--out-dir", out)
    assert "3 done (2 analysed now, 1 already recorded), 0 failed" in resumed.stdout
    after = rows(out)
    assert after["glute_bridge_ndn_1.npz"] == before["glute_bridge_ndn_1.npz"]
    reports = sorted(p.name for p in (out / "reports").iterdir())
    assert len(reports) == 3 and sorted(Path(r["report"]).name for r in after.values()) \
        == reports
    assert load(after["glute_bridge_crv_2.mp4"]["report"])["summary"]["rep_count"] == 2


@pytest.mark.slow
def test_ray_cluster_gives_the_local_results(tmp_path, model_path):
    pytest.importorskip("ray", reason="Ray is the optional extra formcheck[cluster]")
    from raycluster import LoopbackCluster

    clip = _clip(tmp_path / "empty_room.mp4", frames=30)
    inputs = [*GOOD, TRACKS / "clamshell_ndn_1.npz", clip]
    local = tmp_path / "local"
    batch(*inputs, "--exercise", "glute_bridge", "--out-dir", local, "--workers", "2")
    temp = Path(f"/tmp/fc-ray-{os.getpid()}")
    cluster = LoopbackCluster(temp, 20000 + os.getpid() % 20000)
    try:
        cluster.start()
        assert cluster.nodes() == 2
        remote = tmp_path / "remote"
        batch(*inputs, "--exercise", "glute_bridge", "--out-dir", remote, "--executor",
              "ray", "--address", cluster.address, env=cluster.env)
    finally:
        cluster.stop()
    a, b = rows(local), rows(remote)
    assert set(a) == set(b) and len(a) == 4
    for name in a:
        assert (a[name]["status"], a[name]["reason"]) == (b[name]["status"], b[name]["reason"])
        if a[name]["report"]:
            ra, rb = load(a[name]["report"]), load(b[name]["report"])
            assert {k: v for k, v in ra.items() if k != "started_at"} == \
                {k: v for k, v in rb.items() if k != "started_at"}
    assert b["empty_room.mp4"]["reason"] == "no person found in the video"
