"""Spoken feedback, offline: counts, hold countdowns, the current cue, set and session done.

engine (text -> PCM) -> phrases (made once, off the frame loop) -> announcer (what to say from
the engine's state) -> line (when, one phrase at a time) -> player / wav_track (where)."""

from formcheck.voice.voice import Voice, open_voice

__all__ = ["Voice", "open_voice"]
