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
from datetime import date
from html import escape
from pathlib import Path

from .charts import legend_svg, sparkline, trajectory_svg

QUOTES_PER_VISIT = 2
FOLLOWUP_EVIDENCE = 3  # = analyse.followup.EVIDENCE_SHOWN: every quote that decides a verdict is shown
#: the full pack's caps (it must print to at most 40 A4 pages for any council): quotes per theme are
#: shown for the latest EVIDENCE_VISITS visits that have some; the follow-up lists FULL_RECS items
EVIDENCE_VISITS = 3
FULL_RECS = 30

from ..vocab import CELL_LABELS as VERDICT_TEXT  # noqa: E402  (the words are the analysis's)
from ..vocab import CELL_LETTERS as VERDICT_ABBR  # noqa: E402
from ..vocab import TRENDS as _TRENDS  # noqa: E402

TREND_ORDER = list(_TRENDS)
JUDGEMENT_LONG = {
    "overall": "Overall effectiveness",
    "leaders": "Impact of leaders on social work practice with children and families",
    "help_protection": "Experiences and progress of children who need help and protection",
    "in_care": "Experiences and progress of children in care",
    "care_leavers": "Experiences and progress of care leavers",
    "adoption": "Adoption performance",
    "lscb": "Local Safeguarding Children Board",
}
JUDGEMENT_ORDER = ["overall", "leaders", "help_protection", "in_care", "care_leavers", "adoption", "lscb"]


def non_finding_sections() -> tuple:
    """Sections whose sentences are not findings (one list, owned by the analysis)."""
    from ..vocab import NON_FINDING_SECTIONS

    return NON_FINDING_SECTIONS


FOLLOWUP_CLASS = {
    "met": "strength",
    "not met": "concern",
    "repeated": "concern",
    "progressing": "mixed",
    "no specific evidence": "neutral",
    "not examined": "not_examined",
    "not yet examined": "not_examined",
}


def e(x) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if x is None else str(x), quote=True)


def _slug(s: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(s).lower()).strip("-") or "x"


# ------------------------------------------------------------------ data
def pack_data(
    con: sqlite3.Connection,
    la: str,
    *,
    taxonomy=None,
    since: str | None = None,
    quotes_per_visit: int = QUOTES_PER_VISIT,
) -> dict:
    """Everything the pack shows, as plain data (shared by the HTML and Markdown packs)."""
    from ..analyse.timeline import timeline
    from ..store.search import visits as list_visits

    tl = timeline(con, la, taxonomy=taxonomy, since=since)
    if not tl.visits:  # a pack about nothing is an error, not an empty file
        from ..errors import NotFoundError

        raise NotFoundError(
            f"no Ofsted letters or reports stored for {tl.la}"
            + (f" since {since}" if since else "")
            + ": nothing to put in a readiness pack"
        )
    meta = {v["id"]: v for v in list_visits(con, la=la, since=since)}
    # practice priorities first, then the other themes, each in taxonomy order
    tl.themes = [t for t in tl.themes if t["group"] == "practice_priority"] + [
        t for t in tl.themes if t["group"] != "practice_priority"
    ]
    tracks = all_tracks(con, tl, quotes_per_visit)
    for tr, t in zip(tracks, tl.themes):
        tr["group"] = t["group"]
        last = next(
            (v for v in reversed(tr["visits"]) if v["verdict"] in ("concern", "mixed", "strength")), None
        )
        tr["latest"] = last
    win = set(tl.window)
    window = [i for i, v in enumerate(tl.visits) if v.id in win]
    baseline = tl.visits[window[0]] if window else None
    after = [tl.visits[i] for i in window[1:]]
    # literally true: the theme's latest finding is in an earlier visit than the council's latest one
    not_examined = [tr["theme"] for tr in tracks if tr["not_examined_since"]]
    by_trend: dict[str, list[str]] = {k: [] for k in TREND_ORDER}
    for tr in tracks:
        by_trend.setdefault(tr["trend"], []).append(tr["theme"])
    inspections = [v for v in tl.visits if v.kind == "inspection" and v.judgements]
    fu, fu_error = _followup(con, la, since)
    from ..store.rows import database_file

    db_file = database_file(con)
    return {
        "la": tl.la,
        "la_urn": tl.la_urn,
        "timeline": tl,
        "meta": meta,
        "tracks": tracks,
        "window": [tl.visits[i].id for i in window],
        "baseline": baseline,
        "after": after,
        "not_examined": not_examined,
        "by_trend": by_trend,
        "latest_inspection": inspections[-1] if inspections else None,
        "previous_inspection": inspections[-2] if len(inspections) > 1 else None,
        "followup": fu,
        "followup_error": fu_error,
        "since": since,
        "generated": date.today().isoformat(),
        "db": Path(db_file).name if db_file else "",
        "theme_names": {t["id"]: t["name"] for t in tl.themes},
    }


def all_tracks(
    con: sqlite3.Connection, tl, quotes_per_visit: int = QUOTES_PER_VISIT, min_score: float = 0.0
) -> list[dict]:
    """:func:`ofsted_mine.analyse.timeline.track` for every theme of a timeline at once.

    The same dicts as ``track(con, theme, la, quotes_per_visit=...)`` (a test holds them
    equal), built from the one timeline and a single query for the quotes of every visit and
    theme, instead of a timeline and a query per theme and visit.
    """
    from ..analyse.timeline import tracks

    return [t.to_dict() for t in tracks(con, tl, quotes_per_visit, min_score)]


def _followup(con, la, since):
    try:
        from ..analyse.followup import followup
    except ImportError:
        return None, "not available in this version of ofsted-mine"
    try:
        return followup(con, la, since=since).to_dict(), None  # the packs render its plain form
    except Exception as ex:  # one failing section must not cost the whole pack
        import warnings

        warnings.warn(
            f"recommendation follow-up failed: {type(ex).__name__}: {ex}", RuntimeWarning, stacklevel=2
        )
        return None, f"could not be computed ({type(ex).__name__}: {ex})"


def para_label(p) -> str:
    if p is None or p == "":
        return ""
    p = str(p)
    return p if p.startswith("¶") else f"para {p}"


def citation_parts(q: dict, la: str, labels: dict) -> list[str]:
    """Council, visit, date, section, paragraph, page, visit id, file: each a plain string."""
    from .labels import kind_label

    v = labels.get(q.get("visit_id"), {})
    parts = [la, v.get("long") or kind_label(v.get("kind", "")) or "", q.get("date") or "undated"]
    if q.get("section"):
        parts.append(f"“{q['section']}”")
    if para_label(q.get("paragraph")):
        parts.append(para_label(q.get("paragraph")))
    parts.append(f"p. {q.get('page')}")
    return [p for p in parts if p]


def visit_labels(data: dict) -> dict:
    """visit id -> short label, long label (e.g. "monitoring visit 3"), kind."""
    from .labels import kind_label

    out = {}
    for v in data["timeline"].visits:
        long = kind_label(v.kind) + (
            f" {v.visit_number}" if v.kind == "monitoring_visit" and v.visit_number else ""
        )
        out[v.id] = {"short": v.label, "long": long, "kind": v.kind, "date": v.date}
    return out


# ------------------------------------------------------------------ HTML pieces
def chip(verdict: str, text: str | None = None) -> str:
    return f'<span class="chip v-{e(verdict)}">{e(text if text is not None else VERDICT_TEXT.get(verdict, verdict))}</span>'


def trend_chip(trend: str, label: str) -> str:
    return f'<span class="trend t-{e(trend)}">{e(label)}</span>'


def grade_chip(g: str) -> str:
    return f'<span class="grade g-{e(_slug(g))}">{e(g)}</span>'


def _quote_html(q: dict, la: str, labels: dict, extra: str = "", data: dict | None = None) -> str:
    pol = q.get("polarity") or "neutral"
    src = Path(str(q.get("source") or "")).name
    if data is not None:  # the report, its publication date and file (report.board.cite)
        from .board import cite as board_cite

        cite, src = e(board_cite(q, data, labels, file=True)), ""
    else:
        cite = " · ".join(e(p) for p in citation_parts(q, la, labels))
    return (
        f'<figure class="quote p-{e(pol)}"><span class="pol">{e(pol)}</span>'
        f"<blockquote>{e(q.get('text'))}</blockquote>"
        f'<figcaption>{cite} · <span class="vid">{e(q.get("visit_id"))}</span>'
        f"{' · ' + e(src) if src else ''}{extra}</figcaption></figure>"
    )


def _summary(data: dict, labels: dict) -> str:
    tl = data["timeline"]
    out = ['<section class="summary" id="summary">']
    out.append("<h2>Summary by trend</h2>")
    # the journey in one line
    if tl.journey:
        steps = []
        for v, step in zip(tl.visits, tl.journey):
            cls = _journey_class(v)
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
        ("not_examined", _not_examined_title(data), data["not_examined"]),
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
            items.append(f'<a href="#theme-{e(_slug(t))}">{e(names.get(t, t))}</a>{tag}')
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
    li, pi = data["latest_inspection"], data["previous_inspection"]
    if li and not data.get("judgements_shown"):
        out.append(
            f'<h3>Latest judgements <span class="sub">({e(li.label)}'
            + (f"; previous: {e(pi.label)}" if pi else "")
            + ")</span></h3>"
        )
        out.append(
            '<table class="judgements"><thead><tr><th>Judgement</th><th>Grade</th>'
            + ("<th>Previously</th>" if pi else "")
            + "</tr></thead><tbody>"
        )
        keys = [k for k in JUDGEMENT_ORDER if k in li.judgements] + [
            k for k in li.judgements if k not in JUDGEMENT_ORDER
        ]
        for k in keys:
            prev = pi.judgements.get(k) if pi else None
            out.append(
                f"<tr><td>{e(JUDGEMENT_LONG.get(k, k))}</td><td>{grade_chip(li.judgements[k])}</td>"
                + (f"<td>{grade_chip(prev) if prev else '—'}</td>" if pi else "")
                + "</tr>"
            )
        out.append("</tbody></table>")
    # visit history
    out.append("<h3>Visit history</h3>" if not data.get("judgements_shown") else "<h3>All visits</h3>")
    out.append(_visit_table(data, labels))
    out.append("</section>")
    return "".join(out)


def _not_examined_title(data: dict) -> str:
    return "Not examined in the latest visits (since their last finding)"


def date_range(start: str | None, end: str | None) -> str:
    """'2021-11-15 – 11-26' (same year), '2021-12-30 – 2022-01-02', or one date."""
    start = start or ""
    if not end or end == start or not start:
        return start or end or ""
    if start[:4] == end[:4] and len(end) == 10:
        return f"{start} – {end[5:]}"
    return f"{start} – {end}"


def _journey_class(v) -> str:
    if v.kind == "inspection":
        g = (v.judgements or {}).get("overall", "")
        return "g-" + _slug(g) if g else ""
    return {
        "good_progress": "j-good",
        "some_progress": "j-some",
        "insufficient_progress": "j-slow",
        "serious_weaknesses": "j-serious",
    }.get(v.progress_verdict or "", "")


def _visit_table(data: dict, labels: dict) -> str:
    from .labels import judgements_short, kind_label, verdict_label

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
        out.append(f'<tr><td class="tn"><a href="#theme-{e(_slug(t["id"]))}">{e(t["name"])}</a></td>')
        for v in tl.visits:
            c = tl.cells[t["id"]][v.id]
            counts = f"{c.concern}/{c.mixed}/{c.strength}" if c.concern + c.mixed + c.strength else ""
            title = f"{VERDICT_TEXT.get(c.verdict, c.verdict)}: {c.concern} concern, {c.mixed} mixed, {c.strength} strength"
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


def _theme_section(tr: dict, data: dict, labels: dict) -> str:
    la = data["la"]
    win = set(data["window"])
    tid = tr["theme"]
    cols = [
        {
            "label": v["label"],
            "concern": v["concern"],
            "mixed": v["mixed"],
            "strength": v["strength"],
            "neutral": data["timeline"].cells[tid][v["visit_id"]].neutral,
            "verdict": v["verdict"],
            "in_trend": v["visit_id"] in win,
        }
        for v in tr["visits"]
    ]
    grp = "Practice priority" if tr.get("group") == "practice_priority" else "Theme"
    out = [
        f'<section class="theme" id="theme-{e(_slug(tid))}">',
        f'<h2><span class="grp-label">{e(grp)}</span> {e(tr["name"])} '
        f"{trend_chip(tr['trend'], tr['trend_label'])}</h2>",
    ]
    latest = tr.get("latest")
    wl = [labels[i]["short"] for i in tr.get("trend_window", []) if i in labels]
    facts = [f"<dt>Trend</dt><dd>{trend_chip(tr['trend'], tr['trend_label'])}</dd>"]
    if wl:
        facts.append(f"<dt>Trend window</dt><dd>{e(wl[0])} to {e(wl[-1])} ({len(wl)} visits)</dd>")
    if latest:
        facts.append(f"<dt>Latest judged</dt><dd>{chip(latest['verdict'])} in {e(latest['label'])}</dd>")
    tot = {k: sum(v[k] for v in tr["visits"]) for k in ("concern", "mixed", "strength")}
    facts.append(
        f"<dt>Findings</dt><dd>{tot['concern']} concern · {tot['mixed']} mixed · {tot['strength']} "
        "strength</dd>"
    )
    facts.append(
        f'<dt>Sparkline</dt><dd class="spark">{e(sparkline([v["verdict"] for v in tr["visits"]]))}</dd>'
    )
    out.append(
        '<div class="chart-row"><div class="chart-box">'
        + trajectory_svg(cols, title=f"{tr['name']}: findings per visit")
        + '<div class="legend-row">'
        + legend_svg()
        + "</div></div>"
        + '<dl class="facts">'
        + "".join(facts)
        + "</dl></div>"
    )
    # verdict per visit
    out.append(
        '<table class="verdicts"><thead><tr><th>Visit</th>'
        + "".join(
            f"<th{'' if v['visit_id'] in win else ' class=out'}>{e(v['label'])}</th>" for v in tr["visits"]
        )
        + "</tr></thead><tbody><tr><th>Verdict</th>"
        + "".join(f"<td>{chip(v['verdict'])}</td>" for v in tr["visits"])
        + "</tr><tr><th>In areas covered</th>"
        + "".join(
            f"<td>{'yes' if v['in_focus'] else ('—' if v['kind'] == 'inspection' else 'no')}</td>"
            for v in tr["visits"]
        )
        + "</tr></tbody></table>"
    )
    # evidence
    with_q = [v for v in tr["visits"] if v["quotes"]]
    dropped = with_q[:-EVIDENCE_VISITS] if len(with_q) > EVIDENCE_VISITS else []
    with_q = with_q[len(dropped) :]
    if with_q:
        out.append("<h3>Evidence</h3>")
        if dropped:
            out.append(
                f'<p class="note">Quotes from the latest {len(with_q)} visits with findings on this theme; '
                f"for the {len(dropped)} earlier one{'s' if len(dropped) != 1 else ''} "
                f"({e(', '.join(v['label'] for v in dropped))}) see "
                f"<code>ofsted-mine track {e(tid)} --la “{e(la)}”</code>.</p>"
            )
        for v in with_q:
            out.append(
                f'<div class="visit-ev"><h4>{e(v["label"])} <span '
                f'class="sub">{e(labels[v["visit_id"]]["long"])}, '
                f"{e(v['date'] or 'undated')}</span> {chip(v['verdict'])}</h4>"
            )
            out.extend(_quote_html(q, la, labels, data=data) for q in v["quotes"])
            out.append("</div>")
    else:
        out.append('<p class="none">No findings touch this theme in the visits shown.</p>')
    out.append("</section>")
    return "".join(out)


def _followup_section(data: dict, labels: dict) -> str:
    out = ['<section class="followup" id="followup"><h2>Recommendation follow-up</h2>']
    fu = data["followup"]
    if fu is None:
        out.append(
            '<p class="none">The recommendation follow-up is not available: '
            f"{e(data['followup_error'])}.</p></section>"
        )
        return "".join(out)
    items, later = fu.get("items", []), fu.get("visits", [])
    if not items:
        out.append(
            '<p class="none">No “what needs to improve” or “areas for priority action” items were found '
            "in this council’s inspections or focused visits.</p></section>"
        )
        return "".join(out)
    names = data["theme_names"]
    numbered = list(enumerate(items, 1))
    if len(numbered) > FULL_RECS:  # capped, and said: the action log has every item
        from .board import item_status

        later_ids = [v.get("id") for v in later]
        keep = sorted(
            numbered,
            key=lambda ni: (item_status(ni[1], later_ids)[0] in ("met", "improved"), -numbered.index(ni)),
        )[:FULL_RECS]
        keep_ids = {n for n, _ in keep}
        out.append(
            f'<p class="note"><b>{len(numbered)} recommendations</b>: the {FULL_RECS} latest open ones are '
            f"shown here; every item is in the action log (<code>ofsted-mine followup --la “{e(data['la'])}” "
            "--format xlsx</code>).</p>"
        )
        numbered = [ni for ni in numbered if ni[0] in keep_ids]
    followed = [(n, it) for n, it in numbered if it.get("cells")]
    pending = [(n, it) for n, it in numbered if not it.get("cells")]

    def source(it):
        src = labels.get(it.get("visit_id"), {}).get("short") or it.get("visit_id")
        themes = ", ".join(names.get(t, t) for t in (it.get("themes") or [])[:3])
        return (
            f'<div class="small">{e(src)} · {e(it.get("section") or "")}'
            + (f" · {e(themes)}" if themes else "")
            + "</div>"
        )

    if followed:
        out.append(
            '<p class="note">Each recommendation Ofsted made to the council, against the evidence about it '
            "in the later visits of its journey, up to the next full inspection (findings sharing a theme and "
            "similar in wording; the quotes shown decide the verdict): <b>met</b> (strengths only), "
            "<b>progressing</b> (strengths and concerns), <b>not met</b> (concerns), <b>repeated</b> (the "
            "next inspection makes it again), <b>no specific evidence</b> (the theme was examined, this "
            "item not), or <b>not examined</b>. Hatched cells: the visit is outside the recommendation’s "
            "journey.</p>"
        )
        out.append(
            '<table class="matrix"><thead><tr><th class="item">Recommendation</th>'
            + "".join(f"<th>{e(v.get('label') or v.get('id'))}</th>" for v in later)
            + "</tr></thead><tbody>"
        )
        for n, it in followed:
            out.append(
                f'<tr><td class="item"><a href="#rec-{n}"><b>R{n}</b></a> '
                f"{e(it.get('text'))}{source(it)}</td>"
            )
            for v in later:
                cell = (it.get("cells") or {}).get(v.get("id"))
                if not cell:
                    out.append('<td class="na" title="before or at the recommendation"></td>')
                    continue
                verdict = cell.get("verdict", "not examined")
                k = len(cell.get("evidence") or [])
                out.append(
                    f"<td>{chip(FOLLOWUP_CLASS.get(verdict, 'neutral'), verdict)}"
                    + (f'<span class="cnt">{k} quote{"s" if k != 1 else ""}</span>' if k else "")
                    + "</td>"
                )
            out.append("</tr>")
        out.append("</tbody></table>")
    if pending:
        out.append(
            '<h3>Not yet followed up</h3><p class="note">No visit has taken place since these '
            'recommendations were made.</p><ul class="pending">'
        )
        out.extend(f"<li><b>R{n}</b> {e(it.get('text'))}{source(it)}</li>" for n, it in pending)
        out.append("</ul>")
    if followed:
        out.append("<h3>Follow-up evidence</h3>")
    vlabel = {v.get("id"): v.get("label") for v in later}
    for n, it in followed:
        out.append(f'<div class="rec" id="rec-{n}"><h4>R{n}. {e(it.get("text"))}</h4>')
        any_ev = False
        for vid, cell in (it.get("cells") or {}).items():
            ev = (cell.get("evidence") or [])[:FOLLOWUP_EVIDENCE]
            if not ev:
                continue
            any_ev = True
            out.append(
                f'<div class="fu-visit"><span class="fu-label">{e(vlabel.get(vid, vid))}</span> '
                f"{chip(FOLLOWUP_CLASS.get(cell.get('verdict'), 'neutral'), cell.get('verdict'))}</div>"
            )
            for q in ev:
                sim = q.get("similarity")
                out.append(
                    _quote_html(
                        q, data["la"], labels, f" · similarity {e(sim)}" if sim is not None else "", data=data
                    )
                )
        if not any_ev:
            out.append('<p class="none">No later visit has evidence about this recommendation.</p>')
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


CSS = """
:root{--ink:#1d1d1f;--muted:#5f6368;--rule:#d6d6d6;--head:#12355b;--bg-soft:#f5f6f8;
--c:#b2182b;--c-ink:#7a0f1d;--m:#f0b44c;--m-ink:#6b4000;--s:#cfe8c9;--s-ink:#1f4d1a}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:"Segoe UI","Helvetica Neue",Helvetica,Arial,"Liberation Sans",sans-serif;color:var(--ink);
font-size:13.5px;line-height:1.42;max-width:1120px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 2px;color:var(--head);letter-spacing:-.2px}
h2{font-size:18px;color:var(--head);border-bottom:2px solid var(--head);padding-bottom:3px;margin:26px 0 10px}
h3{font-size:14.5px;margin:16px 0 6px;color:var(--head)}
h4{font-size:13px;margin:10px 0 4px}
a{color:#1a5490}
.sub{font-weight:400;color:var(--muted);font-size:.92em}
.small{font-size:11px;color:var(--muted)}
.note{font-size:12px;color:var(--muted);margin:6px 0}
.none{color:var(--muted);font-style:italic}
header.pack{border-bottom:4px solid var(--head);padding-bottom:8px;margin-bottom:6px}
header.pack .kicker{text-transform:uppercase;letter-spacing:1.2px;font-size:11px;color:var(--muted);font-weight:600}
header.pack .meta{font-size:12px;color:var(--muted)}
nav.toc{font-size:12px;columns:3;column-gap:22px;margin:8px 0 0;padding:8px 12px;background:var(--bg-soft);border-radius:4px}
nav.toc a{text-decoration:none}
nav.toc div{break-inside:avoid;margin:0}
nav.toc a{display:inline-block;padding:4px 0;min-height:24px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:12px}
th,td{border-bottom:1px solid var(--rule);padding:3px 6px;text-align:left;vertical-align:top}
thead th{background:var(--bg-soft);border-bottom:1.5px solid #9aa3ad;font-weight:600}
td.num,th.num{text-align:right}
.vid{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:10px;color:var(--muted)}
.chip,.trend,.grade{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;line-height:16px;
font-weight:600;white-space:nowrap;border:1px solid transparent}
.v-concern{background:var(--c);color:#fff;border-color:var(--c-ink)}
.v-mixed{background:repeating-linear-gradient(45deg,#f0b44c 0 3px,#f7d391 3px 6px);color:var(--m-ink);border-color:#b07a14}
.v-strength{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.v-neutral{background:#e8e8e8;color:#444;border-color:#bdbdbd}
.v-mostly_strength{background:#e4f2e0;color:var(--s-ink);border-color:#6aa862}
.v-too_little{background:#fff;color:#444;border:1px solid #9a9a9a;font-weight:400;font-style:italic}
.t-steady{background:#f3f3f3;color:#444;border-color:#bdbdbd}
.v-not_examined{background:#fff;color:#595959;border:1px dashed #9a9a9a;font-weight:400}
.v-examined_silent{background:#fff;color:#555;border:1px dotted #555;font-weight:400}
.t-persistent,.t-deteriorating{background:var(--c);color:#fff}
.t-emerging{background:#fff;color:var(--c-ink);border-color:var(--c);border-width:1.5px}
.t-improving{background:#fff4d6;color:var(--m-ink);border-color:#d39a2b}
.t-resolved,.t-consistent_strength{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.t-not_enough_evidence{background:#fff;color:#666;border:1px dashed #999;font-weight:400}
.g-inadequate{background:var(--c);color:#fff}
.g-requires-improvement,.g-requires-improvement-to-be-good{background:#f7d391;color:var(--m-ink);border-color:#b07a14}
.g-good,.g-outstanding{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.g-not-judged,.g-adequate{background:#eee;color:#444}
.journey{font-size:12.5px;background:var(--bg-soft);padding:7px 10px;border-left:4px solid var(--head);margin:6px 0 4px}
.journey .step{white-space:nowrap;padding:0 4px;border-radius:3px;border:1px solid transparent}
.journey .arrow{color:var(--muted)}
.journey .j-serious,.journey .j-slow{border-color:var(--c);color:var(--c-ink);font-weight:600}
.journey .j-some{border-color:#d39a2b;color:var(--m-ink)}
.journey .j-good{border-color:#6aa862;color:var(--s-ink);font-weight:600}
table.judgements{width:auto;min-width:60%}
.nw{white-space:nowrap}
table.outlook th{width:27%;border-left:6px solid #999;background:var(--bg-soft);font-weight:600}
table.outlook td{font-size:12.5px}
table.outlook .count{float:right;color:var(--muted);font-weight:400;padding-left:6px}
table.outlook .tag-t{color:var(--muted);font-size:10.5px}
table.outlook a{color:var(--ink);text-decoration:none;border-bottom:1px dotted #999}
tr.b-persistent th{border-left:6px solid var(--c)}
tr.b-emerging th{border-left:6px double var(--c)}
tr.b-improving th{border-left:6px solid #e0a030}
tr.b-resolved th{border-left:6px solid #5aa050}
tr.b-not_examined th{border-left:6px solid #bdbdbd}
table.grid{font-size:11px}
table.grid th{text-align:center;font-size:10.5px;line-height:1.2}
table.grid th.tn,table.grid td.tn{text-align:left;width:30%}
table.grid td.cell{text-align:center;border:1px solid #fff;padding:2px 1px;line-height:1.15}
table.grid td.cell b{display:block;font-size:11.5px}
table.grid .cnt{display:block;font-size:9px;opacity:.9}
table.grid th.out{font-style:italic;background:#e4e7eb}
table.grid td.out{outline:1px dashed #5f6368;outline-offset:-3px}
table.grid tr.grp td{background:var(--head);color:#fff;font-weight:600;font-size:11px;padding:2px 6px}
table.areas th{width:14%;white-space:nowrap}
table.areas ul{margin:0;padding-left:16px}
.theme h2 .grp-label{display:block;font-size:11px;text-transform:uppercase;letter-spacing:1px;color:var(--muted);font-weight:600}
.theme h2 .trend{font-size:12px;vertical-align:middle;margin-left:6px}
.chart-row{display:flex;gap:18px;align-items:flex-start;margin:4px 0}
.chart-box{flex:0 0 auto;max-width:64%}
.chart-box svg{max-width:100%;height:auto;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:4px 0;font-size:12px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.spark{font-family:"DejaVu Sans Mono",Consolas,monospace;letter-spacing:2px}
table.verdicts{font-size:10.5px;table-layout:fixed}
table.verdicts th:first-child{width:92px}
table.verdicts td,table.verdicts th{text-align:center;padding:2px}
table.verdicts tbody th{text-align:left;font-weight:600;background:var(--bg-soft)}
table.verdicts .chip{font-size:9.5px;padding:0 3px;white-space:normal;line-height:12px}
table.verdicts .out{font-style:italic;background:#e4e7eb}
.visit-ev{margin:6px 0 8px}
.visit-ev h4{border-bottom:1px solid var(--rule);padding-bottom:2px}
figure.quote{margin:4px 0 6px 0;padding:4px 8px 4px 10px;border-left:4px solid #bbb;background:#fafafa;break-inside:avoid}
figure.quote.p-concern{border-left-color:var(--c)}
figure.quote.p-mixed{border-left-color:#e0a030;border-left-style:double;border-left-width:5px}
figure.quote.p-strength{border-left-color:#5aa050;border-left-style:dashed}
figure.quote .pol{float:right;font-size:10px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin-left:8px}
figure.quote blockquote{margin:0;font-size:12.5px}
figure.quote blockquote::before{content:"“"}
figure.quote blockquote::after{content:"”"}
figure.quote figcaption{font-size:10.5px;color:var(--muted);margin-top:2px}
table.matrix{font-size:11px}
table.matrix td.item{width:38%}
table.matrix th{text-align:center}
table.matrix td{text-align:center}
table.matrix td.item{text-align:left}
table.matrix .chip{font-size:9.5px;white-space:normal;line-height:12px;padding:0 3px}
table.matrix .cnt{display:block;font-size:9px;color:var(--muted)}
table.matrix td.na{background:repeating-linear-gradient(45deg,#fff 0 4px,#f0f0f0 4px 8px)}
.rec{margin:8px 0 10px}
ul.pending{margin:4px 0;padding-left:18px;font-size:12px}
ul.pending li{margin:3px 0;break-inside:avoid}
.rec h4{font-size:12.5px}
.fu-visit{margin:4px 0 2px;font-size:12px}
.fu-label{font-weight:600}
footer.method{margin-top:28px;border-top:1px solid var(--rule);padding-top:8px;font-size:11px;color:var(--muted)}
@page{size:A4;margin:13mm 12mm 15mm 12mm;
@bottom-right{content:"page " counter(page) " of " counter(pages);font-size:8pt;color:#777}}
@media print{
body{font-size:9.6pt;max-width:none;padding:0;margin:0}
h1{font-size:17pt}
h2{font-size:13pt;margin-top:0}
h3{font-size:11pt;margin:10px 0 4px}
.journey{font-size:9pt}
nav.toc{display:none}
a{color:inherit;text-decoration:none}
.summary h2{margin-top:6px}
.grid-section,.followup,.appendix{break-before:page}
.theme{break-before:auto}
table.visits .vid{display:none}
tr,figure.quote,.chart-row,dl.facts,.rec h4,.fu-visit,ul.pending li{break-inside:avoid}
h2,h3,h4,.fu-visit{break-after:avoid}
thead{display:table-header-group}
table{font-size:8.6pt}
th,td{padding:2px 5px}
table.grid{font-size:8pt}
table.outlook td{font-size:9pt}
figure.quote{background:none}
figure.quote blockquote{font-size:9.4pt}
}
"""


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
    from .board import BOARD_CSS, board_body

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
                f'<div><a href="#theme-{e(_slug(tr["theme"]))}">{e(tr["name"])}</a> '
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
            out.append(_theme_section(tr, data, labels))
        out.append(_followup_section(data, labels))
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
