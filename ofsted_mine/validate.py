"""Checks of user-given values, shared by the library and the CLI.

A value that cannot mean anything (an unknown theme, polarity, kind or format, a date that
is not a date) is a :class:`~ofsted_mine.errors.UsageError` that lists the valid values,
never an empty result in silence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from .errors import UsageError

POLARITIES = ("strength", "concern", "mixed", "neutral")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "file")`` -> "1 file"; ``plural(2, "file")`` -> "2 files"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def one_of(values: Sequence[str]) -> str:
    """ "a, b or c"."""
    vals = list(values)
    return vals[0] if len(vals) == 1 else ", ".join(vals[:-1]) + " or " + vals[-1]


def check_choice(value: str | None, option: str, choices: Sequence[str]) -> str | None:
    """``value`` if it is one of ``choices`` (or None), else :class:`UsageError` naming the
    option and the choices."""
    if value is None:
        return None
    v = str(getattr(value, "value", value))
    if v not in choices:
        raise UsageError(f"{option} {v!r}: unknown value; use {one_of(choices)}")
    return v


def check_date(value: str | None, option: str = "--since") -> str | None:
    """A date as YYYY-MM-DD (returned unchanged), else a UsageError saying so."""
    if value is None:
        return None
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return s
        except ValueError:
            raise UsageError(f"{option} {value!r}: no such date (use YYYY-MM-DD, e.g. 2024-03-31)") from None
    raise UsageError(f"{option} {value!r}: not a date (use YYYY-MM-DD, e.g. 2024-03-31)")


def check_kind(kind: str | None) -> str | None:
    """A ``--kind`` value checked against the document kinds."""
    from .vocab import DOC_KINDS as KINDS

    return check_choice(kind, "--kind", KINDS)


def check_polarity(polarity: str | None) -> str | None:
    """A ``--polarity`` value checked against the polarities."""
    return check_choice(polarity, "--polarity", POLARITIES)


def check_themes(themes: Iterable[str] | None, known: list[str]) -> list[str] | None:
    """``--theme`` values checked against ``known``, the themes a filter may name
    (:func:`ofsted_mine.store.settings.known_themes` gives them for a database);
    :class:`UsageError` with the closest ones."""
    if not themes:
        return None
    themes = list(themes)
    ids = list(known)
    bad = [t for t in themes if t not in ids]
    if bad and ids:
        import difflib

        hint = difflib.get_close_matches(bad[0], ids, n=3, cutoff=0.5)
        hint_s = f" (did you mean {one_of(hint)}?)" if hint else ""
        raise UsageError(f"--theme {bad[0]!r}: unknown theme{hint_s}; use one of: {', '.join(ids)}")
    return themes
