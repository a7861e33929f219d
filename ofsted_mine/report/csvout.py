"""The one CSV writer of every command (``visits``, ``quotes``, ``timeline``, ``export`` …).

Text from documents is untrusted. A spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula — ``=HYPERLINK(…)``,
``+cmd|' /C calc'!A0`` — and some treat the full-width forms ``＝ ＋ － ＠`` the same way. Following
OWASP's CSV-injection guidance every such text cell gets a leading ``'`` (shown, never
evaluated); leading spaces do not hide the character. Lists and dicts are written as JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

#: first characters (after any leading spaces) that make a spreadsheet evaluate a cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def guard_cell(v):
    """A value safe to put in a spreadsheet cell: text a spreadsheet would evaluate gets a leading '."""
    if isinstance(v, str) and v.lstrip(" \u00a0\u3000").startswith(FORMULA_START):
        return "'" + v
    return v


def cell(v):
    """One CSV cell: lists and dicts as JSON, text guarded (:func:`guard_cell`)."""
    if isinstance(v, (list, dict, tuple)):
        v = json.dumps(v, ensure_ascii=False)
    return guard_cell(v)


def write_csv(
    f: IO[str], rows: Iterable[Mapping], fields: Sequence[str], *, lineterminator: str = "\n", convert=cell
) -> int:
    """Write a header and one guarded line per row (keys outside ``fields`` are ignored);
    returns the number of rows."""
    w = csv.DictWriter(f, fieldnames=list(fields), extrasaction="ignore", lineterminator=lineterminator)
    w.writeheader()
    n = 0
    for r in rows:
        w.writerow({k: convert(r.get(k)) for k in fields})
        n += 1
    return n


def csv_text(rows: Iterable[Mapping], fields: Sequence[str], *, lineterminator: str = "\n") -> str:
    """:func:`write_csv` into a string."""
    buf = io.StringIO()
    write_csv(buf, rows, fields, lineterminator=lineterminator)
    return buf.getvalue()
