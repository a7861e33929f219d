"""Small HTML pieces used hundreds of times per page (a finding's polarity, its themes, a
verdict, a quote), as Python functions: much faster than Jinja macros on a page of a thousand
findings. Every value passes through :func:`markupsafe.escape`."""
from __future__ import annotations

from markupsafe import Markup, escape

POLARITY_LABEL = {"concern": "concern", "mixed": "mixed", "strength": "strength", "neutral": "neutral", None: "untagged"}


def pol(p) -> Markup:
    return Markup('<span class="pol pol-%s">%s</span>') % (p or "none", POLARITY_LABEL.get(p, p))


def tags(items, names: dict, corrected=None) -> Markup:
    if items:
        lis = []
        for t in items:
            person = t.get("source") == "person"
            lis.append(Markup('<li class="tag%s">%s%s</li>') % (
                " tag-person" if person else "", names.get(t["theme"], t["theme"]),
                Markup(' <span class="by">✓ checked by a person</span>') if person else ""))
        out = Markup('<ul class="tags" aria-label="Themes">') + Markup("").join(lis) + Markup("</ul>")
    else:
        out = Markup('<span class="small muted">no theme</span>')
    if corrected:
        last = corrected[-1]
        out += Markup(' <span class="small">corrected by %s on %s</span>') % (last.get("who", ""), str(last.get("at", ""))[:10])
    return out


def verdict(v, labels: dict, letters: dict, text=None) -> Markup:
    return Markup('<span class="cell v-%s"><span class="abbr" aria-hidden="true">%s</span> %s</span>') % (
        v, letters.get(v, v), text or labels.get(v, v))


def quote(q) -> Markup:
    g = q.get if isinstance(q, dict) else (lambda k, d=None: getattr(q, k, d))
    anchor = f"#f{g('finding_id')}" if g("finding_id") else ""
    section = Markup(" · %s") % g("section") if g("section") else ""
    return Markup('<figure class="quote q-%s"><blockquote>%s</blockquote><figcaption>%s %s%s · '
                  '<a href="/doc/%s%s">in the letter</a></figcaption></figure>') % (
        g("polarity") or "none", g("text"), pol(g("polarity")), g("citation"), section, g("visit_id"), anchor)


__all__ = ["pol", "tags", "verdict", "quote", "escape"]
