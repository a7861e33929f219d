"""The rules: a cell's verdict, a theme's trend, and the status of a theme between two visits.

These three functions are the only place where a verdict, a trend or a status is decided;
every view reads their results (README, "Across visits", documents them).

**Cell verdict** (one theme in one visit; c, m, s, n = concern, mixed, strength, neutral
findings carrying the theme; judged = c + m + s; share = (c + m/2) / judged):

* ``not_examined``: no finding of the visit carries the theme (and its areas covered do not
  name it); ``examined_silent``: the areas covered name it, yet no finding carries it;
* ``neutral``: only neutral findings carry it;
* ``too_little``: fewer than ``MIN_CELL_EVIDENCE`` (2) judged findings — examined, but too
  little evidence to weigh (the counts are still shown);
* ``strength`` ("no concerns"): no concern and no mixed finding;
* ``mixed``: no concern finding but some mixed ones (a mixed-only cell is *not* a concern), or
  0.25 <= share <= 0.5 (as many concerns as strengths is mixed);
* ``concern``: at least one concern finding and share > 0.5 (concerns outweigh strengths);
* ``mostly_strength``: some concern or mixed findings, share < 0.25.

**Trend** (verdicts of the judged cells in a window, oldest first; scores concern 1, mixed 0.5,
mostly strengths 0.25, no concerns 0):

* ``not_enough_evidence``: fewer than two judged cells;
* ``consistent_strength``: every judged cell is "no concerns" or "mostly strengths";
* ``resolved``: the latest judged cell has no concern or mixed finding, after an earlier
  *concern* cell;
* ``persistent``: the latest judged cell is a concern, an earlier one was too, and the cells
  before the trailing run of concern/mixed cells were not mostly free of concerns;
* ``emerging``: the latest judged cell is a concern, after cells with no concern verdict
  (or a trailing run of concerns after mostly concern-free cells, with no concern before them);
  or the window began without a concern, a concern verdict came since, and the latest cell is
  still mixed;
* ``deteriorating``: the latest judged cell is a concern that came back (a concern, then
  mostly concern-free cells, then the trailing run), or the latest cell is mixed / mostly
  strengths and worse than the window's first judged cell;
* ``improving``: the latest cell is mixed / mostly strengths and better than the window's first
  judged cell, or "no concerns" after mixed cells without a concern verdict;
* ``steady``: none of these (e.g. mixed, then mixed).

**Comparison status** (cells a and b of the same theme, b later): ``persistent concern`` needs
a concern verdict on both sides; ``new concern`` a concern verdict at b only; ``no longer
raised`` a concern verdict at a and no concern or mixed finding at b (b examined);
``concern eased`` a concern at a and some concern or mixed findings at b, but no concern
verdict; ``not examined later`` a concern at a and no finding at b; and so on for strengths
and mixed cells (see :func:`compare_status`).
"""

from __future__ import annotations

from ..vocab import CELL_SCORE, MIN_CELL_EVIDENCE
from .results import Cell

_STRENGTHISH = ("strength", "mostly_strength")


def cell_verdict(c: Cell) -> str:
    """The verdict of one cell (see the module docstring)."""
    judged = c.concern + c.mixed + c.strength
    if judged == 0:
        if c.neutral:
            return "neutral"
        return "examined_silent" if c.in_focus else "not_examined"
    if judged < MIN_CELL_EVIDENCE:
        return "too_little"
    if c.concern == 0 and c.mixed == 0:
        return "strength"
    share = (c.concern + 0.5 * c.mixed) / judged
    if c.concern == 0:
        return "mixed" if share >= 0.25 else "mostly_strength"
    if share > 0.5:
        return "concern"
    if share >= 0.25:
        return "mixed"
    return "mostly_strength"


def trend(verdicts: list[str]) -> str:
    """The trend of one theme from its cell verdicts in date order (see the module docstring)."""
    ex = [CELL_SCORE[v] for v in verdicts if v in CELL_SCORE]
    if len(ex) < 2:
        return "not_enough_evidence"
    last, earlier = ex[-1], ex[:-1]
    if max(ex) <= CELL_SCORE["mostly_strength"]:
        return "consistent_strength"
    if last == CELL_SCORE["strength"]:
        return "resolved" if CELL_SCORE["concern"] in earlier else "improving"
    if last == CELL_SCORE["concern"]:
        if CELL_SCORE["concern"] not in earlier:
            return "emerging"
        k = len(ex)
        while k > 0 and ex[k - 1] >= CELL_SCORE["mixed"]:
            k -= 1
        before = ex[:k]
        if before and sum(1 for x in before if x < CELL_SCORE["mixed"]) * 2 >= len(before):
            first_free = next(i for i, x in enumerate(before) if x < CELL_SCORE["mixed"])
            return "deteriorating" if CELL_SCORE["concern"] in before[:first_free] else "emerging"
        return "persistent"
    # the latest cell is mixed or mostly strengths: where it stands now against where the window began
    first = ex[0]
    if first < CELL_SCORE["mixed"] and CELL_SCORE["concern"] in earlier and last >= CELL_SCORE["mixed"]:
        return "emerging"  # no concern at the start, a concern verdict since, still mixed
    if last < first:
        return "improving"
    if last > first:
        return "deteriorating"
    return "steady"


def compare_status(a: Cell, b: Cell) -> str:
    """What happened to a theme from visit a to the later visit b, from the two cells' verdicts."""
    va, vb = a.verdict, b.verdict
    if va == "concern" and vb == "concern":
        return "persistent concern"
    if vb == "concern":
        return "new concern"
    if va == "concern":
        if not b.examined:
            return "not examined later"
        if b.concern == 0 and b.mixed == 0:
            return "no longer raised"
        return "concern eased"
    if va in _STRENGTHISH and vb in _STRENGTHISH:
        return "strength kept"
    if vb in _STRENGTHISH:
        return "strength gained"
    if va in _STRENGTHISH:
        return (
            "strength not examined later"
            if not b.examined
            else ("strength lost" if vb == "mixed" else "too little evidence")
        )
    if va == "mixed":
        if vb == "mixed":
            return "still mixed"
        return "not examined later" if not b.examined else "too little evidence"
    if vb == "mixed":
        return "now mixed"
    if not a.examined and not b.examined:
        return "not examined in either"
    return "too little evidence"
