"""Overlay: small composable annotators (each `annotate(scene, data) -> scene`, drawing
in place) and `Overlay`, which draws the default set per frame."""

from formcheck.overlay.angle import AngleAnnotator
from formcheck.overlay.canvas import blank_canvas
from formcheck.overlay.compose import Overlay
from formcheck.overlay.cue import CueAnnotator, NoPersonAnnotator, NoticeAnnotator
from formcheck.overlay.hud import FpsAnnotator, HudAnnotator
from formcheck.overlay.skeleton import Keypoints, SkeletonAnnotator

__all__ = [
    "AngleAnnotator",
    "CueAnnotator",
    "FpsAnnotator",
    "HudAnnotator",
    "Keypoints",
    "NoPersonAnnotator",
    "NoticeAnnotator",
    "Overlay",
    "SkeletonAnnotator",
    "blank_canvas",
]
