"""What a session produces and how it is finished: the one place reports and tracks are
written and where an interrupted run or a failing input is noted (the report is then
`partial`, with a warning saying how far it goes), for analyze and live alike."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.ending import Ending, Interrupted
from formcheck.pipeline.pose_process import PoseProcessError
from formcheck.pipeline.writer import VideoOutput
from formcheck.pose.landmarks import PoseFrame, PoseTrack
from formcheck.report.build import build_report, now_iso
from formcheck.report.schema import Report


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
    stopped: str | None = None  # why the frames stopped early (a pose process died)
    errors: list[str] = field(default_factory=list)  # what was not done: the command fails
    ending: Ending = field(default_factory=Ending)

    @property
    def _span(self) -> str:
        return "video" if self.mode == "analyze" else "session"

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Run the frames inside (within `ending.installed()`, which covers the finish too):
        Ctrl+C or SIGTERM there ends the run, not the program; the report is then partial, up
        to the last frame seen (noted last, by write). A pose process that dies once frames
        have been analysed ends the frames too: the report says so, the command fails."""
        try:
            yield
        except (KeyboardInterrupt, Interrupted):
            self.interrupted = True
        except PoseProcessError as exc:
            if self.first_t is None:  # nothing analysed: a failure to start, said as such
                raise
            self.stopped = f"{exc}"
            self._partial(f"the analysis stopped early at {self.last_t:.1f} s: {exc}; the "
                          f"report covers the {self._span} up to then")
            self.errors.append(f"the analysis stopped early: {exc} (the report covers the "
                               f"{self._span} up to {self.last_t:.1f} s)")
        finally:
            self.ending.stopping = True  # from now on a signal only hurries the end

    def finish_video(self, video: VideoOutput | None) -> Path | None:
        """Finish the annotated video (see VideoOutput.finish); what went wrong with it is
        said in the report and makes the command fail."""
        if video is None:
            return None
        path = video.finish(complete=self.stopped is None)
        self.warnings.extend(video.notes)
        if video.error:
            self.warnings.append(video.error)
            self.errors.append(video.error)
        return path

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

    def _output(self, what: str, path: Path, write) -> None:
        try:
            write()
        except OSError as exc:
            self.errors.append(f"{what} was not written to {path}: {exc.strerror or exc}")

    def write(self, outputs: SessionOutputs) -> Report:
        """Write the report (and pose track); file it in the history."""
        if self.ending.hurry.is_set():  # Ctrl+C while finishing a run that had ended
            self.interrupted = True
        if self.interrupted:
            self._partial(f"interrupted: the report covers the {self._span} up to "
                          f"{self.last_t:.1f} s")
        report = self.report()
        # Each output on its own: one that cannot be written (a full disk) is said, and the
        # others, and the history, still get theirs.
        if outputs.report:
            self._output("the report", outputs.report, lambda: report.write(outputs.report))
        if outputs.pose and self.poses is not None:
            track = PoseTrack.from_frames(self.poses, self.fps,
                                          {"source": self.source, "model": self.model,
                                           "created_at": self.started_at},
                                          self.width, self.height)
            self._output("the pose track", outputs.pose, lambda: track.save(outputs.pose))
        if outputs.history:
            from formcheck.report.history import file_report
            from formcheck.report.store import HistoryError

            try:
                file_report(report)
            except HistoryError as exc:  # the report itself is written: say what was not
                print(f"formcheck: warning: session not filed in the history: {exc}",
                      file=sys.stderr)
        return report
