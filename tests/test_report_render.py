"""Rendering reports for review: terminal tables, CSV rows, HTML, and defensive reading."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from formcheck.analysis.records import FaultEvent, HoldRecord, RepRecord, Series
from formcheck.report.csv_export import COLUMNS, csv_rows, render_csv
from formcheck.report.evidence import evidence_frames
from formcheck.report.html import render_html
from formcheck.report.plot import svg_plot
from formcheck.report.schema import Report, Summary
from formcheck.report.terminal import render_sessions, side_rows, totals

HOSTILE = '<script>alert("x")</script>'

# --- builder ---------------------------------------------------------------------------------

RepSpec = tuple[str, bool, Sequence[str]]  # side, good, fault codes


def make_report(exercise: str = "glute_bridge", *, reps: Sequence[RepSpec] = (),
                holds: Sequence[tuple[str, float, bool]] = (),
                started_at: str = "2024-05-01T07:30:00+02:00", source: str = "bridge.mp4",
                prescription: dict | None = None, rep_s: float = 3.0, sets: int = 1,
                **fields) -> Report:
    """A consistent report: reps every `rep_s` seconds (up 1 s, hold 0.5 s, down 1.2 s), faults
    1.2 s into their rep, a 10 Hz key-angle series rising 130 -> 170+i in each rep, holds
    after the reps, and a summary computed from all that."""
    records, t = [], 1.0
    per_set = max(1, -(-len(reps) // sets))
    for i, (side, good, codes) in enumerate(reps, start=1):
        faults = [FaultEvent(code=c, message=f"{c} message", t_s=round(t + 1.2, 2), value=150.0)
                  for c in codes]
        records.append(RepRecord(
            index=i, side=side, start_s=t, end_s=t + 2.7, duration_s=2.7, key_angle="hip_angle",
            peak_angle=170.0 + i, trough_angle=130.0, range_of_motion=40.0 + i, up_s=1.0,
            hold_s=0.5, down_s=1.2, good=good, set_index=(i - 1) // per_set + 1, faults=faults))
        t += rep_s
    hold_records = []
    for j, (side, seconds, good) in enumerate(holds, start=1):
        hold_records.append(HoldRecord(index=j, side=side, start_s=t, end_s=t + seconds,
                                       hold_s=seconds, good=good))
        t += seconds + 2
    duration = t + 1.0
    times = np.round(np.arange(0, duration, 0.1), 2)
    values = np.full(times.shape, 130.0)
    for r in records:
        inside = (times >= r.start_s) & (times <= r.end_s)
        phase = (times[inside] - r.start_s) / r.duration_s
        values[inside] = 130.0 + (r.peak_angle - 130.0) * np.sin(np.pi * phase)
    per_side: dict[str, dict[str, float]] = {}
    for x in (*records, *hold_records):
        d = per_side.setdefault(x.side, {"reps": 0, "good": 0, "hold_s": 0.0})
        d["reps"] += 1
        d["good"] += int(x.good)
        d["hold_s"] += x.hold_s
    faults = Counter(f.code for r in records for f in r.faults)
    summary = Summary(rep_count=len(records), good_rep_count=sum(r.good for r in records),
                      hold_seconds=sum(x.hold_s for x in (*records, *hold_records)),
                      fault_counts=dict(faults), set_count=sets if records else 0,
                      per_side=per_side)
    base = dict(
        exercise=exercise, side=records[0].side if records else "left", source=source,
        started_at=started_at, duration_s=duration, fps=30.0, model="pose_landmarker_full",
        summary=summary, reps=records, holds=hold_records, exercise_name="Glute bridge",
        frames=int(duration * 30), frames_with_person=int(duration * 30),
        series=Series(name="hip_angle", t_s=times.tolist(), value=values.tolist()),
        prescription=prescription if prescription is not None else
        {"sets": 3, "reps": 10, "hold_s": 0, "frequency": "twice daily", "per_day": 2,
         "every_n_days": 1})
    base.update(fields)
    return Report(**base)


def bridge_session() -> Report:
    """5 bridges: left 3 (one low), right 2 (one lowered too fast)."""
    return make_report(reps=[("left", True, []), ("left", False, ["hips_low"]),
                             ("left", True, []), ("right", True, []),
                             ("right", False, ["hips_low", "fast_lowering"])], sets=2)


def text_of(items: Sequence[tuple[str, Report]]) -> str:
    console = Console(record=True, width=160, color_system=None)
    render_sessions(items, console)
    return console.export_text()


# --- terminal ---------------------------------------------------------------------------------

def test_side_rows_values():
    rows = {r.side: r for r in side_rows(bridge_session())}
    assert list(rows) == ["left", "right", "all"]
    assert (rows["left"].sets, rows["left"].reps, rows["left"].good) == (1, 3, 2)
    assert (rows["right"].sets, rows["right"].reps, rows["right"].good) == (1, 2, 1)
    assert rows["left"].hold_s == pytest.approx(1.5)
    assert rows["left"].top_faults == [("hips_low", 1)]
    assert rows["right"].top_faults == [("fast_lowering", 1), ("hips_low", 1)]
    assert (rows["all"].sets, rows["all"].reps, rows["all"].good) == (2, 5, 3)
    assert rows["all"].top_faults == [("hips_low", 2), ("fast_lowering", 1)]
    assert rows["left"].mean_rom == pytest.approx(42.0)  # mean ROM of reps 1-3: 41, 42, 43


def test_terminal_table_and_totals():
    holds = make_report("glute_squeeze", holds=[("left", 45.0, True), ("left", 30.0, False)],
                        started_at="2024-05-01T08:00:00", prescription={"reps": 5, "hold_s": 45})
    text = text_of([("a.json", bridge_session()), ("b.json", holds)])
    lines = [re.sub(r"\s+", " ", ln.replace("│", " ")).strip() for ln in text.splitlines()]
    assert "glute_bridge left 1 3 2 1.5 s hips_low ×1" in lines
    assert "glute_bridge right 1 2 1 1.0 s fast_lowering ×1, hips_low ×1" in lines
    assert "glute_bridge all 2 5 3 2.5 s hips_low ×2, fast_lowering ×1" in lines
    assert "glute_squeeze left 0 2 1 75.0 s —" in lines
    assert "Total: 2 sessions, 5 reps (3 good)" in lines  # no sum of unlike holds
    assert "Glute bridge · 2024-05-01 07:30 · a.json" in lines
    assert "prescription: 3 × 10, twice daily" in text
    assert "prescription: 5 reps, hold 45 s" in text
    assert "not a medical device" in text and "physiotherapist" in text
    t = totals([bridge_session(), holds])
    assert (t.sessions, t.reps, t.good, t.hold_s) == (2, 5, 3, pytest.approx(77.5))


def test_terminal_shows_partial_warnings_and_imbalance_without_markup():
    report = make_report(reps=[("left", True, [])] * 4 + [("right", True, [])],
                         partial=True, warnings=["[bold red]camera moved[/]", "\x1b[2Jbad"],
                         exercise=HOSTILE)
    text = text_of([("x.json", report)])
    assert "partial session" in text
    assert "[bold red]camera moved[/]" in text  # shown literally, not as rich markup
    assert "\x1b" not in text
    assert "imbalance: the right side did 1 reps against 4 on the left" in text
    assert HOSTILE in text  # a terminal needs no HTML escaping


# --- CSV --------------------------------------------------------------------------------------

def test_csv_rows_exact():
    report = bridge_session()
    rows = csv_rows([report])
    assert len(rows) == 5
    assert rows[1] == {
        "session": "2024-05-01T07:30:00+02:00", "exercise": "glute_bridge", "side": "left",
        "kind": "rep", "set": "1", "index": "2", "start_s": "4.00", "end_s": "6.70",
        "duration_s": "2.70", "up_s": "1.00", "hold_s": "0.50", "down_s": "1.20",
        "key_angle": "hip_angle", "peak_angle": "172.0", "trough_angle": "130.0",
        "range_of_motion": "42.0", "good": "no", "faults": "hips_low", "fault_times_s": "5.20",
    }
    assert rows[4]["faults"] == "hips_low;fast_lowering"
    assert rows[4]["fault_times_s"] == "14.20;14.20"
    assert [r["set"] for r in rows] == ["1", "1", "1", "2", "2"]
    parsed = list(csv.DictReader(io.StringIO(render_csv([report]))))
    assert parsed == rows
    assert list(parsed[0]) == COLUMNS


def test_csv_holds_and_formula_injection():
    report = make_report("=cmd|' /C calc'!A0", holds=[("right", 20.0, True)],
                         started_at="2024-05-02T09:00:00")
    (row,) = csv_rows([report])
    assert row["exercise"] == "'=cmd|' /C calc'!A0"
    assert (row["kind"], row["side"], row["index"], row["hold_s"], row["duration_s"]) == (
        "hold", "right", "1", "20.00", "20.00")
    assert row["peak_angle"] == "" and row["good"] == "yes"


# --- HTML -------------------------------------------------------------------------------------

def test_html_has_plot_reps_faults_and_no_sides_for_a_bridge():
    report = bridge_session()
    page = render_html([("session.json", report)], evidence=False)
    # key measure and tempo plots, each drawn for desktop and for phones
    assert page.count("<svg") == 4 and page.count('<div class="narrow">') == 2
    assert page.count('<g class="rep-span"') == 2 * len(report.reps)
    assert page.count('<g class="fault"') == 2 * 3
    assert page.count('<g class="hold"') == 2 * len(report.reps)  # each rep's top hold
    assert page.count('<g class="series"') == 2 * 1 + 2 * (5 + 3)  # line; bars + 3 phases
    assert page.count('<tr class="rep ') == 5
    # both legs work in a bridge: no left/right table, no side column
    assert "Left vs right" not in page and 'data-label="Side"' not in page
    assert "side in view: left" in page
    # plain cue first, the code second, the value with its unit and the limit
    assert ("<b>Lift your hips higher</b> <span class=\"fault-code\">hips_low</span> · rep 2 "
            "· 5.2 s · hip measured 150° (fault when below 165°)") in page
    assert "fast_lowering message" in page
    assert "not a medical device" in page and "physiotherapist" in page
    assert "No evidence frames" in page
    assert "time under tension" in page and '<td class=n data-label="Under tension">2.7 s' in page
    assert "held in all" not in page  # no hold prescribed for bridges


def test_html_left_vs_right_for_one_side_at_a_time():
    clam = make_report("clamshell", reps=[("left", True, []), ("right", False, [])],
                       prescription={"sets": 1, "reps": 10, "hold_s": 2}, works="one_at_a_time")
    page = render_html([("c.json", clam)], evidence=False)
    assert "Left vs right" in page and '<td data-label="Side">right</td>' in page
    assert "held in all" in page  # the clamshell's hold is prescribed


def test_html_is_self_contained_and_escaped():
    report = make_report(
        exercise=HOSTILE, exercise_name=HOSTILE, source=f"/tmp/{HOSTILE}.mp4",
        warnings=[HOSTILE], partial=True,
        reps=[("left", False, [])],
    )
    report.reps[0].faults.append(FaultEvent(code=HOSTILE, message=HOSTILE, t_s=2.0))
    report.series.name = HOSTILE
    page = render_html([(HOSTILE, report)], evidence=False)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # no URL at all (an SVG's url(#clip) names a part of the page itself)
    assert not re.search(r"https?:|//|url\((?!#)|@import|<link|<iframe", page)
    assert "src=" not in page  # no images without a video, and never an external source
    assert "Partial session" in page


def test_html_holds_only_and_empty_series():
    report = make_report("glute_squeeze", holds=[("left", 45.0, True), ("right", 44.0, True)])
    report.series = Series()
    page = render_html([("h.json", report)], evidence=False)
    assert page.count('<g class="hold"') == 2 * 2
    assert "no measurement series in this report" in page
    assert "Length of each hold" in page
    assert '<table class="holds">' in page


def series_runs(svg: str) -> int:
    """Pieces of the key-measure line: a gap in the data starts a new piece (an M move)."""
    block = svg[svg.index('<g class="series"'):]
    path = re.search(r'<path d="([^"]*)"', block).group(1)
    return path.count("M ")


def test_plot_handles_gaps_and_junk_values():
    from formcheck.report.plot import key_plot

    report = bridge_session()
    report.series.value[10:20] = [None] * 10
    report.series.value[30] = "junk"  # type: ignore[call-overload]
    assert series_runs(key_plot(report)) == 3  # split at the gap and at the junk value
    report.series.t_s = report.series.t_s[:5]  # mismatched lengths: truncated, no crash
    assert '<g class="series"' in svg_plot(report)


def test_plot_leaves_out_wrong_view_spikes_and_has_units_and_lines():
    from formcheck.report.plot import key_plot

    report = bridge_session()
    report.series.value[40:43] = [-100.0, 400.0, 390.0]  # a limb pointing at the camera
    svg = key_plot(report)
    assert "3 samples out of view left out" in svg
    ticks = [float(t) for t in re.findall(r'text-anchor: end"[^>]*>(-?[\d.]+)</text>', svg)]
    assert ticks and min(ticks) >= 100 and max(ticks) <= 220  # the axis is not stretched
    assert "hip angle (°)" in svg and "time (s)" in svg
    assert "a rep counts above this: 155°" in svg
    assert "Lift your hips higher (below 165°)" in svg
    assert svg.count('<g class="target"') == 1 and svg.count('<g class="limit"') == 2
    assert "-0<" not in svg and "−0<" not in svg


def test_evidence_frames_from_video(tmp_path: Path):
    cv2 = pytest.importorskip("cv2")
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for i in range(30):
        frame = np.full((480, 640, 3), i * 8, np.uint8)
        writer.write(frame)
    writer.release()
    frames = evidence_frames("clip.avi", [0.5, 2.0], base_dirs=[tmp_path])
    assert set(frames) == {0, 1}
    assert all(uri.startswith("data:image/jpeg;base64,") for uri in frames.values())
    assert evidence_frames(str(tmp_path / "track.npz"), [0.5]) == {}
    assert evidence_frames(str(tmp_path / "missing.mp4"), [0.5]) == {}

    report = make_report(reps=[("left", False, ["hips_low"])], source=str(video))
    page = render_html([("r.json", report)])
    assert page.count('<figure class="fault-evidence"><img') == 1
    assert 'src="data:image/jpeg;base64,' in page


# --- CLI and defensive reading ----------------------------------------------------------------

def cli(args: list[str], env: dict[str, str] | None = None):
    """Run the `report` command on a private app, as `formcheck` would, and map UserError."""
    import typer

    from formcheck.cli import report_cmd
    from formcheck.errors import UserError

    private = typer.Typer()
    private.command("report")(report_cmd.report)
    private.callback()(lambda: None)
    result = CliRunner().invoke(private, ["report", *args], env=env)
    if isinstance(result.exception, UserError):
        result.exit_code = result.exception.exit_code
        result.user_error = str(result.exception)
    return result


def write(path: Path, report: Report) -> Path:
    report.write(path)
    return path


def test_cli_bad_reports_warn_and_good_ones_render(tmp_path: Path):
    good = write(tmp_path / "good.json", bridge_session())
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"schema_version": 1, "exercise": ')
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**bridge_session().to_dict(), "schema_version": 99}))
    missing_field = tmp_path / "missing.json"
    d = bridge_session().to_dict()
    del d["reps"][0]["start_s"]
    missing_field.write_text(json.dumps(d))
    odd = tmp_path / "odd.json"
    d = bridge_session().to_dict()
    d["holds"] = [{"index": 1}]
    odd.write_text(json.dumps(d))
    html, out_csv = tmp_path / "out" / "r.html", tmp_path / "out" / "r.csv"
    result = cli([str(damaged), str(good), str(newer), str(missing_field), str(odd),
                  str(tmp_path / "nope.json"), "--html", str(html), "--csv", str(out_csv)])
    assert result.exit_code == 0, result.output
    err = result.stderr
    warnings = [ln for ln in err.splitlines() if ln.startswith("formcheck: warning: ")]
    assert len(warnings) == 5
    assert f"formcheck: warning: {damaged}: damaged report" in err
    assert f"formcheck: warning: {newer}: schema_version 99 is newer" in err
    assert f"formcheck: warning: {missing_field}: reps[0] lacks 'start_s'" in err
    assert f"formcheck: warning: {odd}: " in err
    assert "no such file" in err
    assert "glute_bridge all 2 5 3" in re.sub(r"[\s│]+", " ", result.stdout)
    assert "Total: 1 session, 5 reps (3 good)" in result.stdout
    page = html.read_text()
    assert page.count('<section class="session">') == 1
    assert "damaged.json" in page  # listed under "Not included"
    assert len(list(csv.DictReader(out_csv.open()))) == 5


@pytest.mark.parametrize("where, junk", [
    (("series",), {"name": 3, "t_s": "x", "value": None}),
    (("series", "value"), ["a", None, {}, 1e308] * 40),
    (("prescription",), ["3x10"]),
    (("prescription", "sets"), "three"),
    (("warnings",), "one string, not a list"),
    (("summary", "per_side"), {"left": 3, "right": {"reps": "many"}}),
    (("summary", "fault_counts"), {"hips_low": "often"}),
    (("holds",), [{"index": 1}]),
    (("holds",), "none"),
    (("reps", 0, "index"), "first"),
    (("started_at",), "yesterday"),
    (("exercise_name",), None),
    (("rules",), "junk"),
    (("rules",), {"key": 3, "key_unit": ["x"], "key_points": 7,
                  "lines": [{"code": "hips_low", "kind": "fault", "points": 5, "value": "x",
                             "unit": 7, "measure": "hip"}, 3,
                            {"kind": "target", "measure": 3, "value": 1e308}]}),
    (("progression",), [1]),
])
def test_cli_survives_junk_in_unvalidated_fields(tmp_path: Path, where: tuple, junk: object):
    """Fields `validate` does not check must never give a traceback: render or warn."""
    d = bridge_session().to_dict()
    target = d
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = junk
    path = tmp_path / "junk.json"
    path.write_text(json.dumps(d))
    result = cli([str(path), "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if where[0] in ("rules", "progression"):  # optional fields: junk there never stops it
        assert result.exit_code == 0, result.stderr
    if result.exit_code == 0:
        assert "Total: 1 session" in result.stdout
        assert (tmp_path / "r.html").read_text().count('<section class="session">') == 1
    else:
        assert result.exit_code == 2
        assert f"formcheck: warning: {path}: " in result.stderr


def test_cli_exit_2_when_nothing_readable(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    html = tmp_path / "r.html"
    result = cli([str(bad), "--html", str(html)])
    assert result.exit_code == 2
    assert f"formcheck: warning: {bad}: damaged report" in result.stderr
    assert not html.exists()


def test_cli_unwritable_output_fails_before_rendering(tmp_path: Path):
    good = write(tmp_path / "good.json", bridge_session())
    result = cli([str(good), "--html", str(tmp_path)])  # a directory
    assert result.exit_code == 2
    assert "cannot write" in result.user_error


def test_cli_needs_input():
    result = cli([])
    assert result.exit_code == 2 and "--history" in result.user_error


# --- real analyses (committed pose tracks through `formcheck analyze`) -------------------------

TRACKS = Path(__file__).resolve().parents[1] / "samples" / "tracks"


def formcheck(*args: str, env: dict[str, str] | None = None):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="module")
def real_reports(tmp_path_factory) -> list[Path]:
    """Reports of real sessions: a glute bridge and a clamshell, analysed from pose tracks."""
    out = tmp_path_factory.mktemp("real")
    paths = []
    for track, exercise in (("glute_bridge_ndn_1", "glute_bridge"),
                            ("clamshell_ndn_1", "clamshell")):
        src = TRACKS / f"{track}.npz"
        if not src.exists():
            pytest.skip(f"pose track {src} not found")
        report = out / f"{track}.json"
        done = formcheck("analyze", str(src), "-e", exercise, "-r", str(report), "-q",
                         "--no-history")
        assert done.returncode == 0, done.stderr
        paths.append(report)
    return paths


@pytest.mark.slow
def test_real_reports_render_everywhere(real_reports: list[Path], tmp_path: Path):
    from formcheck.report.schema import load_report

    reports = [load_report(p) for p in real_reports]
    assert all(r.reps for r in reports)
    html, out_csv = tmp_path / "real.html", tmp_path / "real.csv"
    done = formcheck("report", *map(str, real_reports), "--html", str(html), "--csv",
                     str(out_csv), env={"COLUMNS": "160"})
    assert done.returncode == 0, done.stderr
    flat = re.sub(r"[\s│]+", " ", done.stdout)
    for r in reports:
        (row,) = side_rows(r)  # one working side in each of these clips
        assert (f"{r.exercise} {row.side} {row.sets} {r.summary.rep_count} "
                f"{r.summary.good_rep_count} {r.summary.hold_seconds:.1f} s") in flat
    t = totals(reports)
    assert f"Total: 2 sessions, {t.reps} reps ({t.good} good)" in flat

    rows = list(csv.DictReader(out_csv.open()))
    expected = [(r.exercise, str(rep.index), f"{rep.start_s:.2f}", f"{rep.peak_angle:.1f}")
                for r in reports for rep in r.reps]
    assert [(x["exercise"], x["index"], x["start_s"], x["peak_angle"]) for x in rows] == expected

    page = html.read_text()
    n_reps = sum(len(r.reps) for r in reports)
    n_faults = sum(len(rep.faults) for r in reports for rep in r.reps)
    assert page.count("<svg") == 8 and page.count('<g class="series"') >= 4
    assert page.count('<g class="rep-span"') == 2 * n_reps
    assert page.count('<g class="fault"') == 2 * n_faults
    assert "<img" not in page  # the source is a pose track: no evidence frames


@pytest.mark.slow
def test_analyze_files_into_history(tmp_path: Path):
    from formcheck.report.history import load_history
    from formcheck.report.schema import load_report

    src = TRACKS / "glute_bridge_ndn_1.npz"
    if not src.exists():
        pytest.skip(f"pose track {src} not found")
    history = tmp_path / "history"
    env = {"FORMCHECK_HISTORY_DIR": str(history)}
    done = formcheck("analyze", str(src), "-e", "glute_bridge", "-r", str(tmp_path / "r.json"),
                     "-q", env=env)
    assert done.returncode == 0, done.stderr
    (filed,), problems = load_history(history)
    assert problems == [] and filed.report.to_dict() == load_report(tmp_path / "r.json").to_dict()
    shown = formcheck("report", "--history", env={**env, "COLUMNS": "160"})
    assert shown.returncode == 0, shown.stderr
    assert "glute_bridge" in shown.stdout and ": by day," in shown.stdout


@pytest.mark.slow
def test_entry_point_warning_format(tmp_path: Path):
    good = write(tmp_path / "good.json", bridge_session())
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    done = formcheck("report", str(bad), str(good))
    assert done.returncode == 0
    assert done.stderr.splitlines()[0].startswith(f"formcheck: warning: {bad}: damaged report")
    only_bad = formcheck("report", str(bad))
    assert only_bad.returncode == 2
    unwritable = formcheck("report", str(good), "--csv", str(tmp_path))
    assert unwritable.returncode == 2
    assert unwritable.stderr.startswith(f"formcheck: error: cannot write {tmp_path}")


def test_evidence_time_is_the_moment_the_fault_judges():
    from formcheck.report.evidence_draw import evidence_time

    rep = make_report(reps=[("left", False, ["hold_short"])]).reps[0]  # 1.0 s: up 1, hold .5
    assert evidence_time(rep, "hold_s", rep.end_s) == pytest.approx(1.0 + 1.0 + 0.25)
    assert evidence_time(rep, "down_s", rep.end_s) == pytest.approx(1.0 + 1.5 + 0.6)
    assert evidence_time(rep, "hip", 2.2) == 2.2  # a measure's fault keeps its own moment


@pytest.mark.slow
@pytest.mark.clips
def test_evidence_frames_show_the_top_of_a_short_hold_with_the_skeleton(videos: Path,
                                                                         tmp_path: Path):
    """A chair-bridge rule on a bridge clip: every rep's hold is short. The engine stamps
    that fault at the rep's end (hips down); the picture is taken in the hold, with the
    skeleton and the hip measure drawn."""
    import base64

    import cv2

    from formcheck.report.schema import load_report

    clip = videos / "glute_bridge_ndn_1.mp4"
    done = formcheck("analyze", str(clip), "-e", "chair_bridge", "-r", str(tmp_path / "r.json"),
                     "--no-history", "-q")
    assert done.returncode == 0, done.stderr
    report = load_report(tmp_path / "r.json")
    shorts = [(r, f) for r in report.reps for f in r.faults if f.code == "hold_short"]
    assert len(shorts) == 3
    page = render_html([("r.json", report)])
    frames = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', page)
    assert len(frames) == 3
    for (rep, fault), data in zip(shorts, frames, strict=True):
        shot = float(re.search(r"<small>frame at ([\d.]+) s</small>", page[page.index(data):]
                               ).group(1))
        assert rep.start_s + rep.up_s <= shot <= rep.start_s + rep.up_s + rep.hold_s + 0.1
        assert shot < fault.t_s - 0.5  # not the end of the rep (hips back down)
        img = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
        amber = np.all(np.abs(img.astype(int) - np.array([0, 200, 255])) < 50, axis=2)
        assert amber.sum() > 300  # the measured hip (shoulder-hip-knee) and its value
    for _, fault in shorts:  # each fault's own measured hold, with its limit
        assert f"hold measured {fault.value:.1f} s (fault when below 3 s)" in page
