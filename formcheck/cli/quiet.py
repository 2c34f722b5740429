"""Keep native library chatter (MediaPipe/TFLite/absl start-up logs) off the user's terminal.

Those libraries write straight to file descriptor 2, so environment variables cannot silence
all of it. We route fd 2 through a pipe that drops known noise lines and passes everything
else on; Python's own messages (errors, progress bars) go to the real stderr directly.
"""

from __future__ import annotations

import os
import re
import sys
import threading

# TFLite writes "INFO: " and its message separately, so another process's line can land in
# between: any line may start with stray "INFO: " prefixes.
NOISE = re.compile(
    rb"^(?:INFO: )*(?:[WI]\d{4} \d+:\d+:\d+\.\d+\s+\d+ \S+:\d+\] .*"
    rb"|Created TensorFlow Lite .*"
    rb"|WARNING: Logging before InitGoogle\(\) is written to STDERR"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) .*"
    rb"|\[[\w,]+ @ 0x[0-9a-f]+\] .*"  # FFmpeg decoder diagnostics on damaged files
    rb"|\s*)$"
)


def quiet_environment() -> None:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    # OpenCV's FFmpeg: quiet at the source. Its messages come in pieces (prefix, then text),
    # so a pose process's line written in between could carry the prefix off and let the
    # rest through the filter below (seen: a stray "moov atom not found" line).
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class StderrFilter:
    """File descriptor 2 routed through a pipe to a thread that drops native noise."""

    END = b"\0formcheck: end of native stderr\0\n"

    def __init__(self, real: int, read_end: int):
        self._real = real
        self._thread = threading.Thread(target=self._pump, args=(read_end,),
                                        name="stderr-filter", daemon=True)
        self._thread.start()

    def _pump(self, read_end: int) -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                end = line.endswith(self.END)  # after a child's unfinished line, maybe
                if end:
                    line = line[:-len(self.END)]
                if line and not NOISE.match(line.rstrip(b"\r\n")):
                    os.write(self._real, line)
                if end:
                    return

    def close(self, timeout: float = 1.0) -> None:
        """Pass on what is still in the pipe, then put the real stderr back on fd 2. An
        end mark rather than the pipe's end: child processes (multiprocessing's resource
        tracker) hold the pipe open until this process has exited."""
        try:
            os.write(2, self.END)
        except OSError:
            pass
        self._thread.join(timeout)
        os.dup2(self._real, 2)


def filter_native_stderr() -> StderrFilter | None:
    try:
        real = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        return None
    os.dup2(write_end, 2)
    os.close(write_end)
    sys.stderr = os.fdopen(os.dup(real), "w", buffering=1, encoding="utf-8",
                           errors="replace")
    return StderrFilter(real, read_end)
