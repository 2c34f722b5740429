"""Issue 18: hostile or clumsy input files get one clear line naming the right cause, exit
code 2, and every file is left as it was. The command line runs in-process here (the same
`_run` as `formcheck`, without the exit) for speed; test_safety.py runs it as a program."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest
from test_safety import SAMPLE, snapshot

from formcheck.cli import app as cli

REPO = Path(__file__).resolve().parent.parent
BRIDGE = (REPO / "formcheck" / "exercises" / "glute_bridge.toml").read_text(encoding="utf-8")


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["formcheck", *map(str, args)])
    code = cli._run(debug=False)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cmd(monkeypatch, capsys, tmp_path):
    """Run formcheck in `tmp_path`; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: run_cli(monkeypatch, capsys, *args)


def refused(folder: Path, cmd, args, message: str, code: int = 2) -> str:
    before = snapshot(folder)
    got, out, err = cmd(*args)
    assert got == code, err
    assert message in err, err
    assert "Traceback" not in err and "unexpected" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert snapshot(folder) == before
    return err


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def exercise_args(tmp_path: Path, text: str) -> list:
    (tmp_path / "t.npz").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "mine.toml").write_bytes(text.encode("utf-8"))
    return ["analyze", "t.npz", "--exercise-file", "mine.toml", "--no-history", "-q"]


# ----------------------------------------------------------------------------- item 10

@pytest.mark.parametrize("old,new,field,says", [
    ("top = 155", "top = nan", "rep.top", "must be a finite number, got nan"),
    ("min_range = 20", "min_range = inf", "rep.min_range", "must be a finite number, got inf"),
    ("min_duration_s = 1.0", "min_duration_s = -5", "rep.min_duration_s",
     "must be 0 or more, got -5"),
    ("every_n_days = 1", "every_n_days = 0", "prescription.every_n_days",
     "must be 1 to 365, got 0"),
    ("sets = 3", "sets = 1000000", "prescription.sets", "must be 1 to 100"),
    ("return_fraction = 0.2", "return_fraction = 2", "rep.return_fraction",
     "must be a fraction between 0 and 1"),
    ('confirm = [["pelvis", 5]]', 'confirm = [["pelvis", nan]]', "rep.confirm.0",
     "must be a finite number"),
    ("top = 155", "top = " + "9" * 400, "rep.top", "number too large"),
    ("below = 165", "below = -inf", "faults.0.below", "must be a finite number, got -inf"),
])
def test_non_finite_and_out_of_range_numbers_name_field_and_line(tmp_path, cmd, old, new,
                                                                  field, says):
    text = BRIDGE.replace(old, new, 1)
    line = line_of(text, new)
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {line}: field '{field}': {says}")


def test_a_hold_band_upside_down_and_a_bad_also_item(tmp_path, cmd):
    text = (REPO / "formcheck" / "exercises" / "glute_squeeze.toml").read_text(encoding="utf-8")
    upside_down = text.replace("high = 120", "high = 20", 1)
    refused(tmp_path, cmd, exercise_args(tmp_path, upside_down),
            f"line {line_of(upside_down, 'high = 20')}: field 'hold.high': must be at least "
            "low (50)")
    also = text.replace('also = [["hip", 90, 170]]', 'also = [["hip", "low", 170]]', 1)
    refused(tmp_path, cmd, exercise_args(tmp_path, also),
            f"line {line_of(also, 'also = ')}: field 'hold.also.0': must be a number, got "
            "'low'")


# Each error path, with the line it must name. Old code named the wrong line for these:
# a key inside an inline table (the first table's `points`), a dotted key in a variant
# (line 1), a key named in a comment, a missing key (a later table's), a quoted [reps]
# header (prescription's `reps = 10`), a dotted typo in a variant (its table's header).
LINE_CASES = [
    ('points = ["hip", "knee", "ankle"]', 'points = ["hip", "knee", "ankel"]',
     'points = ["hip", "knee", "ankel"]', "measures.knee.points"),
    ("", '\n[variants.deep]\nname = "x"\nrep.tops = 150\n', "rep.tops",
     "variants.deep.rep.tops"),
    ("start_band = 6\nreturn_fraction = 0.2\nmin_duration_s = 1.0",
     'start_band = 6  # was {min_duration_s = 0.5}\nreturn_fraction = 0.2\n'
     'min_duration_s = "slow"', 'min_duration_s = "slow"', "rep.min_duration_s"),
    ("top = 155            # counted once the hips pass this ...\n", "", "[rep]", "rep.top"),
    ("[rep]\n", '["reps"]\n', '["reps"]', "reps"),
    ("", "\n[variants.single-leg]\nreps.top = 150\n", "reps.top", "variants.single-leg.reps"),
    ('cue = "Lower more slowly"', "cue = 7", "cue = 7", "faults.4.cue"),
    ('stat = "max"', 'stat = "maxx"', 'stat = "maxx"', "faults.0.stat"),
    ('key = "hip"', 'key = "hipp"', 'key = "hipp"', "rep.key"),
    ('view = "side"', 'view = "top"', 'view = "top"', "camera.view"),
    ("per_day = 2", "per_day = 2\nweekly = true", "weekly", "prescription.weekly"),
    ('confirm = [["pelvis", 5]]', 'confirm = [\n  ["pelvis", 5],\n  ["pelvix", 5],\n]',
     '["pelvix"', "rep.confirm.1"),
    ("", '\n[variants.x]\nfaults_remove = ["no_such"]\n', "faults_remove",
     "variants.x.faults_remove"),
    ("", '\n[[variants.x.faults_add]]\ncode = "c"\ncue = "c"\nmeasure = "knee"\nbelow = 0.2\n',
     "below = 0.2", "variants.x.faults_add.0.below"),
]


@pytest.mark.parametrize("old,new,at,field", LINE_CASES,
                         ids=[c[3] for c in LINE_CASES])
def test_every_error_names_its_real_line(tmp_path, cmd, old, new, at, field):
    text = BRIDGE.replace(old, new, 1) if old else BRIDGE + new
    err = refused(tmp_path, cmd, exercise_args(tmp_path, text), f"field '{field}'")
    assert f"mine.toml, line {line_of(text, at)}: " in err or (
        f"(variant {field.split('.')[1]}), line {line_of(text, at)}: " in err), err


def test_a_utf8_bom_is_accepted(tmp_path, cmd):
    args = exercise_args(tmp_path, "\ufeff" + BRIDGE)
    assert (tmp_path / "mine.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, err = cmd(*args)
    assert code == 0, err
    assert out.startswith("Double-leg glute bridge: 3 reps")


@pytest.mark.parametrize("deep,at", [
    ("x = " + "[" * 100_000 + "]" * 100_000, 0),
    ("x = " + "{a = " * 3000 + "1" + "}" * 3000, 0),
    ("[variants.v]\n" + ".".join(["k"] * 50_000) + " = 1", 1),
    ("[" + ".".join(["t"] * 50_000) + "]", 0),
])
def test_nesting_depth_is_bounded(tmp_path, cmd, deep, at):
    text = BRIDGE + "\n" + deep + "\n"
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {BRIDGE.count(chr(10)) + 2 + at}: tables or arrays nested deeper "
            "than 12 levels")


def test_a_5000_digit_number_is_named_at_its_line(tmp_path, cmd):
    text = BRIDGE.replace("sets = 3", "sets = " + "7" * 5001)
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {line_of(text, 'sets = 7')}: not a readable exercise file")


def test_a_fifo_as_exercise_file_is_named_not_read(tmp_path, cmd):
    import os

    args = exercise_args(tmp_path, BRIDGE)
    (tmp_path / "mine.toml").unlink()
    os.mkfifo(tmp_path / "mine.toml")  # reading it would wait forever for a writer ...
    with unblocking(tmp_path / "mine.toml"):  # ... which, should it be opened, comes
        refused(tmp_path, cmd, args, "mine.toml: is a FIFO (named pipe), not a file")


@contextlib.contextmanager
def unblocking(fifo: Path):
    """Should anything open `fifo` to read, a writer comes and goes at once (end of file),
    so that a command that reads FIFOs fails its test instead of hanging it."""
    import errno
    import os
    import threading

    done = threading.Event()

    def writer() -> None:
        while not done.wait(0.05):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    return

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


# ----------------------------------------------------------------------------- item 13

def test_control_characters_from_a_file_never_reach_the_terminal(tmp_path, cmd):
    text = (BRIDGE.replace('name = "Double-leg glute bridge"',
                           'name = "Bridge\\u001b[2J\\u001b]0;owned\\u0007\\u202e"')
            .replace('cue = "Lift your hips higher"', 'cue = "Up\\u001b[31m!\\u009b"')
            .replace("below = 165          #", "below = 200          #"))  # every rep faults
    code, out, err = cmd(*exercise_args(tmp_path, text), "--report", "r.json")
    assert code == 0, err
    assert out.startswith("Bridge[2J]0;owned: 3 reps (0 good)")
    assert "Up[31m!" in out
    for ch in "\x1b\x07\x9b\u202e":
        assert ch not in out and ch not in err
    assert "\\u001b" not in (tmp_path / "r.json").read_text(encoding="utf-8")


def test_a_bad_key_with_escapes_is_named_without_them(tmp_path, cmd):
    text = BRIDGE.replace("[rep]\n", '[rep]\n"\\u001b[2Jx" = 1\n')
    err = refused(tmp_path, cmd, exercise_args(tmp_path, text), "field 'rep.[2Jx'")
    assert "\x1b" not in err


def test_exercise_and_exercise_file_together_are_refused(tmp_path, cmd):
    args = exercise_args(tmp_path, BRIDGE)
    refused(tmp_path, cmd, [*args, "--exercise", "clamshell"],
            "give --exercise clamshell or --exercise-file mine.toml, not both")


# ----------------------------------------------------------------------------- item 11

def crafted_track(tmp_path: Path, name: str = "crafted.npz", header: dict | None = None,
                  **arrays) -> Path:
    """The sample track with some arrays or header fields replaced."""
    import json

    import numpy as np

    with np.load(SAMPLE, allow_pickle=False) as z:
        members = {k: z[k] for k in z.files}
    head = json.loads(str(members["header"]))
    head.update(header or {})
    members["header"] = np.array(json.dumps(head))
    members.update(arrays)
    path = tmp_path / name
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **members)
    return path


def _sample(name: str):
    import numpy as np

    with np.load(SAMPLE, allow_pickle=False) as z:
        return z[name]


@pytest.mark.parametrize("header,arrays,says", [
    ({}, {"image": "10 rows"}, "image has shape (10, 33, 3), not (404, 33, 3)"),
    ({}, {"image": "5 landmarks"}, "image has shape (404, 5, 3), not (404, 33, 3)"),
    ({"width": 60000}, {}, "width 60000 is not a whole number from 1 to 8192"),
    ({"fps": float("nan")}, {}, "fps nan is not between 0.1 and 1000"),
    ({"height": "tall"}, {}, "height 'tall' is not a whole number"),
    ({}, {"t_s": "nan"}, "a timestamp is not a finite number"),
    ({}, {"world": "huge"}, "world landmarks lie far outside the frame"),
    ({"version": [1]}, {}, "pose track version [1] is newer"),
])
def test_a_crafted_track_is_named_not_unexpected(tmp_path, cmd, header, arrays, says):
    import numpy as np

    ways = {"10 rows": lambda a: a[:10], "5 landmarks": lambda a: a[:, :5],
            "nan": lambda a: a * np.nan, "huge": lambda a: a * 1e30}
    made = {name: ways[how](_sample(name)) for name, how in arrays.items()}
    crafted_track(tmp_path, header=header, **made)
    refused(tmp_path, cmd, ["analyze", "crafted.npz", "-e", "glute_bridge", "--out", "o.mp4",
                            "--report", "o.json", "--no-history", "-q"],
            f"crafted.npz: cannot read pose track ({says}")


def test_a_damaged_track_file_is_named(tmp_path, cmd):
    data = SAMPLE.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:len(data) // 2])
    refused(tmp_path, cmd, ["analyze", "cut.npz", "-e", "glute_bridge", "-q"],
            "cut.npz: cannot read pose track (")


def av_video(path: Path, side: int, frames: int = 10, codec: str = "mpeg4",
             fmt: str = "mp4", pix: str = "yuv420p") -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=30)
        stream.width = stream.height = side
        stream.pix_fmt = pix
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(
                np.full((side, side, 3), 100, np.uint8), format="rgb24").reformat(format=pix)
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("side,codec,fmt,pix", [(1, "png", "mov", "rgb24"),
                                                (2, "mpeg4", "mp4", "yuv420p")])
def test_a_video_of_one_or_two_pixels_is_refused_by_size(tmp_path, cmd, side, codec, fmt,
                                                         pix):
    av_video(tmp_path / f"tiny.{fmt}", side, codec=codec, fmt=fmt, pix=pix)
    refused(tmp_path, cmd, ["analyze", f"tiny.{fmt}", "-e", "glute_bridge", "--out", "o.mp4",
                            "--workers", "1", "--no-history", "-q"],
            f"tiny.{fmt}: the video is {side}x{side} pixels, too small to see a person in")


@pytest.mark.parametrize("module", ["typer", "numpy", "rich.console",
                                    "formcheck.pipeline.pose_process"])
def test_ctrl_c_while_the_program_loads_is_one_line(tmp_path, module):
    """Ctrl+C lands while `formcheck` is still importing (the first half second): an
    import hook sends SIGINT to the process as `module` is imported."""
    import subprocess

    hook = f"""
import os, signal, sys, runpy
class Hit:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
import formcheck.cli
sys.meta_path.insert(0, Hit())
sys.argv = ["formcheck", "analyze", {str(SAMPLE)!r}, "-e", "glute_bridge", "-q"]
runpy.run_module("formcheck", run_name="__main__")
"""
    run = subprocess.run([sys.executable, "-c", hook], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.stderr.strip() == "formcheck: interrupted", run.stderr
    assert run.returncode in (130, -2)  # -2: ended by the SIGINT itself, as a shell expects
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- item 12

def audio_only_mp4(path: Path) -> Path:
    import av
    import numpy as np

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100)
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                               layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_wrong_reasons_are_now_the_right_ones(tmp_path, cmd):
    import os

    audio_only_mp4(tmp_path / "voice.mp4")
    refused(tmp_path, cmd, ["analyze", "voice.mp4", "-e", "glute_bridge"],
            "voice.mp4: not a video formcheck can open (it holds no video stream, only audio)")
    os.mkfifo(tmp_path / "pipe.mp4")
    with unblocking(tmp_path / "pipe.mp4"):
        refused(tmp_path, cmd, ["analyze", "pipe.mp4", "-e", "glute_bridge"],
                "pipe.mp4: is a FIFO (named pipe), not a file")
    (tmp_path / "loop.mp4").symlink_to("loop.mp4")
    refused(tmp_path, cmd, ["analyze", "loop.mp4", "-e", "glute_bridge"],
            "loop.mp4: is a symbolic link loop")
    (tmp_path / "gone.mp4").symlink_to("deleted.mp4")
    refused(tmp_path, cmd, ["analyze", "gone.mp4", "-e", "glute_bridge"],
            "gone.mp4: is a symbolic link to deleted.mp4, which does not exist")


def _noisy_clip(path: Path, frames: int = 135) -> Path:
    """A clip whose frames are mostly noise: every frame is its own large packet."""
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _decode(path: Path):
    from formcheck.source.video import VideoFileSource

    with VideoFileSource(path, brighten=False) as src:
        times = [f.t_s for f in src]
    return times, src.read_error


def test_a_corrupt_middle_is_skipped_frames_not_an_early_stop(tmp_path):
    import numpy as np

    clip = _noisy_clip(tmp_path / "clip.mp4")
    data = bytearray(clip.read_bytes())
    mid, span = len(data) // 2, len(data) // 8
    data[mid:mid + span] = np.random.default_rng(1).integers(0, 255, span, np.uint8).tobytes()
    (tmp_path / "mid.mp4").write_bytes(bytes(data))
    times, error = _decode(tmp_path / "mid.mp4")
    assert times[-1] > 4.3  # decoding went on to the end (135 frames at 30 fps: 4.47 s)
    lost = 135 - len(times)
    assert lost > 5 and error == f"{lost} damaged frames could not be decoded and were skipped"
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:int(len(data) * 0.6)])
    times, error = _decode(cut)
    assert times[-1] < 3.5
    assert error.startswith(f"decoding stopped after {len(times)} of 135 frames, at "
                            f"{times[-1]:.1f} s of 4.5 s (truncated or damaged file)")


# ----------------------------------------------------------------------------- item 13

def test_out_avi_is_refused_not_mp4_inside(tmp_path, cmd):
    (tmp_path / "t.npz").write_bytes(SAMPLE.read_bytes())
    refused(tmp_path, cmd, ["analyze", "t.npz", "-e", "glute_bridge", "--out", "x.avi"],
            "--out x.avi: formcheck writes MP4 video; use a .mp4 file name")


@pytest.mark.slow
def test_a_zip_bomb_model_is_not_unpacked(tmp_path, cmd):
    """A 0.4 MB .task whose members unpack to 200 MB each: refused from the zip's
    directory, with almost nothing read."""
    import tracemalloc
    import zipfile

    from formcheck.pose.models.errors import InvalidModel
    from formcheck.pose.models.variants import MEMBERS
    from formcheck.pose.models.verify import check_structure

    bomb = tmp_path / "bomb.task"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for member in MEMBERS:
            with z.open(member, "w") as fh:
                fh.write(b"\x1c\x00\x00\x00TFL3")
                for _ in range(200):
                    fh.write(bytes(1 << 20))
    assert bomb.stat().st_size < 2_000_000
    tracemalloc.start()
    with pytest.raises(InvalidModel, match="is compressed; a pose landmarker bundle stores"):
        check_structure(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20, f"{peak / 2**20:.0f} MB read"
    av_video(tmp_path / "v.mp4", 64)
    refused(tmp_path, cmd, ["analyze", "v.mp4", "-e", "glute_bridge", "--workers", "1",
                            "--model-path", "bomb.task"], "is compressed")
