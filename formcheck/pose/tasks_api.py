"""Import MediaPipe's Tasks API without its plotting helper.

`import mediapipe` loads every task, and `vision.drawing_utils` imports matplotlib.pyplot
at module level for one 3-D plotting function we never call: 0.6 s of the 0.85 s import,
paid again by every pose process at start-up; the audio tasks try sounddevice (PortAudio,
60 ms). While mediapipe is imported, a placeholder stands in for pyplot and sounddevice is
marked missing (each only if nothing has imported it yet); both are undone afterwards, so a
later real import still works.
"""

from __future__ import annotations

import sys
import types


def import_tasks():
    """The `mediapipe` module (imported cheaply on first call)."""
    if "mediapipe.tasks.python.vision" in sys.modules or "matplotlib" in sys.modules:
        import mediapipe

        return mediapipe
    placeholder = types.ModuleType("matplotlib")
    placeholder.pyplot = types.ModuleType("matplotlib.pyplot")  # type: ignore[attr-defined]
    placeholder.__path__ = []  # type: ignore[attr-defined]  # a package, for `import a.b`
    stubs = {"matplotlib": placeholder, "matplotlib.pyplot": placeholder.pyplot}
    if "sounddevice" not in sys.modules:
        stubs["sounddevice"] = None  # `import sounddevice` raises ImportError, which it expects
    sys.modules.update(stubs)
    try:
        import mediapipe
    finally:
        for name, module in stubs.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return mediapipe
