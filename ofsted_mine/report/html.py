"""The inspection-readiness pack: one self-contained HTML file (inline CSS and SVG; no
scripts, no external files, no network) that a QA lead can e-mail or print to A4.

Contents: a one-page summary (visit history, latest judgements, the improvement journey in
one line, the themes that are persistent concerns / emerging / improving / resolved / not
examined since the inspection), a themes x visits grid, one section per practice priority
and theme (trajectory chart, verdict per visit, trend, evidence quotes with full
citations), and the recommendation follow-up matrix.

Every piece of text that comes from a document or the database is untrusted and passes
through :func:`html.escape`; the page also carries a Content-Security-Policy that forbids
scripts, so even a missed escape could not run code.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .board import BOARD_CSS, board_body, judgements_table
from .evidence import followup_section, theme_section
from .htmlkit import FOLLOWUP_CLASS, chip, e, grade_chip, journey_class, slug, trend_chip
from .labels import judgements_short, kind_label, verdict_label
from .pack import (
    FOLLOWUP_EVIDENCE,
    JUDGEMENT_LONG,
    JUDGEMENT_ORDER,
    QUOTES_PER_VISIT,
    TREND_ORDER,
    VERDICT_ABBR,
    VERDICT_TEXT,
    all_tracks,
    citation_parts,
    date_range,
    non_finding_sections,
    not_examined_title,
    pack_data,
    para_label,
    visit_labels,
)
from .style import CSS

# the pack's public names, wherever they are defined (callers import them from here)
__all__ = [
    "readiness_html",
    "write_readiness",
    "pack_data",
    "all_tracks",
    "visit_labels",
    "citation_parts",
    "para_label",
    "date_range",
    "non_finding_sections",
    "e",
    "chip",
    "trend_chip",
    "grade_chip",
    "FOLLOWUP_CLASS",
    "FOLLOWUP_EVIDENCE",
    "QUOTES_PER_VISIT",
    "VERDICT_TEXT",
    "VERDICT_ABBR",
    "TREND_ORDER",
    "JUDGEMENT_LONG",
    "JUDGEMENT_ORDER",
    "CSS",
]


def _summary(data: dict, labels: dict) -> str:
    tl = data["timeline"]
    out = ['<section class="summary" id="summary">']
    out.append("<h2>Summary by trend</h2>")
    # the journey in one line
    if tl.journey:
        steps = []
        for v, step in zip(tl.visits, tl.journey):
            cls = journey_class(v)
            steps.append(f'<span class="step {cls}">{e(step)}</span>')
        out.append(
            '<p class="journey"><strong>Improvement journey:</strong> '
            + ' <span class="arrow">→</span> '.join(steps)
            + "</p>"
        )
    # theme outlook
    out.append('<h3>Themes at a glance</h3><table class="outlook"><tbody>')
    names = data["theme_names"]
    tracks = {t["theme"]: t for t in data["tracks"]}
    win = [labels[i]["short"] for i in data["window"]]
    boxes = [
        ("persistent", "Persistent concerns", data["by_trend"].get("persistent", [])),
        (
            "emerging",
            "Emerging or deteriorating",
            data["by_trend"].get("deteriorating", []) + data["by_trend"].get("emerging", []),
        ),
        ("improving", "Improving", data["by_trend"].get("improving", [])),
        (
            "resolved",
            "Resolved",
            data["by_trend"].get("resolved", []) + data["by_trend"].get("consistent_strength", []),
        ),
        ("not_examined", not_examined_title(data), data["not_examined"]),
    ]
    tl_visits = data["timeline"].visits
    if len(data["window"]) < 2 and tl_visits:  # no trend to speak of: say what the latest visit found
        last = tl_visits[-1]
        boxes.insert(
            0,
            (
                "persistent",
                f"Concerns at {last.label}",
                [
                    t["id"]
                    for t in data["timeline"].themes
                    if data["timeline"].cells[t["id"]][last.id].verdict == "concern"
                ],
            ),
        )
    for cls, title, ids in boxes:
        items = []
        for t in ids:
            tag = ""
            if (
                cls in ("emerging", "resolved")
                and t in tracks
                and tracks[t]["trend"] not in ("emerging", "resolved")
            ):
                tag = f' <span class="tag-t">({e(tracks[t]["trend_label"])})</span>'
            items.append(f'<a href="#theme-{e(slug(t))}">{e(names.get(t, t))}</a>{tag}')
        empty = "none"
        if cls == "not_examined" and not data["after"]:
            empty = f"no visit since {data['baseline'].label}" if data["baseline"] else "no visits"
        out.append(
            f'<tr class="b-{cls}"><th>{e(title)} <span class="count">{len(ids)}</span></th>'
            f"<td>{' · '.join(items) if items else f'<span class=none>{e(empty)}</span>'}</td></tr>"
        )
    out.append("</tbody></table>")
    nee = data["by_trend"].get("not_enough_evidence", [])
    if nee:
        out.append(
            '<p class="note"><strong>Not enough evidence for a trend</strong> (fewer than two visits judged '
            "the theme): "
            + (
                "every theme"
                if len(nee) == len(data["tracks"])
                else ", ".join(e(names.get(t, t)) for t in nee)
            )
            + ".</p>"
        )
    if win:
        out.append(
            f'<p class="note">Trends follow the current improvement journey: {e(win[0])} to {e(win[-1])}. '
            "A theme is “not examined” when no finding touches it and the visit’s areas covered do not "
            "name it — an absent theme is not a resolved one.</p>"
        )
    # latest judgements
    if data["latest_inspection"] and not data.get("judgements_shown"):
        out.append(judgements_table(data))
    # visit history
    out.append("<h3>Visit history</h3>" if not data.get("judgements_shown") else "<h3>All visits</h3>")
    out.append(_visit_table(data, labels))
    out.append("</section>")
    return "".join(out)


def _visit_table(data: dict, labels: dict) -> str:
    tl = data["timeline"]
    rows = [
        '<table class="visits"><thead><tr><th>Visit</th><th>Dates</th><th>Published</th><th>Verdict / '
        'judgements</th><th>Lead inspector</th><th class="num">Findings</th></tr></thead><tbody>'
    ]
    for v in tl.visits:
        m = data["meta"].get(v.id, {})
        dates = date_range(m.get("start_date") or v.date, m.get("end_date"))
        if v.kind == "inspection" or v.judgements:
            g = v.judgements.get("overall")
            verdict = (grade_chip(g) + " ") if g else ""
            rest = {k: x for k, x in v.judgements.items() if k != "overall"}
            verdict += f'<span class="small">{e(judgements_short(rest))}</span>' if rest else ""
        else:
            verdict = e(verdict_label(v.progress_verdict) or "no headline verdict found")
        fw = m.get("framework")
        kind = (
            (fw.upper() if fw and fw != "other" else "")
            if v.kind == "inspection"
            else ("" if v.kind in ("monitoring_visit", "focused_visit") else kind_label(v.kind))
        )
        rows.append(
            f'<tr><td><strong class="nw">{e(v.label)}</strong>'
            + (f' <span class="small nw">{e(kind)}</span>' if kind else "")
            + f'<br><span class="vid">{e(v.id)}</span></td>'
            f'<td class="nw">{e(dates)}</td><td '
            f'class="nw">{e(m.get("published") or "")}</td><td>{verdict}</td>'
            f'<td class="nw">{e(m.get("lead_inspector") or "")}</td><td '
            f'class="num">{e(m.get("n_findings", ""))}</td></tr>'
        )
    if not tl.visits:
        rows.append('<tr><td colspan="6">No Ofsted visits are stored for this council.</td></tr>')
    rows.append("</tbody></table>")
    return "".join(rows)


def _grid(data: dict, labels: dict) -> str:
    tl = data["timeline"]
    tracks = {t["theme"]: t for t in data["tracks"]}
    win = set(data["window"])
    out = [
        '<section class="grid-section" id="grid"><h2>Themes × visits</h2>',
        '<p class="note">Each cell: the verdict of the findings tagged with the theme in that visit — '
        "<b>C</b> concern, <b>M</b> mixed, <b>S</b> strengths only or concerns too few to weigh, "
        "<b>N</b> neutral findings only, <b>0</b> in the areas covered but nothing recorded, "
        "<b>–</b> not examined. Numbers: concern / mixed / strength findings. "
        "Columns with an italic grey heading and dashed cells lie outside the trend window.</p>",
        '<table class="grid"><thead><tr><th class="tn">Theme</th>',
    ]
    for v in tl.visits:
        cls = "" if v.id in win else ' class="out"'
        first, _, rest = v.label.partition(" ")
        out.append(f'<th{cls}>{e(first)}<br><span class="small nw">{e(rest)}</span></th>')
    out.append("<th>Trend</th></tr></thead><tbody>")
    group = None
    for t in tl.themes:
        if t["group"] != group:
            group = t["group"]
            out.append(
                f'<tr class="grp"><td colspan="{len(tl.visits) + 2}">'
                f"{'Practice priorities' if group == 'practice_priority' else 'Themes'}</td></tr>"
            )
        out.append(f'<tr><td class="tn"><a href="#theme-{e(slug(t["id"]))}">{e(t["name"])}</a></td>')
        for v in tl.visits:
            c = tl.cells[t["id"]][v.id]
            counts = f"{c.concern}/{c.mixed}/{c.strength}" if c.concern + c.mixed + c.strength else ""
            title = (
                f"{VERDICT_TEXT.get(c.verdict, c.verdict)}: {c.concern} concern, {c.mixed} mixed, "
                f"{c.strength} strength"
            )
            cls = f"cell v-{e(c.verdict)}" + ("" if v.id in win else " out")
            out.append(
                f'<td class="{cls}" title="{e(title)}" data-theme="{e(t["id"])}" data-visit="{e(v.id)}" '
                f'data-verdict="{e(c.verdict)}"><b>{e(VERDICT_ABBR.get(c.verdict, "?"))}</b>'
                + (f'<span class="cnt">{e(counts)}</span>' if counts else "")
                + "</td>"
            )
        tr = tracks.get(t["id"])
        out.append(
            f'<td data-theme="{e(t["id"])}" data-trend="{e(tr["trend"] if tr else "")}">'
            f"{trend_chip(tr['trend'], tr['trend_label']) if tr else ''}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _areas_section(data: dict) -> str:
    tl = data["timeline"]
    out = []
    # areas covered by each visit
    focus = [(v, v.focus_areas) for v in tl.visits if v.focus_areas]
    if focus:
        out.append(
            '<section class="appendix" id="areas"><h2>Appendix: areas covered by each visit</h2><table '
            'class="areas"><tbody>'
        )
        for v, areas in focus:
            out.append(
                f"<tr><th>{e(v.label)}</th><td><ul>"
                + "".join(f"<li>{e(a)}</li>" for a in areas)
                + "</ul></td></tr>"
            )
        out.append("</tbody></table>")
        out.append("</section>")
    return "".join(out)


def readiness_html(
    con: sqlite3.Connection,
    la: str,
    *,
    taxonomy=None,
    since: str | None = None,
    quotes_per_visit: int = QUOTES_PER_VISIT,
    data: dict | None = None,
    full: bool = True,
) -> str:
    """A council's pack as a self-contained HTML page: the full pack (``full=True``: the board pages,
    then the evidence) or the board pack (``full=False``: at most four A4 pages, see
    :mod:`ofsted_mine.report.board`)."""
    from .. import __version__

    data = data or pack_data(con, la, taxonomy=taxonomy, since=since, quotes_per_visit=quotes_per_visit)
    data["judgements_shown"] = True
    labels = visit_labels(data)
    tl = data["timeline"]
    title = f"{'Inspection-readiness pack' if full else 'Board pack'}: {data['la']}"
    out = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src '
        "'unsafe-inline'; "
        "img-src data:; script-src 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="ofsted-mine {e(__version__)}">',
        f"<title>{e(title)}</title><style>{CSS}{BOARD_CSS}</style></head><body "
        f'class="{"full" if full else "board"}">',
    ]
    span = f"{tl.visits[0].date or '?'} to {tl.visits[-1].date or '?'}" if tl.visits else "no visits"
    kicker = "inspection-readiness pack (full)" if full else "board pack"
    out.append(
        f'<header class="pack"><div class="kicker">Children’s services · {kicker}</div>'
        f"<h1>{e(data['la'])}</h1>"
        f'<div class="meta">Ofsted URN {e(data["la_urn"])} · {len(tl.visits)} Ofsted '
        f"visit{'' if len(tl.visits) == 1 else 's'}, {e(span)}"
        + (f" · since {e(data['since'])}" if data["since"] else "")
        + f" · generated {e(data['generated'])} by ofsted-mine {e(__version__)}"
        + (f" from {e(data['db'])}" if data["db"] else "")
        + "</div>"
    )
    if full:
        toc = [
            '<nav class="toc" aria-label="contents"><div><a href="#how-to-read">How to read this '
            'pack</a></div><div><a href="#open-recs">Open recommendations</a></div><div><a '
            'href="#themes">Themes at a glance</a></div><div><a href="#trends">Summary by '
            'trend</a></div><div><a href="#grid">Themes × visits</a></div>'
        ]
        for tr in data["tracks"]:
            toc.append(
                f'<div><a href="#theme-{e(slug(tr["theme"]))}">{e(tr["name"])}</a> '
                f'<span class="small">· {e(tr["trend_label"])}</span></div>'
            )
        toc.append('<div><a href="#followup">Recommendation follow-up</a></div>')
        if any(v.focus_areas for v in tl.visits):
            toc.append('<div><a href="#areas">Appendix: areas covered</a></div>')
        toc.append("</nav>")
        out.extend(toc)
    out.append('</header><main id="main">')
    out.append(board_body(data, labels, full))
    if full:
        out.append(_summary(data, labels).replace('id="summary"', 'id="trends"', 1))
        out.append(_grid(data, labels))
        for tr in [t for t in data["tracks"] if t.get("group") == "practice_priority"] + [
            t for t in data["tracks"] if t.get("group") != "practice_priority"
        ]:
            out.append(theme_section(tr, data, labels))
        out.append(followup_section(data, labels))
        out.append(_areas_section(data))
    out.append("</main></body></html>")
    return "".join(out)


def write_readiness(
    con: sqlite3.Connection,
    la: str,
    out_path,
    *,
    taxonomy=None,
    since: str | None = None,
    full: bool = False,
) -> Path:
    """Write the board pack (or with ``full`` the full pack) as HTML (``.html``/``.htm``) or Markdown
    (``.md``) by the file's suffix."""
    p = Path(out_path)
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        text = readiness_html(con, la, taxonomy=taxonomy, since=since, full=full)
    elif suffix in (".md", ".markdown"):
        from .markdown import readiness_markdown

        text = readiness_markdown(con, la, taxonomy=taxonomy, since=since, full=full)
    else:
        raise ValueError(f"{p}: the pack is written as .html or .md (got {p.suffix or 'no suffix'!r})")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
    return p
