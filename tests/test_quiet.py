"""Native stderr chatter is dropped, everything else passed on, and nothing is lost or waited
for at exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = r'''
import os, subprocess, sys
from formcheck.cli.quiet import filter_native_stderr
f = filter_native_stderr()
# A child holding the pipe open (as multiprocessing's resource tracker does until we exit).
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
os.write(2, b"I0000 00:00:1795270131.896641   22755 inference_feedback_manager.cc:121] x\n")
os.write(2, b"INFO: ")  # two processes' log lines, interleaved
os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
os.write(2, b"Created TensorFlow Lite XNNPACK delegate for CPU.\n")
os.write(2, b"INFO: ")  # and an absl line from another process in between
os.write(2, b"W0000 00:00:1795272274.409944   22685 inference_feedback_manager.cc:121] y\n")
os.write(2, b"Created TensorFlow Lite XNNPACK delegate for CPU.\n")
os.write(2, b"a real problem\n")
os.write(2, b"an unfinished line")
f.close()
print("pump done:", not f._thread.is_alive(), "child still running:", child.poll() is None)
child.kill()
os.write(2, b" / after close\n")
'''


def test_noise_is_dropped_the_rest_passed_on_and_close_does_not_wait_for_children():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "pump done: True child still running: True"
    assert run.stderr == "a real problem\nan unfinished line / after close\n"


@pytest.mark.clips
def test_opencv_ffmpeg_says_nothing_about_a_damaged_file(videos, tmp_path):
    # What formcheck says about it is one line of its own (test_robustness); FFmpeg's own
    # complaint, written in pieces, could otherwise slip past the filter.
    data = (videos / "glute_bridge_ndn_1.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # no index: FFmpeg says "moov atom not found"
    script = ("from formcheck.cli.quiet import quiet_environment; quiet_environment(); "
              f"import cv2; print(cv2.VideoCapture({str(cut)!r}, cv2.CAP_FFMPEG).isOpened())")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert (run.stdout.strip(), run.stderr) == ("False", "")
