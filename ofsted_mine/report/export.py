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

import json
import re
import sqlite3
import sys
from datetime import date
from pathlib import Path

FORMATS = ("csv", "xlsx", "json")
FINDING_FIELDS = [
    "finding_id",
    "visit_id",
    "la",
    "la_urn",
    "kind",
    "framework",
    "date",
    "published",
    "section",
    "section_kind",
    "paragraph",
    "page",
    "source",
    "text",
    "polarity",
    "polarity_score",
    "themes",
    "theme_scores",
    "ofsted_finding",
    "citation",
    "corrected_by_person",
]
TIMELINE_FIELDS = [
    "la",
    "la_urn",
    "theme",
    "theme_name",
    "group",
    "visit_id",
    "visit_label",
    "kind",
    "date",
    "visit_number",
    "progress_verdict",
    "concern",
    "mixed",
    "strength",
    "neutral",
    "in_focus",
    "verdict",
    "in_trend",
    "trend",
]
from ..vocab import NON_OFSTED_KINDS  # noqa: E402
from .csvout import FORMULA_START as _FORMULA_START  # noqa: E402
from .csvout import guard_cell as guard_formula  # noqa: E402,F401  (one guard for every CSV and xlsx)


def _citation(r: dict) -> str:
    from ..store.search import KIND_LABELS

    para = r.get("paragraph")
    p = f", para {para}" if para and not str(para).startswith("¶") else (f", {para}" if para else "")
    kind = KIND_LABELS.get(r["kind"], r["kind"])
    return f"{r.get('la') or 'unknown council'}, {kind} {r.get('date') or 'undated'}{p}, p. {r['page']}"


def theme_ids(con: sqlite3.Connection, taxonomy=None) -> list[str]:
    """The taxonomy's themes in order, then any other theme found in the tags."""
    from ..tag.taxonomy import load_taxonomy

    ids = list(load_taxonomy(taxonomy).ids)
    from ..store.rows import tag_theme_ids

    extra = [t for t in tag_theme_ids(con) if t not in ids]
    return ids + extra


def finding_rows(
    con: sqlite3.Connection, la: str | None = None, *, taxonomy=None
) -> tuple[list[dict], list[str]]:
    """One dict per stored finding (of one council, or all), with tags and citation; and the theme ids."""
    from ..store.councils import la_filter
    from ..store.rows import finding_records, finding_tags, person_corrected

    urn = la_filter(la, con)
    tags = finding_tags(con, urn)
    person, person_pol = person_corrected(con)
    themes = theme_ids(con, taxonomy)
    from .html import non_finding_sections

    skip = set(non_finding_sections())
    rows = []
    for d in finding_records(con, urn):
        t = tags.get(d["finding_id"], [])
        d["themes"] = [x[0] for x in t]
        d["theme_scores"] = {x[0]: round(x[1], 3) for x in t}
        # a visit's other sources (a text copy of the PDF...) are not counted twice
        d["ofsted_finding"] = (
            d["kind"] not in NON_OFSTED_KINDS
            and (d["section_kind"] or "") not in skip
            and bool(d.pop("quoted", 1))
        )
        d["citation"] = _citation(d)
        d["corrected_by_person"] = d["finding_id"] in person or d["finding_id"] in person_pol
        if d["polarity_score"] is not None:
            d["polarity_score"] = round(d["polarity_score"], 3)
        rows.append(d)
    return rows, themes


def _flat(row: dict, themes: list[str]) -> dict:
    """A finding as flat spreadsheet cells: themes as 'a; b', scores as 'a:0.9; b:0.4' and one
    column per theme."""
    out = dict(row)
    out["themes"] = "; ".join(row["themes"])
    out["theme_scores"] = "; ".join(f"{k}:{v:.3f}" for k, v in row["theme_scores"].items())
    out["ofsted_finding"] = "yes" if row["ofsted_finding"] else "no"
    out["corrected_by_person"] = "yes" if row.get("corrected_by_person") else "no"
    for t in themes:
        s = row["theme_scores"].get(t)
        out[f"score_{t}"] = s if s is not None else ""
    return out


def timelines(con: sqlite3.Connection, la: str | None = None, *, taxonomy=None) -> list:
    """The timeline of each council with Ofsted visits in the database (or of one council)."""
    from ..analyse.timeline import OFSTED_KINDS, timeline
    from ..councils import UNLISTED_PREFIX, find_council
    from ..store.councils import la_filter

    urn = la_filter(la, con)
    if urn:
        urns = [urn]
    else:
        from ..store.rows import council_urns

        urns = council_urns(con, OFSTED_KINDS)
    out = []
    for u in urns:
        if not (find_council(str(u)) or str(u).startswith(UNLISTED_PREFIX)):
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
                rows.append(
                    {
                        "la": tl.la,
                        "la_urn": tl.la_urn,
                        "theme": t["id"],
                        "theme_name": t["name"],
                        "group": t["group"],
                        "visit_id": v.id,
                        "visit_label": v.label,
                        "kind": v.kind,
                        "date": v.date,
                        "visit_number": v.visit_number,
                        "progress_verdict": v.progress_verdict,
                        "concern": c.concern,
                        "mixed": c.mixed,
                        "strength": c.strength,
                        "neutral": c.neutral,
                        "in_focus": c.in_focus,
                        "verdict": c.verdict,
                        "in_trend": v.id in in_window,
                        "trend": TREND_LABELS.get(tr, tr),
                    }
                )
    return rows


def export_findings(
    con: sqlite3.Connection, out_path, fmt: str | None = None, la: str | None = None, *, taxonomy=None
) -> dict:
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
        doc = {
            "exported": date.today().isoformat(),
            "la": la,
            "themes": themes,
            "findings": rows,
            "timelines": [tl.to_dict() for tl in tls],
        }
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
XLSX_FILLS = {
    "concern": ("B2182B", "FFFFFF"),
    "mixed": ("F0B44C", "3D2600"),
    "strength": ("CFE8C9", "1F4D1A"),
    "neutral": ("E8E8E8", "444444"),
    "examined_silent": ("FFFFFF", "555555"),
    "not_examined": ("FFFFFF", "888888"),
}
XLSX_FILLS.update({"mostly_strength": ("E4F2E0", "1F4D1A"), "too_little": ("FFFFFF", "444444")})
from ..vocab import CELL_LABELS as VERDICT_WORD  # noqa: E402  (the analysis's words)

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTHS = {
    "visit_id": 30,
    "la": 16,
    "text": 80,
    "section": 30,
    "citation": 40,
    "source": 30,
    "themes": 30,
    "theme_scores": 30,
    "date": 11,
    "published": 11,
}


def _write_xlsx(path: Path, rows: list[dict], themes: list[str], tls: list) -> int:
    """Write the two sheets with XlsxWriter in constant-memory mode: each row goes to disk as
    it is written (inline strings, no shared-string table), so memory stays flat and the
    93,915 findings of the real reports take a few seconds (openpyxl's write-only mode took
    31-40 s: it builds a cell object and an XML element per cell)."""
    import gc

    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": str(path.parent),
        },
    )
    bold = wb.add_format({"bold": True})
    quoted = wb.add_format({"quote_prefix": True})  # text that a spreadsheet would run: Excel keeps it text
    was_enabled = gc.isenabled()
    gc.disable()  # 90,000 rows of small objects: the cyclic collector only slows this down
    try:
        _findings_sheet(wb, rows, themes, bold, quoted)
        n = _timeline_sheet(wb, tls, bold, quoted)
        wb.close()
    finally:
        if was_enabled:
            gc.enable()
    tmp.replace(path)
    return n


def _findings_sheet(wb, rows: list[dict], themes: list[str], bold, quoted) -> None:
    """The "findings" sheet: one row per finding, a score column per theme."""
    fields = FINDING_FIELDS + [f"score_{t}" for t in themes]
    ws = wb.add_worksheet("findings")
    for i, f in enumerate(fields):
        ws.set_column(i, i, _WIDTHS.get(f, 12))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(rows)), len(fields) - 1)
    for j, f in enumerate(fields):
        ws.write_string(0, j, f, bold)

    w_str, w_num = ws.write_string, ws.write_number
    score_col = {t: len(FINDING_FIELDS) + k for k, t in enumerate(themes)}
    plain = [
        (j, f) for j, f in enumerate(FINDING_FIELDS) if f not in ("themes", "theme_scores", "ofsted_finding")
    ]
    j_themes, j_scores, j_ofsted = (
        FINDING_FIELDS.index(f) for f in ("themes", "theme_scores", "ofsted_finding")
    )

    def put_str(i, j, v):
        # (control characters need no care: XlsxWriter writes them as Excel's _xHHHH_ escapes)
        if v.startswith(_FORMULA_START):
            w_str(i, j, v, quoted)  # stored as text (never a formula), with Excel's quote prefix
        elif v:
            w_str(i, j, v)

    for i, r in enumerate(rows, 1):
        for j, f in plain:
            v = r[f]
            if v is None:
                continue
            if v.__class__ is str:
                if v and not v.startswith(_FORMULA_START):
                    w_str(i, j, v)
                elif v:
                    w_str(i, j, v, quoted)
            else:
                w_num(i, j, v)
        ts = r["theme_scores"]
        if ts:
            put_str(i, j_themes, "; ".join(r["themes"]))
            put_str(i, j_scores, "; ".join(f"{k}:{v:.3f}" for k, v in ts.items()))
            for k, v in ts.items():
                col = score_col.get(k)
                if col is not None:
                    w_num(i, col, v)
        w_str(i, j_ofsted, "yes" if r["ofsted_finding"] else "no")


def _timeline_sheet(wb, tls: list, bold, quoted) -> int:
    """The "timeline" sheet: each council's grid of cells; returns how many cells were written."""
    from ..vocab import TREND_LABELS

    tw = wb.add_worksheet("timeline")
    n_visits = max([len(tl.visits) for tl in tls] + [1])
    tw.set_column(0, 0, 44)
    tw.set_column(1, 1, 16)
    tw.set_column(2, 1 + n_visits, 15)
    tw.set_column(2 + n_visits, 2 + n_visits, 20)
    title = wb.add_format({"bold": True, "font_size": 13})
    head_wrap = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    fills = {
        k: wb.add_format({"bg_color": "#" + bg, "font_color": "#" + fg, "pattern": 1})
        for k, (bg, fg) in XLSX_FILLS.items()
    }
    n, row = 0, 0

    def put(r_, c_, v, fmt=None):
        v = _ILLEGAL.sub("", str(v))
        if v.startswith(_FORMULA_START):
            tw.write_string(r_, c_, v, quoted)
        elif fmt is not None:
            tw.write_string(r_, c_, v, fmt)
        else:
            tw.write_string(r_, c_, v)

    if not tls:
        put(0, 0, "No council with Ofsted visits in this export.")
    for tl in tls:
        put(row, 0, f"{tl.la} (URN {tl.la_urn})", title)
        put(row + 1, 0, "journey: " + " → ".join(tl.journey))
        row += 2
        put(row, 0, "theme", bold)
        put(row, 1, "group", bold)
        for k, v in enumerate(tl.visits):
            put(row, 2 + k, f"{v.label}\n{v.id}", head_wrap)
        put(row, 2 + len(tl.visits), "trend", bold)
        row += 1
        for t in tl.themes:
            put(row, 0, t["name"])
            put(row, 1, t["group"])
            for k, v in enumerate(tl.visits):
                c = tl.cells[t["id"]][v.id]
                txt = VERDICT_WORD.get(c.verdict, c.verdict)
                if c.concern + c.mixed + c.strength:
                    txt += f" ({c.concern}/{c.mixed}/{c.strength})"
                put(row, 2 + k, txt, fills.get(c.verdict))
                n += 1
            tr = tl.trends[t["id"]]
            put(row, 2 + len(tl.visits), TREND_LABELS.get(tr, tr))
            row += 1
        put(row, 0, "cells: verdict (concern/mixed/strength findings)")
        row += 2
    return n
