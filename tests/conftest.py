"""Shared fixtures: where the test clips are, the pose model, and a private history."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))  # test-support modules (kinematics.py)

SAMPLES = REPO / "samples" / "tracks"
VIDEOS = Path(os.environ.get("FORMCHECK_TEST_VIDEOS", REPO.parent / "shared" / "videos"))

# A shell that starts the tests in the background makes them ignore Ctrl+C (SIGINT), and every
# command a test starts would inherit that: the tests of what Ctrl+C does need it to arrive as
# from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _private_history(tmp_path_factory, monkeypatch):
    """Reports filed by tests go to a temporary history, and native logs of the commands
    they run to a temporary folder, never the user's."""
    monkeypatch.setenv("FORMCHECK_HISTORY_DIR", str(tmp_path_factory.mktemp("history")))
    monkeypatch.setenv("FORMCHECK_LOG_DIR", str(tmp_path_factory.mktemp("logs")))


@pytest.fixture(scope="session")
def videos() -> Path:
    if not (VIDEOS / "MANIFEST.tsv").exists():
        pytest.skip(f"test clips not found at {VIDEOS} (set FORMCHECK_TEST_VIDEOS or put "
                    "../shared/videos beside the repo)")
    return VIDEOS


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The full pose model, prepared (offline build if needed) once per test session."""
    from formcheck.pose.models import resolve_model

    return resolve_model("full")
