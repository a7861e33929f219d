"""Rich rendering for the terminal: quotes, one visit."""
from __future__ import annotations

from .labels import kind_label, verdict_label

POL_STYLE = {"concern": "red", "strength": "green", "mixed": "yellow", "neutral": "dim"}


def quotes_table(res):
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
        t.add_row(Text(q.text), Text(f"{q.citation()}\n{q.visit_id}"), tags)
    return t


def quotes_markdown(res) -> str:
    lines = []
    for q in res:
        tags = f" _[{', '.join(q.themes)}{'; ' + q.polarity if q.polarity else ''}]_" if q.themes or q.polarity else ""
        if getattr(q, "corrected", False):
            tags += " _(tags corrected by a person)_"
        lines.append(f"> {q.text}\n\n— {q.citation()} (`{q.visit_id}`){tags}\n")
    return "\n".join(lines)


def render_visit(console, v: dict, why: bool = False) -> None:
    from rich.text import Text
    head = Text()
    head.append(f"{v.get('la') or '?'} — {kind_label(v['kind'], v.get('framework'))}", style="bold")
    if v.get("visit_number"):
        head.append(f" no. {v['visit_number']}")
    console.print(head)
    rows = [("id", v["id"]), ("council as printed", v.get("la_name_printed")), ("Ofsted URN", v.get("la_urn")),
            ("dates", f"{v.get('start_date') or '?'} to {v.get('end_date') or '?'}"), ("published", v.get("published")),
            ("judged inadequate", v.get("inadequate_date")), ("lead inspector", v.get("lead_inspector")),
            ("inspectors", ", ".join(v.get("inspectors") or [])), ("verdict", verdict_label(v.get("progress_verdict"))),
            ("source", v.get("source"))]
    for k, val in rows:
        if val:
            console.print(Text(f"  {k:20} {val}"))
    if v.get("focus_areas"):
        console.print(Text("  areas covered:"))
        for a in v["focus_areas"]:
            console.print(Text(f"    • {a}"))
    if v.get("judgements"):
        console.print(Text("  judgements:"))
        for k, g in v["judgements"].items():
            console.print(Text(f"    {k:18} {g}"))
    if v["kind"] in ("council_paper", "unknown"):
        console.print(Text("  (not an Ofsted letter or report: its words are never quoted as Ofsted findings)", style="yellow"))
    last = None
    n = 0
    for f in v["findings"]:
        if f["section_kind"] in ("header", "closing", "about"):
            continue
        if f["section"] != last:
            console.print(Text(f"\n{f['section']}  [{f['section_kind']}]", style="bold cyan"))
            last = f["section"]
        n += 1
        tags = ", ".join(f"{t['theme']}({'person' if t.get('source') == 'person' else format(t['score'], '.2f')})"
                         for t in f["tags"])
        line = Text(f"  {n:>3}. ")
        line.append(f"[p{f['page']} ¶{f['paragraph']}] " if f["paragraph"] and not str(f["paragraph"]).startswith("¶") else f"[p{f['page']} {f['paragraph'] or ''}] ", style="dim")
        line.append(f["text"])
        if tags or f.get("polarity"):
            line.append(f"  {{{tags}{'; ' if tags else ''}{f.get('polarity') or ''}}}", style=POL_STYLE.get(f.get("polarity") or "", "dim"))
        console.print(line)
        if why:
            for t in f["tags"]:
                cues = ", ".join(f"'{c}'" for c in t["cues"]) or "no cue phrase (model)"
                console.print(Text(f"        {t['theme']}: {t['source']}, score {t['score']:.2f}; cues {cues}", style="dim"))
            if f.get("polarity_cues"):
                console.print(Text(f"        polarity {f.get('polarity')}: cues {', '.join(f['polarity_cues'])}", style="dim"))


VERDICT_CELL = {"concern": ("concern", "bold white on red"), "mixed": ("mixed", "black on yellow"),
                "strength": ("no concerns", "black on green"), "neutral": ("neutral", "dim"),
                "examined_silent": ("examined, silent", "dim"), "not_examined": ("not examined", "dim")}
TREND_STYLE = {"persistent": "red", "deteriorating": "red", "emerging": "red", "improving": "yellow",
               "resolved": "green", "consistent_strength": "green", "not_enough_evidence": "dim"}


def timeline_table(tl):
    from rich.table import Table
    from rich.text import Text
    t = Table(title=f"{tl.la}: themes across visits", header_style="bold", show_lines=False)
    t.add_column("theme", no_wrap=True)
    for v in tl.visits:
        t.add_column(v.label.replace(" ", "\n", 1), justify="center")
    t.add_row(Text("overall verdict", style="bold"), *[Text(s.split(": ", 1)[-1]) for s in tl.journey])
    for th in tl.themes:
        cells = []
        for v in tl.visits:
            c = tl.cells[th["id"]][v.id]
            label, style = VERDICT_CELL[c.verdict]
            counts = f"{c.concern}c {c.mixed}m {c.strength}s" if c.concern + c.mixed + c.strength else label
            cells.append(Text(counts if c.verdict not in ("not_examined", "examined_silent") else label, style=style))
        t.add_row(th["id"], *cells)
    return t


def timeline_rows(tl) -> list[dict]:
    rows = [{"theme": "overall verdict", **{v.id: s.split(": ", 1)[-1] for v, s in zip(tl.visits, tl.journey)}}]
    for th in tl.themes:
        row = {"theme": th["id"]}
        for v in tl.visits:
            c = tl.cells[th["id"]][v.id]
            row[v.id] = f"{c.verdict} ({c.concern}c/{c.mixed}m/{c.strength}s)"
        rows.append(row)
    return rows


def timeline_markdown(tl) -> str:
    head = "| theme | " + " | ".join(f"{v.label}" for v in tl.visits) + " |"
    sep = "|---" * (len(tl.visits) + 1) + "|"
    lines = [f"## {tl.la}: themes across visits", "", head, sep]
    for r in timeline_rows(tl):
        lines.append("| " + r["theme"] + " | " + " | ".join(str(r[v.id]) for v in tl.visits) + " |")
    lines.append("")
    lines.append("Cells: verdict (concern / mixed / strength findings). *not_examined*: outside the visit's "
                 "areas covered and no finding touches the theme; *examined_silent*: in the areas covered, no finding.")
    return "\n".join(lines)


def render_track(console, tr: dict) -> None:
    from rich.text import Text
    console.print(Text(f"{tr['la']} — {tr['name']} ({tr['theme']})", style="bold"))
    console.print(Text("trend: ") + Text(tr["trend_label"], style=TREND_STYLE.get(tr["trend"], "")))
    for v in tr["visits"]:
        label, style = VERDICT_CELL[v["verdict"]]
        head = Text(f"\n{v['label']}  ", style="bold")
        head.append(label, style=style)
        head.append(f"  ({v['concern']} concern, {v['mixed']} mixed, {v['strength']} strength)"
                    + ("" if v.get("in_trend", True) else "  [outside the trend window]"), style="dim")
        console.print(head)
        for q in v["quotes"]:
            console.print(Text(f"  “{q['text']}”"))
            console.print(Text(f"      — {q['citation']} [{q['polarity']}]", style="dim"))


def render_compare(console, cmp: dict) -> None:
    from rich.table import Table
    from rich.text import Text
    a, b = cmp["a"], cmp["b"]
    t = Table(title=f"{a['visit_id']}  →  {b['visit_id']}", show_lines=True, header_style="bold")
    t.add_column("theme", no_wrap=True)
    t.add_column("status")
    t.add_column(f"{a['kind']} {a['date']}", ratio=2, overflow="fold")
    t.add_column(f"{b['kind']} {b['date']}", ratio=2, overflow="fold")
    style = {"persistent concern": "red", "new concern": "red", "no longer raised": "green", "strength gained": "green",
             "strength lost": "yellow", "no longer raised (not examined)": "yellow"}
    for row in cmp["themes"]:
        if row["status"] in ("not examined in either", "no judgement"):
            continue
        qa = "\n".join(f"• {q['text']} ({q['citation']})" for q in row["a"]["quotes"]) or row["a"]["verdict"]
        qb = "\n".join(f"• {q['text']} ({q['citation']})" for q in row["b"]["quotes"]) or row["b"]["verdict"]
        t.add_row(row["theme"], Text(row["status"], style=style.get(row["status"], "")), Text(qa), Text(qb))
    console.print(t)
