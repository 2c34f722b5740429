"""The per-frame step shared by analyze and live: a frame and its pose in, the analysis state
and the drawn scene out. Both modes call only this, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.pipeline.session import Session
from formcheck.pose.landmarks import PoseFrame
from formcheck.pose.smoothing import PoseSmoother


@dataclass
class FrameStep:
    """Observe the raw pose (report, saved track), smooth it, analyse it, and draw the scene
    from `image` when there is an overlay. `mirrored`: the image is already flipped for a
    selfie view (live on a camera)."""

    session: Session
    overlay: object | None = None  # formcheck.overlay.Overlay
    mirrored: bool = False
    smoother: PoseSmoother = field(default_factory=PoseSmoother)

    def __call__(self, image: np.ndarray | None, pose: PoseFrame, *, fps: float | None = None,
                 size: tuple[int, int] | None = None, notice: str | None = None,
                 set_number: int | None = None
                 ) -> tuple[AnalysisState | None, np.ndarray | None]:
        """`size`: the screen's (the scene is drawn at it); `notice`: a message for the middle
        of the screen; `set_number`: the set as the person counts them (live keys)."""
        self.session.observe(pose)
        smooth = self.smoother(pose)
        state = self.session.engine.update(smooth)
        if set_number is not None:
            state = replace(state, set_count=set_number)
        if self.overlay is None or image is None:
            return state, None
        scene = self.overlay.draw(image, smooth, state, fps,  # type: ignore[attr-defined]
                                  mirrored=self.mirrored, size=size, notice=notice)
        return state, scene
