"""Which person to follow when more than one is in frame: the one who started."""

from __future__ import annotations

import numpy as np

_TORSO = [11, 12, 23, 24]


class PersonSelector:
    """Follows the first person seen by continuity of the torso centre.

    A newcomer never takes over while the followed person is still in frame; if the followed
    person has been gone longer than `forget_after_s`, the largest person is followed anew.
    """

    def __init__(self, forget_after_s: float = 2.0):
        self._centre: np.ndarray | None = None
        self._last_seen: float | None = None
        self._forget = forget_after_s
        self.multi_person_seen = False

    def observe(self, _none: None, t_s: float) -> None:
        if self._last_seen is not None and t_s - self._last_seen > self._forget:
            self._centre = None

    def choose(self, people: list[np.ndarray], t_s: float, width: int, height: int) -> int:
        scale = np.array([width, height])
        centres = [np.nanmean(p[_TORSO, :2], axis=0) * scale for p in people]
        if len(people) > 1:
            self.multi_person_seen = True
        self.observe(None, t_s)
        if self._centre is None or len(people) == 1 and self._centre is None:
            sizes = [np.ptp(p[:, :2] * scale, axis=0).sum() for p in people]
            pick = int(np.argmax(sizes))
        else:
            pick = int(np.argmin([np.linalg.norm(c - self._centre) for c in centres]))
        self._centre = centres[pick]
        self._last_seen = t_s
        return pick
