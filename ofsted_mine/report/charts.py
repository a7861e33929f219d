"""Small inline SVG charts for the readiness pack, built by hand (no matplotlib, no fonts
embedded, no external files): a few kilobytes each, crisp on screen and in print.

The trajectory chart shows one theme across a council's visits: per visit a 100% bar of the
shares of concern / mixed / strength findings, and an outline for visits that did not examine
the theme. The three polarities differ in lightness *and* texture (dark solid, hatched, light
solid) so the chart still reads when printed in greyscale.
"""

from __future__ import annotations

import itertools
from html import escape

# colour, and a darker stroke for the hatching / outline; lightness: concern < mixed < strength
COLOURS = {
    "concern": ("#b2182b", "#7a0f1d"),
    "mixed": ("#f0b44c", "#9a5f06"),
    "strength": ("#b9e0b1", "#3d7f36"),
    "neutral": ("#d9d9d9", "#8c8c8c"),
}
VERDICT_ABBR = {
    "concern": "C",
    "mixed": "M",
    "mostly_strength": "s",
    "too_little": "?",
    "strength": "S",
    "neutral": "N",
    "examined_silent": "0",
    "not_examined": "n/e",
}

_ids = itertools.count(1)


def _e(x) -> str:
    return escape("" if x is None else str(x), quote=True)


def _legend_defs(uid: str) -> str:
    edge = COLOURS["mixed"][1]
    return (
        f'<defs><pattern id="{uid}h" width="5" height="5" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="5" height="5" fill="{COLOURS["mixed"][0]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{edge}" stroke-width="1.6"/></pattern></defs>'
    )


def _fill(pol: str, uid: str) -> str:
    return f"url(#{uid}h)" if pol == "mixed" else COLOURS[pol][0]


def trajectory_svg(columns: list[dict], *, title: str = "", width: int | None = None) -> str:
    """One theme across visits: per visit a 100% bar of its concern / mixed / strength findings.

    ``columns``: one dict per visit in date order with ``label`` (e.g. "MV3 2022-10"),
    ``concern``, ``mixed``, ``strength`` (and ``neutral``) counts, ``verdict`` and ``in_trend``
    (visits outside the trend window are drawn paler). Bars show shares, so a short
    monitoring letter weighs as much as a long inspection report; the number above each bar
    is how many findings it rests on. Visits that did not examine the theme get a dashed
    outline. Returns an ``<svg>`` element.
    """
    uid = f"c{next(_ids)}"
    n = max(1, len(columns))
    col_w = 46
    left, right, top, bottom = 30, 8, 14, 40
    plot_h = 84
    w = width or (left + right + n * col_w)
    h = top + plot_h + bottom
    base = top + plot_h
    zoom = 1.25  # drawn in small units, shown a little larger
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w * zoom:.0f}" '
        f'height="{h * zoom:.0f}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="{_e(title or "trajectory across visits")}">'
    ]
    if title:
        out.append(f"<title>{_e(title)}</title>")
    out.append(_legend_defs(uid))
    for frac in (0, 0.5, 1):
        y = base - frac * plot_h
        out.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" '
            f'stroke-width="{1 if frac == 0 else 0.5}"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="8" fill="#666">'
            f"{int(frac * 100)}%</text>"
        )
    for i, c in enumerate(columns):
        x0 = left + i * col_w + 9
        bw = col_w - 18
        cx = x0 + bw / 2
        op = "" if c.get("in_trend", True) else ' opacity="0.45"'
        out.append(f"<g{op}>")
        judged = sum(int(c.get(p, 0) or 0) for p in ("concern", "mixed", "strength"))
        verdict = c.get("verdict", "")
        if judged == 0:
            dash = "2,2" if verdict == "not_examined" else "1,1.5"
            word = {"not_examined": "n/e", "neutral": "neutral", "examined_silent": "none"}.get(verdict, "")
            out.append(
                f'<rect x="{x0}" y="{base - 18}" width="{bw}" height="18" fill="none" stroke="#9a9a9a" '
                f'stroke-dasharray="{dash}"/>'
            )
            out.append(
                f'<text x="{cx:.1f}" y="{base - 6}" text-anchor="middle" font-size="7.5" fill="#595959">'
                f"{word}</text>"
            )
        else:
            y = float(base)
            for pol in ("concern", "mixed", "strength"):
                k = int(c.get(pol, 0) or 0)
                if not k:
                    continue
                hh = plot_h * k / judged
                y -= hh
                out.append(
                    f'<rect x="{x0}" y="{y:.1f}" width="{bw}" height="{hh:.1f}" fill="{_fill(pol, uid)}" '
                    f'stroke="{COLOURS[pol][1]}" stroke-width="0.6"><title>{k} {pol}</title></rect>'
                )
            out.append(
                f'<text x="{cx:.1f}" y="{top - 3}" text-anchor="middle" font-size="8" fill="#444">'
                f"n={judged}</text>"
            )
        label = str(c.get("label", ""))
        first, _, rest = label.partition(" ")
        out.append(
            f'<text x="{cx:.1f}" y="{base + 11}" text-anchor="middle" font-size="8.5" font-weight="600" '
            f'fill="#222">{_e(first)}</text>'
        )
        out.append(
            f'<text x="{cx:.1f}" y="{base + 21}" text-anchor="middle" font-size="7.5" '
            f'fill="#555">{_e(rest)}</text>'
        )
        abbr = VERDICT_ABBR.get(verdict, "")
        if abbr:
            out.append(
                f'<text x="{cx:.1f}" y="{base + 33}" text-anchor="middle" font-size="8" '
                f'font-weight="700" fill="{_verdict_ink(verdict)}">{_e(abbr)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _verdict_ink(v: str) -> str:
    return {"concern": "#7a0f1d", "mixed": "#8a5200", "strength": "#2f6b29"}.get(v, "#595959")


def legend_svg() -> str:
    """The key to the trajectory charts (one small SVG)."""
    uid = f"c{next(_ids)}"
    items = [("concern", "concern"), ("mixed", "mixed"), ("strength", "strength")]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="400" height="16" viewBox="0 0 400 16" '
        'role="img" aria-label="chart key">',
        _legend_defs(uid),
    ]
    x = 0
    for pol, lab in items:
        out.append(
            f'<rect x="{x}" y="3" width="11" height="10" fill="{_fill(pol, uid)}" stroke="{COLOURS[pol][1]}" '
            f'stroke-width="0.6"/><text x="{x + 15}" y="12" font-size="10" fill="#333">{lab} findings</text>'
        )
        x += 95
    out.append(
        f'<rect x="{x}" y="3" width="11" height="10" fill="none" stroke="#9a9a9a" stroke-dasharray="2,2"/>'
        f'<text x="{x + 15}" y="12" font-size="10" fill="#333">not examined (n/e)</text>'
    )
    out.append("</svg>")
    return "".join(out)


SPARK = {
    "concern": "█",
    "mixed": "▄",
    "mostly_strength": "▂",
    "strength": "▁",
    "too_little": "?",
    "neutral": "–",
    "examined_silent": "○",
    "not_examined": "·",
}


def sparkline(verdicts: list[str]) -> str:
    """A text sparkline of cell verdicts: █ concern, ▄ mixed, ▁ strength, · not examined,
    ○ examined, nothing found."""
    return "".join(SPARK.get(v, "?") for v in verdicts)
