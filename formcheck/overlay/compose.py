"""`Overlay`: the default annotators in drawing order, behind one per-frame call."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.overlay.angle import AngleAnnotator
from formcheck.overlay.cue import CueAnnotator, NoPersonAnnotator, NoticeAnnotator
from formcheck.overlay.hud import FpsAnnotator, HudAnnotator
from formcheck.overlay.screen import layout, letterbox
from formcheck.overlay.skeleton import Keypoints, SkeletonAnnotator
from formcheck.pose.landmarks import PoseFrame


class Overlay:
    """Skeleton, key angle, counters, cue, fps, the no-person notice and the live notices.

    Swap any annotator (or pass a subclass) to restyle one layer without touching the rest.
    """

    def __init__(self, min_visibility: float = 0.5,
                 skeleton: SkeletonAnnotator | None = None,
                 angle: AngleAnnotator | None = None,
                 hud: HudAnnotator | None = None,
                 cue: CueAnnotator | None = None,
                 fps: FpsAnnotator | None = None,
                 no_person: NoPersonAnnotator | None = None,
                 notice: NoticeAnnotator | None = None) -> None:
        self.min_visibility = min_visibility
        self.skeleton = skeleton or SkeletonAnnotator()
        self.angle = angle or AngleAnnotator()
        self.hud = hud or HudAnnotator()
        self.cue = cue or CueAnnotator()
        self.fps = fps or FpsAnnotator()
        self.no_person = no_person or NoPersonAnnotator()
        self.notice = notice or NoticeAnnotator(size=2.0, color=(0, 200, 255))

    def draw(self, image: np.ndarray, pose: PoseFrame | None, state: AnalysisState | None,
             fps: float | None = None, mirrored: bool = False,
             size: tuple[int, int] | None = None, notice: str | None = None) -> np.ndarray:
        """The scene: `image` placed on a canvas of `size` (None: its own size, drawn on in
        place when it can be), with everything drawn on it. Use the return value.

        `mirrored=True` means the caller already flipped the image for a selfie view:
        landmarks are flipped to match, text is drawn unflipped. `notice`: a message for the
        middle of the screen (paused, a set restarted)."""
        h, w = image.shape[:2]
        lay = layout((w, h), size)
        scene = letterbox(image, lay)
        video = lay.video.of(scene)
        kp = Keypoints.from_pose(pose, lay.video.w, lay.video.h, mirrored, self.min_visibility)
        visible = kp is not None and (state is None or state.person_visible)
        if kp is not None:
            self.skeleton.annotate(video, kp, state.side if state else None)
            if visible:
                self.angle.annotate(video, kp, state)
        self.hud.annotate(scene, state, lay.panel, over_video=not lay.beside)
        if notice:
            self.notice.annotate(scene, notice)
        elif not visible:
            self.no_person.annotate(video)
        # the cue under the counters when they have their own space, else across the bottom
        self.cue.annotate(lay.panel.of(scene) if lay.beside else scene,
                          state.cue if state else None)
        self.fps.annotate(scene, fps)
        return scene

    def waiting(self, message: str, size: tuple[int, int]) -> np.ndarray:
        """A screen with only a notice ("Getting ready...") while there is nothing to show."""
        scene = np.zeros((size[1], size[0], 3), np.uint8)
        return self.notice.annotate(scene, message)
