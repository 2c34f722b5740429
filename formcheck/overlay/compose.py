"""`Overlay`: the default annotators in drawing order, behind one per-frame call."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.overlay.angle import AngleAnnotator
from formcheck.overlay.cue import CueAnnotator, NoPersonAnnotator
from formcheck.overlay.hud import FpsAnnotator, HudAnnotator
from formcheck.overlay.skeleton import Keypoints, SkeletonAnnotator
from formcheck.pose.landmarks import PoseFrame


class Overlay:
    """Skeleton, key angle, counters, cue, fps and the no-person notice.

    Swap any annotator (or pass a subclass) to restyle one layer without touching the rest.
    """

    def __init__(self, min_visibility: float = 0.5,
                 skeleton: SkeletonAnnotator | None = None,
                 angle: AngleAnnotator | None = None,
                 hud: HudAnnotator | None = None,
                 cue: CueAnnotator | None = None,
                 fps: FpsAnnotator | None = None,
                 no_person: NoPersonAnnotator | None = None) -> None:
        self.min_visibility = min_visibility
        self.skeleton = skeleton or SkeletonAnnotator()
        self.angle = angle or AngleAnnotator()
        self.hud = hud or HudAnnotator()
        self.cue = cue or CueAnnotator()
        self.fps = fps or FpsAnnotator()
        self.no_person = no_person or NoPersonAnnotator()

    def draw(self, image: np.ndarray, pose: PoseFrame | None, state: AnalysisState | None,
             fps: float | None = None, mirrored: bool = False) -> np.ndarray:
        """Draw on `image` in place and return it; use the return value, because a
        non-contiguous or read-only input (e.g. a numpy-flipped view) is copied first.

        `mirrored=True` means the caller already flipped the image for a selfie view:
        landmarks are flipped to match, text is drawn unflipped.
        """
        if not (image.flags.c_contiguous and image.flags.writeable):
            image = image.copy()  # C-contiguous and writeable, as cv2 needs
        h, w = image.shape[:2]
        kp = Keypoints.from_pose(pose, w, h, mirrored, self.min_visibility)
        visible = kp is not None and (state is None or state.person_visible)
        if kp is not None:
            self.skeleton.annotate(image, kp, state.side if state else None)
            if visible:
                self.angle.annotate(image, kp, state)
        self.hud.annotate(image, state)
        if not visible:
            self.no_person.annotate(image)
        self.cue.annotate(image, state.cue if state else None)
        self.fps.annotate(image, fps)
        return image
