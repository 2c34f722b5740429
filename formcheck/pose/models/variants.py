"""The pose landmarker variants and the constants that define a valid `.task` bundle."""

from __future__ import annotations

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"

# Members of a pose landmarker `.task` zip, as the MediaPipe Tasks graph looks them up.
DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKS_MEMBER = "pose_landmarks_detector.tflite"
MEMBERS: tuple[str, ...] = (DETECTOR_MEMBER, LANDMARKS_MEMBER)

# Float image input normalisation, (mean, std): the Tasks graph reads it from each model's
# metadata to scale pixels; the detector expects [-1, 1], the landmark model [0, 1].
DETECTOR_NORM = (127.5, 127.5)
LANDMARKS_NORM = (0.0, 255.0)

OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)


def check_variant(variant: str) -> str:
    """Return `variant` if known; raise ValueError naming the choices otherwise."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown pose model variant {variant!r} (choose {', '.join(VARIANTS)})")
    return variant


def task_filename(variant: str) -> str:
    return f"pose_landmarker_{check_variant(variant)}.task"


def official_url(variant: str) -> str:
    return OFFICIAL_URL.format(variant=check_variant(variant))
