"""Text to speech, offline: eSpeak NG through ctypes, synthesising into memory.

Why eSpeak NG: it runs on the CPU with no model to fetch (a person's machine may have no
network), says a number in a few milliseconds, and the `espeakng-loader` wheel bundles the
library and its voice data, so `pip install formcheck` alone brings speech on Linux, macOS
and Windows. A system libespeak-ng (Debian's `libespeak-ng1`) is used when the wheel is absent.

The library is process-global (voice, rate, where audio goes) and crashes when initialised a
second time while in use: a process loads and initialises it once (`_library`), every call
holds its lock, and each engine sets its voice and rate before it speaks."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_Synth returns when done; audio goes to the callback
POS_CHARACTER = 1
CHARS_UTF8 = 1
PARAM_RATE = 1  # words a minute
RATE_WPM = 190  # a little quicker than espeak's 175: counts stay short

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.c_void_p)


class EngineUnavailable(Exception):
    """No speech engine can be loaded here (the message says why)."""


@dataclass(frozen=True)
class LibraryPaths:
    library: str
    data: str | None  # the folder holding espeak-ng-data (None: the library's built-in path)


def find_library() -> LibraryPaths:
    """The bundled library of `espeakng-loader`, else a system libespeak-ng."""
    try:
        import espeakng_loader
    except ImportError:
        found = ctypes.util.find_library("espeak-ng")
        if not found:
            raise EngineUnavailable("no speech engine: install espeakng-loader (pip) or "
                                    "libespeak-ng1 (apt)") from None
        return LibraryPaths(found, None)
    return LibraryPaths(espeakng_loader.get_library_path(), espeakng_loader.get_data_path())


class SynthFailed(Exception):
    """eSpeak refused a phrase (its status code says why)."""


class _Library:
    """The one initialised libespeak-ng of this process."""

    def __init__(self, paths: LibraryPaths):
        try:
            lib = ctypes.CDLL(paths.library)
        except OSError as exc:
            raise EngineUnavailable(f"speech engine not loadable: {exc}") from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        self.lock = threading.Lock()
        self._lib = lib
        self._chunks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._collect)  # lives as long as the library
        self._settings: tuple[str, int] | None = None
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                     paths.data.encode() if paths.data else None, 0)
        if rate <= 0:
            raise EngineUnavailable("the speech engine did not start (no voice data?)")
        lib.espeak_SetSynthCallback(self._callback)
        self.rate = int(rate)

    def _collect(self, wav, n: int, events) -> int:  # noqa: ARG002
        if n > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # go on

    def use(self, voice: str, words_per_minute: int) -> None:
        """Voice and rate for the next phrases; call holding `lock`."""
        if self._settings == (voice, words_per_minute):
            return
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"the speech engine has no voice {voice!r}")
        self._lib.espeak_SetParameter(PARAM_RATE, words_per_minute, 0)
        self._settings = (voice, words_per_minute)

    def synth(self, text: str) -> np.ndarray:
        """Call holding `lock`."""
        data = text.encode("utf-8")
        self._chunks = []
        status = self._lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8,
                                        None, None)
        chunks, self._chunks = self._chunks, []
        if status != 0:
            raise SynthFailed(f"espeak_Synth returned {status} for {text!r}")
        return np.concatenate(chunks).astype(np.int16, copy=False) if chunks else \
            np.zeros(0, np.int16)


_LOADING = threading.Lock()


@functools.cache
def _loaded(paths: LibraryPaths) -> _Library:
    return _Library(paths)


def _library(paths: LibraryPaths) -> _Library:
    """One per library file for the whole process, made by one thread: initialising eSpeak
    again, or from two threads at once, crashes it."""
    with _LOADING:
        return _loaded(paths)


class EspeakEngine:
    """synth(text) -> mono int16 PCM at `rate` Hz."""

    def __init__(self, paths: LibraryPaths | None = None, voice: str = "en",
                 words_per_minute: int = RATE_WPM):
        self._lib = _library(paths or find_library())
        self._voice = (voice, words_per_minute)
        with self._lib.lock:
            self._lib.use(*self._voice)
        self.rate = self._lib.rate

    def synth(self, text: str) -> np.ndarray:
        with self._lib.lock:
            self._lib.use(*self._voice)
            pcm = self._lib.synth(text)
        return _trim(pcm, self.rate)


def _trim(pcm: np.ndarray, rate: int, floor: int = 200) -> np.ndarray:
    """Without the silence espeak puts before and after a phrase: an utterance starts with its
    sound, so a count placed at its time is heard at its time."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > floor)
    if not len(loud):
        return pcm[:0]
    pad = rate // 100  # 10 ms either side keeps the attack and the fade
    return pcm[max(loud[0] - pad, 0): loud[-1] + pad]
