"""Frame sources: video files and cameras behind one interface."""

from formcheck.source.frame import Frame, FrameSource, SourceInfo
from formcheck.source.video import SourceError, VideoFileSource

__all__ = ["Frame", "FrameSource", "SourceInfo", "SourceError", "VideoFileSource"]
