"""Extract raw (unsmoothed) pose tracks from videos: our own data, safe to commit.

Usage: python scripts/extract_tracks.py OUT_DIR VIDEO... [--model PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from formcheck import native_log
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.landmarks import PoseTrack
from formcheck.source.video import VideoFileSource


def extract(video: Path, model: Path, second_look: Path | None = None) -> PoseTrack:
    frames = []
    with VideoFileSource(video) as src, PoseEstimator(model, second_look=second_look) as est:
        for f in src:
            frames.append(est.detect(f.image, f.t_s, f.index))
        meta = {"source": video.name, "model": model.name,
                "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "multi_person_seen": est.selector.multi_person_seen}
        if est.second_look is not None:
            meta["second_look"] = {"model": second_look.name, "looked": est.second_look.looked,
                                   "taken": est.second_look.taken}
        if est.lock_check is not None:
            meta["lock_check"] = {"frames": est.lock_check.frames, "taken": est.lock_check.taken}
        return PoseTrack.from_frames(frames, src.info.fps, meta, src.info.width, src.info.height)


def main() -> None:
    native_log.redirect()  # MediaPipe's native chatter to a log file, as the commands do
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--second-look", type=Path, default=None,
                    help="a larger model for the frames where --model is unsure")
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for v in args.videos:
        track = extract(v, args.model, args.second_look)
        out = args.out_dir / f"{v.stem}.npz"
        track.save(out)
        print(f"{v.name}: {len(track)} frames, person in {int(track.detected.sum())} -> {out}")


if __name__ == "__main__":
    main()
