"""Human labels for kinds, grades and verdicts (shared by terminal, HTML and exports)."""

from __future__ import annotations

from ..vocab import GRADE_SHORT, KIND_LABELS
from ..vocab import PROGRESS_VERDICTS as VERDICT  # one vocabulary: ofsted_mine/vocab.py

#: the kinds' labels are declared by the kinds (ofsted_mine/kinds); lists name the fallback "unknown"
KIND = {**KIND_LABELS, "unknown": "unknown"}


def kind_label(kind: str, framework: str | None = None) -> str:
    """The words for a document kind; an inspection's framework follows in brackets when known."""
    k = KIND.get(kind, kind)
    if kind == "inspection" and framework:
        k += f" ({framework.upper() if framework != 'other' else 'other'})"
    return k


def grade_short(g: str) -> str:
    """A judgement grade in short ("requires improvement" -> "RI")."""
    return GRADE_SHORT.get(g, g)


def verdict_label(v: str | None) -> str:
    """The words for a monitoring-visit progress verdict ("" when there is none)."""
    return VERDICT.get(v or "", "")


JUDGEMENT_SHORT = {
    "overall": "overall",
    "leaders": "leaders",
    "help_protection": "help&prot",
    "in_care": "in care",
    "care_leavers": "leavers",
    "adoption": "adoption",
    "lscb": "LSCB",
}


def judgements_short(j: dict) -> str:
    """An inspection's judgements on one line, in the usual order, grades in short."""
    order = ["overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption", "lscb"]
    keys = [k for k in order if k in j] + [k for k in j if k not in order]
    return " · ".join(f"{JUDGEMENT_SHORT.get(k, k)} {grade_short(j[k])}" for k in keys)
