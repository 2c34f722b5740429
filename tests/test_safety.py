"""Issue 18: formcheck never destroys a user's file and names the right cause. Every case
refuses with one line and exit code 2, and leaves every file in the folder as it was (bytes,
links, FIFOs). Hostile files are made here, in tmp dirs."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"


def formcheck(*args, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder` with what it is: a regular file's bytes, a link's target,
    the kind of anything else."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            mode = os.lstat(p).st_mode
            key = str(p.relative_to(folder))
            if stat.S_ISLNK(mode):
                found[key] = ("link", os.readlink(p))
            elif stat.S_ISREG(mode):
                found[key] = p.read_bytes()
            else:
                found[key] = ("kind", stat.S_IFMT(mode))
    return found


def refused(run, message: str) -> None:
    assert run.returncode == 2, run.stderr
    assert message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and "unexpected" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def refused_untouched(folder: Path, args, message: str):
    before = snapshot(folder)
    run = formcheck(*args, cwd=folder)
    refused(run, message)
    assert snapshot(folder) == before  # inputs and earlier outputs byte-identical, nothing new
    return run


def tiny_video(path: Path, frames: int = 12, size=(64, 48), fps: float = 30.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        img = np.full((size[1], size[0], 3), (i * 20) % 255, np.uint8)
        cv2.rectangle(img, (i, i), (i + 10, i + 10), (0, 0, 255), -1)
        writer.write(img)
    writer.release()
    return path


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    tiny_video(folder / "s.mp4")
    (folder / "t.npz").write_bytes(SAMPLE.read_bytes())
    run = formcheck("analyze", "t.npz", "-e", "glute_bridge", "--report", "a.json",
                    "--no-history", "-q", cwd=folder)
    assert run.returncode == 0, run.stderr
    (folder / "earlier.csv").write_text("an earlier output\n")
    (folder / "mine.toml").write_bytes(
        (REPO / "formcheck" / "exercises" / "glute_bridge.toml").read_bytes())
    return folder


@pytest.fixture
def work(_template, tmp_path):
    """A folder with a video, a track, a report, an exercise file and an earlier output."""
    folder = tmp_path / "work"
    shutil.copytree(_template, folder)
    return folder


# ----------------------------------------------------------------------------- item 1

@pytest.mark.parametrize("args,message", [
    (["analyze", "s.mp4", "-e", "glute_bridge", "--out", "s.mp4"],
     "--out s.mp4 would overwrite the input s.mp4"),
    (["analyze", "s.mp4", "-e", "glute_bridge", "--report", "s.mp4"],
     "--report s.mp4 would overwrite the input s.mp4"),
    (["analyze", "s.mp4", "-e", "glute_bridge", "--report", "sub/../S.MP4x/../s.mp4"],
     "would overwrite the input s.mp4"),
    (["analyze", "s.mp4", "-e", "glute_bridge", "--out", "x.mp4", "--report", "x.mp4"],
     "--out x.mp4 and --report x.mp4 are the same file"),
    (["analyze", "t.npz", "-e", "glute_bridge", "--out", "x.mp4", "--report", "X.MP4"],
     "--out x.mp4 and --report X.MP4 are the same file"),
    (["analyze", "t.npz", "-e", "glute_bridge", "--save-pose", "t.npz"],
     "--save-pose t.npz would overwrite the input t.npz"),
    (["analyze", "t.npz", "--exercise-file", "mine.toml", "--report", "mine.toml"],
     "--report mine.toml would overwrite --exercise-file mine.toml"),
    (["report", "a.json", "--html", "a.json"], "--html a.json would overwrite report 1 a.json"),
    (["report", "a.json", "--csv", "./a.json"], "--csv a.json would overwrite report 1 a.json"),
    (["report", "a.json", "--csv", "r.csv", "--html", "r.csv"],
     "--html r.csv and --csv r.csv are the same file"),
    (["live", "-e", "glute_bridge", "--source", "s.mp4", "--no-window", "--out", "s.mp4"],
     "--out s.mp4 would overwrite --source s.mp4"),
])
@pytest.mark.slow
def test_no_output_replaces_an_input_or_another_output(work, args, message):
    refused_untouched(work, args, message)


@pytest.mark.slow
def test_an_output_through_a_link_to_the_input_is_the_input(work):
    (work / "alias.json").symlink_to("s.mp4")
    os.link(work / "s.mp4", work / "hard.mp4")
    refused_untouched(work, ["analyze", "s.mp4", "-e", "glute_bridge", "--report",
                             "alias.json"], "--report alias.json would overwrite the input")
    refused_untouched(work, ["analyze", "s.mp4", "-e", "glute_bridge", "--out", "hard.mp4"],
                      "--out hard.mp4 would overwrite the input s.mp4")
    refused_untouched(work, ["report", "a.json", "--html", str(work / "link_dir" / ".." /
                                                              "a.json")],
                      "would overwrite report 1 a.json")


# ----------------------------------------------------------------------------- item 2

@pytest.mark.parametrize("kind", ["symlink", "dangling", "fifo", "socket", "device", "dir"])
@pytest.mark.parametrize("option", ["--csv", "--html"])
def test_report_outputs_never_replace_a_special_file(work, kind, option):
    target = work / "target.out"
    if kind == "symlink":
        target.symlink_to("earlier.csv")
        message = "is a symbolic link"
    elif kind == "dangling":
        target.symlink_to("nowhere.csv")
        message = "is a symbolic link"
    elif kind == "fifo":
        os.mkfifo(target)
        message = "is a FIFO"
    elif kind == "dir":
        target.mkdir()
        message = "target.out: it is a directory"
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(target))
        message = "is a socket"
    else:  # a null device of our own: never the system's, which old code would replace
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root (the FIFO, socket and link cases "
                        "cover the same check)")
        message = "target.out is a character device"
    refused_untouched(work, ["report", "a.json", option, target], message)


@pytest.mark.slow
@pytest.mark.parametrize("option", ["--report", "--out", "--save-pose"])
def test_analyze_outputs_never_replace_a_symlink_or_fifo(work, option):
    suffix = {"--report": ".json", "--out": ".mp4", "--save-pose": ".npz"}[option]
    (work / f"l{suffix}").symlink_to("earlier.csv")
    os.mkfifo(work / f"f{suffix}")
    refused_untouched(work, ["analyze", "t.npz", "-e", "glute_bridge", option, f"l{suffix}"],
                      f"{option} l{suffix} is a symbolic link")
    refused_untouched(work, ["analyze", "t.npz", "-e", "glute_bridge", option, f"f{suffix}"],
                      f"{option} f{suffix} is a FIFO")


def test_the_atomic_rename_itself_refuses_a_special_file(tmp_path):
    from formcheck.atomic import NotRegularFileError, write_text_atomic

    (tmp_path / "keep.txt").write_text("keep")
    (tmp_path / "link.txt").symlink_to("keep.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    before = snapshot(tmp_path)
    for name in ("link.txt", "pipe.txt"):
        with pytest.raises(NotRegularFileError, match="not a regular file"):
            write_text_atomic(tmp_path / name, "new")
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_dash_is_stdout_where_it_makes_sense(work):
    before = snapshot(work)
    run = formcheck("analyze", "t.npz", "-e", "glute_bridge", "--report", "-", "--no-history",
                    "-q", cwd=work)
    assert run.returncode == 0, run.stderr
    import json

    report = json.loads(run.stdout)  # stdout is the report alone; the summary went to stderr
    assert report["summary"]["rep_count"] == 3 and "3 reps" in run.stderr
    csv = formcheck("report", "a.json", "--csv", "-", cwd=work)
    assert csv.returncode == 0, csv.stderr
    rows = csv.stdout.strip().splitlines()
    assert rows[0].startswith("session,exercise,side,kind") and len(rows) == 4
    assert "Total: 1 session" in csv.stderr
    assert snapshot(work) == before and not (work / "-").exists()
    refused_untouched(work, ["report", "a.json", "--csv", "-", "--html", "-"],
                      "--html and --csv both go to stdout (-)")
    refused_untouched(work, ["analyze", "t.npz", "-e", "glute_bridge", "--save-pose", "-"],
                      "--save-pose -:")
