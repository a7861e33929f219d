"""Every view of the cross-visit analysis must say what the library computed: one helper that
renders a council's timeline in every view and returns the disagreements (used on the corpus
and on the real reports)."""

from __future__ import annotations

import csv
import html as htmlmod
import io
import json
import re
from pathlib import Path

from rich.console import Console

from ofsted_mine.analyse.cells import compare_status
from ofsted_mine.analyse.timeline import compare, timeline, tracks
from ofsted_mine.report.markdown import md as md_escape
from ofsted_mine.report.terminal import timeline_markdown, timeline_rows, timeline_table
from ofsted_mine.vocab import CELL_LABELS, CELL_LETTERS, TREND_LABELS


def _cell_words(c) -> str:
    return f"{c.verdict} ({c.concern}c/{c.mixed}m/{c.strength}s)"


def check_council(
    con,
    la: str,
    *,
    html_page: str | None = None,
    md_page: str | None = None,
    xlsx_rows: list | None = None,
    cli=None,
) -> list[str]:
    """Disagreements between the library's timeline/tracks/comparisons of ``la`` and its views."""
    tl = timeline(con, la)
    ids = [v.id for v in tl.visits]
    bad = _check_json(la, tl, ids, cli)
    bad += _check_csv(la, tl, ids, cli)
    bad += _check_markdown(la, tl, ids, cli)
    bad += _check_terminal(la, tl, ids)
    bad += _check_tracks(la, tl, ids, con)
    bad += _check_window(la, tl, ids)
    bad += _check_cell_rules(la, tl, ids)
    bad += _check_compare(la, tl, ids, con, cli)
    bad += _check_window_story(la, tl)
    if html_page is not None:
        bad += _check_html_grid(la, tl, ids, html_page)
        if 'table class="glance"' in html_page:
            bad += _check_board(la, tl, ids, con, html_page)
    if md_page is not None:
        bad += _check_md_pack(la, tl, ids, md_page)
    if xlsx_rows is not None:
        bad += _check_xlsx(la, tl, ids, xlsx_rows)
    return bad


def _check_json(la: str, tl, ids: list[str], cli) -> list[str]:
    """The timeline as JSON (the CLI prints ``to_dict``): visits, cells and trends."""
    bad: list[str] = []
    d = json.loads(cli(["timeline", "--la", la, "--format", "json"])) if cli else tl.to_dict()
    if [v["id"] for v in d["visits"]] != ids:
        bad.append(f"{la}: json visits {[v['id'] for v in d['visits']]} != {ids}")
    for t in tl.themes:
        for v in ids:
            c = tl.cells[t["id"]][v]
            j = d["cells"][t["id"]][v]
            if (j["verdict"], j["concern"], j["mixed"], j["strength"]) != (
                c.verdict,
                c.concern,
                c.mixed,
                c.strength,
            ):
                bad.append(f"{la} {t['id']} {v}: json {j['verdict']} != {c.verdict}")
        if d["trends"][t["id"]]["trend"] != tl.trends[t["id"]]:
            bad.append(f"{la} {t['id']}: json trend differs")
    return bad


def _check_csv(la: str, tl, ids: list[str], cli) -> list[str]:
    """The timeline as CSV: each cell's words and counts, and the trend."""
    bad: list[str] = []
    text = cli(["timeline", "--la", la, "--format", "csv"]) if cli else None
    rows = list(csv.DictReader(io.StringIO(text))) if text else timeline_rows(tl)
    for r in rows[1:]:
        for v in ids:
            if r[v] != _cell_words(tl.cells[r["theme"]][v]):
                bad.append(f"{la} {r['theme']} {v}: csv {r[v]!r}")
        if r["trend"] != tl.trends[r["theme"]]:
            bad.append(f"{la} {r['theme']}: csv trend {r['trend']}")
    return bad


def _check_markdown(la: str, tl, ids: list[str], cli) -> list[str]:
    """The timeline as Markdown: each cell's label and counts, and the trend."""
    bad: list[str] = []
    md = cli(["timeline", "--la", la, "--format", "markdown"]) if cli else timeline_markdown(tl)
    for t in tl.themes:
        line = next((x for x in md.splitlines() if x.startswith(f"| {t['id']} |")), "")
        cells = [x.strip() for x in line.strip("|").split("|")][1:]
        want = [
            f"{tl.cells[t['id']][v].label} ({tl.cells[t['id']][v].concern}c/{tl.cells[t['id']][v].mixed}m/"
            f"{tl.cells[t['id']][v].strength}s)"
            for v in ids
        ] + [TREND_LABELS[tl.trends[t["id"]]]]
        if cells != want:
            bad.append(f"{la} {t['id']}: markdown {cells} != {want}")
    return bad


def _check_terminal(la: str, tl, ids: list[str]) -> list[str]:
    """The printed grid, row by row (letter and counts per cell, then the trend)."""
    bad: list[str] = []
    con_out = Console(file=io.StringIO(), width=400, record=True, highlight=False, color_system=None)
    con_out.print(timeline_table(tl))
    printed = con_out.export_text()
    for t in tl.themes:
        line = next((x for x in printed.splitlines() if x.startswith(f"│ {t['id']} ")), "")
        got = [x.strip() for x in line.strip().strip("│").split("│")][1:]
        c = [tl.cells[t["id"]][v] for v in ids]
        want = [(x.letter + " " + x.counts).strip() for x in c] + [TREND_LABELS[tl.trends[t["id"]]]]
        if got != want:
            bad.append(f"{la} {t['id']}: terminal {got} != {want}")
    return bad


def _check_tracks(la: str, tl, ids: list[str], con) -> list[str]:
    """Tracks agree with the timeline; "not examined since" and "resolved" only when true."""
    bad: list[str] = []
    for tr in tracks(con, tl, quotes_per_visit=0):
        if tr.trend != tl.trends[tr.theme]:
            bad.append(f"{la} {tr.theme}: track trend {tr.trend} != timeline {tl.trends[tr.theme]}")
        for tv in tr.visits:
            if tv.verdict != tl.cells[tr.theme][tv.visit_id].verdict:
                bad.append(f"{la} {tr.theme} {tv.visit_id}: track verdict differs")
        # "not examined since X" only when literally true
        if tr.not_examined_since:
            k = ids.index(tr.not_examined_since)
            if not tl.cells[tr.theme][ids[k]].examined or any(
                tl.cells[tr.theme][v].examined for v in ids[k + 1 :]
            ):
                bad.append(f"{la} {tr.theme}: 'not examined since {tr.not_examined_since}' is not true")
        if tr.trend == "resolved":
            w = [
                tl.cells[tr.theme][v]
                for v in tl.window
                if tl.cells[tr.theme][v].verdict in ("concern", "mixed", "mostly_strength", "strength")
            ]
            if not (any(x.verdict == "concern" for x in w[:-1]) and w[-1].concern == 0 and w[-1].mixed == 0):
                bad.append(f"{la} {tr.theme}: 'resolved' without a concern followed by a visit with none")
    return bad


def _check_window(la: str, tl, ids: list[str]) -> list[str]:
    """The default trend window reaches the latest document."""
    bad: list[str] = []
    if ids and tl.window and tl.window[-1] != ids[-1]:
        bad.append(f"{la}: the default trend window {tl.window} leaves out the latest visit {ids[-1]}")
    return bad


def _check_cell_rules(la: str, tl, ids: list[str]) -> list[str]:
    """A "no concerns" cell has no concern finding; a concern has one; "not examined" has none."""
    bad: list[str] = []
    for t in tl.themes:
        for v in ids:
            c = tl.cells[t["id"]][v]
            if c.verdict == "strength" and (c.concern or c.mixed):
                bad.append(f"{la} {t['id']} {v}: 'no concerns' with {c.concern} concerns")
            if c.verdict == "concern" and c.concern == 0:
                bad.append(f"{la} {t['id']} {v}: a concern without a concern finding")
            if c.verdict == "not_examined" and c.total:
                bad.append(f"{la} {t['id']} {v}: 'not examined' with findings")
    return bad


def _check_compare(la: str, tl, ids: list[str], con, cli) -> list[str]:
    """Compare of consecutive visits: the timeline's cells, and a status that follows from them."""
    bad: list[str] = []
    for va, vb in zip(ids, ids[1:]):
        res = (
            json.loads(cli(["compare", va, vb, "--format", "json"]))
            if cli
            else compare(con, va, vb, quotes=0).to_dict()
        )
        for row in res["themes"]:
            a, b = tl.cells[row["theme"]][va], tl.cells[row["theme"]][vb]
            if row["a"]["verdict"] != a.verdict or row["b"]["verdict"] != b.verdict:
                bad.append(f"{la} {row['theme']} {va}->{vb}: compare cells differ from the timeline's")
            if row["status"] != compare_status(a, b):
                bad.append(f"{la} {row['theme']}: compare status differs")
            if row["status"] == "persistent concern" and not (a.verdict == b.verdict == "concern"):
                bad.append(f"{la} {row['theme']}: persistent without a concern verdict on both sides")
            if row["status"] == "no longer raised" and (b.concern or b.mixed):
                bad.append(
                    f"{la} {row['theme']}: 'no longer raised' with concern findings at the later visit"
                )
    return bad


def _check_window_story(la: str, tl) -> list[str]:
    """Compare over the trend window's ends and the trend tell one story."""
    bad: list[str] = []
    if len(tl.window) >= 2:
        wa, wb = tl.window[0], tl.window[-1]
        for t in tl.themes:
            st, tr = compare_status(tl.cells[t["id"]][wa], tl.cells[t["id"]][wb]), tl.trends[t["id"]]
            if st == "persistent concern" and tr not in ("persistent", "deteriorating"):
                bad.append(f"{la} {t['id']}: compare {wa}->{wb} says persistent, the trend says {tr}")
            if tr == "resolved" and st in ("persistent concern", "new concern", "concern eased"):
                bad.append(f"{la} {t['id']}: trend resolved, compare {wa}->{wb} says {st}")
    return bad


def _check_html_grid(la: str, tl, ids: list[str], html_page: str) -> list[str]:
    """The HTML pack's grid: its cells and trends."""
    bad: list[str] = []
    for m in re.finditer(r'data-theme="([^"]+)" data-visit="([^"]+)" data-verdict="([^"]+)"', html_page):
        th, v, verdict = (htmlmod.unescape(x) for x in m.groups())
        if tl.cells[th][v].verdict != verdict:
            bad.append(f"{la} {th} {v}: html {verdict} != {tl.cells[th][v].verdict}")
    n = len(re.findall(r'data-verdict="', html_page))
    if n != len(tl.themes) * len(ids):
        bad.append(f"{la}: html grid has {n} cells, not {len(tl.themes) * len(ids)}")
    for m in re.finditer(r'data-theme="([^"]+)" data-trend="([^"]*)"', html_page):
        if tl.trends[htmlmod.unescape(m.group(1))] != m.group(2):
            bad.append(f"{la} {m.group(1)}: html trend {m.group(2)}")
    return bad


def _check_board(la: str, tl, ids: list[str], con, html_page: str) -> list[str]:
    """The board pages' themes at a glance: letters per visit, the trend, where it stands now."""
    bad: list[str] = []
    glance = html_page[html_page.index('table class="glance"') :]
    glance = glance[: glance.index("</table>")]
    rows = re.findall(
        r'<tr><th scope="row">(?:<a href="#theme-[^"]*">)?(.*?)(?:</a>)?<div class="spark"[^>]*>'
        r'<span aria-hidden="true">(.*?)</span></div></th><td><span class="trend t-([a-z_]+)">'
        r'.*?</td><td>(?:<span class="chip v-([a-z_]+)">)?',
        glance,
    )
    if len(rows) != len(tl.themes):
        bad.append(f"{la}: the board's themes at a glance has {len(rows)} rows, not {len(tl.themes)}")
    by_name = {t["name"]: t["id"] for t in tl.themes}
    trk = {x.theme: x for x in tracks(con, tl, quotes_per_visit=0)}
    for name, spark, trend_, now_v in rows:
        th = by_name.get(htmlmod.unescape(name))
        if th is None:
            bad.append(f"{la}: board row for an unknown theme {name!r}")
            continue
        want = " ".join(tl.cells[th][v].letter for v in ids)
        if (
            htmlmod.unescape(spark) != want
            or trend_ != tl.trends[th]
            or (now_v or None) != trk[th].now_verdict
        ):
            bad.append(
                f"{la} {th}: board says {spark!r} {trend_} {now_v!r}, the library "
                f"{want!r} {tl.trends[th]} {trk[th].now_verdict!r}"
            )
    return bad


def _check_md_pack(la: str, tl, ids: list[str], md_page: str) -> list[str]:
    """The Markdown pack's grid: letter and counts per cell, and the trend."""
    bad: list[str] = []
    for t in tl.themes:
        line = next((x for x in md_page.splitlines() if x.startswith(f"| {md_escape(t['name'])} |")), "")
        cells = [x.strip() for x in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        want = [
            (
                CELL_LETTERS[tl.cells[t["id"]][v].verdict]
                + (" " + tl.cells[t["id"]][v].counts if tl.cells[t["id"]][v].counts else "")
            )
            for v in ids
        ]
        if cells[1 : 1 + len(ids)] != want or md_escape(TREND_LABELS[tl.trends[t["id"]]]) != cells[-1]:
            bad.append(f"{la} {t['id']}: markdown pack {cells} != {want}")
    return bad


def _check_xlsx(la: str, tl, ids: list[str], xlsx_rows: list) -> list[str]:
    """The XLSX timeline sheet: the council's block, one row per theme."""
    bad: list[str] = []
    block = _xlsx_block(xlsx_rows, tl)
    for t in tl.themes:
        row = block.get(t["name"])
        want = [
            CELL_LABELS[tl.cells[t["id"]][v].verdict]
            + (f" ({tl.cells[t['id']][v].counts})" if tl.cells[t["id"]][v].counts else "")
            for v in ids
        ] + [TREND_LABELS[tl.trends[t["id"]]]]
        if row is None or row[2 : 2 + len(ids) + 1] != want:
            bad.append(f"{la} {t['id']}: xlsx {row} != {want}")
    return bad


def _xlsx_block(rows: list, tl) -> dict:
    """theme name -> row values of the council's block in the xlsx timeline sheet."""
    head = f"{tl.la} (URN {tl.la_urn})"
    out, inside = {}, False
    for r in rows:
        first = r[0] if r else None
        if first == head:
            inside = True
            continue
        if inside:
            if first is None or (isinstance(first, str) and first.endswith(")") and "(URN " in first):
                break
            out[first] = list(r)
    return out


def xlsx_timeline_rows(path: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return [tuple(c for c in row) for row in wb["timeline"].iter_rows(values_only=True)]
