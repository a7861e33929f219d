"""Export findings with their tags and citations, and the timeline grid, for people who
continue in Excel or Power BI.

* ``csv``: the findings, one row per finding (UTF-8 with a byte-order mark so Excel reads
  the accents), and the timeline next to it as ``<name>-timeline.csv`` (one row per council
  x theme x visit);
* ``xlsx``: two sheets, ``findings`` and ``timeline`` (the grid per council: themes x
  visits, one coloured block per council, with the trend);
* ``json``: ``{"findings": [...], "timelines": [...]}``; a finding's ``themes`` is a list and
  ``theme_scores`` an object there, the timelines are :meth:`Timeline.to_dict`.

Finding columns: ``FINDING_FIELDS`` and one ``score_<theme>`` column per theme. Every stored
finding is exported; ``ofsted_finding`` is false for council papers, unknown documents and
the letters' headers, openings, closings and "areas covered" lists (the sentences that are
never counted or quoted as Ofsted's findings).

Cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) are neutralised: prefixed with ``'`` in CSV, stored as text with
Excel's quote prefix in xlsx.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Optional

FORMATS = ("csv", "xlsx", "json")
FINDING_FIELDS = ["finding_id", "visit_id", "la", "la_urn", "kind", "framework", "date", "published", "section",
                  "section_kind", "paragraph", "page", "source", "text", "polarity", "polarity_score", "themes",
                  "theme_scores", "ofsted_finding", "citation", "corrected_by_person"]
TIMELINE_FIELDS = ["la", "la_urn", "theme", "theme_name", "group", "visit_id", "visit_label", "kind", "date",
                   "visit_number", "progress_verdict", "concern", "mixed", "strength", "neutral", "in_focus",
                   "verdict", "in_trend", "trend"]
NON_OFSTED_KINDS = ("council_paper", "unknown")
from .csvout import FORMULA_START as _FORMULA_START  # noqa: E402
from .csvout import guard_cell as guard_formula  # noqa: E402,F401  (one guard for every CSV and xlsx)


def _citation(r: dict) -> str:
    from ..store.search import KIND_LABELS
    para = r.get("paragraph")
    p = f", para {para}" if para and not str(para).startswith("¶") else (f", {para}" if para else "")
    return f"{r.get('la') or 'unknown council'}, {KIND_LABELS.get(r['kind'], r['kind'])} {r.get('date') or 'undated'}{p}, p. {r['page']}"


def theme_ids(con: sqlite3.Connection, taxonomy=None) -> list[str]:
    """The taxonomy's themes in order, then any other theme found in the tags."""
    from ..tag.taxonomy import load_taxonomy
    ids = list(load_taxonomy(taxonomy).ids)
    extra = sorted(r[0] for r in con.execute("SELECT DISTINCT theme FROM tags") if r[0] not in ids)
    return ids + extra


def finding_rows(con: sqlite3.Connection, la: Optional[str] = None, *, taxonomy=None) -> tuple[list[dict], list[str]]:
    """One dict per stored finding (of one council, or all), with tags and citation; and the theme ids."""
    from ..store.search import _la_filter
    urn = _la_filter(la)
    where, args = ("WHERE d.la_urn = ?", [urn]) if urn else ("", [])
    tags: dict[int, list[tuple[str, float]]] = {}
    person: set[int] = set()
    for fid, theme, score, source in con.execute(
            f"""SELECT t.finding_id, t.theme, t.score, t.source FROM tags t JOIN findings f ON f.id = t.finding_id
                JOIN documents d ON d.id = f.doc_id {where} ORDER BY t.finding_id, t.score DESC""", args):
        tags.setdefault(fid, []).append((theme, score))
        if source == "person":
            person.add(fid)
    themes = theme_ids(con, taxonomy)
    from .html import non_finding_sections
    skip = set(non_finding_sections())
    rows = []
    for r in con.execute(
            f"""SELECT f.id AS finding_id, d.visit_id, d.la, d.la_urn, d.kind, d.framework,
                       COALESCE(d.start_date, d.published) AS date, d.published, f.section, f.section_kind,
                       f.paragraph, f.page, d.path AS source, f.text, f.polarity, f.polarity_score, d.quoted,
                       f.polarity_source
                FROM findings f JOIN documents d ON d.id = f.doc_id {where}
                ORDER BY d.la, COALESCE(d.start_date, d.published), d.id, f.seq""", args):
        d = dict(r)
        t = tags.get(d["finding_id"], [])
        d["themes"] = [x[0] for x in t]
        d["theme_scores"] = {x[0]: round(x[1], 3) for x in t}
        # a visit's other sources (a text copy of the PDF...) are not counted twice
        d["ofsted_finding"] = d["kind"] not in NON_OFSTED_KINDS and (d["section_kind"] or "") not in skip \
            and bool(d.pop("quoted", 1))
        d["citation"] = _citation(d)
        d["corrected_by_person"] = d.pop("polarity_source") == "person" or d["finding_id"] in person
        if d["polarity_score"] is not None:
            d["polarity_score"] = round(d["polarity_score"], 3)
        rows.append(d)
    return rows, themes


def _flat(row: dict, themes: list[str]) -> dict:
    """A finding as flat spreadsheet cells: themes as 'a; b', scores as 'a:0.9; b:0.4' and one column per theme."""
    out = dict(row)
    out["themes"] = "; ".join(row["themes"])
    out["theme_scores"] = "; ".join(f"{k}:{v:.3f}" for k, v in row["theme_scores"].items())
    out["ofsted_finding"] = "yes" if row["ofsted_finding"] else "no"
    out["corrected_by_person"] = "yes" if row.get("corrected_by_person") else "no"
    for t in themes:
        s = row["theme_scores"].get(t)
        out[f"score_{t}"] = s if s is not None else ""
    return out


def timelines(con: sqlite3.Connection, la: Optional[str] = None, *, taxonomy=None) -> list:
    """The timeline of each council with Ofsted visits in the database (or of one council)."""
    from ..analyse.timeline import OFSTED_KINDS, timeline
    from ..councils import find_council
    from ..store.search import _la_filter
    urn = _la_filter(la)
    if urn:
        urns = [urn]
    else:
        urns = [r[0] for r in con.execute(
            f"""SELECT DISTINCT la_urn FROM documents WHERE la_urn IS NOT NULL
                AND kind IN ({','.join('?' * len(OFSTED_KINDS))}) ORDER BY la""", OFSTED_KINDS)]
    out = []
    for u in urns:
        if not find_council(str(u)):
            continue
        out.append(timeline(con, str(u), taxonomy=taxonomy))
    return out


def timeline_rows(tls: list) -> list[dict]:
    """Long format: one row per council x theme x visit, with the theme's trend."""
    from ..vocab import TREND_LABELS
    rows = []
    for tl in tls:
        in_window = set(tl.window)
        for t in tl.themes:
            tr = tl.trends[t["id"]]
            for v in tl.visits:
                c = tl.cells[t["id"]][v.id]
                rows.append({"la": tl.la, "la_urn": tl.la_urn, "theme": t["id"], "theme_name": t["name"],
                             "group": t["group"], "visit_id": v.id, "visit_label": v.label, "kind": v.kind,
                             "date": v.date, "visit_number": v.visit_number, "progress_verdict": v.progress_verdict,
                             "concern": c.concern, "mixed": c.mixed, "strength": c.strength, "neutral": c.neutral,
                             "in_focus": c.in_focus, "verdict": c.verdict, "in_trend": v.id in in_window,
                             "trend": TREND_LABELS.get(tr, tr)})
    return rows


def export_findings(con: sqlite3.Connection, out_path, fmt: Optional[str] = None, la: Optional[str] = None, *,
                    taxonomy=None) -> dict:
    """Write the findings (and timelines) as csv, xlsx or json; ``fmt`` defaults to the file's suffix.

    ``out_path`` "-" writes csv (findings only) or json to standard output. Returns counts:
    ``{"findings", "councils", "timeline_rows", "files"}``.
    """
    out_s = str(out_path)
    fmt = (fmt or Path(out_s).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (csv, xlsx or json)")
    if out_s == "-" and fmt == "xlsx":
        raise ValueError("xlsx cannot be written to standard output: give a file name with -o")
    rows, themes = finding_rows(con, la, taxonomy=taxonomy)
    tls = timelines(con, la, taxonomy=taxonomy)
    files: list[str] = []
    if fmt == "json":
        doc = {"exported": date.today().isoformat(), "la": la, "themes": themes, "findings": rows,
               "timelines": [tl.to_dict() for tl in tls]}
        _write_text(out_s, json.dumps(doc, ensure_ascii=False, indent=1) + "\n", files)
        n_tl = sum(len(tl.themes) * len(tl.visits) for tl in tls)
    elif fmt == "csv":
        fields = FINDING_FIELDS + [f"score_{t}" for t in themes]
        _write_csv(out_s, fields, (_flat(r, themes) for r in rows), files)
        trows = timeline_rows(tls)
        n_tl = len(trows)
        if out_s != "-":
            p = Path(out_s)
            _write_csv(str(p.with_name(p.stem + "-timeline.csv")), TIMELINE_FIELDS, trows, files)
    else:
        n_tl = _write_xlsx(Path(out_s), rows, themes, tls)
        files.append(out_s)
    return {"findings": len(rows), "councils": len(tls), "timeline_rows": n_tl, "files": files, "format": fmt}


def _write_text(out: str, text: str, files: list) -> None:
    if out == "-":
        sys.stdout.write(text)
        return
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    files.append(out)


def _cell_text(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    from .csvout import cell
    return cell(v)


def _write_csv(out: str, fields: list[str], rows, files: list) -> None:
    from .csvout import write_csv

    def emit(f):
        write_csv(f, rows, fields, lineterminator="\r\n", convert=_cell_text)
    if out == "-":
        emit(sys.stdout)
        return
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8-sig", newline="") as f:
        emit(f)
    files.append(out)


# ------------------------------------------------------------------ xlsx
XLSX_FILLS = {"concern": ("B2182B", "FFFFFF"), "mixed": ("F0B44C", "3D2600"), "strength": ("CFE8C9", "1F4D1A"),
              "neutral": ("E8E8E8", "444444"), "examined_silent": ("FFFFFF", "555555"),
              "not_examined": ("FFFFFF", "888888")}
XLSX_FILLS.update({"mostly_strength": ("E4F2E0", "1F4D1A"), "too_little": ("FFFFFF", "444444")})
from ..vocab import CELL_LABELS as VERDICT_WORD  # noqa: E402  (the analysis's words)


def _write_xlsx(path: Path, rows: list[dict], themes: list[str], tls: list) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..vocab import TREND_LABELS

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(ws, v, *, font=None, fill=None, wrap=False):
        if isinstance(v, str):
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
        elif isinstance(v, bool):
            v = "yes" if v else "no"
        elif isinstance(v, (list, dict)):
            v = json.dumps(v, ensure_ascii=False)
        formula_like = isinstance(v, str) and v.startswith(_FORMULA_START)
        if not (formula_like or font or fill or wrap):
            return v                   # a plain value: much faster than a cell object
        c = WriteOnlyCell(ws, value=v)
        if formula_like:
            c.data_type = "s"          # text, never a formula
            c.quotePrefix = True       # and Excel keeps it text when the cell is edited
        if font:
            c.font = font
        if fill:
            c.fill = fill
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    ws = wb.create_sheet("findings")
    fields = FINDING_FIELDS + [f"score_{t}" for t in themes]
    widths = {"visit_id": 30, "la": 16, "text": 80, "section": 30, "citation": 40, "source": 30, "themes": 30,
              "theme_scores": 30, "date": 11, "published": 11}
    for i, f in enumerate(fields, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(f, 12)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{len(rows) + 1}"
    ws.append([cell(ws, f, font=bold) for f in fields])
    for r in rows:
        flat = _flat(r, themes)
        ws.append([cell(ws, flat.get(f)) for f in fields])

    tw = wb.create_sheet("timeline")
    n_visits = max([len(tl.visits) for tl in tls] + [1])
    tw.column_dimensions["A"].width = 44
    tw.column_dimensions["B"].width = 16
    for i in range(n_visits):
        tw.column_dimensions[get_column_letter(3 + i)].width = 15
    tw.column_dimensions[get_column_letter(3 + n_visits)].width = 20
    fills = {k: (PatternFill("solid", fgColor=bg), Font(color=fg)) for k, (bg, fg) in XLSX_FILLS.items()}
    n = 0
    if not tls:
        tw.append([cell(tw, "No council with Ofsted visits in this export.")])
    for tl in tls:
        tw.append([cell(tw, f"{tl.la} (URN {tl.la_urn})", font=Font(bold=True, size=13))])
        tw.append([cell(tw, "journey: " + " → ".join(tl.journey))])
        tw.append([cell(tw, "theme", font=bold), cell(tw, "group", font=bold)]
                  + [cell(tw, f"{v.label}\n{v.id}", font=bold, wrap=True) for v in tl.visits]
                  + [cell(tw, "trend", font=bold)])
        for t in tl.themes:
            row = [cell(tw, t["name"]), cell(tw, t["group"])]
            for v in tl.visits:
                c = tl.cells[t["id"]][v.id]
                fill, font = fills.get(c.verdict, (None, None))
                txt = VERDICT_WORD.get(c.verdict, c.verdict)
                if c.concern + c.mixed + c.strength:
                    txt += f" ({c.concern}/{c.mixed}/{c.strength})"
                row.append(cell(tw, txt, fill=fill, font=font))
                n += 1
            tr = tl.trends[t["id"]]
            row.append(cell(tw, TREND_LABELS.get(tr, tr)))
            tw.append(row)
        tw.append([cell(tw, "cells: verdict (concern/mixed/strength findings)")])
        tw.append([])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(str(tmp))
    tmp.replace(path)
    return n
