"""What a session produces and how it is finished: the one place reports and tracks are
written and where an interrupted run or a failing input is noted (the report is then
`partial`, with a warning saying how far it goes), for analyze and live alike."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pose.landmarks import PoseFrame, PoseTrack
from formcheck.report.build import build_report, now_iso
from formcheck.report.schema import Report


class Interrupted(Exception):
    """SIGTERM turned into an exception so the session finishes like on Ctrl+C."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Interrupted()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@dataclass
class SessionOutputs:
    report: Path | None = None
    video: Path | None = None
    pose: Path | None = None
    history: bool = True


@dataclass
class Session:
    """Collects what a run needs to write at the end."""

    spec: ExerciseSpec
    engine: Engine
    source: str
    model: str
    mode: str
    side: str | None
    fps: float
    width: int
    height: int
    started_at: str = field(default_factory=now_iso)
    poses: list[PoseFrame] | None = None  # raw poses, kept only when saving the track
    warnings: list[str] = field(default_factory=list)
    partial: bool = False
    first_t: float | None = None
    last_t: float = 0.0
    multi_person: bool = False
    interrupted: bool = False

    @property
    def _span(self) -> str:
        return "video" if self.mode == "analyze" else "session"

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Run the frames inside: Ctrl+C or SIGTERM there ends the run, not the program; the
        report is then partial, up to the last frame seen (noted last, by write)."""
        try:
            with sigterm_as_interrupt():
                yield
        except (KeyboardInterrupt, Interrupted):
            self.interrupted = True

    def source_ended(self, source: object, failure: BaseException | None = None) -> None:
        """Note how the source ended: a failure or read error (damaged file, camera gone)
        makes the report partial; the source's own warnings (e.g. low light) go in too."""
        read_error = getattr(source, "read_error", None)
        if failure is not None:
            self._partial(f"the source failed: {failure}")
        elif read_error and self.mode == "analyze":
            self._partial(f"{source.path.name}: {read_error}; analysed what could be "  # type: ignore[attr-defined]
                          f"read (up to {self.last_t:.1f} s)")
        elif read_error:
            self._partial(f"{read_error}; the report covers the session up to then")
        self.warnings.extend(getattr(source, "warnings", []))

    def _partial(self, warning: str) -> None:
        self.partial = True
        self.warnings.append(warning)

    def observe(self, pose: PoseFrame) -> None:
        if self.first_t is None:
            self.first_t = pose.t_s
        self.last_t = pose.t_s
        if pose.n_people > 1:
            self.multi_person = True
        if self.poses is not None:
            self.poses.append(pose)

    def report(self) -> Report:
        result = self.engine.finish(multi_person=self.multi_person)
        duration = (self.last_t - self.first_t + 1.0 / max(self.fps, 1.0)
                    if self.first_t is not None else 0.0)
        return build_report(self.spec, result, source=self.source, started_at=self.started_at,
                            duration_s=duration, fps=self.fps, model=self.model,
                            mode=self.mode, partial=self.partial, warnings=self.warnings,
                            side_requested=self.side)

    def write(self, outputs: SessionOutputs) -> Report:
        """Write the report (and pose track); file it in the history."""
        if self.interrupted:
            self._partial(f"interrupted: the report covers the {self._span} up to "
                          f"{self.last_t:.1f} s")
        report = self.report()
        if outputs.report:
            report.write(outputs.report)
        if outputs.pose and self.poses is not None:
            PoseTrack.from_frames(self.poses, self.fps,
                                  {"source": self.source, "model": self.model,
                                   "created_at": self.started_at},
                                  self.width, self.height).save(outputs.pose)
        if outputs.history:
            from formcheck.report.history import file_report
            from formcheck.report.store import HistoryError

            try:
                file_report(report)
            except HistoryError as exc:  # the report itself is written: say what was not
                print(f"formcheck: warning: session not filed in the history: {exc}",
                      file=sys.stderr)
        return report
