"""Names in one-line messages.

A file name may hold anything but ``/`` and NUL: a newline (which would forge a second
``error:`` line), escape sequences, Rich markup. :func:`shown` gives a name that stays on
its line: unchanged when it is plain printable text, else quoted with every control
character escaped (Python's ``repr``).
"""

from __future__ import annotations

import os


def shown(name) -> str:
    """``name`` (a path or text) safe to put in a one-line message."""
    s = os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name)
    if s.isprintable() and not s.startswith(("'", '"')):
        return s
    return repr(s)
