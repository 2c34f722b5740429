"""Issue 18: generated hostile input of the four kinds a user can hand formcheck (exercise
files, pose tracks, reports, videos), a fixed seed, the command line in-process: every input
ends in a result or one clear line, never a traceback, an "unexpected" error or a hang.

Each kind starts from real material (the built-in exercises, a sample track, a report
made from it, small synthetic videos) and damages it the ways files get damaged or crafted:
values swapped for nan/inf/huge/wrong types, keys renamed or dropped, lines lost, shapes
changed, bytes flipped, files cut short, nesting deepened, control characters added.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from formcheck.cli import app as cli
from formcheck.pose.landmarks import PoseTrack

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"
EXERCISES = sorted((REPO / "formcheck" / "exercises").glob("*.toml"))
SEED = 18
PER_INPUT_S = 60  # a generous bound: an input taking longer is a hang
COUNTS = {"exercise": 160, "report": 150, "track": 120, "video": 100}

VALUES = ["nan", "inf", "-inf", "-5", "0", "1e999", "-1e308", "99999999999999999999999",
          '"x"', "[]", "{}", "true", "1e-9", "7" * 500, '"\\u001b[31mred"', "[[1, 2], 3]",
          '{ fn = "joint_angle" }', '"hip"', "-0.0", "1979-05-27"]
JSON_VALUES = [None, "x", -1, 0, 1e308, -1e308, 10 ** 30, float("nan"), float("inf"), [],
               {}, True, "\x1b[2J\x07", "9999-12-31T23:59:59", "0000-00-00", 2 ** 63,
               [[[[[[[[[[]]]]]]]]]], {"a": {"b": {"c": [1, {"d": None}]}}}, "", 1.5]


class Hang(BaseException):
    """An input that took longer than PER_INPUT_S (BaseException: no handler swallows it)."""


def _alarm(signum, frame):  # noqa: ARG001
    raise Hang()


def run_cli(*args: str) -> tuple[int, str, str]:
    sys.argv = ["formcheck", *args]
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(PER_INPUT_S)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli._run(debug=False)
    except Hang:
        code = -1
        err.write(f"HANG after {PER_INPUT_S} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


class Findings:
    def __init__(self) -> None:
        self.bad: list[str] = []
        self.inputs = 0
        self.outcomes: dict[str, int] = {}

    def check(self, kind: str, what: str, result: tuple[int, str, str]) -> None:
        code, out, err = result
        self.inputs += 1
        key = f"{kind}:{'ok' if code == 0 else 'refused' if code == 2 else code}"
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        text = out + err
        if (code not in (0, 2) or "Traceback" in text or "unexpected" in text.lower()
                or (code == 2 and not err.strip())):
            self.bad.append(f"{kind} {what}: exit {code}: {err.strip()[-300:]}")


# ----------------------------------------------------------------------------- exercises

def mutate_toml(rng: np.random.Generator, text: str) -> bytes:
    lines = text.splitlines()
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(lines)))
        how = int(rng.integers(10))
        if how == 0 and "=" in lines[i]:  # a value swapped
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {VALUES[int(rng.integers(len(VALUES)))]}"
        elif how == 1:
            del lines[i]
        elif how == 2:
            lines.insert(i, lines[i])
        elif how == 3 and "=" in lines[i]:  # a key renamed
            key, value = lines[i].split("=", 1)
            lines[i] = f"{key.strip()}x ={value}"
        elif how == 4:
            j = int(rng.integers(len(lines)))
            lines[i], lines[j] = lines[j], lines[i]
        elif how == 5 and '"' in lines[i]:  # control characters in a string
            at = lines[i].index('"') + 1
            lines[i] = lines[i][:at] + "\\u001b[2J\\u0007\\u202e" + lines[i][at:]
        elif how == 6:
            depth = int(rng.integers(5, 3000))
            lines.insert(i, "deep = " + "[" * depth + "]" * depth)
        elif how == 7:
            lines.insert(i, "[" + ".".join(["t"] * int(rng.integers(2, 40))) + "]")
        elif how == 8 and "=" in lines[i]:  # a number of its own kind, out of range
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {float(rng.choice([-1, 1])) * 10 ** float(rng.uniform(-5, 8)):g}"
        else:
            lines.insert(i, lines[i][: int(rng.integers(len(lines[i]) + 1))])
    data = ("\n".join(lines) + "\n").encode("utf-8")
    tail = int(rng.integers(10))
    if tail == 0:
        data = data[: int(rng.integers(len(data)))]  # cut short
    elif tail == 1:
        flips = rng.integers(len(data), size=int(rng.integers(1, 8)))
        buf = bytearray(data)
        for at in flips:
            buf[at] = int(rng.integers(256))
        data = bytes(buf)
    elif tail == 2:
        data = b"\xef\xbb\xbf" + data
    return data


def short_track(folder: Path, frames: int = 20) -> Path:
    t = PoseTrack.load(SAMPLE)
    cut = PoseTrack(t.t_s[60:60 + frames], t.image[60:60 + frames], t.world[60:60 + frames],
                    t.visibility[60:60 + frames], t.presence[60:60 + frames], 96, 72, t.fps,
                    t.meta, t.n_people[60:60 + frames])
    cut.save(folder / "short.npz")
    return folder / "short.npz"


def fuzz_exercises(rng, folder: Path, found: Findings) -> None:
    track = short_track(folder)
    for n in range(COUNTS["exercise"]):
        base = EXERCISES[int(rng.integers(len(EXERCISES)))]
        path = folder / f"ex{n}.toml"
        path.write_bytes(mutate_toml(rng, base.read_text(encoding="utf-8")))
        args = ["analyze", str(track), "--exercise-file", str(path), "--no-history", "-q"]
        if rng.random() < 0.2:
            args += ["--variant", str(rng.choice(["single-leg", "nope", "bent-knee"]))]
        found.check("exercise", f"{path.name} (from {base.name})", run_cli(*args))


# ----------------------------------------------------------------------------- reports

def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _set(node, path, value, delete=False):
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def mutate_report(rng: np.random.Generator, report: dict) -> bytes:
    doc = json.loads(json.dumps(report))
    for _ in range(int(rng.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        path = paths[int(rng.integers(len(paths)))]
        how = int(rng.integers(4))
        value = JSON_VALUES[int(rng.integers(len(JSON_VALUES)))]
        if how == 0:
            _set(doc, path, None, delete=True)
        elif how == 1 and len(path) == 1:
            doc["schema_version"] = value
        else:
            _set(doc, path, value)
    text = json.dumps(doc)
    data = text.encode("utf-8")
    tail = int(rng.integers(8))
    if tail == 0:
        data = data[: int(rng.integers(len(data)))]
    elif tail == 1:
        buf = bytearray(data)
        for at in rng.integers(len(data), size=int(rng.integers(1, 6))):
            buf[at] = int(rng.integers(256))
        data = bytes(buf)
    elif tail == 2:
        depth = int(rng.integers(100, 50_000))
        data = data[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif tail == 3:
        data = data.replace(b'"duration_s": ', b'"duration_s": 1' + b"0" * 5000 + b"+", 1)
    return data


def fuzz_reports(rng, folder: Path, found: Findings) -> None:
    track = short_track(folder, 200)
    base = folder / "base.json"
    code, _, err = run_cli("analyze", str(track), "-e", "glute_bridge", "--report", str(base),
                           "--no-history", "-q")
    assert code == 0, err
    report = json.loads(base.read_text(encoding="utf-8"))
    for n in range(COUNTS["report"]):
        path = folder / f"r{n}.json"
        path.write_bytes(mutate_report(rng, report))
        args = ["report", str(path)]
        if rng.random() < 0.3:
            args.append(str(base))  # the good one beside it
        if rng.random() < 0.3:
            args += ["--csv", str(folder / f"r{n}.csv"), "--html", str(folder / f"r{n}.html"),
                     "--no-evidence"]
        found.check("report", path.name, run_cli(*args))


# ----------------------------------------------------------------------------- tracks

def mutate_track(rng: np.random.Generator, members: dict) -> dict | bytes:
    out = {k: np.array(v) for k, v in members.items()}
    header = json.loads(str(out["header"]))
    for _ in range(int(rng.integers(1, 3))):
        name = str(rng.choice([k for k in out if k != "header"] + ["header"]))
        how = int(rng.integers(7))
        if name == "header":
            field = str(rng.choice(["width", "height", "fps", "format", "version", "meta"]))
            header[field] = JSON_VALUES[int(rng.integers(len(JSON_VALUES)))]
            continue
        a = out[name]
        if how == 0:
            del out[name]
        elif how == 1:
            out[name] = a[: int(rng.integers(a.shape[0] + 1))]
        elif how == 2 and a.ndim > 1:
            out[name] = a[:, : int(rng.integers(a.shape[1] + 1))]
        elif how == 3:
            b = a.astype(np.float64).copy()
            flat = b.reshape(-1)
            at = rng.integers(flat.size, size=max(1, flat.size // 20))
            flat[at] = rng.choice([np.nan, np.inf, -np.inf, 1e30, -1e30, 0.0, 2.0])
            out[name] = b
        elif how == 4:
            out[name] = a.astype(rng.choice([np.int8, np.bool_, np.complex64, np.float16]))
        elif how == 5:
            out[name] = np.array(["text"] * max(1, a.shape[0]))
        else:
            out[name] = a[..., None]
    out["header"] = np.array(json.dumps(header))
    return out


def fuzz_tracks(rng, folder: Path, found: Findings) -> None:
    with np.load(short_track(folder), allow_pickle=False) as z:
        members = {k: z[k] for k in z.files}
    raw = (folder / "short.npz").read_bytes()
    for n in range(COUNTS["track"]):
        path = folder / f"t{n}.npz"
        kind = rng.random()
        if kind < 0.15:  # damaged bytes
            buf = bytearray(raw)
            for at in rng.integers(len(buf), size=int(rng.integers(1, 30))):
                buf[at] = int(rng.integers(256))
            path.write_bytes(bytes(buf))
        elif kind < 0.25:
            path.write_bytes(raw[: int(rng.integers(len(raw)))])
        else:
            with open(path, "wb") as fh:
                np.savez_compressed(fh, **mutate_track(rng, members))
        args = ["analyze", str(path), "-e", "glute_bridge", "--no-history", "-q"]
        if rng.random() < 0.25:
            args += ["--out", str(folder / f"t{n}.mp4"), "--report", str(folder / f"t{n}.json")]
        found.check("track", path.name, run_cli(*args))


# ----------------------------------------------------------------------------- videos

def base_videos(rng, folder: Path) -> list[Path]:
    """Small clips in the containers and codecs phones and tools write."""
    import av
    import cv2

    made = []
    for i, (fmt, codec, pix) in enumerate([("mp4", "mpeg4", "yuv420p"), ("mov", "png", "rgb24"),
                                           ("mkv", "mjpeg", "yuvj420p"),
                                           ("avi", "mpeg4", "yuv420p")]):
        w, h = [(64, 48), (48, 64), (34, 18), (160, 120)][i]
        path = folder / f"base{i}.{fmt}"
        with av.open(str(path), "w", format=fmt if fmt != "mkv" else "matroska") as out:
            stream = out.add_stream(codec, rate=25)
            stream.width, stream.height, stream.pix_fmt = w, h, pix
            for k in range(int(rng.integers(2, 10))):
                img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format=pix)
                frame.pts = k
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
        made.append(path)
    path = folder / "base_cv2.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (80, 60))
    for k in range(8):
        writer.write(np.full((60, 80, 3), k * 30, np.uint8))
    writer.release()
    return [*made, path]


def fuzz_videos(rng, folder: Path, found: Findings) -> None:
    from formcheck.source.video import SourceError, VideoFileSource

    bases = base_videos(rng, folder)
    opened = 0
    for n in range(COUNTS["video"]):
        base = bases[int(rng.integers(len(bases)))]
        data = bytearray(base.read_bytes())
        how = int(rng.integers(6))
        if how == 0:
            data = data[: int(rng.integers(len(data)))]
        elif how == 1:
            for at in rng.integers(len(data), size=int(rng.integers(1, 40))):
                data[at] = int(rng.integers(256))
        elif how == 2:
            at = int(rng.integers(len(data)))
            data[at:at + int(rng.integers(1, 2000))] = bytes(int(rng.integers(1, 2000)))
        elif how == 3:
            data[:64] = rng.integers(0, 255, 64, dtype=np.uint8).tobytes()
        elif how == 4:
            data += rng.integers(0, 255, int(rng.integers(1, 5000)), dtype=np.uint8).tobytes()
        path = folder / f"v{n}{base.suffix}"
        path.write_bytes(bytes(data))
        # The source itself, as every command opens it: SourceError or frames.
        try:
            with VideoFileSource(path) as src:
                sum(1 for _ in src)
            opened += 1
            result = (0, "", "")
        except SourceError as exc:
            result = (2, "", f"formcheck: error: {exc}\n")
        except Exception as exc:  # noqa: BLE001 (what the fuzz is looking for)
            result = (1, "", f"unexpected {type(exc).__name__}: {exc}")
        found.check("video", path.name, result)
        if result[0] == 2 or (opened <= 2 and result[0] == 0):
            # whole command: a refused file is refused the same way; two decodable ones
            # run through the model, which takes seconds each
            found.check("video-cli", path.name, run_cli(
                "analyze", str(path), "-e", "glute_bridge", "--workers", "1", "--no-history",
                "-q", "--out", str(folder / f"v{n}_out.mp4")))


@pytest.mark.slow
def test_fuzz_generated_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # run_cli sets it; restored after
    rng = np.random.default_rng(SEED)
    found = Findings()
    started = time.monotonic()
    seconds = {}
    for kind, fuzz in (("exercise", fuzz_exercises), ("report", fuzz_reports),
                       ("track", fuzz_tracks), ("video", fuzz_videos)):
        folder = tmp_path / kind
        folder.mkdir()
        t0 = time.monotonic()
        fuzz(rng, folder, found)
        seconds[kind] = time.monotonic() - t0
    took = time.monotonic() - started
    print(f"fuzz: {found.inputs} inputs in {took:.1f} s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in seconds.items())}); "
          f"outcomes: {dict(sorted(found.outcomes.items()))}")
    assert found.inputs >= 500
    assert not found.bad, f"{len(found.bad)} inputs failed badly:\n" + "\n".join(found.bad)
    for kind in ("exercise", "report", "track", "video"):  # each kind got through sometimes
        assert found.outcomes.get(f"{kind}:ok", 0) > 0, found.outcomes
        assert found.outcomes.get(f"{kind}:refused", 0) > 0, found.outcomes
