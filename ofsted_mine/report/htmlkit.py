"""Small HTML pieces shared by the board pack and the full pack: escaping, verdict and
grade chips, the improvement-journey step classes. Every text passes through :func:`e`."""

from __future__ import annotations

from html import escape

from .pack import VERDICT_TEXT

#: follow-up verdict -> the colour class of its cell
FOLLOWUP_CLASS = {
    "met": "strength",
    "not met": "concern",
    "repeated": "concern",
    "progressing": "mixed",
    "no specific evidence": "neutral",
    "not examined": "not_examined",
    "not yet examined": "not_examined",
}


def e(x) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if x is None else str(x), quote=True)


def slug(s: str) -> str:
    """An id-safe slug: letters and digits, everything else a hyphen ("x" when nothing is left)."""
    return "".join(ch if ch.isalnum() else "-" for ch in str(s).lower()).strip("-") or "x"


def chip(verdict: str, text: str | None = None) -> str:
    """A verdict chip: the verdict's colour class around its words (or ``text``)."""
    words = text if text is not None else VERDICT_TEXT.get(verdict, verdict)
    return f'<span class="chip v-{e(verdict)}">{e(words)}</span>'


def trend_chip(trend: str, label: str) -> str:
    """A trend chip: the trend's class around its label."""
    return f'<span class="trend t-{e(trend)}">{e(label)}</span>'


def grade_chip(g: str) -> str:
    """A judgement grade chip (class from the grade's words)."""
    return f'<span class="grade g-{e(slug(g))}">{e(g)}</span>'


def journey_class(v) -> str:
    """The CSS class of a visit's step in the improvement journey (its grade or progress verdict)."""
    if v.kind == "inspection":
        g = (v.judgements or {}).get("overall", "")
        return "g-" + slug(g) if g else ""
    return {
        "good_progress": "j-good",
        "some_progress": "j-some",
        "insufficient_progress": "j-slow",
        "serious_weaknesses": "j-serious",
    }.get(v.progress_verdict or "", "")
