"""The `formcheck` command line (typer).

Ctrl+C while the program is still loading (its imports take about half a second) ends it
with one line instead of a traceback through whichever import it hit: this package is
imported first, by `formcheck` and `python -m formcheck` alike.
"""

import sys


def _quiet_interrupt(kind, value, tb):  # noqa: ANN001 (sys.excepthook's signature)
    if issubclass(kind, KeyboardInterrupt):
        print("formcheck: interrupted", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, tb)


sys.excepthook = _quiet_interrupt
