"""What a session's report says about how it went, besides the reps: a person seldom seen,
a camera placed against the advice, a key measure out of sight, checks not judged, absences."""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.analysis.view import CUES, ViewCheck


@dataclass(frozen=True)
class SessionFacts:
    key: str  # the key measure's name
    frames: int
    frames_with_person: int
    unmeasured_s: float  # in position, but the key could not be measured
    not_judged: dict[str, int]  # fault cue -> records it could not judge
    records: int  # reps (or holds) recorded
    absences: list[tuple[float, float]]  # (left_s, back_s)
    multi_person: bool = False
    held_through: int = 0  # absences a hold was timed through (in position before and after)


def session_notes(f: SessionFacts, v: ViewCheck) -> list[str]:
    notes = []
    if f.frames and not f.frames_with_person:
        notes.append("no person was seen in the video")
    elif f.frames and f.frames_with_person < 0.5 * f.frames:
        notes.append(f"a person was seen in only {f.frames_with_person} of {f.frames} frames")
    total = v.ok_time + v.bad_time + v.out_time
    advice = {c: s for c, s in v.cue_seconds.items() if c in ("turn_side", "turn_front",
                                                               "whole_body")}
    if f.frames_with_person and total and v.bad_time > 0.3 * total and advice:
        worst = max(advice, key=advice.__getitem__)
        notes.append(f"for {v.bad_time:.0f} s of {total:.0f} s the camera was not placed "
                     f"as advised ({CUES[worst].message.lower()}); counted wherever the "
                     "movement could still be measured")
    placed_s = v.ok_time + v.bad_time
    if placed_s and f.unmeasured_s > 0.3 * placed_s:
        hint = f" ({v.cue.message.lower()})" if v.cue else ""
        notes.append(f"the {f.key} could not be measured for {f.unmeasured_s:.0f} s of "
                     f"{placed_s:.0f} s in position from where the camera stood{hint}; "
                     "nothing was counted then")
    if f.not_judged:
        checks = "; ".join(f'"{cue}" ({k} of {f.records})' for cue, k in f.not_judged.items())
        notes.append(f"not judged, not measurable from this camera angle: {checks}")
    if f.frames_with_person and total and v.out_time > 0.5 * total:
        worst = max(v.cue_seconds, key=v.cue_seconds.__getitem__, default="no_person")
        notes.append(f"the person was out of position for {v.out_time:.0f} s of "
                     f"{total:.0f} s ({CUES[worst].message.lower()}); no counting then")
    if f.absences:
        gone = sum(b - a for a, b in f.absences)
        times = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in f.absences[:5])
        after = ("nothing was counted meanwhile" if not f.held_through else
                 f"a hold was timed through {f.held_through} of them (the position was the "
                 "same before and after)")
        notes.append(f"the person left the view {len(f.absences)} time(s) "
                     f"({times}; {gone:.0f} s in all); {after}")
    if f.multi_person:
        notes.append("more than one person was in view; followed the one who started")
    return notes
