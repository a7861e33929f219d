"""The inspection-readiness pack as Markdown: the same content as the HTML pack
(:mod:`ofsted_mine.report.html`), tables in Markdown, a text sparkline instead of charts.

Text from documents is untrusted: ``&``, ``<`` and ``>`` become entities (so no renderer
turns it into HTML), Markdown's own punctuation is backslash-escaped (no links, emphasis or
code spans can be smuggled in), and ``|`` and line breaks cannot break a table.
"""

from __future__ import annotations

import re
import sqlite3

from . import board
from .charts import sparkline
from .labels import judgements_short, kind_label, verdict_label
from .pack import (
    FOLLOWUP_EVIDENCE,
    JUDGEMENT_LONG,
    JUDGEMENT_ORDER,
    QUOTES_PER_VISIT,
    VERDICT_ABBR,
    VERDICT_TEXT,
    citation_parts,
    date_range,
    not_examined_title,
    pack_data,
    visit_labels,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!|~])")


def md(x) -> str:
    """Escape text for Markdown (inline and inside table cells)."""
    s = "" if x is None else str(x)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"\s*[\r\n]+\s*", " ", s).strip()


def code(x) -> str:
    """An identifier as a code span (backticks and pipes cannot escape it)."""
    return "`" + ("" if x is None else str(x)).replace("`", "'").replace("|", "/").replace("\n", " ") + "`"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def readiness_markdown(
    con: sqlite3.Connection,
    la: str,
    *,
    taxonomy=None,
    since: str | None = None,
    quotes_per_visit: int = QUOTES_PER_VISIT,
    data: dict | None = None,
    full: bool = True,
) -> str:
    """The inspection-readiness pack for one council as Markdown (``full=False``: the board pack)."""
    data = data or pack_data(con, la, taxonomy=taxonomy, since=since, quotes_per_visit=quotes_per_visit)
    if not full:
        return board_markdown(data)
    labels = visit_labels(data)
    L = _md_header(data)
    L += ["## Summary", ""]
    L += _md_judgements(data)
    L += _md_visit_history(data)
    L += _md_glance(data, labels)
    L += _md_grid(data)
    for tr in data["tracks"]:
        L += _md_theme(tr, data, labels)
    L += _md_followup(data, labels)
    L += [
        "---",
        "",
        "_Findings are tagged automatically by theme and polarity; verdicts and trends are derived from "
        "them. Check every quote against the published letter before relying on it._",
        "",
    ]
    return "\n".join(L)


def _md_header(data: dict) -> list[str]:
    """The pack's title and the line saying what it covers, when and from where it was made."""
    from .. import __version__

    tl = data["timeline"]
    L: list[str] = [f"# Inspection-readiness pack: {md(data['la'])}", ""]
    span = f"{tl.visits[0].date or '?'} to {tl.visits[-1].date or '?'}" if tl.visits else "no visits"
    n_visits = f"{len(tl.visits)} Ofsted visit{'' if len(tl.visits) == 1 else 's'}"
    L += [
        f"Ofsted URN {md(data['la_urn'])} · {n_visits}, {md(span)}"
        + (f" · since {md(data['since'])}" if data["since"] else "")
        + f" · generated {data['generated']} by ofsted-mine {__version__}"
        + (f" from {md(data['db'])}" if data["db"] else ""),
        "",
    ]
    return L


def _md_judgements(data: dict) -> list[str]:
    """The improvement journey and the latest inspection's judgements (with the previous ones)."""
    tl = data["timeline"]
    L: list[str] = []
    if tl.journey:
        L += ["**Improvement journey:** " + " → ".join(md(s) for s in tl.journey), ""]
    li, pi = data["latest_inspection"], data["previous_inspection"]
    if li:
        L += [
            f"### Latest judgements ({md(li.label)}" + (f"; previous: {md(pi.label)}" if pi else "") + ")",
            "",
        ]
        keys = [k for k in JUDGEMENT_ORDER if k in li.judgements] + [
            k for k in li.judgements if k not in JUDGEMENT_ORDER
        ]
        rows = [
            [md(JUDGEMENT_LONG.get(k, k)), md(li.judgements[k])]
            + ([md(pi.judgements.get(k) or "—")] if pi else [])
            for k in keys
        ]
        L += _table(["Judgement", "Grade"] + (["Previously"] if pi else []), rows)
    return L


def _md_visit_history(data: dict) -> list[str]:
    """One table row per visit: dates, kind, verdict or judgements, lead inspector, findings."""
    L = ["### Visit history", ""]
    rows = []
    for v in data["timeline"].visits:
        m = data["meta"].get(v.id, {})
        dates = date_range(m.get("start_date") or v.date, m.get("end_date"))
        verdict = (
            judgements_short(v.judgements)
            if v.judgements
            else (verdict_label(v.progress_verdict) or "no headline verdict found")
        )
        rows.append(
            [
                f"**{md(v.label)}** {code(v.id)}",
                md(dates),
                md(m.get("published") or ""),
                md(kind_label(v.kind, m.get("framework"))),
                md(verdict),
                md(m.get("lead_inspector") or ""),
                md(m.get("n_findings", "")),
            ]
        )
    L += (
        _table(
            ["Visit", "Dates", "Published", "Kind", "Verdict / judgements", "Lead inspector", "Findings"],
            rows,
        )
        if rows
        else ["No Ofsted visits are stored for this council.", ""]
    )
    return L


def _md_glance(data: dict, labels: dict) -> list[str]:
    """The themes at a glance: theme names grouped by trend, and what the trend window is."""
    tl = data["timeline"]
    names = data["theme_names"]
    L = ["### Themes at a glance", ""]
    bt = data["by_trend"]
    if len(data["window"]) < 2 and tl.visits:
        last = tl.visits[-1]
        conc = [t["id"] for t in tl.themes if tl.cells[t["id"]][last.id].verdict == "concern"]
        L.append(
            f"- **Concerns at {md(last.label)}** ({len(conc)}): "
            + (", ".join(md(names.get(t, t)) for t in conc) or "none")
        )
    for title, ids in (
        ("Persistent concerns", bt.get("persistent", [])),
        ("Emerging or deteriorating", bt.get("deteriorating", []) + bt.get("emerging", [])),
        ("Improving", bt.get("improving", [])),
        ("Resolved", bt.get("resolved", []) + bt.get("consistent_strength", [])),
        (not_examined_title(data), data["not_examined"]),
        ("Not enough evidence for a trend", bt.get("not_enough_evidence", [])),
    ):
        empty = "none"
        if title == not_examined_title(data) and not data["after"]:
            empty = f"no visit since {md(data['baseline'].label)}" if data["baseline"] else "no visits"
        L.append(f"- **{md(title)}** ({len(ids)}): " + (", ".join(md(names.get(t, t)) for t in ids) or empty))
    L.append("")
    if data["window"]:
        L += [
            f"Trends follow the current improvement journey: {md(labels[data['window'][0]]['short'])} to "
            f"{md(labels[data['window'][-1]]['short'])}. “Not examined” means no finding touches the theme "
            "and the visit’s areas covered do not name it — an absent theme is not a resolved one.",
            "",
        ]
    return L


def _md_grid(data: dict) -> list[str]:
    """Themes × visits: one row per theme, a verdict letter and counts per visit, sparkline, trend."""
    tl = data["timeline"]
    L = [
        "## Themes × visits",
        "",
        "C concern, M mixed, S no concerns, N neutral only, 0 in the areas covered but nothing recorded, "
        "– not examined; counts are concern/mixed/strength findings. Sparkline: █ concern, ▄ mixed, "
        "▁ no concerns, · not examined, ○ examined but nothing recorded, – neutral.",
        "",
    ]
    tracks = {t["theme"]: t for t in data["tracks"]}
    rows = []
    for t in tl.themes:
        cells = []
        for v in tl.visits:
            c = tl.cells[t["id"]][v.id]
            n = c.concern + c.mixed + c.strength
            cells.append(
                VERDICT_ABBR.get(c.verdict, "?") + (f" {c.concern}/{c.mixed}/{c.strength}" if n else "")
            )
        tr = tracks[t["id"]]
        rows.append(
            [md(t["name"])]
            + cells
            + [code(sparkline([x["verdict"] for x in tr["visits"]])), md(tr["trend_label"])]
        )
    L += _table(["Theme"] + [md(v.label) for v in tl.visits] + ["Sparkline", "Trend"], rows)
    return L


def _md_theme(tr: dict, data: dict, labels: dict) -> list[str]:
    """One theme's section: its verdict per visit, then the quotes behind each verdict."""
    grp = "Practice priority" if tr.get("group") == "practice_priority" else "Theme"
    spark = code(sparkline([v["verdict"] for v in tr["visits"]]))
    L = [
        f"## {md(tr['name'])} — {md(tr['trend_label'])}",
        "",
        f"_{grp}_ · trend: **{md(tr['trend_label'])}** · sparkline {spark}",
    ]
    wl = [labels[i]["short"] for i in tr.get("trend_window", []) if i in labels]
    if wl:
        L[-1] += f" · trend window {md(wl[0])} to {md(wl[-1])}"
    L.append("")
    rows = [
        [
            md(v["label"]),
            md(VERDICT_TEXT.get(v["verdict"], v["verdict"])),
            str(v["concern"]),
            str(v["mixed"]),
            str(v["strength"]),
            "yes" if v["in_focus"] else ("—" if v["kind"] == "inspection" else "no"),
            "yes" if v.get("in_trend") else "no",
        ]
        for v in tr["visits"]
    ]
    L += _table(["Visit", "Verdict", "Concern", "Mixed", "Strength", "In areas covered", "In trend"], rows)
    for v in tr["visits"]:
        if not v["quotes"]:
            continue
        L += [f"**{md(v['label'])}** ({md(VERDICT_TEXT.get(v['verdict'], v['verdict']))})", ""]
        for q in v["quotes"]:
            L += [
                f"> {md(q.get('text'))}",
                ">",
                f"> — {md(' · '.join(citation_parts(q, data['la'], labels)))} · {code(q.get('visit_id'))} "
                f"_({md(q.get('polarity') or '')})_",
                "",
            ]
    return L


def _md_source(it: dict, labels: dict) -> str:
    """The short label of the visit that made a recommendation."""
    return md(labels.get(it.get("visit_id"), {}).get("short") or it.get("visit_id"))


def _md_followup(data: dict, labels: dict) -> list[str]:
    """The recommendation follow-up: verdicts per later visit, those not yet followed up, evidence."""
    L = ["## Recommendation follow-up", ""]
    fu = data["followup"]
    if fu is None:
        return L + [f"The recommendation follow-up is not available: {md(data['followup_error'])}.", ""]
    if not fu.get("items"):
        return L + [
            "No “what needs to improve” or “areas for priority action” items were found in this council’s "
            "inspections or focused visits.",
            "",
        ]
    later = fu.get("visits", [])
    numbered = list(enumerate(fu["items"], 1))
    followed = [(n, it) for n, it in numbered if it.get("cells")]
    pending = [(n, it) for n, it in numbered if not it.get("cells")]
    if followed:
        L += _md_followup_table(followed, later, labels)
    if pending:
        L += [
            "### Not yet followed up",
            "",
            "No visit has taken place since these recommendations were made.",
            "",
        ]
        L += [f"- R{n}. {md(it.get('text'))} ({_md_source(it, labels)})" for n, it in pending] + [""]
    if followed:
        L += ["### Follow-up evidence", ""]
    L += _md_followup_evidence(followed, later, data, labels)
    return L


def _md_followup_table(followed: list[tuple[int, dict]], later: list[dict], labels: dict) -> list[str]:
    """The followed-up recommendations × later visits: verdict (number of evidence quotes)."""
    rows = []
    for n, it in followed:
        row = [f"R{n}. {md(it.get('text'))} ({_md_source(it, labels)})"]
        for v in later:
            cell = (it.get("cells") or {}).get(v.get("id"))
            row.append(
                md(cell.get("verdict"))
                + (f" ({len(cell.get('evidence') or [])})" if cell.get("evidence") else "")
                if cell
                else "—"
            )
        rows.append(row)
    L = [
        "Verdict per later visit (number of evidence quotes); — the visit came before the recommendation.",
        "",
    ]
    return L + _table(["Recommendation"] + [md(v.get("label") or v.get("id")) for v in later], rows)


def _md_followup_evidence(
    followed: list[tuple[int, dict]], later: list[dict], data: dict, labels: dict
) -> list[str]:
    """Each followed-up recommendation with the cited quotes that decide its verdicts."""
    vlabel = {v.get("id"): v.get("label") for v in later}
    L: list[str] = []
    for n, it in followed:
        L += [f"**R{n}. {md(it.get('text'))}**", ""]
        if not any(c.get("evidence") for c in (it.get("cells") or {}).values()):
            L += ["No later visit has evidence about this recommendation.", ""]
        for vid, cell in (it.get("cells") or {}).items():
            for q in (cell.get("evidence") or [])[:FOLLOWUP_EVIDENCE]:
                sim = q.get("similarity")
                L += [
                    f"> {md(q.get('text'))}",
                    ">",
                    f"> — {md(vlabel.get(vid, vid))} ({md(cell.get('verdict'))}): "
                    f"{md(' · '.join(citation_parts(q, data['la'], labels)))}"
                    + (f" · similarity {sim}" if sim is not None else ""),
                    "",
                ]
    return L


def board_markdown(data: dict) -> str:
    """The board pack (:mod:`ofsted_mine.report.board`) as Markdown: how to read it, where the council
    stands, the open recommendations with their status, the themes at a glance with one cited quote."""
    from .. import __version__

    labels = visit_labels(data)
    tl = data["timeline"]
    L = [f"# Board pack: {md(data['la'])}", ""]
    span = f"{tl.visits[0].date or '?'} to {tl.visits[-1].date or '?'}" if tl.visits else "no visits"
    n_visits = f"{len(tl.visits)} Ofsted visit{'' if len(tl.visits) == 1 else 's'}"
    L += [
        f"Ofsted URN {md(data['la_urn'])} · {n_visits}, "
        f"{md(span)} · generated {data['generated']} by ofsted-mine {__version__}",
        "",
    ]
    legend = ", ".join(f"{VERDICT_ABBR[k]} {VERDICT_TEXT[k]}" for k in VERDICT_TEXT if k in VERDICT_ABBR)
    L += [
        "## How to read this pack",
        "",
        "- Findings are the sentences of Ofsted’s letters and reports, tagged automatically by theme and "
        "polarity; check a quote against the published report (each names it, with its publication date, "
        "section, paragraph and page) before relying on it.",
        f"- A visit’s verdict on a theme weighs that visit’s findings on it; letters: {md(legend)}.",
        "- A trend follows the verdicts over the current improvement journey, its closing inspection "
        "included; “now” is the latest visit that examined the theme.",
        "- The evidence is in the full pack (`ofsted-mine readiness --full`).",
        "",
    ]
    L += ["## Where the council stands", ""]
    if tl.journey:
        L += ["**Improvement journey:** " + " → ".join(md(x) for x in tl.journey), ""]
    li, pi = data["latest_inspection"], data["previous_inspection"]
    if li:
        report = board.report_name(data["meta"].get(li.id, {}), "inspection")
        L += [
            f"**Latest judgements** ({md(li.label)}, {md(report)}"
            + (f"; previous: {md(pi.label)}" if pi else "")
            + ")",
            "",
        ]
        keys = [k for k in JUDGEMENT_ORDER if k in li.judgements] + [
            k for k in li.judgements if k not in JUDGEMENT_ORDER
        ]
        L += _table(
            ["Judgement", "Grade"] + (["Previously"] if pi else []),
            [
                [md(JUDGEMENT_LONG.get(k, k)), md(li.judgements[k])]
                + ([md(pi.judgements.get(k) or "—")] if pi else [])
                for k in keys
            ],
        )
    L += _board_md_recommendations(data, labels)
    L += _board_md_themes(data, labels)
    return "\n".join(L)


def _board_md_recommendations(data: dict, labels: dict) -> list[str]:
    """The board pack's open recommendations: the latest first, with their follow-up status."""

    L = ["## Open recommendations", ""]
    fu = data["followup"]
    if fu is None:
        return L + [f"The recommendation follow-up is not available: {md(data['followup_error'])}.", ""]
    rows, items, earlier = board.open_recommendations(fu)
    rows.sort(key=lambda r: str(labels.get(r[1].get("visit_id"), {}).get("date") or ""), reverse=True)
    shown = rows[: board.BOARD_RECS]
    L += [
        f"{len(rows)} of the current journey’s {len(items)} recommendations are open."
        + (
            f" {earlier} recommendations of earlier improvement journeys were followed up to the "
            "inspection that closed them (see the full pack)."
            if earlier
            else ""
        ),
        "",
    ]
    if shown:
        L += _table(
            ["#", "Recommendation", "Made in", "Latest status"],
            [
                [
                    md(it.get("ref") or f"R{n}"),
                    md(board.clip(it.get("text"), board.REC_CHARS)),
                    md(labels.get(it.get("visit_id"), {}).get("short") or it.get("visit_id")),
                    md(
                        st
                        + (
                            f" ({board.FOLLOWUP_RAG.get(st, ('', ''))[1]})"
                            if st in board.FOLLOWUP_RAG
                            else ""
                        )
                    ),
                ]
                for n, it, st, _ in shown
            ],
        )
    if len(rows) > len(shown):
        L += [
            f"{len(rows) - len(shown)} more open recommendations: see the full pack or "
            f"`ofsted-mine followup --format xlsx`.",
            "",
        ]
    return L


def _board_md_themes(data: dict, labels: dict) -> list[str]:
    """The board pack's themes at a glance: trend, verdict now, verdicts by visit, one cited quote."""

    rows: list[list[str]] = []
    for tr in data["tracks"]:
        verdict, vid = board.now_of(tr)
        q = board.best_quote(tr)
        letters = " ".join(VERDICT_ABBR.get(v.get("verdict"), "?") for v in tr.get("visits") or [])
        ev = (
            f"“{md(board.clip(q.get('text'), board.QUOTE_CHARS))}” — {md(board.cite(q, data, labels))}"
            if q
            else "no finding carries this theme"
        )
        rows.append(
            [
                md(tr["name"]),
                md(tr["trend_label"]),
                (md(VERDICT_TEXT.get(verdict, verdict)) + f" ({md(labels.get(vid, {}).get('short') or '')})")
                if verdict
                else "never examined",
                code(letters),
                ev,
            ]
        )
    return ["## Themes at a glance", ""] + _table(
        ["Theme", "Trend", "Now", "By visit", "Evidence (one quote)"], rows
    )
