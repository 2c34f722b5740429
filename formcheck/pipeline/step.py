"""The per-frame step shared by analyze and live: a frame and its pose in, the analysis state
and the drawn scene out. Both modes call only this, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.pipeline.session import Session
from formcheck.pose.landmarks import PoseFrame
from formcheck.pose.smoothing import PoseSmoother


@dataclass
class FrameStep:
    """Observe the raw pose (report, saved track), smooth it, analyse it unless paused, and
    draw on `image` when there is an overlay. `mirrored`: the image is already flipped for a
    selfie view (live on a camera)."""

    session: Session
    overlay: object | None = None  # formcheck.overlay.Overlay
    mirrored: bool = False
    smoother: PoseSmoother = field(default_factory=PoseSmoother)

    def __call__(self, image: np.ndarray | None, pose: PoseFrame, *, paused: bool = False,
                 fps: float | None = None) -> tuple[AnalysisState | None, np.ndarray | None]:
        state = None
        if paused:
            smooth = self.smoother(pose)
        else:
            self.session.observe(pose)
            smooth = self.smoother(pose)
            state = self.session.engine.update(smooth)
        if self.overlay is None or image is None:
            return state, None
        scene = self.overlay.draw(image, smooth, state, fps,  # type: ignore[attr-defined]
                                  mirrored=self.mirrored)
        if paused:
            cv2.putText(scene, "PAUSED (space to resume)", (20, scene.shape[0] - 30),
                        cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 200, 255), 2)
        return state, scene

    def reset(self) -> None:
        self.session.engine.reset()
