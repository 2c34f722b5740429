"""Child process that runs PoseLandmarker on the known image: `python -m ...probe MODEL`.

Kept out of the caller's process because a broken model can crash MediaPipe or leave it
deadlocked (a bundle with swapped members fails in detect, its close() fails too, and the
landmarker's __del__ later hangs the interpreter). Prints one JSON line:
{"people": n, "nose": [x, y]} or {"error": "..."}.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources

VERIFY_IMAGE = "verify_person.jpg"  # NASA astronaut portrait, public domain (see models/README)


def probe(model: str) -> dict:
    from formcheck.pose.tasks_api import import_tasks

    mp = import_tasks()
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=model),
        running_mode=vision.RunningMode.IMAGE,
    )
    with resources.as_file(resources.files(__package__) / VERIFY_IMAGE) as image_path:
        image = mp.Image.create_from_file(str(image_path))
    try:
        with vision.PoseLandmarker.create_from_options(options) as landmarker:
            result = landmarker.detect(image)
    except Exception as exc:  # noqa: BLE001 - any failure here means "unusable model"
        return {"error": " ".join(str(exc).split())[:300] or type(exc).__name__}
    if not result.pose_landmarks:
        return {"people": 0}
    nose = result.pose_landmarks[0][0]
    return {"people": len(result.pose_landmarks), "nose": [nose.x, nose.y]}


def main() -> None:
    print(json.dumps(probe(sys.argv[1])), flush=True)
    os._exit(0)  # skip interpreter teardown: a failed landmarker's __del__ can hang there


if __name__ == "__main__":
    main()
