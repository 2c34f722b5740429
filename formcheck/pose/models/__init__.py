"""Pose landmarker models: find, download or build offline, and verify `.task` bundles.

Others call `resolve_model(variant, model_path)` and get a path that MediaPipe's
PoseLandmarker is known to load and to find a person with.
"""

from formcheck.pose.models.errors import ModelError
from formcheck.pose.models.resolve import Prepared, model_status, prepare, resolve_model
from formcheck.pose.models.variants import DEFAULT_VARIANT, VARIANTS

__all__ = [
    "DEFAULT_VARIANT",
    "VARIANTS",
    "ModelError",
    "Prepared",
    "model_status",
    "prepare",
    "resolve_model",
]
