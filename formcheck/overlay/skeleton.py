"""Landmarks in drawing coordinates, and the skeleton annotator."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.overlay.canvas import AA, Color, scale_of
from formcheck.pose.landmarks import LM, POSE_CONNECTIONS, PoseFrame

LEFT = frozenset(int(m) for m in LM if m.name.startswith("LEFT_"))
RIGHT = frozenset(int(m) for m in LM if m.name.startswith("RIGHT_"))


@dataclass(frozen=True)
class Keypoints:
    """Landmarks in pixels of the image being drawn on, already mirrored if it was.

    Built from the normalised coordinates (not `PoseFrame.pixels`) so a frame that was
    resized for display, or a replay canvas of another size, still lines up.
    """

    xy: np.ndarray  # (33, 2) int32
    visible: np.ndarray  # (33,) bool: confident enough to draw

    @classmethod
    def from_pose(cls, pose: PoseFrame | None, width: int, height: int,
                  mirrored: bool = False, min_visibility: float = 0.5) -> Keypoints | None:
        if pose is None or pose.image is None:
            return None
        pts = np.asarray(pose.image, np.float64)[:, :2] * (width, height)
        if mirrored:  # the caller flipped the image; flip the landmarks to match
            pts[:, 0] = (width - 1) - pts[:, 0]
        ok = np.isfinite(pts).all(axis=1)
        if pose.visibility is not None:
            ok &= np.asarray(pose.visibility) > min_visibility
        # Clamp so wild off-frame guesses cannot overflow int32 in cv2.
        lim = 4 * max(width, height)
        xy = np.clip(np.nan_to_num(pts), -lim, lim).round().astype(np.int32)
        return cls(xy, np.asarray(ok))

    def point(self, i: int) -> tuple[int, int]:
        x, y = self.xy[i]
        return int(x), int(y)


def _edge_group(a: int, b: int, near: frozenset[int], far: frozenset[int]) -> int:
    """0 = far side, 1 = centre (spans both sides), 2 = working side."""
    ends = {a, b}
    if ends & near and ends & far:
        return 1
    if ends & far:
        return 0
    if ends & near:
        return 2
    return 1


class SkeletonAnnotator:
    """Bones and joints; with a known working side the far side is drawn dimmer and
    underneath, since in a side view the two sides overlap and only one is measured."""

    def __init__(self, connections: tuple[tuple[int, int], ...] = POSE_CONNECTIONS,
                 near: Color = (255, 210, 90), centre: Color = (210, 190, 160),
                 far: Color = (130, 105, 70), joint: Color = (255, 255, 255),
                 far_joint: Color = (150, 150, 150)) -> None:
        self.connections = connections
        self.colors = (far, centre, near)
        self.joint_colors = (far_joint, joint, joint)
        self._groups: dict[str | None, tuple[list[list[tuple[int, int]]], list[list[int]]]] = {}

    def _grouped(self, side: str | None):
        """Edges and joints split into (far, centre, near), cached per side."""
        if side not in self._groups:
            if side == "left":
                near, far = LEFT, RIGHT
            elif side == "right":
                near, far = RIGHT, LEFT
            else:
                near, far = LEFT | RIGHT, frozenset()
            edges: list[list[tuple[int, int]]] = [[], [], []]
            for a, b in self.connections:
                edges[_edge_group(a, b, near, far)].append((a, b))
            joints: list[list[int]] = [[], [], []]
            for j in sorted({i for e in self.connections for i in e}):
                joints[0 if j in far else 2 if j in near else 1].append(j)
            self._groups[side] = (edges, joints)
        return self._groups[side]

    def annotate(self, scene: np.ndarray, keypoints: Keypoints | None,
                 side: str | None = None) -> np.ndarray:
        if keypoints is None:
            return scene
        s = scale_of(scene)
        edges, joints = self._grouped(side)
        vis, xy = keypoints.visible, keypoints.xy
        for g in (0, 1, 2):  # far first so the working side ends up on top
            lines = [xy[[a, b]] for a, b in edges[g] if vis[a] and vis[b]]
            if lines:
                thick = s.px(3 if g == 0 else 4)
                cv2.polylines(scene, lines, False, self.colors[g], thick, AA)
        for g in (0, 1, 2):
            r = s.px(4 if g == 0 else 5)
            for j in joints[g]:
                if vis[j]:
                    cv2.circle(scene, keypoints.point(j), r, self.joint_colors[g], -1, AA)
        return scene
