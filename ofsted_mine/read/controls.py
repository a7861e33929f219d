"""Control characters never leave the reading stage.

Document text is untrusted: a terminal obeys escape sequences (``ESC[2J`` clears the
screen, ``ESC]0;…`` retitles the window, colour codes restyle what follows) and bidirectional
overrides reorder what a reader sees. :func:`strip_controls` removes whole ANSI/VT escape
sequences first (so no ``[2J`` debris is left), then every remaining C0/C1 control
character except tab, newline, carriage return and form feed, and the Unicode
bidirectional embedding/override/isolate marks. It runs on every page as it is read, so
such characters never reach the parser, the database or any output.
"""

from __future__ import annotations

import re

# ESC [ ... final (CSI), ESC ] ... BEL or ESC \ (OSC), ESC P/X/^/_ ... ST (DCS and friends),
# the one-byte C1 CSI (U+009B), and two-character escapes (ESC followed by one character)
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters (tab, newline, carriage
    return and form feed stay)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))
