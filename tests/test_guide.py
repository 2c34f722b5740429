"""The guided session's plan file (errors with field and line) and its set/rest/switch steps,
driven by a fake frame clock: no model, no video."""

from __future__ import annotations

import pytest

from formcheck.analysis.exercise import builtin_exercises
from formcheck.analysis.plan import PlanFileError, load_plan, parse_plan
from formcheck.pipeline.guide import SWITCH_S, ExerciseGuide

CATALOGUE = builtin_exercises()

PLAN = """\
rest = 30
[[exercise]]
id = "glute_bridge"
sets = 2
reps = 3

[[exercise]]
id = "clamshell"
sets = 2
reps = 2
rest = 20
"""


def test_plan_fields_and_defaults_from_the_prescription():
    plan = parse_plan(PLAN + '\n[[exercise]]\nid = "plank"\nside = "left"\n', "p.toml",
                      CATALOGUE)
    bridge, clam, plank = plan.items
    assert (bridge.id, bridge.sets, bridge.units, bridge.rest_s, bridge.sides) == (
        "glute_bridge", 2, 3, 30.0, (None,))
    assert bridge.spec.prescription.reps == 3 and bridge.spec.prescription.sets == 2
    # a clamshell works one side at a time: both sides by default
    assert (clam.units, clam.rest_s, clam.sides, clam.hold_s) == (2, 20.0, ("left", "right"), 2.0)
    # the plank's prescription: 3 sets of one 30 s hold
    assert (plank.sets, plank.units, plank.hold_s, plank.sides, plank.unit) == (
        3, 1, 30.0, ("left",), "hold")


def test_plan_source_is_relative_to_the_plan_file(tmp_path):
    f = tmp_path / "day.toml"
    f.write_text('[[exercise]]\nid = "squat"\nsource = "clips/sq.mp4"\n')
    assert load_plan(f, CATALOGUE).items[0].source == tmp_path / "clips" / "sq.mp4"


@pytest.mark.parametrize("text, message", [
    (PLAN.replace("reps = 3", 'reps = "three"'),
     "p.toml, line 5: field 'exercise.0.reps': must be int, got str 'three'"),
    (PLAN.replace('"clamshell"', '"clamshel"'),
     "p.toml, line 8: field 'exercise.1.id': unknown exercise 'clamshel' (known: "),
    (PLAN.replace("rest = 20", "rest = -5"),
     "p.toml, line 11: field 'exercise.1.rest': must be 0 to 3600 seconds, got -5"),
    (PLAN.replace("sets = 2\nreps = 2", 'sets = 2\nreps = 2\nside = "top"'),
     "p.toml, line 11: field 'exercise.1.side': must be one of left, right, both, auto; "
     "got 'top'"),
    (PLAN + "colour = 3\n",
     "p.toml, line 12: field 'exercise.1.colour': unknown field (allowed: "),
    (PLAN.replace("sets = 2\nreps = 3", "sets = 0\nreps = 3"),
     "p.toml, line 4: field 'exercise.0.sets': must be 1 to 100, got 0"),
    (PLAN.replace("reps = 2", 'reps = 2\nvariant = "x"'),
     "p.toml, line 11: field 'exercise.1.variant': 'clamshell' has no variant 'x'"),
    ("rest = 10\n", "p.toml: field 'exercise': the plan needs at least one [[exercise]]"),
    ("[[exercise]\n", "p.toml: not valid TOML"),
])
def test_plan_mistakes_are_named_with_field_and_line(text, message):
    with pytest.raises(PlanFileError) as err:
        parse_plan(text, "p.toml", CATALOGUE)
    assert str(err.value).startswith(message)


def test_missing_plan_file_is_one_clear_line(tmp_path):
    with pytest.raises(PlanFileError, match=r"no-plan.toml: no such session plan"):
        load_plan(tmp_path / "no-plan.toml", CATALOGUE)


class Frames:
    """A fake frame clock: each tick is one frame 1/30 s after the last."""

    def __init__(self, guide: ExerciseGuide):
        self.guide, self.n, self.count = guide, 0, 0

    @property
    def t(self) -> float:
        return self.n / 30

    def run(self, seconds: float, reps_at: tuple[float, ...] = (), paused: bool = False):
        for _ in range(round(seconds * 30)):
            self.n += 1
            if any(round(r * 30) == self.n for r in reps_at):
                self.count += 1 if self.guide.counting else 0  # a rest counts nothing
            self.guide.update(self.t, self.count, paused)


def _guide(text: str, time_scale: float = 1.0):
    events = []
    item = parse_plan(text, "p.toml", CATALOGUE).items[0]
    return ExerciseGuide(item, events.append, time_scale), events


def test_sets_and_rests_in_time():
    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\nsets = 2\nreps = 2\nrest = 6\n')
    f = Frames(guide)
    guide.start(0.0, 0)
    f.run(3.0, reps_at=(1.0, 2.0))  # set 1: two reps -> rest 6 s from 2.0
    assert guide.phase == "rest" and guide.remaining == pytest.approx(5.0)
    f.run(2.0, reps_at=(4.0,), paused=True)  # paused: the rest waits; a rep now is not counted
    assert guide.remaining == pytest.approx(5.0) and f.count == 2
    f.run(6.0, reps_at=(10.5, 10.9))  # rest over at 10.0; set 2's two reps end it
    assert [(e.kind, e.t, e.set) for e in events] == [
        ("exercise", 0.0, None), ("set", 0.0, 1), ("set_done", 2.0, 1), ("rest", 2.0, 2),
        ("countdown", 7.0, 2), ("countdown", 8.0, 2), ("countdown", 9.0, 2),
        ("set", 10.0, 2), ("set_done", 10.9, 2), ("exercise_done", 10.9, None)]
    assert [e.text for e in events if e.kind == "countdown"] == ["3", "2", "1"]
    assert events[2].text == "Set 1 done: 2 reps."
    assert events[0].text.startswith("Double-leg glute bridge, 2 sets: 2 reps. Side view")
    assert events[3].text == "Rest 6 seconds."
    assert [(s.set, s.done, s.ended) for s in guide.sets] == [(1, 2, "done"), (2, 2, "done")]
    assert guide.ended == "done" and guide.phase == "done"


def test_one_sided_work_switches_sides_and_time_scale_shortens_waits():
    guide, events = _guide('[[exercise]]\nid = "clamshell"\nsets = 2\nreps = 1\nrest = 60\n',
                           time_scale=10)
    f = Frames(guide)
    guide.start(0.0, 0)
    f.run(20.0, reps_at=(1.0, 3.0, 10.0, 12.0))
    # set 1 left done at 1.0; switch (10 s / 10); right at 2.0, done at 3.0; rest 6 s to 9.0.
    # The countdown's 3 s last 0.3 s here (9 frames): its numbers each come once, in order.
    countdown = [(e.t, e.text) for e in events if e.kind == "countdown"]
    assert countdown == [(1.7, "3"), (1.8, "2"), (1.9, "1"), (8.7, "3"), (8.8, "2"),
                         (8.9, "1"), (10.7, "3"), (10.8, "2"), (10.9, "1")]
    events = [e for e in events if e.kind != "countdown"]
    assert [(e.kind, e.t, e.set, e.side) for e in events] == [
        ("exercise", 0.0, None, None), ("set", 0.0, 1, "left"), ("set_done", 1.0, 1, "left"),
        ("switch", 1.0, 1, "right"), ("set", 1.0 + SWITCH_S / 10, 1, "right"),
        ("set_done", 3.0, 1, "right"), ("rest", 3.0, 2, "left"), ("set", 9.0, 2, "left"),
        ("set_done", 10.0, 2, "left"), ("switch", 10.0, 2, "right"),
        ("set", 11.0, 2, "right"), ("set_done", 12.0, 2, "right"),
        ("exercise_done", 12.0, None, None)]
    assert events[3].text == "Switch sides: right side next."
    assert events[1].text == "Set 1 of 2, left side: 1 rep."
    assert events[5].text == "Right side, set 1 done: 1 rep."


def test_next_and_skip_keys():
    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\nsets = 3\nreps = 5\nrest = 30\n')
    f = Frames(guide)
    guide.start(0.0, 0)
    f.run(2.0, reps_at=(1.0,))
    guide.next(f.t, f.count)  # n: set 1 ends with 1 rep of 5, the rest starts
    assert guide.phase == "rest"
    f.run(1.0)
    guide.next(f.t, f.count)  # n in the rest: set 2 at once
    assert guide.phase == "set" and guide.sets[-1].set == 2
    f.run(1.0, reps_at=(3.5,))
    guide.skip(f.t, f.count)
    assert [(s.set, s.done, s.ended) for s in guide.sets] == [(1, 1, "next"), (2, 1, "skipped")]
    assert [e.kind for e in events] == ["exercise", "set", "set_done", "rest", "set", "skip"]
    assert guide.ended == "skipped" and not guide.counting
    guide.stop(f.t, f.count, "quit")  # over already: nothing changes
    assert guide.ended == "skipped" and events[-1].kind == "skip"


def test_an_exercise_ending_early_says_so_unless_the_person_ended_it():
    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\nsets = 2\nreps = 5\n')
    guide.start(0.0, 0)
    guide.update(3.0, 2)
    guide.stop(3.5, 2, "end of source")
    assert [(s.done, s.ended) for s in guide.sets] == [(2, "end of source")]
    assert events[-1].kind == "ended" and events[-1].text == (
        "Double-leg glute bridge ended early: end of source. What you did is saved.")
    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\n')
    guide.start(0.0, 0)
    guide.stop(1.0, 0, "quit")
    assert [e.kind for e in events] == ["exercise", "set"] and guide.ended == "quit"


def test_holds_count_holds():
    guide, events = _guide('[[exercise]]\nid = "plank"\nsets = 2\nrest = 0\n')
    guide.start(0.0, 0)
    assert events[0].text.startswith("Forearm plank, 2 sets: hold 30 seconds. Side view")
    guide.update(31.0, 1)
    # no rest: set 2 follows at once
    assert [(e.kind, e.set) for e in events[1:]] == [("set", 1), ("set_done", 1), ("set", 2)]
    guide.update(70.0, 2)
    assert events[-1].kind == "exercise_done" and events[-2].text == "Set 2 done: 1 hold."


def test_default_plan_follows_the_ladders_and_the_history():
    """Bridges (twice a day) done once today: still due, and the squeeze before them on the
    ladder no longer is; a clamshell (every other day) done yesterday and a plank done today
    are not due."""
    from datetime import date

    from test_report_render import make_report

    from formcheck.report.due import due_plan
    from formcheck.report.history import file_report

    for report in (
            make_report("glute_bridge", reps=[("left", True, [])] * 10,
                        started_at="2024-05-04T07:00:00"),
            make_report("clamshell", reps=[("left", True, [])] * 10,
                        started_at="2024-05-03T18:00:00", exercise_name="Clamshell"),
            make_report("plank", holds=[("left", 30.0, True)], started_at="2024-05-04T08:00:00",
                        exercise_name="Forearm plank")):
        file_report(report)
    plan, notes = due_plan(CATALOGUE, date(2024, 5, 4))
    assert [i.id for i in plan.items] == [
        "ball_hamstring_curl", "forward_fold", "glute_bridge", "kneeling_hip_flexor",
        "leg_swing", "push_up", "squat"]
    assert notes == ["Clamshell: done 1 day ago, due every 2 days",
                     "Forearm plank: done 1 of 1 today"]
    bridge = plan.items[2]
    assert (bridge.sets, bridge.units, bridge.sides) == (3, 10, (None,))
    # six days on, everything is due again; the ladder stays at the bridge
    plan, notes = due_plan(CATALOGUE, date(2024, 5, 10))
    ids = [i.id for i in plan.items]
    assert "glute_bridge" in ids and "glute_squeeze" not in ids and "clamshell" in ids
    assert notes == []


def test_default_plan_with_no_history_starts_each_ladder_at_its_first_step():
    from datetime import date

    from formcheck.report.due import due_plan

    plan, notes = due_plan(CATALOGUE, date(2024, 5, 4))
    ids = [i.id for i in plan.items]
    assert {"glute_squeeze", "ball_hamstring_curl", "plank"} <= set(ids)
    assert not {"glute_bridge", "chair_bridge", "single_leg_rdl", "plank_hip_extension"} & set(ids)
    assert notes == []


def test_session_panel_is_a_band_at_the_bottom_with_a_big_main_line():
    import numpy as np

    from formcheck.overlay.canvas import ACCENT
    from formcheck.overlay.session_panel import SessionPanel, draw_session_panel

    for w, h in ((1080, 1920), (1280, 720), (398, 346)):
        img = np.full((h, w, 3), 90, np.uint8)
        draw_session_panel(img, SessionPanel("Clamshell · exercise 2 of 2", "Rest 0:25",
                                             "Switch sides: right side next.", 0.5))
        changed = np.where((img != 90).any(axis=(1, 2)))[0]
        top = changed.min()
        assert changed.max() == h - 1 and h - top < h / 3  # a band at the bottom, under 1/3
        white = np.where((img[top:] >= 240).all(axis=2).any(axis=1))[0]
        # the main line's glyphs (white) span at least 1/25 of the frame's height
        rows = np.split(white, np.where(np.diff(white) > 1)[0] + 1)
        assert max(len(r) for r in rows) >= h / 25
        # the bar: half of it in the accent colour (the rest left)
        accent = (img == np.array(ACCENT, np.uint8)).all(axis=2).any(axis=0).sum()
        assert 0.4 * w < accent < 0.5 * w


@pytest.mark.parametrize("args, message", [
    (["--source", "bridge.mp4"], "--source bridge.mp4: give EXERCISE=FILE"),
    (["--source", "squat=x.mp4"], "--source squat=x.mp4: 'squat' is not in the plan"),
    (["--source", "glute_bridge=nothing.mp4"],
     "--source for glute_bridge nothing.mp4: no such file"),
    (["--time-scale", "0"], "--time-scale must be a number more than 0, not 0"),
    (["--audio-out", "s.mp3"], "--audio-out s.mp3: formcheck writes WAV audio"),
    (["--audio-out", "plan.toml"], "--audio-out plan.toml: formcheck writes WAV audio"),
    (["--audio-out", "./bridge.wav", "--source", "glute_bridge=bridge.wav"],
     "--audio-out bridge.wav would overwrite --source for glute_bridge bridge.wav"),
])
def test_session_command_refuses_bad_options_in_one_line(tmp_path, args, message):
    import subprocess
    import sys

    plan = tmp_path / "plan.toml"
    plan.write_text('[[exercise]]\nid = "glute_bridge"\n')
    (tmp_path / "bridge.wav").write_bytes(b"RIFF not a video, and not to be replaced")
    proc = subprocess.run([sys.executable, "-m", "formcheck", "session", str(plan),
                           "--no-window", "--out-dir", str(tmp_path / "out"), *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"formcheck: error: {message}")
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert (tmp_path / "bridge.wav").read_bytes().startswith(b"RIFF not a video")


def test_session_command_names_a_plan_mistake(tmp_path):
    import subprocess
    import sys

    plan = tmp_path / "plan.toml"
    plan.write_text('[[exercise]]\nid = "glute_bridge"\nreps = 0\n')
    proc = subprocess.run([sys.executable, "-m", "formcheck", "session", str(plan),
                           "--no-window"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode != 0
    assert f"{plan}, line 3: field 'exercise.0.reps': must be 1 to 1000, got 0" in proc.stderr


def test_session_goes_on_without_a_source_and_keeps_its_summary_on_a_failure(
        tmp_path, monkeypatch):
    import json

    from formcheck.pipeline import guided

    plan = parse_plan(PLAN, "p.toml", CATALOGUE)
    events = []

    def no_camera(item):
        raise OSError("camera 0 not found")

    summary = guided.run_session(plan, no_camera, tmp_path / "m.task", "full",
                                 out_dir=tmp_path, on_event=events.append, history=False)
    assert [(e.kind, e.exercise) for e in events] == [
        ("ended", "glute_bridge"), ("ended", "clamshell"), ("session_done", "")]
    assert events[-1].text == "Session done: 0 of 2 exercises, 0 reps. Well done."
    assert [(e.status, e.note) for e in summary.exercises] == [
        ("not started", "source could not be opened: camera 0 not found")] * 2

    def broken(*args, **kwargs):
        raise RuntimeError("pose process died")

    monkeypatch.setattr(guided, "run_live", broken)
    started = []
    with pytest.raises(RuntimeError, match="pose process died"):
        guided.run_session(plan, lambda item: object(), tmp_path / "m.task", "full",
                           out_dir=tmp_path / "f", history=False,
                           before_exercise=lambda item, offset: started.append((item.id, offset)))
    assert started == [("glute_bridge", 0.0)]
    (written,) = (tmp_path / "f").glob("session-*.json")
    data = json.loads(written.read_text())
    assert data["ended"] == "failed"
    assert [e["status"] for e in data["exercises"]] == ["not started", "not started"]
    assert [e["kind"] for e in data["events"]] == ["stopped"]


def test_a_long_gap_between_frames_is_not_rest_taken():
    """A pause that holds the frames back (or a stalled camera) shows as one long gap: the
    rest counts at most MAX_FRAME_GAP_S of it."""
    from formcheck.pipeline.guide import MAX_FRAME_GAP_S

    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\nsets = 2\nreps = 1\nrest = 10\n')
    guide.start(0.0, 0)
    guide.update(2.0, 1)  # set 1 done: rest 10 s
    guide.update(2.5, 1)
    guide.update(62.5, 1)  # a minute later
    assert guide.phase == "rest"
    assert guide.remaining == pytest.approx(10.0 - 0.5 - MAX_FRAME_GAP_S)


def test_redo_counts_the_set_again_from_zero():
    """r in a set: its count starts again at 0 (said); the reps before stay counted by the
    engine, not by the set. Outside a set r does nothing."""
    guide, events = _guide('[[exercise]]\nid = "glute_bridge"\nsets = 2\nreps = 2\nrest = 6\n')
    f = Frames(guide)
    guide.start(0.0, 0)
    f.run(1.5, reps_at=(1.0,))
    assert guide.sets[-1].done == 1
    guide.redo(f.t, f.count)
    assert guide.sets[-1].done == 0 and guide.phase == "set"
    f.run(2.0, reps_at=(2.5, 3.0))  # two more: the set's two
    assert [(e.kind, e.t, e.set, e.text) for e in events[2:4]] == [
        ("redo", 1.5, 1, "Set 1 again, from 0."), ("set_done", 3.0, 1, "Set 1 done: 2 reps.")]
    assert guide.phase == "rest" and f.count == 3
    guide.redo(f.t, f.count)  # resting: nothing to redo
    assert [e.kind for e in events].count("redo") == 1
