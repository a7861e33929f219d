"""The registry of document kinds: the ``DocKind`` declaration, ``register()``, and the questions
the pipeline asks (``detect``, ``by_id``, ``headings_for``…).

This module imports nothing from the pipeline (it is a leaf: ``vocab`` and ``headings`` read it);
the built-in kinds (``ofsted_mine.kinds.<name>``, whose metadata readers call ``ofsted_mine.parse``)
are imported by name on the first question asked of it, as a plug-in loader would. See the
package docstring (``ofsted_mine/kinds/__init__.py``) for what a kind declares.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: no import of the pipeline at run time
    from ..model import Document, Visit

__all__ = [
    "BUILTIN_MODULES",
    "TITLE_ZONE",
    "Detector",
    "DocKind",
    "Match",
    "MetadataReader",
    "all_kinds",
    "by_id",
    "detect",
    "fallback",
    "get",
    "headings_for",
    "kind_aliases",
    "kind_from_site_title",
    "kind_ids",
    "register",
    "section_kinds",
    "title_matches",
    "unregister",
]

#: the modules of the kinds that ship with ofsted-mine, in registration order (this order is
#: the order of ``vocab.DOC_KINDS`` and breaks ties between titles found at the same place)
BUILTIN_MODULES = (
    "monitoring_visit",
    "focused_visit",
    "ilacs_inspection",
    "sif_inspection",
    "other_inspection",
    "jtai",
    "council_paper",
    "unknown",
)

_PACKAGE = __name__.rsplit(".", 1)[0]  # ofsted_mine.kinds

#: a document's title is looked for in this many opening characters of its cleaned text
TITLE_ZONE = 1600


@dataclass(frozen=True)
class Detector:
    """One way to recognise a kind from the opening text of a document.

    ``pattern`` is a regular expression (case-insensitive; a space matches any run of
    white space, so a title broken over lines still matches) searched in the first
    ``TITLE_ZONE`` characters. The earliest match in the text wins (a document's title comes
    before any prose that mentions other kinds); ``score`` breaks ties between matches at
    the same place (higher wins). ``framework`` is the framework a match implies."""

    pattern: str
    score: float = 1.0
    framework: str | None = None

    def compiled(self) -> re.Pattern[str]:
        """The pattern compiled as it is searched."""
        return _compile(self.pattern)


#: reads a kind's metadata: ``(cleaned text, file path, framework) -> Visit``
MetadataReader = Callable[[str, str, "str | None"], "Visit"]


@dataclass(frozen=True)
class Match:
    """Where the title of a kind was found: ``start`` offset, ``score``, implied framework."""

    kind: DocKind
    start: int
    score: float
    framework: str | None


@dataclass
class DocKind:
    """The declaration of one document kind (see the module docstring).

    ``name`` is the registry key (unique); ``kind`` is the stored kind id (several
    declarations may share one, e.g. ILACS and SIF inspections are both ``inspection``,
    told apart by ``framework``). Labels: ``label`` in running text and citations,
    ``short`` in column heads ("MV3 2023-05"), ``abbrev`` in visit ids
    ("eastmere-mv1-2023-05-16").
    """

    name: str
    kind: str
    label: str
    short: str
    abbrev: str
    #: the framework this declaration stands for (``ilacs``/``sif``/``other``), if any
    framework: str | None = None
    #: title phrases that recognise it, each with a score
    detectors: tuple[Detector, ...] = ()
    #: custom recognition, asked after the titles: ``(text, start of the earliest title or
    #: None) -> True`` claims the document (a council paper that quotes a letter's title)
    claims: Callable[[str, int | None], bool] | None = None
    #: reads the metadata (``None``: a bare ``Visit`` of this kind)
    metadata: MetadataReader | None = None
    #: the metadata fields its reader fills (documentation, and what tests check)
    fields: tuple[str, ...] = ()
    #: headings of this kind beyond the shared ones (``headings.SECTION_KINDS``): ``(regex on
    #: the heading as printed, section kind)``; looked up before the shared table
    headings: tuple[tuple[str, str], ...] = ()
    #: ``letter`` (address and salutation before "Dear …", signature after "Yours sincerely"
    #: are not findings), ``report`` (the title block and judgement table before the first
    #: prose paragraph are not findings) or ``plain``
    shape: str = "plain"
    #: the section kind of the text before the first heading
    first_section: str = "opening"
    #: section kinds where Ofsted addresses recommendations to the council (a kind with none is
    #: not followed up: ``vocab.RECOMMENDATION_KINDS``). Which sections hold findings is one rule
    #: for every kind (``vocab.NON_FINDING_SECTIONS``): a kind's headings map onto those section kinds
    recommendation_sections: tuple[str, ...] = ("what_needs_to_improve", "priority_action")
    #: its sentences are Ofsted's findings (False: a council's words, or not recognised)
    ofsted: bool = True
    #: it always opens an improvement journey (a full inspection)
    opens_journey: bool = False
    #: it opens a journey when it sets actions (a focused visit's areas for priority action)
    sets_actions: bool = False
    #: its place in a timeline when dates tie (lower first)
    order: int = 100
    #: what a document of this kind is called after its label ("monitoring visit *letter*",
    #: "inspection *report*"; empty: the label alone)
    noun: str = "letter"
    #: its visits are numbered in their series ("MV3"; the monitoring visits since a judgement)
    numbered: bool = False
    #: work after segmenting, on the whole document (focus areas from its sections…)
    finish: Callable[[Document], None] | None = None
    #: its printed council line is the council's name alone (False: a council paper's line may
    #: hold more words around the name, "Report to Eastmere Council's cabinet")
    strict_council: bool = True
    #: the kind given to documents nothing else claims (exactly one is registered)
    fallback: bool = False
    #: a warning added to every document of this kind (the fallback's "not recognised")
    warning: str | None = None
    #: how Ofsted's website lists a publication of this kind: regexes on the listed title
    #: (lower case); the highest score among the kinds that match wins
    site_titles: tuple[Detector, ...] = ()
    #: other names a user may type for it (``--kind mv``); the id and the name always work
    aliases: tuple[str, ...] = ()
    #: where it came from (the module that registered it)
    module: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, DocKind] = {}
_LOADED = False
_CACHE: dict[str, Any] = {}
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    rx = _PATTERNS.get(pattern)
    if rx is None:
        rx = _PATTERNS[pattern] = re.compile(pattern.replace(" ", r"\s+"), re.I | re.S | re.M)
    return rx


def register(kind: DocKind, *, replace: bool = False) -> DocKind:
    """Add a kind to the registry (returns it, so a module can write ``KIND = register(DocKind(…))``).

    Declarations that share a stored ``kind`` id must agree on its labels and flags. A
    second registration under the same ``name`` is refused unless ``replace``."""
    if kind.name in _REGISTRY and not replace:
        raise ValueError(f"document kind {kind.name!r} is already registered")
    for other in _REGISTRY.values():
        if other.kind == kind.kind and other.name != kind.name:
            same = ("label", "short", "abbrev", "noun", "numbered", "ofsted", "opens_journey", "sets_actions")
            diff = [a for a in same if getattr(other, a) != getattr(kind, a)]
            if diff:
                raise ValueError(
                    f"document kind {kind.name!r} disagrees with {other.name!r} on {', '.join(diff)}"
                )
    if kind.fallback and any(k.fallback for n, k in _REGISTRY.items() if n != kind.name):
        raise ValueError(f"document kind {kind.name!r}: only one fallback kind can be registered")
    _REGISTRY[kind.name] = kind
    _CACHE.clear()
    return kind


def unregister(name: str) -> None:
    """Remove a kind from the registry (tests that register a toy kind clean up with it)."""
    _REGISTRY.pop(name, None)
    _CACHE.clear()


def _load_builtins() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in BUILTIN_MODULES:
        importlib.import_module(f"{_PACKAGE}.{mod}")


def all_kinds() -> list[DocKind]:
    """Every registered declaration, in registration order (built-ins first)."""
    _load_builtins()
    return list(_REGISTRY.values())


def get(name: str) -> DocKind:
    """The declaration registered under ``name``; KeyError names the registered ones."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no document kind {name!r} (registered: {', '.join(_REGISTRY)})") from None


def by_id(kind: str, framework: str | None = None) -> DocKind:
    """The declaration of a stored kind id (and framework, when several share the id).

    An id nobody registered gets the fallback kind: never an error, never silent (the
    fallback's label says "document")."""
    found = [k for k in all_kinds() if k.kind == kind]
    for k in found:
        if framework is not None and k.framework == framework:
            return k
    if found:
        return found[0]
    return fallback()


def fallback() -> DocKind:
    """The kind given to documents that no registered kind recognises."""
    for k in all_kinds():
        if k.fallback:
            return k
    raise LookupError("no fallback document kind is registered")


def kind_ids() -> tuple[str, ...]:
    """The stored kind ids, each once, in registration order."""
    _load_builtins()
    if "ids" not in _CACHE:
        _CACHE["ids"] = tuple(dict.fromkeys(k.kind for k in _REGISTRY.values()))
    return _CACHE["ids"]


def _detectors() -> list[tuple[int, DocKind, Detector, re.Pattern[str]]]:
    _load_builtins()
    if "detectors" not in _CACHE:
        _CACHE["detectors"] = [
            (i, k, d, d.compiled()) for i, k in enumerate(_REGISTRY.values()) for d in k.detectors
        ]
    return _CACHE["detectors"]


def title_matches(text: str) -> list[Match]:
    """Every kind whose title phrase is in the opening of ``text``, best first (the earliest
    in the text; at the same place, the higher score; then registration order)."""
    head = text[:TITLE_ZONE]
    found = []
    for i, k, d, rx in _detectors():
        m = rx.search(head)
        if m:
            found.append(((m.start(), -d.score, i), Match(k, m.start(), d.score, d.framework)))
    return [m for _, m in sorted(found, key=lambda x: x[0])]


def detect(text: str) -> tuple[DocKind, str | None]:
    """The kind of a document and the framework its title implies.

    The earliest title phrase decides, unless a kind with a ``claims`` rule claims the
    document (asked with where that title starts, or None); with no title and no claim,
    the fallback kind (never silent: it carries a warning)."""
    matches = title_matches(text)
    best = matches[0] if matches else None
    for k in all_kinds():
        if k.claims is not None and k.claims(text, best.start if best else None):
            return k, None
    if best is not None:
        return best.kind, best.framework if best.framework is not None else best.kind.framework
    return fallback(), None


def kind_from_site_title(title: str) -> str | None:
    """The stored kind of a publication from the title Ofsted's website lists it under, or None
    when no kind recognises it (the caller says so: never a silent guess)."""
    t = re.sub(r"\s+", " ", title).strip().lower().replace("’", "'")
    best: tuple[float, str] | None = None
    for k in all_kinds():
        for d in k.site_titles:
            if re.search(d.pattern, t) and (best is None or d.score > best[0]):
                best = (d.score, k.kind)
    return best[1] if best else None


def kind_aliases() -> dict[str, str]:
    """Every name a user may give for a kind (its id and its aliases; lower case,
    ``-`` and spaces as ``_``) -> the stored kind id."""
    out: dict[str, str] = {}
    for k in all_kinds():
        for name in (k.kind, *k.aliases):
            out.setdefault(re.sub(r"[\s-]+", "_", name.strip().lower()), k.kind)
    return out


def headings_for(kind: str | None) -> tuple[tuple[str, str], ...]:
    """The headings declared by the kinds with this stored id (their own, looked up before the
    shared table); ``()`` for None or an id nobody declares headings for."""
    if kind is None:
        return ()
    key = "headings:" + kind
    if key not in _CACHE:
        _CACHE[key] = tuple(h for k in all_kinds() if k.kind == kind for h in k.headings)
    return _CACHE[key]


def section_kinds() -> tuple[str, ...]:
    """Every section kind the registered kinds' own headings give (beyond the shared ones)."""
    if "section_kinds" not in _CACHE:
        _CACHE["section_kinds"] = tuple(dict.fromkeys(sk for k in all_kinds() for _, sk in k.headings))
    return _CACHE["section_kinds"]
