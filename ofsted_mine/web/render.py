"""Small HTML pieces used hundreds of times per page (a finding's polarity, its themes, a
verdict, a quote), as Python functions: much faster than Jinja macros on a page of a thousand
findings. Every value passes through :func:`html.escape` (quotes included); the result is
marked safe for the template only once it is built."""

from __future__ import annotations

from html import escape as _esc

from markupsafe import Markup

_PERSON = ' <span class="by">✓ checked by a person</span>'
POLARITY_LABEL = {
    "concern": "concern",
    "mixed": "mixed",
    "strength": "strength",
    "neutral": "neutral",
    None: "untagged",
}


def e(x) -> str:
    """Text escaped for HTML (None as empty)."""
    return _esc("" if x is None else str(x), quote=True)


def _pol(p) -> str:
    return f'<span class="pol pol-{e(p or "none")}">{e(POLARITY_LABEL.get(p, p))}</span>'


def pol(p) -> Markup:
    """A polarity as a labelled badge."""
    return Markup(_pol(p))


def tags(items, names: dict, corrected=None) -> Markup:
    """A finding's themes as a list (a person's marked), and who corrected it last, if anyone."""
    if items:
        lis = []
        for t in items:
            person = t.get("source") == "person"
            mark = _PERSON if person else ""
            name = e(names.get(t["theme"], t["theme"]))
            lis.append(f'<li class="tag{" tag-person" if person else ""}">{name}{mark}</li>')
        out = '<ul class="tags" aria-label="Themes">' + "".join(lis) + "</ul>"
    else:
        out = '<span class="small muted">no theme</span>'
    if corrected:
        last = corrected[-1]
        who, when = e(last.get("who", "")), e(str(last.get("at", ""))[:10])
        out += f' <span class="small">corrected by {who} on {when}</span>'
    return Markup(out)


def verdict(v, labels: dict, letters: dict, text=None, letter=None) -> Markup:
    """A verdict as colour (class), letter and words; ``letter``: the library's own letter, if it
    has one."""
    abbr = e(letter or letters.get(v, v))
    return Markup(
        f'<span class="cell v-{e(v)}"><span class="abbr" aria-hidden="true">{abbr}</span> '
        f"{e(text or labels.get(v, v))}</span>"
    )


def quote(q) -> Markup:
    """A quote (dict or object) with its polarity, citation and a link to it in its document."""
    g = q.get if isinstance(q, dict) else (lambda k, d=None: getattr(q, k, d))
    anchor = f"#f{e(g('finding_id'))}" if g("finding_id") else ""
    section = f" · {e(g('section'))}" if g("section") else ""
    return Markup(
        f'<figure class="quote q-{e(g("polarity") or "none")}"><blockquote>{e(g("text"))}</blockquote>'
        f"<figcaption>{_pol(g('polarity'))} {e(g('citation'))}{section} · "
        f'<a href="/doc/{e(g("visit_id"))}{anchor}">in the letter</a></figcaption></figure>'
    )
