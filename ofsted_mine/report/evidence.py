"""The full pack's evidence: one section per theme (trajectory chart, verdict per visit,
cited quotes) and the recommendation follow-up (matrix, items not yet followed up, the quotes
behind each verdict). Laid out by :func:`ofsted_mine.report.html.readiness_html`.

Every text from a document passes through :func:`ofsted_mine.report.htmlkit.e`.
"""

from __future__ import annotations

from pathlib import Path

from .board import cite as board_cite
from .board import item_status
from .charts import legend_svg, sparkline, trajectory_svg
from .htmlkit import FOLLOWUP_CLASS, chip, e, slug, trend_chip
from .pack import FOLLOWUP_EVIDENCE, citation_parts

#: the full pack's caps (it must print to at most 40 A4 pages for any council): quotes per theme are
#: shown for the latest EVIDENCE_VISITS visits that have some; the follow-up lists FULL_RECS items
EVIDENCE_VISITS = 3
FULL_RECS = 30


def quote_html(q: dict, la: str, labels: dict, extra: str = "", data: dict | None = None) -> str:
    """A quote as a figure: its polarity, text and citation (the report's, when ``data`` is given)."""
    pol = q.get("polarity") or "neutral"
    src = Path(str(q.get("source") or "")).name
    if data is not None:  # the report, its publication date and file (report.board.cite)
        cite, src = e(board_cite(q, data, labels, file=True)), ""
    else:
        cite = " · ".join(e(p) for p in citation_parts(q, la, labels))
    return (
        f'<figure class="quote p-{e(pol)}"><span class="pol">{e(pol)}</span>'
        f"<blockquote>{e(q.get('text'))}</blockquote>"
        f'<figcaption>{cite} · <span class="vid">{e(q.get("visit_id"))}</span>'
        f"{' · ' + e(src) if src else ''}{extra}</figcaption></figure>"
    )


def theme_section(tr: dict, data: dict, labels: dict) -> str:
    """One theme's section: trajectory chart, facts, verdict per visit, and the latest visits' quotes."""
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
        f'<section class="theme" id="theme-{e(slug(tid))}">',
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
            out.extend(quote_html(q, la, labels, data=data) for q in v["quotes"])
            out.append("</div>")
    else:
        out.append('<p class="none">No findings touch this theme in the visits shown.</p>')
    out.append("</section>")
    return "".join(out)


def followup_section(data: dict, labels: dict) -> str:
    """The recommendation follow-up: matrix, items not yet followed up, and the evidence (capped)."""
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

    def source(it: dict) -> str:
        return _rec_source(it, labels, names)

    if followed:
        out.append(
            '<p class="note">Each recommendation Ofsted made to the council, against the evidence about it '
            "in the later visits of its journey, up to the next full inspection (findings sharing a theme "
            "and similar in wording; the quotes shown decide the verdict): <b>met</b> (strengths only), "
            "<b>progressing</b> (strengths and concerns), <b>not met</b> (concerns), <b>repeated</b> (the "
            "next inspection makes it again), <b>no specific evidence</b> (the theme was examined, this "
            "item not), or <b>not examined</b>. Hatched cells: the visit is outside the recommendation’s "
            "journey.</p>"
        )
        out.append(_followup_matrix(followed, later, source))
    if pending:
        out.append(
            '<h3>Not yet followed up</h3><p class="note">No visit has taken place since these '
            'recommendations were made.</p><ul class="pending">'
        )
        out.extend(f"<li><b>R{n}</b> {e(it.get('text'))}{source(it)}</li>" for n, it in pending)
        out.append("</ul>")
    if followed:
        out.append("<h3>Follow-up evidence</h3>")
    out.extend(_followup_evidence(followed, later, data, labels))
    out.append("</section>")
    return "".join(out)


def _rec_source(it: dict, labels: dict, names: dict) -> str:
    """Where a recommendation was made (visit, section) and its first three themes."""
    src = labels.get(it.get("visit_id"), {}).get("short") or it.get("visit_id")
    themes = ", ".join(names.get(t, t) for t in (it.get("themes") or [])[:3])
    return (
        f'<div class="small">{e(src)} · {e(it.get("section") or "")}'
        + (f" · {e(themes)}" if themes else "")
        + "</div>"
    )


def _followup_matrix(followed: list[tuple[int, dict]], later: list[dict], source) -> str:
    """The follow-up matrix: each followed-up recommendation × the later visits, a verdict chip
    and the number of quotes per cell."""
    out: list[str] = []
    out.append(
        '<table class="matrix"><thead><tr><th class="item">Recommendation</th>'
        + "".join(f"<th>{e(v.get('label') or v.get('id'))}</th>" for v in later)
        + "</tr></thead><tbody>"
    )
    for n, it in followed:
        out.append(
            f'<tr><td class="item"><a href="#rec-{n}"><b>R{n}</b></a> {e(it.get("text"))}{source(it)}</td>'
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
    return "".join(out)


def _followup_evidence(
    followed: list[tuple[int, dict]], later: list[dict], data: dict, labels: dict
) -> list[str]:
    """Each followed-up recommendation with the cited quotes that decide its verdicts."""
    out: list[str] = []
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
                    quote_html(
                        q, data["la"], labels, f" · similarity {e(sim)}" if sim is not None else "", data=data
                    )
                )
        if not any_ev:
            out.append('<p class="none">No later visit has evidence about this recommendation.</p>')
        out.append("</div>")
    return out
