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

NOISE = re.compile(
    rb"^(?:[WI]\d{4} \d+:\d+:\d+\.\d+\s+\d+ \S+:\d+\] .*"
    rb"|INFO: Created TensorFlow Lite .*"
    rb"|WARNING: Logging before InitGoogle\(\) is written to STDERR"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) .*"
    rb"|\[[\w,]+ @ 0x[0-9a-f]+\] .*"  # FFmpeg decoder diagnostics on damaged files
    rb"|\s*)$"
)


def quiet_environment() -> None:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def filter_native_stderr() -> None:
    try:
        real = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        return
    os.dup2(write_end, 2)
    os.close(write_end)
    sys.stderr = os.fdopen(os.dup(real), "w", buffering=1, encoding="utf-8",
                           errors="replace")

    def pump() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not NOISE.match(line.rstrip(b"\r\n")):
                    os.write(real, line)

    threading.Thread(target=pump, name="stderr-filter", daemon=True).start()
