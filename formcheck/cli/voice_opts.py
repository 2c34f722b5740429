"""The speech options shared by live, session and analyze: --voice/--no-voice and
--audio-out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from formcheck.errors import UserError
from formcheck.voice import Voice

VOICE_HELP = ("Speak counts, hold countdowns and cues (default: on where there is a sound "
              "device).")
AUDIO_OUT_HELP = ("Write the spoken feedback as a WAV track lined up with the session "
                  "(sample 0 = the session's start).")


def check_audio_suffix(path: Path | None) -> None:
    if path is not None and path.suffix.lower() != ".wav":
        raise UserError(f"--audio-out {path}: formcheck writes WAV audio; use a .wav file name")


@contextlib.contextmanager
def session_voice(spec, *, speak: bool, audio_out: Path | None, offline: bool = False,
                  auto_sets: bool = True, farewell: str | None = "session done"
                  ) -> Iterator[Voice | None]:
    """The session's voice (None when there is nothing to speak with or to), closed on the
    way out whatever happens, so the WAV track is written up to where the session ended.
    `offline` (analyze): every phrase is synthesised when asked for, nothing is real-time.
    A guided session runs the sets (`auto_sets` False) and says its own farewell (None)."""
    from formcheck.voice import open_voice

    voice = open_voice(spec, device=speak, wav=audio_out, blocking=offline,
                       auto_sets=auto_sets) if speak or audio_out is not None else None
    try:
        yield voice
    finally:
        if voice is not None:
            voice.close(farewell=farewell)
