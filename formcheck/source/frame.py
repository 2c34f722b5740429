"""The data a frame source hands to the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One decoded frame, already upright (rotation metadata applied)."""

    image: np.ndarray  # BGR, H x W x 3, uint8
    t_s: float  # presentation time from the source's own clock (container or capture)
    index: int  # 0-based position in the stream as delivered


@dataclass(frozen=True)
class SourceInfo:
    name: str  # file path or "camera:N"
    width: int
    height: int
    fps: float  # nominal; timing always comes from Frame.t_s
    frame_count: int | None  # None for cameras
    live: bool


class FrameSource(Protocol):
    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
