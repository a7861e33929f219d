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
        from rich.text import Text
        t.add_row(Text(q.text), Text(f"{q.citation()}\n{q.visit_id}"), tags)
    return t


def quotes_markdown(res) -> str:
    lines = []
    for q in res:
        tags = f" _[{', '.join(q.themes)}{'; ' + q.polarity if q.polarity else ''}]_" if q.themes or q.polarity else ""
        lines.append(f"> {q.text}\n\n— {q.citation()} (`{q.visit_id}`){tags}\n")
    return "\n".join(lines)


def render_visit(console, v: dict) -> None:
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
        tags = ", ".join(f"{t['theme']}({t['score']:.2f})" for t in f["tags"])
        line = Text(f"  {n:>3}. ")
        line.append(f"[p{f['page']} ¶{f['paragraph']}] " if f["paragraph"] and not str(f["paragraph"]).startswith("¶") else f"[p{f['page']} {f['paragraph'] or ''}] ", style="dim")
        line.append(f["text"])
        if tags or f.get("polarity"):
            line.append(f"  {{{tags}{'; ' if tags else ''}{f.get('polarity') or ''}}}", style=POL_STYLE.get(f.get("polarity") or "", "dim"))
        console.print(line)
