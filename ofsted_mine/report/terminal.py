"""Rich rendering for the terminal: quotes, one visit, a timeline, a track, a comparison."""

from __future__ import annotations

from ..vocab import NON_OFSTED_KINDS
from .labels import kind_label, verdict_label

POL_STYLE = {"concern": "red", "strength": "green", "mixed": "yellow", "neutral": "dim"}


def quotes_table(res):
    """Quotes as a Rich table: the text (never markup), its citation, polarity and themes."""
    from rich.table import Table

    t = Table(show_lines=True, header_style="bold")
    t.add_column("quote", ratio=3, overflow="fold")
    t.add_column("citation", ratio=1, overflow="fold")
    t.add_column("tags", ratio=1, overflow="fold")
    for q in res:
        pol = q.polarity or ""
        tags = ", ".join(q.themes) + (f"\n[{POL_STYLE.get(pol, '')}]{pol}[/]" if pol else "")
        if getattr(q, "corrected", False):
            tags += "\n[dim](corrected by a person)[/]"
        from rich.text import Text

        t.add_row(Text(_plain(q.text)), Text(_plain(f"{q.citation()}\n{q.visit_id}")), tags)
    return t


def _plain(x):
    """Text, lists and dicts without control characters or escape sequences (documents are
    cleaned when read; this also covers databases filled before that)."""
    from ..read.controls import strip_controls

    if isinstance(x, str):
        return strip_controls(x)
    if isinstance(x, list):
        return [_plain(y) for y in x]
    if isinstance(x, dict):
        return {k: _plain(y) for k, y in x.items()}
    return x


def quotes_markdown(res) -> str:
    """Quotes as Markdown. Document text is escaped as in the readiness pack's Markdown
    (:func:`ofsted_mine.report.markdown.md`): no HTML, links or emphasis can be smuggled in."""
    from .markdown import code, md

    lines = []
    for q in res:
        tags = (
            f" _\\[{md(', '.join(q.themes))}{'; ' + md(q.polarity) if q.polarity else ''}\\]_"
            if q.themes or q.polarity
            else ""
        )
        if getattr(q, "corrected", False):
            tags += " _(tags corrected by a person)_"
        lines.append(f"> {md(q.text)}\n\n— {md(q.citation())} ({code(q.visit_id)}){tags}\n")
    return "\n".join(lines)


def render_visit(console, v: dict, why: bool = False) -> None:
    """One letter or report for the terminal: its metadata, sources, warnings, areas and
    judgements, then its numbered findings by section with their tags (``why``: and why)."""
    v = _plain(v)
    _visit_head(console, v)
    _visit_sources(console, v)
    _visit_findings(console, v, why)


def _visit_head(console, v: dict) -> None:
    from rich.text import Text

    from ..councils import UNLISTED_PREFIX

    head = Text()
    head.append(f"{v.get('la') or '?'} — {kind_label(v['kind'], v.get('framework'))}", style="bold")
    if v.get("visit_number"):
        head.append(f" no. {v['visit_number']}")
    console.print(head)
    rows = [
        ("id", v["id"]),
        ("council as printed", v.get("la_name_printed")),
        ("Ofsted URN", v.get("la_urn")),
        ("dates", f"{v.get('start_date') or '?'} to {v.get('end_date') or '?'}"),
        ("published", v.get("published")),
        ("judged inadequate", v.get("inadequate_date")),
        ("lead inspector", v.get("lead_inspector")),
        ("inspectors", ", ".join(v.get("inspectors") or [])),
        ("verdict", verdict_label(v.get("progress_verdict"))),
        ("source", v.get("source")),
    ]
    if str(v.get("la_urn") or "").startswith(UNLISTED_PREFIX):  # no URN: say why, in place of one
        rows[2] = ("Ofsted URN", "none: not in the council table (stored under its printed name)")
    for k, val in rows:
        if val:
            console.print(Text(f"  {k:20} {val}"))


def _visit_sources(console, v: dict) -> None:
    from rich.text import Text

    srcs = v.get("sources") or []
    if len(srcs) > 1:
        console.print(
            Text(f"  sources ({len(srcs)}; one visit, counted once; the quoted source is marked *):")
        )
        for src in srcs:
            console.print(
                Text(
                    f"    {'*' if src['quoted'] else ' '} {src['path']}  [{src['format']}"
                    + (f", published {src['published']}" if src.get("published") else "")
                    + f", id {src['id']}]"
                )
            )
    for w in v.get("warnings") or []:
        console.print(Text(f"  warning: {w}", style="yellow"))
    if v.get("focus_areas"):
        console.print(Text("  areas covered:"))
        for a in v["focus_areas"]:
            console.print(Text(f"    • {a}"))
    if v.get("judgements"):
        console.print(Text("  judgements:"))
        for k, g in v["judgements"].items():
            console.print(Text(f"    {k:18} {g}"))
    if v["kind"] in NON_OFSTED_KINDS:
        console.print(
            Text(
                "  (not an Ofsted letter or report: its words are never quoted as Ofsted findings)",
                style="yellow",
            )
        )


def _visit_findings(console, v: dict, why: bool) -> None:
    from rich.text import Text

    last = None
    n = 0
    for f in v["findings"]:
        if f["section_kind"] in ("header", "closing", "about"):
            continue
        if f["section"] != last:
            console.print(Text(f"\n{f['section']}  [{f['section_kind']}]", style="bold cyan"))
            last = f["section"]
        n += 1
        console.print(_finding_line(n, f))
        if why:
            _finding_why(console, f)


def _finding_line(n: int, f: dict):
    from rich.text import Text

    tags = ", ".join(
        f"{t['theme']}({'person' if t.get('source') == 'person' else format(t['score'], '.2f')})"
        for t in f["tags"]
    )
    line = Text(f"  {n:>3}. ")
    line.append(
        f"[p{f['page']} ¶{f['paragraph']}] "
        if f["paragraph"] and not str(f["paragraph"]).startswith("¶")
        else f"[p{f['page']} {f['paragraph'] or ''}] ",
        style="dim",
    )
    line.append(f["text"])
    if tags or f.get("polarity"):
        line.append(
            f"  {{{tags}{'; ' if tags else ''}{f.get('polarity') or ''}}}",
            style=POL_STYLE.get(f.get("polarity") or "", "dim"),
        )
    return line


def _finding_why(console, f: dict) -> None:
    from rich.text import Text

    for t in f["tags"]:
        cues = ", ".join(f"'{c}'" for c in t["cues"]) or "no cue phrase (model)"
        console.print(
            Text(f"        {t['theme']}: {t['source']}, score {t['score']:.2f}; cues {cues}", style="dim")
        )
    if f.get("polarity_cues"):
        console.print(
            Text(f"        polarity {f.get('polarity')}: cues {', '.join(f['polarity_cues'])}", style="dim")
        )


from ..vocab import CELL_LABELS, CELL_LETTERS, TREND_LABELS  # noqa: E402

CELL_STYLE = {
    "concern": "bold white on red",
    "mixed": "black on yellow",
    "mostly_strength": "black on bright_green",
    "strength": "black on green",
    "too_little": "italic",
    "neutral": "dim",
    "examined_silent": "dim",
    "not_examined": "dim",
}
VERDICT_CELL = {k: (CELL_LABELS[k], CELL_STYLE[k]) for k in CELL_LABELS}
TREND_STYLE = {
    "persistent": "red",
    "deteriorating": "red",
    "emerging": "red",
    "improving": "yellow",
    "resolved": "green",
    "consistent_strength": "green",
    "steady": "",
    "not_enough_evidence": "dim",
}
LEGEND = (
    "cells: letter = verdict ("
    + ", ".join(f"{CELL_LETTERS[k]} {CELL_LABELS[k]}" for k in CELL_LABELS)
    + "); numbers = concern/mixed/strength findings"
)


def cell_text(c) -> str:
    """A cell for a text view: its letter and counts (``C 4/1/2``), or its letter alone."""
    return f"{c.letter} {c.counts}" if c.counts else c.letter


def timeline_table(tl):
    """The timeline as one Rich table: themes x visits, each cell its verdict, and the trend."""
    from rich.table import Table
    from rich.text import Text

    win = set(tl.window)
    t = Table(title=f"{tl.la}: themes across visits", header_style="bold", show_lines=False, caption=LEGEND)
    t.add_column("theme", no_wrap=True)
    for v in tl.visits:
        t.add_column(v.label.replace(" ", "\n", 1) + ("" if v.id in win else "\n(out)"), justify="center")
    t.add_column("trend", no_wrap=True)
    t.add_row(
        Text("overall verdict", style="bold"), *[Text(s.split(": ", 1)[-1]) for s in tl.journey], Text("")
    )
    for th in tl.themes:
        cells = []
        for v in tl.visits:
            c = tl.cells[th["id"]][v.id]
            cells.append(Text(cell_text(c), style=CELL_STYLE.get(c.verdict, "")))
        tr = tl.trends.get(th["id"], "not_enough_evidence")
        t.add_row(th["id"], *cells, Text(TREND_LABELS.get(tr, tr), style=TREND_STYLE.get(tr, "")))
    return t


def timeline_rows(tl) -> list[dict]:
    """The grid as rows for CSV: one per theme, a cell per visit (``verdict (c/m/s)``) and the trend."""
    rows = [
        {
            "theme": "overall verdict",
            **{v.id: s.split(": ", 1)[-1] for v, s in zip(tl.visits, tl.journey)},
            "trend": "",
        }
    ]
    for th in tl.themes:
        row = {"theme": th["id"]}
        for v in tl.visits:
            c = tl.cells[th["id"]][v.id]
            row[v.id] = f"{c.verdict} ({c.concern}c/{c.mixed}m/{c.strength}s)"
        row["trend"] = tl.trends.get(th["id"], "")
        rows.append(row)
    return rows


def timeline_markdown(tl) -> str:
    """The timeline as Markdown: a table of themes x visits with verdicts and counts, and the trends."""
    head = "| theme | " + " | ".join(f"{v.label}" for v in tl.visits) + " | trend |"
    sep = "|---" * (len(tl.visits) + 2) + "|"
    lines = [f"## {tl.la}: themes across visits", "", head, sep]
    for th in tl.themes:
        tr = tl.trends.get(th["id"], "not_enough_evidence")
        lines.append(
            "| "
            + th["id"]
            + " | "
            + " | ".join(
                f"{c.label} ({c.concern}c/{c.mixed}m/{c.strength}s)"
                for c in (tl.cells[th["id"]][v.id] for v in tl.visits)
            )
            + f" | {TREND_LABELS.get(tr, tr)} |"
        )
    lines.append("")
    if tl.window:
        lines.append(f"Trend window: {', '.join(tl.window)}.")
    lines.append("Journeys: " + "; ".join(f"{j.index}. {j.label}" for j in tl.journeys) + ".")
    lines.append(
        "Cells: verdict (concern / mixed / strength findings). *not examined*: no finding of the visit "
        "carries the theme; *too little evidence*: fewer than 2 concern/mixed/strength findings."
    )
    return "\n".join(lines)


def render_track(console, tr) -> None:
    """One theme across a council's visits: trend, where it stands now, verdicts and quotes."""
    from rich.text import Text

    console.print(Text(f"{tr.la} — {tr.name} ({tr.theme})", style="bold"))
    console.print(
        Text("trend: ")
        + Text(tr.trend_label, style=TREND_STYLE.get(tr.trend, ""))
        + Text(
            f"  (over {len(tr.trend_window)} visits: {tr.trend_window[0]} to {tr.trend_window[-1]})"
            if tr.trend_window
            else "",
            style="dim",
        )
    )
    if tr.now:
        now = next(v for v in tr.visits if v.visit_id == tr.now)
        console.print(
            Text(
                f"where it stands now: {CELL_LABELS.get(tr.now_verdict, tr.now_verdict)} at {now.label}"
                + (" (not examined since)" if tr.not_examined_since else "")
            )
        )
    for v in tr.visits:
        label, style = VERDICT_CELL[v.verdict]
        head = Text(f"\n{v.label}  ", style="bold")
        head.append(f"{CELL_LETTERS.get(v.verdict, '?')} {label}", style=style)
        head.append(
            f"  ({v.concern} concern, {v.mixed} mixed, {v.strength} strength)"
            + ("" if v.in_trend else "  [outside the trend window]"),
            style="dim",
        )
        console.print(head)
        for q in v.quotes:
            console.print(Text(f"  “{q.text}”"))
            console.print(Text(f"      — {q.citation} [{q.polarity}]", style="dim"))


COMPARE_STYLE = {
    "persistent concern": "red",
    "new concern": "red",
    "no longer raised": "green",
    "strength gained": "green",
    "concern eased": "yellow",
    "strength lost": "yellow",
    "not examined later": "yellow",
    "now mixed": "yellow",
}


def render_compare(console, cmp) -> None:
    """Two visits compared per theme: concerns new, persistent or gone; strengths gained or lost."""
    from rich.table import Table
    from rich.text import Text

    a, b = cmp.a, cmp.b
    t = Table(title=f"{a.visit_id}  →  {b.visit_id}", show_lines=True, header_style="bold", caption=LEGEND)
    t.add_column("theme", ratio=1, overflow="fold")  # the theme's name, wrapped at narrow widths
    t.add_column("status")
    t.add_column(f"{a.label} ({a.visit_id})", ratio=2, overflow="fold")
    t.add_column(f"{b.label} ({b.visit_id})", ratio=2, overflow="fold")
    for row in cmp.themes:
        if row.status == "not examined in either":
            continue
        ca, cb = cell_text(row.a) + " " + row.a.label, cell_text(row.b) + " " + row.b.label
        qa = "\n".join([ca] + [f"• {q.text} ({q.citation})" for q in row.a_quotes])
        qb = "\n".join([cb] + [f"• {q.text} ({q.citation})" for q in row.b_quotes])
        t.add_row(
            row.name or row.theme,
            Text(row.status, style=COMPARE_STYLE.get(row.status, "")),
            Text(qa),
            Text(qb),
        )
    console.print(t)


def compare_rows(cmp) -> list[dict]:
    """The comparison as rows for CSV: one per theme."""
    out = []
    for r in cmp.themes:
        out.append(
            {
                "theme": r.theme,
                "name": r.name,
                "status": r.status,
                "a_verdict": r.a.verdict,
                "a_concern": r.a.concern,
                "a_mixed": r.a.mixed,
                "a_strength": r.a.strength,
                "b_verdict": r.b.verdict,
                "b_concern": r.b.concern,
                "b_mixed": r.b.mixed,
                "b_strength": r.b.strength,
            }
        )
    return out


def compare_markdown(cmp) -> str:
    """The comparison of two visits as Markdown."""
    lines = [
        f"## {cmp.a.la}: {cmp.a.label} → {cmp.b.label}",
        "",
        "| theme | status | " + cmp.a.label + " | " + cmp.b.label + " |",
        "|---|---|---|---|",
    ]
    for r in cmp.themes:
        lines.append(
            f"| {r.theme} | {r.status} | {r.a.label} ({r.a.concern}c/{r.a.mixed}m/{r.a.strength}s) | "
            f"{r.b.label} ({r.b.concern}c/{r.b.mixed}m/{r.b.strength}s) |"
        )
    return "\n".join(lines)


def track_rows(tr) -> list[dict]:
    """A track as rows for CSV: one per visit."""
    return [
        {
            "theme": tr.theme,
            "visit_id": v.visit_id,
            "label": v.label,
            "kind": v.kind,
            "date": v.date,
            "verdict": v.verdict,
            "concern": v.concern,
            "mixed": v.mixed,
            "strength": v.strength,
            "neutral": v.neutral,
            "in_trend": v.in_trend,
            "trend": tr.trend,
        }
        for v in tr.visits
    ]


def track_markdown(tr) -> str:
    """One theme across a council's visits as Markdown."""
    lines = [
        f"## {tr.la}: {tr.name} — {tr.trend_label}",
        "",
        "| visit | verdict | concern | mixed | strength | in trend |",
        "|---|---|---|---|---|---|",
    ]
    for v in tr.visits:
        lines.append(
            f"| {v.label} | {CELL_LABELS.get(v.verdict, v.verdict)} | {v.concern} | {v.mixed} | "
            f"{v.strength} | {'yes' if v.in_trend else 'no'} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ the timeline at the terminal's width
def _cell_letters() -> tuple[dict, dict]:
    try:
        from ..vocab import CELL_LABELS, CELL_LETTERS

        return CELL_LETTERS, CELL_LABELS
    except ImportError:  # before the shared vocabulary
        from .html import VERDICT_ABBR, VERDICT_TEXT

        return VERDICT_ABBR, VERDICT_TEXT


def _trend_of(tl, theme: str) -> str:
    trends = getattr(tl, "trends", None)
    if trends is not None:
        return trends.get(theme, "not_enough_evidence")
    from ..analyse.timeline import journey_window, trend

    return trend([tl.cells[theme][tl.visits[i].id].verdict for i in journey_window(tl.visits)])


def timeline_fitted(tl, width: int) -> list:
    """The timeline as Rich renderables that fit ``width`` columns (the terminal's): theme names
    (wrapped), one column per visit with the verdict's letter and concern/mixed/strength counts,
    the trend, and a legend. When the visits do not fit side by side they are split into several
    tables of consecutive visits ("visits 1–4 of 9"), each with the theme names and the trend."""
    from rich.table import Table
    from rich.text import Text

    try:
        from ..vocab import TREND_LABELS
    except ImportError:
        from ..analyse.timeline import TREND_LABELS
    letters, labels = _cell_letters()
    width = max(40, int(width or 80))
    name_w = max(14, min(32, (width - 8) // 4))
    trend_w = 11
    col_w = 11  # "C 12/13/40" and "improvement" fit; labels wrap to two lines
    fixed = name_w + trend_w + 7  # borders and padding
    per = max(1, (width - fixed) // (col_w + 3))
    visits = list(tl.visits)
    win = set(getattr(tl, "window", []) or [])
    chunks = [visits[i : i + per] for i in range(0, len(visits), per)] or [[]]
    journey = dict(zip([v.id for v in visits], tl.journey))
    out: list = []
    for chunk in chunks:
        title = f"{tl.la}: themes across visits"
        if len(chunks) > 1:
            a = visits.index(chunk[0]) + 1
            title += f" (visits {a}–{a + len(chunk) - 1} of {len(visits)})"
        t = Table(
            title=title,
            header_style="bold",
            show_lines=False,
            width=min(width, fixed + len(chunk) * (col_w + 3) + 2),
            pad_edge=False,
            collapse_padding=True,
        )
        t.add_column("theme", min_width=10, max_width=name_w, overflow="fold")
        for v in chunk:
            head = v.label.replace(" ", "\n", 1) + ("\n(out)" if win and v.id not in win else "")
            t.add_column(head, justify="center", min_width=5, max_width=col_w, overflow="fold")
        t.add_column("trend", max_width=trend_w, overflow="fold")
        t.add_row(
            Text("overall verdict", style="bold"),
            *[Text(journey.get(v.id, "").split(": ", 1)[-1]) for v in chunk],
            Text(""),
        )
        for th in tl.themes:
            cells = []
            for v in chunk:
                c = tl.cells[th["id"]][v.id]
                letter = letters.get(c.verdict, "?")
                counts = f"{c.concern}/{c.mixed}/{c.strength}" if c.concern + c.mixed + c.strength else ""
                cells.append(
                    Text(f"{letter} {counts}".strip(), style=VERDICT_CELL.get(c.verdict, ("", ""))[1])
                )
            tr = _trend_of(tl, th["id"])
            t.add_row(
                th.get("name") or th["id"],
                *cells,
                Text(TREND_LABELS.get(tr, tr), style=TREND_STYLE.get(tr, "")),
            )
        out.append(t)
    legend = (
        "Cells: letter = verdict ("
        + ", ".join(f"{letters[k]} {labels[k]}" for k in labels if k in letters)
        + "), then concern/mixed/strength findings."
    )
    if win and len(win) < len(visits):
        legend += " (out): outside the trend window."
    out.append(Text(legend, style="dim"))
    return out


def render_timeline(console, tl) -> None:
    """The timeline fitted to the console's width (:func:`timeline_fitted`), then the council's
    improvement journeys and which one the trends follow."""
    from rich.text import Text

    for part in timeline_fitted(tl, console.width):
        console.print(part)
    for j in tl.journeys:
        mark = " [trend window]" if j.index == tl.window_journey else ""
        console.print(Text(f"journey {j.index}{' (current)' if j.current else ''}: {j.label}{mark}"))
