"""The board pack: at most four A4 pages that an improvement board can read before a meeting.

``ofsted-mine readiness`` writes it by default; ``--full`` writes the full pack (this front
matter, then the evidence: the themes x visits grid, one section per theme, the follow-up
evidence), see :mod:`ofsted_mine.report.html`.

Contents, in order: how to read the pack; where the council stands (its improvement journey,
latest judgements, the visits of the current journey); the open recommendations with their
latest status; the themes at a glance (trend, where each stands now, one cited quote each).

Everything shown comes from :func:`ofsted_mine.report.pack.pack_data` (computed in
``analyse/``); this module only lays it out. Lists that could run long are capped, and the
cap is said on the page (never a silent cut): at most ``BOARD_VISITS`` visits,
``BOARD_RECS`` open recommendations and one quote of at most ``QUOTE_CHARS`` characters per
theme. A test prints the pack of every corpus and real council with chromium and counts its
pages (tests/test_packs.py).
"""

from __future__ import annotations

from pathlib import Path

from ..vocab import KIND_NOUNS
from .htmlkit import chip, e, grade_chip, journey_class, slug, trend_chip
from .labels import verdict_label
from .pack import JUDGEMENT_LONG, JUDGEMENT_ORDER, VERDICT_ABBR, VERDICT_TEXT, date_range, para_label

BOARD_VISITS = 6  # visits listed in "where the council stands" (the latest ones)
BOARD_RECS = 8  # open recommendations listed
QUOTE_CHARS = 200  # a longer quote is cut at a word and marked "…"
REC_CHARS = 200

#: follow-up statuses (today's and the board vocabulary) -> the pack's colour class and RAG word
FOLLOWUP_RAG = {
    "met": ("strength", "green"),
    "improved": ("strength", "green"),
    "progressing": ("mixed", "amber"),
    "mixed": ("mixed", "amber"),
    "not met": ("concern", "red"),
    "still a concern": ("concern", "red"),
    "repeated": ("concern", "red"),
    "not yet examined": ("not_examined", "grey"),
    "not examined": ("not_examined", "grey"),
    "no specific evidence": ("not_examined", "grey"),
}
CLOSED_STATUSES = ("met", "improved")


def _e(x) -> str:
    """Escape for HTML (:func:`ofsted_mine.report.htmlkit.e`)."""
    return e(x)


def clip(text: str | None, n: int) -> str:
    """``text`` cut at a word boundary to at most ``n`` characters, with "…" when cut."""
    text = " ".join(str(text or "").split())
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def report_name(meta: dict, kind_long: str) -> str:
    """'ILACS inspection report published 2022-06-20' / 'monitoring visit letter published 2023-06-20'."""
    kind = meta.get("kind") or ""
    fw = (
        (meta.get("framework") or "").upper()
        if kind == "inspection" and meta.get("framework") not in (None, "", "other")
        else ""
    )
    noun = KIND_NOUNS.get(kind, "letter")  # declared by the kind (ofsted_mine/kinds)
    name = f"{fw + ' ' if fw else ''}{kind_long} {noun}".strip()
    pub = meta.get("published")
    return f"{name} published {pub}" if pub else f"{name} (publication date not found)"


def cite(q: dict, data: dict, labels: dict, *, file: bool = False, section: bool = True) -> str:
    """The pack's citation of a quote: council, the report and its publication date, the visit's
    dates, section, paragraph, page (and the file name in the full pack)."""

    vid = q.get("visit_id")
    m = data["meta"].get(vid, {})
    lab = labels.get(vid, {})
    parts = [data["la"], report_name(m, lab.get("long") or "")]
    visit = date_range(m.get("start_date") or q.get("date"), m.get("end_date"))
    if visit:
        parts.append(f"visit {visit}")
    if section and q.get("section"):
        parts.append(f"“{q['section']}”")
    if para_label(q.get("paragraph")):
        parts.append(para_label(q.get("paragraph")))
    if q.get("page") is not None:
        parts.append(f"p. {q.get('page')}")
    if file and (m.get("source") or q.get("source")):
        parts.append(Path(str(m.get("source") or q.get("source"))).name)
    return " · ".join(p for p in parts if p)


def how_to_read(full: bool) -> str:
    """The "how to read this pack" box: what findings, verdicts and trends are, with the legend."""
    letters = VERDICT_ABBR

    keys = [
        k
        for k in ("concern", "mixed", "mostly_strength", "strength", "too_little", "neutral", "not_examined")
        if k in letters
    ]
    legend = " ".join(f"{chip(k, letters[k] + ' ' + _verdict_word(k))}" for k in keys)
    more = (
        "This is the <b>full pack</b>: after these pages come the evidence — the themes × visits grid, "
        "a section per theme with its cited quotes (capped per theme and visit), the recommendation "
        "follow-up with its evidence, and the areas each visit covered."
        if full
        else "This is the <b>board pack</b> (at most four pages). The evidence behind it — every theme's "
        "quotes visit by visit and the follow-up evidence — is in the full pack "
        "(<code>ofsted-mine readiness --full</code>)."
    )
    return (
        '<section class="howto" id="how-to-read" aria-labelledby="how-to-read-h">'
        '<h2 id="how-to-read-h">How to read this pack</h2><ul>'
        "<li>Findings are the sentences of Ofsted’s letters and reports, tagged automatically by theme and "
        "by polarity (concern, mixed, strength, neutral). Tagging can be wrong: check a quote against the "
        "published report (every quote names it, with its publication date, paragraph and page) before "
        "relying on it.</li><li>A visit’s <b>verdict</b> on a theme weighs the findings of that visit that "
        "carry the theme. Every verdict "
        "is shown by a letter as well as a colour: " + legend + ".</li>"
        "<li>A <b>trend</b> follows the verdicts over the current improvement journey (the inspection that "
        "opened it, the visits since, and the inspection that closed it). “Where it stands now” is the "
        "latest visit that examined the theme. A theme no visit examined is “not examined”, never "
        "“resolved”.</li>"
        f"<li>{more}</li></ul></section>"
    )


def _verdict_word(k: str) -> str:

    return VERDICT_TEXT.get(k, k.replace("_", " "))


def _journey(data: dict, labels: dict) -> str:
    """The improvement journeys (analyse.journeys): what opened and closed each, the frameworks
    (SIF, ILACS) and the months between; the current one last. Without journeys, the visits in a line."""

    tl = data["timeline"]
    if not tl.visits:
        return '<p class="none">No Ofsted visits are stored for this council.</p>'
    journeys = getattr(tl, "journeys", None) or []
    if not journeys:
        steps = [
            f'<li><span class="step {journey_class(v)}">{_e(s)}</span></li>'
            for v, s in zip(tl.visits, tl.journey)
        ]
        return (
            '<h3>Improvement journey</h3><ol class="journey-list" aria-label="visits in date order">'
            + "".join(steps)
            + "</ol>"
        )
    out = [
        '<h3>Improvement journeys</h3><table class="journeys"><thead><tr><th scope="col">Journey</th>'
        '<th scope="col">From → to (framework, overall grade)</th><th scope="col" class="num">Months</th>'
        '<th scope="col" class="num">Visits</th></tr></thead><tbody>'
    ]
    for j in journeys[-4:]:
        lab = str(j.label or "")
        fw = (
            " · framework changed" if getattr(j, "framework_change", False) and "framework" not in lab else ""
        )
        out.append(
            f'<tr{" class=current" if j.current else ""}><th scope="row" class="nw">{j.index}'
            f"{' (current)' if j.current else ''}</th><td>{_e(lab)}{_e(fw)}</td>"
            f'<td class="num">{_e(j.months if j.months is not None else "")}</td>'
            f'<td class="num">{len(j.visits)}</td></tr>'
        )
    out.append("</tbody></table>")
    if len(journeys) > 4:
        out.append(
            f'<p class="note">{len(journeys) - 4} earlier '
            f"journey{'s are' if len(journeys) - 4 != 1 else ' is'} "
            "in the full pack (Summary by trend) and in <code>timeline --format json</code>.</p>"
        )
    return "".join(out)


def judgements_table(data: dict) -> str:
    """The latest inspection's judgements beside the previous inspection's (board and full pack)."""
    li, pi = data["latest_inspection"], data["previous_inspection"]
    if not li:
        return '<p class="none">No inspection with judgements is stored for this council.</p>'
    m = data["meta"].get(li.id, {})
    out = [
        f'<h3>Latest judgements <span class="sub">({_e(li.label)}, '
        f"{_e(report_name(m, 'inspection'))}"
        + (f"; previous: {_e(pi.label)}" if pi else "")
        + ")</span></h3>",
        '<table class="judgements"><thead><tr><th scope="col">Judgement</th><th scope="col">Grade</th>'
        + ('<th scope="col">Previously</th>' if pi else "")
        + "</tr></thead><tbody>",
    ]
    keys = [k for k in JUDGEMENT_ORDER if k in li.judgements] + [
        k for k in li.judgements if k not in JUDGEMENT_ORDER
    ]
    for k in keys:
        prev = pi.judgements.get(k) if pi else None
        out.append(
            f'<tr><th scope="row">{_e(JUDGEMENT_LONG.get(k, k))}</th><td>{grade_chip(li.judgements[k])}</td>'
            + (f"<td>{grade_chip(prev) if prev else '—'}</td>" if pi else "")
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _visits(data: dict, labels: dict) -> str:

    tl = data["timeline"]
    vis = tl.visits[-BOARD_VISITS:]
    out = [
        '<h3>Visits</h3><table class="visits board"><thead><tr><th scope="col">Visit</th><th '
        'scope="col">Dates</th><th scope="col">Published</th><th '
        'scope="col">Outcome</th></tr></thead><tbody>'
    ]
    for v in vis:
        m = data["meta"].get(v.id, {})
        if v.kind == "inspection" or v.judgements:
            g = (v.judgements or {}).get("overall")
            verdict = (
                grade_chip(g)
                if g
                else _e(", ".join(f"{k} {x}" for k, x in (v.judgements or {}).items()) or "—")
            )
        else:
            verdict = _e(verdict_label(v.progress_verdict) or "no headline verdict found")
        out.append(
            f'<tr><th scope="row" class="nw">{_e(v.label)}</th>'
            f'<td class="nw">{_e(date_range(m.get("start_date") or v.date, m.get("end_date")))}</td>'
            f'<td class="nw">{_e(m.get("published") or "not found")}</td><td>{verdict}</td></tr>'
        )
    out.append("</tbody></table>")
    if len(tl.visits) > len(vis):
        out.append(
            f'<p class="note">{len(tl.visits) - len(vis)} earlier visit'
            f"{'s are' if len(tl.visits) - len(vis) != 1 else ' is'} in the full pack.</p>"
        )
    return "".join(out)


def item_status(it: dict, later_ids: list) -> tuple[str, str | None]:
    """A recommendation's latest status (as the follow-up computed it) and the visit it is from."""
    if it.get("status"):  # analyse.followup's latest status and the visit it is from
        return it["status"], it.get("status_visit")
    cells = it.get("cells") or {}
    for vid in reversed(later_ids):
        c = cells.get(vid)
        if c and (c.get("status") or c.get("verdict")) not in ("not examined", "not yet examined", None):
            return c.get("status") or c.get("verdict"), vid
    return "not yet examined", None


def open_recommendations(fu: dict) -> tuple[list[tuple], list[dict], int]:
    """The board's open recommendations, chosen once for the HTML and Markdown packs: the items of
    the current improvement journey (a recommendation whose journey a later inspection closed is
    history, followed in the full pack and the action log) whose latest status is not closed.
    Returns ``(rows, current_items, n_earlier)`` with rows ``(number, item, status, visit id)``."""
    all_items = fu.get("items", [])
    later_ids = [v.get("id") for v in fu.get("visits", [])]
    items = [it for it in all_items if not it.get("closes")]
    rows = []
    for n, it in enumerate(all_items, 1):
        if it.get("closes"):
            continue
        st, vid = item_status(it, later_ids)
        if st not in CLOSED_STATUSES:
            rows.append((n, it, st, vid))
    return rows, items, len(all_items) - len(items)


def _recommendations(data: dict, labels: dict, full: bool) -> str:

    out = [
        '<section class="recs" id="open-recs" aria-labelledby="open-recs-h">'
        '<h2 id="open-recs-h">Open recommendations</h2>'
    ]
    fu = data["followup"]
    if fu is None:
        out.append(
            '<p class="none">The recommendation follow-up is not available: '
            f"{_e(data['followup_error'])}.</p>"
        )
        return "".join(out) + "</section>"
    all_items = fu.get("items", [])
    rows, items, earlier = open_recommendations(fu)
    closed = len(items) - len(rows)
    earlier_note = (
        (
            f" {earlier} recommendation{'s' if earlier != 1 else ''} of earlier improvement journeys "
            "were followed up to the inspection that closed them ("
            + ("below" if full else "see the full pack")
            + ")."
        )
        if earlier
        else ""
    )
    if not items:
        out.append(
            '<p class="none">No recommendations to the council were found in its current improvement '
            f"journey.{_e(earlier_note)}</p></section>"
            if all_items
            else '<p class="none">No recommendations to the council were found in its inspections or focused '
            "visits.</p></section>"
        )
        return "".join(out)
    # the latest recommendations first (the ones a board is working on); within a visit, worst status first
    order = {
        "not met": 0,
        "still a concern": 0,
        "repeated": 0,
        "progressing": 1,
        "mixed": 1,
        "not yet examined": 2,
        "not examined": 2,
    }
    rows.sort(key=lambda r: order.get(r[2], 3))
    rows.sort(key=lambda r: str(labels.get(r[1].get("visit_id"), {}).get("date") or ""), reverse=True)
    shown = rows[:BOARD_RECS]
    out.append(
        f'<p class="note">{len(rows)} of the current journey’s {len(items)} recommendation'
        f"{'s' if len(items) != 1 else ''} {'are' if len(rows) != 1 else 'is'} open (not yet met)"
        f"{f'; {closed} met' if closed else ''}. "
        "Status: the latest visit’s evidence about each one (green met, amber progressing, red not met or "
        f"repeated, grey not yet examined).{_e(earlier_note)}</p>"
    )
    if shown:
        out.append(
            '<table class="recs"><thead><tr><th scope="col">#</th><th scope="col">Recommendation</th>'
            '<th scope="col">Made in</th><th scope="col">Latest status</th></tr></thead><tbody>'
        )
        for n, it, st, vid in shown:
            cls, rag = FOLLOWUP_RAG.get(st, ("neutral", ""))
            src = labels.get(it.get("visit_id"), {}).get("short") or it.get("visit_id")
            grp = it.get("group")
            at = labels.get(vid, {}).get("short") if vid else ""
            out.append(
                "<tr><td "
                f'class="num">{_e(it.get("ref") or f"R{n}")}</td><td>{_e(clip(it.get("text"), REC_CHARS))}'
                + (f' <span class="small">({_e(grp)})</span>' if grp else "")
                + (f' <span class="small">{_e(it.get("tail"))}</span>' if it.get("tail") else "")
                + "</td>"
                f'<td class="nw">{_e(src)}</td>'
                f"<td>{chip(cls, st + (' (' + rag + ')' if rag else ''))}"
                + (f'<span class="small"> at {_e(at)}</span>' if at else "")
                + "</td></tr>"
            )
        out.append("</tbody></table>")
    if len(rows) > len(shown):
        out.append(
            f'<p class="note"><b>{len(rows) - len(shown)} more open recommendation'
            f"{'s' if len(rows) - len(shown) != 1 else ''}</b> (older) are not listed here: see "
            + ("the follow-up section of this pack" if full else "the full pack")
            + f" or the action log (<code>ofsted-mine followup --la “{_e(data['la'])}” --format "
            "xlsx</code>).</p>"
        )
    out.append("</section>")
    return "".join(out)


def best_quote(tr: dict) -> dict | None:
    """The quote shown for a theme: from where it stands now (the latest visit with a finding on
    it), the first of that visit's representative quotes (concerns first)."""
    verdict, now = now_of(tr)
    visits = tr.get("visits") or []
    want = {
        "concern": ("concern", "mixed"),
        "mixed": ("mixed", "concern"),
        "mostly_strength": ("strength", "mixed"),
        "strength": ("strength",),
        "neutral": ("neutral",),
    }.get(verdict or "", ())

    def pick(
        quotes,
    ):  # the quote that shows the verdict: a concern for a concern, a strength for "no concerns"
        for pol in want:
            q = next((q for q in quotes if q.get("polarity") == pol), None)
            if q:
                return q
        return quotes[0]

    if now:
        v = next((v for v in visits if v.get("visit_id") == now), None)
        if v and v.get("quotes"):
            return pick(v["quotes"])
    for v in reversed(visits):
        if v.get("quotes"):
            return pick(v["quotes"])
    return None


def now_of(tr: dict) -> tuple[str | None, str | None]:
    """(verdict, visit id) of where a theme stands now, as the analysis says it."""
    if tr.get("now"):
        return tr.get("now_verdict"), tr.get("now")
    latest = tr.get("latest")
    if latest:
        return latest.get("verdict"), latest.get("visit_id")
    return None, None


def _themes(data: dict, labels: dict, full: bool) -> str:

    out = [
        '<section class="glance" id="themes" aria-labelledby="themes-h"><h2 id="themes-h">Themes at a '
        "glance</h2>",
        '<p class="note">Practice priorities first. The line of letters is the theme’s verdict at each '
        "visit, oldest first (as in the legend above; “–” not examined).</p>",
        '<table class="glance"><thead><tr><th scope="col">Theme</th><th scope="col">Trend</th>'
        '<th scope="col">Now</th><th scope="col">Evidence (one quote)</th></tr></thead><tbody>',
    ]
    for tr in data["tracks"]:
        verdict, vid = now_of(tr)
        vs = tr.get("visits") or []
        spark = " ".join(VERDICT_ABBR.get(v.get("verdict"), "?") for v in vs)
        spark_alt = "verdict by visit: " + "; ".join(
            f"{v.get('label')} {_verdict_word(v.get('verdict'))}" for v in vs
        )
        now_html = (
            chip(verdict) + f'<div class="small">{_e(labels.get(vid, {}).get("short") or "")}</div>'
            if verdict
            else '<span class="none">never examined</span>'
        )
        q = best_quote(tr)
        quote = (
            '<span class="none">no finding carries this theme</span>'
            if not q
            else f'<blockquote class="q p-{_e(q.get("polarity") or "neutral")}">'
            f"{_e(clip(q.get('text'), QUOTE_CHARS))}</blockquote>"
            f'<div class="cite">{_e(cite(q, data, labels, section=False))}</div>'
        )
        name = f'<a href="#theme-{_e(slug(tr["theme"]))}">{_e(tr["name"])}</a>' if full else _e(tr["name"])
        out.append(
            f'<tr><th scope="row">{name}<div class="spark" role="img" aria-label="{_e(spark_alt)}">'
            f'<span aria-hidden="true">{_e(spark)}</span></div></th>'
            f"<td>{trend_chip(tr['trend'], tr['trend_label'])}</td><td>{now_html}</td><td>{quote}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


BOARD_CSS = """
.howto{background:var(--bg-soft);border-left:4px solid var(--head);padding:4px 12px 4px 10px;
margin:8px 0 10px}
.howto h2{border:0;margin:4px 0 2px;font-size:14px}
.howto ul{margin:2px 0 4px;padding-left:18px;font-size:12px}
.howto li{margin:1px 0}
.howto .chip{margin:1px 0}
ol.journey-list{list-style:none;margin:4px 0 6px;padding:6px 8px;background:var(--bg-soft);
border-left:4px solid var(--head);
display:flex;flex-wrap:wrap;gap:2px 4px;font-size:12px}
ol.journey-list li{white-space:nowrap}
ol.journey-list .step{padding:0 4px;border-radius:3px;border:1px solid transparent}
ol.journey-list li+li::before{content:"→ ";color:var(--muted)}
ol.journey-list .j-serious,ol.journey-list .j-slow{border-color:var(--c);color:var(--c-ink);font-weight:600}
ol.journey-list .j-some{border-color:#d39a2b;color:var(--m-ink)}
ol.journey-list .j-good{border-color:#6aa862;color:var(--s-ink);font-weight:600}
table.judgements tbody th{font-weight:400;text-align:left;background:none}
table.journeys tbody th{font-weight:600;text-align:left;background:none}
table.journeys tr.current td,table.journeys tr.current th{background:var(--bg-soft)}
table.recs td.num{white-space:nowrap;color:var(--muted)}
table.glance th[scope=row]{width:21%;font-weight:600;text-align:left;background:none}
table.glance td:nth-child(2),table.glance td:nth-child(3){width:12%}
table.glance blockquote.q{margin:0;font-size:11.5px;border-left:3px solid #bbb;padding-left:6px}
table.glance blockquote.q::before{content:"“"}
table.glance blockquote.q::after{content:"”"}
table.glance blockquote.p-concern{border-left-color:var(--c)}
table.glance blockquote.p-mixed{border-left-color:#e0a030;border-left-style:double}
table.glance blockquote.p-strength{border-left-color:#5aa050;border-left-style:dashed}
.cite{font-size:10px;color:var(--muted);margin-top:1px}
.spark{font-family:"DejaVu Sans Mono",Consolas,monospace;font-weight:400;letter-spacing:1px;font-size:11px;
color:var(--ink)}
code{font-size:.92em;overflow-wrap:anywhere}
/* narrow screens (a phone, 420 px): nothing scrolls sideways; wide grids scroll inside their own box */
@media screen and (max-width:700px){
body{padding:10px 10px 32px;font-size:13px}
nav.toc{columns:1}
.nw,table.visits td,table.visits th{white-space:normal}
table.grid,table.matrix,table.verdicts,table.visits,table.judgements{display:block;overflow-x:auto;
max-width:100%}
table.glance,table.glance tbody,table.glance tr,table.glance th,table.glance td{display:block;
width:auto!important}
table.glance thead{display:none}
table.glance tr{border-bottom:1px solid var(--rule);padding:4px 0}
table.glance td,table.glance th{border:0;padding:1px 0}
.chart-row{flex-direction:column}
.chart-box{max-width:100%}
.chart-box svg{max-width:100%}
dl.facts{grid-template-columns:1fr}
.journey .step{white-space:normal}
blockquote,figcaption,.cite,td,th{overflow-wrap:break-word}
}
@media print{
.howto ul{font-size:8.6pt}
ol.journey-list{font-size:8.6pt}
table.glance blockquote.q{font-size:8.4pt}
.cite{font-size:7.4pt}
section.recs,section.glance{break-before:auto}
}
"""


def board_body(data: dict, labels: dict, full: bool = False) -> str:
    """The board pack's sections (also the front of the full pack)."""
    return "".join(
        [
            how_to_read(full),
            '<section class="stands" id="summary" aria-labelledby="stands-h">'
            '<h2 id="stands-h">Where the council stands</h2>',
            _journey(data, labels),
            judgements_table(data),
            _visits(data, labels),
            "</section>",
            _recommendations(data, labels, full),
            _themes(data, labels, full),
        ]
    )
