"""Views of a :class:`ofsted_mine.analyse.followup.FollowUp`: the action log (CSV / XLSX) and the
terminal listing. Nothing is computed here: every verdict and status comes from the follow-up.

The action log has one row per recommendation Ofsted made to the council: reference, text,
tail, group, where it was made (visit, date, citation, file), its themes, its status in each
later visit of its journey, the latest status with its red-amber-green colour, the citations of
the evidence shown, and empty owner / action / due-date columns for the council to fill in.
"""

from __future__ import annotations

import csv
import os
import textwrap
from pathlib import Path
from typing import TextIO

from .csvout import (
    guard_cell as guard,
)  # the project's one formula guard (OWASP CSV injection, full-width forms)


def action_log_rows(fu, theme_names: dict | None = None) -> tuple[list[str], list[list]]:
    """(header, rows) of the action log: one row per council recommendation."""
    names = theme_names or {}
    labels = {v.id: v.label for v in fu.visits}
    header = ["Ref", "Recommendation", "Tail", "Group", "Made in", "Date", "Source", "File", "Themes"]
    header += [f"Status: {v.label}" for v in fu.visits]
    header += ["Latest status", "RAG", "Status from", "Evidence", "Owner", "Action", "Due date"]
    rows = []
    for it in fu.items:
        row = [
            it.ref,
            it.text,
            it.tail or "",
            it.group or "",
            it.visit_id,
            it.date or "",
            it.citation,
            it.source,
            "; ".join(names.get(t, t) for t in it.themes),
        ]
        for v in fu.visits:
            c = it.cells.get(v.id)
            row.append(c.verdict if c else "")
        evidence = []
        for vid in it.later:
            c = it.cells[vid]
            for ev in c.evidence:
                evidence.append(
                    f"{labels.get(vid, vid)} [{c.verdict}]: {ev.citation}"
                    + (" (repeats it)" if ev.repeats else f" ({ev.polarity})")
                )
        row += [
            it.status,
            it.rag,
            labels.get(it.status_visit, it.status_visit or ""),
            "; ".join(evidence),
            "",
            "",
            "",
        ]
        rows.append(row)
    return header, rows


def write_action_log(
    fu, path: str | Path | TextIO, fmt: str | None = None, theme_names: dict | None = None
) -> Path | TextIO:
    """Write the action log as CSV or XLSX (``fmt``, else the file's extension). Every text cell is
    guarded against formula injection (``report.csvout.guard_cell``), in the XLSX too (openpyxl
    would store text starting with "=" as a formula). ``path`` may be an open text stream
    (standard output): CSV is written to it and the stream is returned."""
    header, rows = action_log_rows(fu, theme_names)
    if not isinstance(path, (str, os.PathLike)):  # an open text stream (stdout): CSV
        w = csv.writer(path, lineterminator="\n")
        w.writerow([guard(h) for h in header])
        w.writerows([[guard(x) for x in r] for r in rows])
        return path
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".") or "csv").lower()
    if fmt == "csv":
        with open(p, "w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f)
            w.writerow([guard(h) for h in header])
            w.writerows([[guard(x) for x in r] for r in rows])
        return p
    if fmt != "xlsx":
        raise ValueError(f"{p}: unknown action log format {fmt!r} (csv or xlsx)")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    fills = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE", "grey": "EDEDED"}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Action log")
    ws.freeze_panes = "C2"
    widths = {"Recommendation": 60, "Evidence": 60, "Source": 40, "File": 30, "Themes": 30}
    for i, h in enumerate(header):
        ws.column_dimensions[_col(i)].width = widths.get(h, 16)

    def cell(v, bold=False, fill=None):
        c = WriteOnlyCell(ws, value=guard(v))
        c.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            c.font = Font(bold=True)
        if fill:
            c.fill = PatternFill("solid", fgColor=fills[fill])
        return c

    ws.append([cell(h, bold=True) for h in header])
    rag_col = header.index("RAG")
    for it, r in zip(fu.items, rows):
        ws.append([cell(x, fill=it.rag if k in (rag_col, rag_col - 1) else None) for k, x in enumerate(r)])
    wb.save(p)
    return p


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


_STYLE = {"green": "green", "amber": "yellow", "red": "red", "grey": "bright_black"}


def render_followup(console, fu, theme_names: dict | None = None, *, quotes: int = 1) -> None:
    """The follow-up in a terminal: one block per recommendation, wrapped to the console width
    (readable at 80 columns); verdicts as words and letters as well as colours, with a legend."""
    from rich.markup import escape

    from ..analyse.followup import LETTER, RAG

    width = max(40, min(console.width or 80, 120))
    names = theme_names or {}
    labels = {v.id: v.label for v in fu.visits}
    w = lambda s, ind="": textwrap.fill(s, width=width, initial_indent=ind, subsequent_indent=ind or "")  # noqa: E731
    console.print(f"[bold]{escape(fu.la)}: recommendation follow-up[/bold]")
    if not fu.items:
        console.print(f"No recommendations to the council are stored for {escape(fu.la)}.")
        return
    counts = fu.status_counts()
    console.print(
        escape(
            w(
                "Latest status: "
                + ", ".join(
                    f"{counts[k]} {k}"
                    for k in ("not met", "repeated", "progressing", "met", "not yet examined")
                    if counts.get(k)
                )
            )
        )
    )
    legend = " · ".join(
        f"{LETTER[k]} {k}"
        for k in ("met", "progressing", "not met", "repeated", "no specific evidence", "not examined")
    )
    console.print(
        escape(
            w(
                "Legend: " + legend + f". Evidence: findings sharing a theme, similarity >= "
                f"{fu.similarity_threshold}; the quotes shown decide."
            )
        ),
        style="dim",
    )
    for it in fu.items:
        console.print()
        head = f"{it.ref} [{it.status.upper()}] "
        console.print(
            f"[bold {_STYLE[it.rag]}]{escape(head)}[/]"
            + escape(w(it.text + (f" {it.tail}" if it.tail else ""), " " * len(head))[len(head) :])
        )
        meta = f"Made: {it.citation}" + (f" · {it.group}" if it.group else "")
        if it.themes:
            meta += " · themes: " + ", ".join(names.get(t, t) for t in it.themes[:4])
        console.print(escape(w(meta, "   ")), style="dim")
        if not it.later:
            console.print(escape(w("No later visit yet.", "   ")), style="dim")
        for vid in it.later:
            c = it.cells[vid]
            line = f"{LETTER[c.verdict]} {labels.get(vid, vid)}: {c.verdict}"
            console.print(f"   [{_STYLE[RAG[c.verdict]]}]{escape(line)}[/]")
            for ev in c.evidence[:quotes] if quotes else c.evidence:
                q = f"“{ev.text}” ({ev.citation}; {'repeats it' if ev.repeats else ev.polarity})"
                console.print(escape(w(q, "      ")))
            if quotes and len(c.evidence) > quotes:
                console.print(
                    escape(
                        w(
                            f"+ {len(c.evidence) - quotes} more deciding quote(s): --quotes "
                            f"{len(c.evidence)}",
                            "      ",
                        )
                    ),
                    style="dim",
                )
    if fu.lscb_items:
        console.print()
        console.print(
            escape(
                w(
                    f"{len(fu.lscb_items)} recommendation(s) to the Local Safeguarding Children Board "
                    "are not followed up as the council's (see --format json, 'lscb_items')."
                )
            ),
            style="dim",
        )
