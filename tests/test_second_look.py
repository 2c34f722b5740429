"""The second look (pose/second_look.py): the rule on made-up poses with a stand-in
landmarker, then the heavy model on a real clip where the full one loses the body."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.pose.landmarks import N_LANDMARKS, PoseFrame
from formcheck.pose.second_look import (
    BODY,
    LOOK_AGAIN_S,
    SURER_BY,
    UNSURE_BELOW,
    SecondLook,
    body_confidence,
)


def pose(confidence: float, centre=(0.5, 0.5), t_s: float = 1.0) -> PoseFrame:
    rng = np.random.default_rng(0)
    image = np.zeros((N_LANDMARKS, 3))
    image[:, :2] = np.array(centre) + rng.uniform(-0.1, 0.1, (N_LANDMARKS, 2))
    vis = np.full(N_LANDMARKS, 0.9)
    vis[list(BODY)] = confidence  # presence 1: the body's confidence is this
    return PoseFrame(t_s, 30, 640, 480, image, np.zeros((N_LANDMARKS, 3)), vis,
                     np.ones(N_LANDMARKS), n_people=1)


class StandIn:
    """MediaPipe's IMAGE-mode landmarker as far as SecondLook uses it: finds `found`."""

    def __init__(self, found: PoseFrame | None):
        self.found = found
        self.calls = 0

    def detect(self, image):
        self.calls += 1
        if self.found is None:
            return SimpleNamespace(pose_landmarks=[], pose_world_landmarks=[])
        f = self.found
        lms = [SimpleNamespace(x=x, y=y, z=z, visibility=v, presence=p)
               for (x, y, z), v, p in zip(f.image, f.visibility, f.presence, strict=True)]
        world = [SimpleNamespace(x=x, y=y, z=z) for x, y, z in f.world + 0.25]
        return SimpleNamespace(pose_landmarks=[lms], pose_world_landmarks=[world])

    def close(self):
        pass


def test_a_sure_pose_is_kept_without_a_second_look():
    stand_in = StandIn(pose(0.99))
    look = SecondLook(stand_in)
    first = pose(UNSURE_BELOW + 0.01)
    assert look.look(first, "image") is first
    assert stand_in.calls == 0 and look.looked == 0


def test_an_unsure_pose_is_replaced_by_a_surer_one_of_the_same_person():
    look = SecondLook(StandIn(pose(0.9, centre=(0.52, 0.5))))
    first = pose(0.2, t_s=2.5)
    got = look.look(first, "image")
    assert got is not first and (look.looked, look.taken) == (1, 1)
    assert body_confidence(got) == pytest.approx(0.9)
    assert (got.t_s, got.index, got.width, got.height) == (2.5, 30, 640, 480)
    assert np.allclose(got.world, 0.25)  # the second model's world landmarks too


@pytest.mark.parametrize("first, second", [
    (pose(0.2), pose(0.2 + SURER_BY / 2)),  # not surer by enough
    (pose(0.2, centre=(0.2, 0.2)), pose(0.95, centre=(0.8, 0.8))),  # someone else
    (pose(0.2), None),  # nobody found
], ids=["not surer by enough", "someone else", "nobody found"])
def test_an_unsure_pose_is_kept(first, second):
    look = SecondLook(StandIn(second))
    assert look.look(first, "image") is first
    assert (look.looked, look.taken) == (1, 0)


def test_nobody_found_then_the_second_look_finds_the_person():
    look = SecondLook(StandIn(pose(0.8)))
    empty = PoseFrame(3.0, 90, 640, 480)
    assert body_confidence(empty) == 0.0
    got = look.look(empty, "image")
    assert got.detected and got.n_people == 1 and look.taken == 1


def test_after_a_fruitless_look_the_next_waits_while_takes_go_on_every_frame():
    """An empty room costs a heavy inference every LOOK_AGAIN_S, not every frame; a stretch
    the heavy model sees better is looked at frame by frame."""
    stand_in = StandIn(None)
    look = SecondLook(stand_in)
    frames = [PoseFrame(i / 30, i, 640, 480) for i in range(30)]  # a second of nobody
    for f in frames:
        look.look(f, "image")
    step = round(LOOK_AGAIN_S * 30)
    assert stand_in.calls == len(range(0, 30, step)) < 30 / 3
    stand_in.found = pose(0.9)  # the person comes back, seen by the heavy model only
    late = [PoseFrame(1 + i / 30, 30 + i, 640, 480) for i in range(10)]
    got = [look.look(f, "image") for f in late]
    waited = sum(not g.detected for g in got)  # frames before the next look was due
    assert waited < step and all(g.detected for g in got[waited:])
    assert look.taken == 10 - waited
    stand_in.found = None
    look.look(PoseFrame(2.0, 60, 640, 480), "image")  # fruitless: the next waits till 2.2 s
    calls = stand_in.calls
    look.restart()  # a new stream, times from 0 again: its first unsure frame is looked at
    look.look(PoseFrame(0.0, 0, 640, 480), "image")
    assert stand_in.calls == calls + 1


@pytest.fixture(scope="module")
def heavy_path():
    from formcheck.pose.models.resolve import READY, model_status

    status, path = model_status("heavy")
    if status != READY:
        pytest.skip(f"the heavy model is {status} (`formcheck models fetch heavy`; the quick "
                    "start prepares it)")
    return path


@pytest.mark.clips
@pytest.mark.slow
def test_the_heavy_model_sees_the_flipped_skeleton_right(videos, model_path, heavy_path,
                                                         tmp_path):
    """leg_swing_seb_2 (seen from behind): from ~4.1 s the full model's skeleton flips upside
    down and it says it is unsure; the heavy model's second look sees those frames right, and
    the fifth swing, ending there, is counted. One stream, every frame (--workers 1)."""
    clip = videos / "leg_swing_seb_2.mp4"
    counts = {}
    for flag in ("--second-look", "--no-second-look"):
        report, track = tmp_path / f"{flag}.json", tmp_path / f"{flag}.npz"
        proc = subprocess.run(
            [sys.executable, "-m", "formcheck", "analyze", str(clip), "-e", "leg_swing",
             "--model-path", str(model_path), "--workers", "1", "--no-history", "-q",
             "--report", str(report), "--save-pose", str(track), flag],
            capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        counts[flag] = json.loads(report.read_text())["summary"]["rep_count"]
    assert counts == {"--second-look": 5, "--no-second-look": 4}  # 5 by hand (MANIFEST)
    looked, plain = (np.load(tmp_path / f"{f}.npz") for f in ("--second-look",
                                                              "--no-second-look"))
    conf = [np.mean(t["visibility"][:, list(BODY)].astype(float)
                    * t["presence"][:, list(BODY)].astype(float), axis=1)
            for t in (looked, plain)]
    changed = np.flatnonzero(np.any(looked["image"] != plain["image"], axis=(1, 2)))
    assert len(changed) > 0
    # only frames the full model was unsure of, each now surer
    assert np.all(np.nan_to_num(conf[1][changed]) < UNSURE_BELOW)
    assert np.all(conf[0][changed] >= np.nan_to_num(conf[1][changed]) + SURER_BY)
    t = looked["t_s"][changed]
    assert np.any((t > 4.0) & (t < 4.9))  # among them the flipped stretch


def test_without_a_prepared_heavy_model_the_analysis_says_so_and_goes_on(tmp_path, monkeypatch,
                                                                        capsys):
    """No surprise download: the second look is skipped with one note naming the fix, and
    nothing is written to the model folder."""
    from formcheck.cli.common import second_look_model

    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    assert second_look_model("full", None, wanted=True) is None
    err = capsys.readouterr().err
    assert "no second look" in err and "formcheck models fetch heavy" in err
    assert list(tmp_path.iterdir()) == []
    assert second_look_model("full", None, wanted=False) is None  # --no-second-look: silent
    assert second_look_model("heavy", None, wanted=True) is None  # heavy already
    assert capsys.readouterr().err == ""
