"""Improvement journeys: a council's history split at its full inspections.

* A full inspection opens a journey; so does a focused (or assurance) visit that sets actions
  (it has "areas for priority action"), and the council's first stored visit when no inspection
  comes before it.
* Monitoring visits, other focused visits and JTAIs belong to the journey they fall in.
* The next opening visit closes a journey and opens the next; the closing inspection is part
  of the journey it closes (a trend is computed *including* it) and of the one it opens.
* The current journey (the last) always ends at the council's latest document.

The default trend window (:func:`default_window`) is the current journey when it has at least
two visits, else the journey before it, which the latest document closes: so the default never
leaves out the latest document. ``--since`` and ``--journey`` choose another window.
"""

from __future__ import annotations

from datetime import date

from ..vocab import ACTION_SETTING_KINDS, FRAMEWORKS, JOURNEY_OPENING_KINDS, PROGRESS_VERDICTS
from .results import Journey, VisitCol


def opens_journey(v: VisitCol) -> bool:
    """True when the visit opens an improvement journey (an inspection)."""
    return v.kind in JOURNEY_OPENING_KINDS or (v.kind in ACTION_SETTING_KINDS and v.sets_actions)


def _months(a: str | None, b: str | None) -> int | None:
    try:
        da, db = date.fromisoformat(a[:10]), date.fromisoformat(b[:10])  # type: ignore[index]
    except (TypeError, ValueError):
        return None
    return (db.year - da.year) * 12 + db.month - da.month - (1 if db.day < da.day else 0)


def outcome(v: VisitCol) -> str | None:
    """An inspection's overall grade, or a visit's headline verdict, in words."""
    g = (v.judgements or {}).get("overall")
    if g:
        return g
    return PROGRESS_VERDICTS.get(v.progress_verdict or "") or None


def _step(v: VisitCol) -> str:
    fw = FRAMEWORKS.get(v.framework or "", None) if v.kind == "inspection" else None
    bits = [b for b in (fw, outcome(v)) if b]
    return v.label + (f" ({', '.join(bits)})" if bits else "")


def split_journeys(visits: list[VisitCol]) -> list[Journey]:
    """The journeys of a council's visits (in date order); sets each visit's ``journey``."""
    if not visits:
        return []
    starts = [i for i, v in enumerate(visits) if i == 0 or opens_journey(v)]
    out: list[Journey] = []
    for n, s in enumerate(starts):
        last = n == len(starts) - 1
        e = len(visits) - 1 if last else starts[n + 1]
        members = visits[s : e + 1]
        for v in visits[s : (e + 1 if last else e)]:
            v.journey = n + 1
        opener, closer = visits[s], (None if last else visits[e])
        end_visit = visits[e]
        head = _step(opener) + (
            "" if opens_journey(opener) else " [the inspection that opened it is not stored]"
        )
        label = (
            head
            + " → "
            + (
                _step(closer)
                if closer
                else ("now" if end_visit is opener else f"now (latest: {end_visit.label})")
            )
        )
        months = _months(opener.date, end_visit.date)
        if months is not None and end_visit is not opener:
            label += f"; {months} months"
        fw_a = opener.framework if opener.kind == "inspection" else None
        fw_b = closer.framework if closer and closer.kind == "inspection" else None
        if fw_a and fw_b and fw_a != fw_b:
            label += f"; framework {FRAMEWORKS.get(fw_a, fw_a)} → {FRAMEWORKS.get(fw_b, fw_b)}"
        out.append(
            Journey(
                index=n + 1,
                opened_by=opener.id,
                closed_by=closer.id if closer else None,
                visits=[v.id for v in members],
                start=opener.date,
                end=end_visit.date,
                current=last,
                framework=opener.framework if opener.kind == "inspection" else None,
                closing_framework=closer.framework if closer and closer.kind == "inspection" else None,
                months=months,
                opened_with=outcome(opener),
                closed_with=outcome(closer) if closer else None,
                label=label,
            )
        )
    return out


def default_window(journeys: list[Journey]) -> Journey | None:
    """The journey the trends follow by default: the current one if it has two visits or more,
    else the one before it (which the latest document closes)."""
    if not journeys:
        return None
    cur = journeys[-1]
    if len(cur.visits) >= 2 or len(journeys) == 1:
        return cur
    return journeys[-2]


def find_journey(journeys: list[Journey], which) -> Journey:
    """A journey by number (1 = oldest; 0 or -1 = the current one; "current"/"latest"/"previous")."""
    if not journeys:
        raise ValueError("no visits, so no journeys")
    if isinstance(which, str):
        w = which.strip().lower()
        if w in ("current", "latest", "now"):
            return journeys[-1]
        if w == "previous":
            if len(journeys) < 2:
                raise ValueError("there is no journey before the current one")
            return journeys[-2]
        try:
            which = int(w)
        except ValueError:
            raise ValueError(
                f"unknown journey {which!r} (give a number 1-{len(journeys)}, 'current' or 'previous')"
            ) from None
    n = int(which)
    if n <= 0:
        n = len(journeys) + n + 1 if n < 0 else len(journeys)
    if not 1 <= n <= len(journeys):
        raise ValueError(f"no journey {which} (this council has {len(journeys)}: 1-{len(journeys)})")
    return journeys[n - 1]
