"""The shape of the package, checked from its source (AST only: nothing is imported, so this is fast).

The stages, earliest first (a module may import its own stage and earlier ones, never a later one)::

    leaf (0)  errors, vocab, validate, resources, display, model, headings, councils, data/
    read (1)  ofsted_mine/read/
    parse (2) ofsted_mine/parse/ and the kind modules of ofsted_mine/kinds/ (kinds/registry.py and
              kinds/__init__.py are leaves: vocab and headings read the registry)
    tag (3)   ofsted_mine/tag/ (but tag/corrections, review, incontext: pipeline, they work on a
              stored database)
    store (4) ofsted_mine/store/            -- the only place that runs SQL
    pipeline (5) api, ingestion/ingest_worker, fetch/, evaluate_cite/meta/recs
    analyse (6) ofsted_mine/analyse/
    report (7)  ofsted_mine/report/
    front (8)   cli (module or package), cli_*, fetch_cli, web/
    facade (9)  ofsted_mine/__init__.py (the public names; importing ``__version__`` from it is
                allowed everywhere: it is metadata, not code)

The README's "Architecture" section states the same order.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "ofsted_mine"
MAX_LINES = 600
SQL_CALLS = {"execute", "executemany", "executescript"}

STAGES = ["leaf", "read", "parse", "tag", "store", "pipeline", "analyse", "report", "front", "facade"]
#: where each top-level part of the package sits (a package: all its modules)
PLACE = {
    "errors": "leaf",
    "vocab": "leaf",
    "validate": "leaf",
    "resources": "leaf",
    "display": "leaf",
    "model": "leaf",
    "headings": "leaf",
    "councils": "leaf",
    "data": "leaf",
    "read": "read",
    "parse": "parse",
    "kinds": "parse",
    "tag": "tag",
    "store": "store",
    "api": "pipeline",
    "ingest": "pipeline",
    "ingestion": "pipeline",
    "ingest_worker": "pipeline",
    "fetch": "pipeline",
    "evaluate_cite": "pipeline",
    "evaluate_meta": "pipeline",
    "evaluate_recs": "pipeline",
    "analyse": "analyse",
    "report": "report",
    "cli": "front",
    "cli_options": "front",
    "cli_reports": "front",
    "cli_tags": "front",
    "fetch_cli": "front",
    "web": "front",
    "__init__": "facade",
    # tag workflows over a stored database (people's corrections, the review queue, evaluation
    # in context) run after the store, whatever folder they live in
    "tag.corrections": "pipeline",
    "tag.review": "pipeline",
    "tag.incontext": "pipeline",
    "tag.training_policy": "pipeline",
    # the kinds' registry is read by vocab and headings (leaves); the kind modules parse
    "kinds.__init__": "leaf",
    "kinds.registry": "leaf",
}


@dataclass(frozen=True)
class Module:
    """One source file of the package: its dotted name, path and parsed tree."""

    name: str  # e.g. "ofsted_mine.store.db"; a package's __init__ is the package's name
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        """True for an ``__init__.py``."""
        return self.path.name == "__init__.py"

    @property
    def part(self) -> str:
        """The top-level part it belongs to (``store``, ``cli``, ``__init__`` for the root)."""
        rest = self.name.split(".")[1:]
        return rest[0] if rest else "__init__"

    @property
    def rel(self) -> str:
        """Its path relative to the checkout, for messages."""
        return str(self.path.relative_to(ROOT))


@cache
def modules() -> dict[str, Module]:
    """Every module of the package by dotted name."""
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        out[name] = Module(name, p, ast.parse(p.read_text(encoding="utf-8"), str(p)))
    return out


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (they do not run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for n in ast.walk(sub):
                    lines.add(getattr(n, "lineno", -1))
    return lines


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``names`` from ``target`` (at ``line``)."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int


def _absolute(mod: Module, node: ast.ImportFrom) -> str:
    """The absolute module name an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    base = mod.name.split(".")
    if not mod.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def edges(mod: Module) -> Iterator[Edge]:
    """The package-internal imports of one module (lazy imports in functions included; imports
    under ``if TYPE_CHECKING:`` left out). ``from pkg import sub`` points at the sub-module."""
    known = modules()
    skip = _type_checking_only(mod.tree)
    for node in ast.walk(mod.tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("ofsted_mine") and a.name in known:
                    yield Edge(mod.name, a.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(mod, node)
            if not target.startswith("ofsted_mine"):
                continue
            plain = []
            for a in node.names:
                if f"{target}.{a.name}" in known:
                    yield Edge(mod.name, f"{target}.{a.name}", (), node.lineno)
                else:
                    plain.append(a.name)
            if plain and target in known:
                yield Edge(mod.name, target, tuple(plain), node.lineno)


def _is_version_only(e: Edge) -> bool:
    return e.target == "ofsted_mine" and set(e.names) <= {"__version__"}


def all_edges() -> list[Edge]:
    """Every package-internal import that couples two modules."""
    return [e for m in modules().values() for e in edges(m) if not _is_version_only(e)]


def _stage(name: str) -> int:
    m = modules()[name]
    part, rel = m.part, name.removeprefix("ofsted_mine.")
    place = PLACE.get(rel + ".__init__") if m.is_package else None
    place = place or PLACE.get(rel, PLACE.get(part))
    if place is None:
        pytest.fail(
            f"{modules()[name].rel}: top-level part {part!r} has no stage: add it to PLACE in "
            "tests/test_architecture.py and to the README's Architecture section"
        )
    return STAGES.index(place)


# ---------------------------------------------------------------- the checks
def test_sql_only_in_store():
    """Every query runs inside ofsted_mine/store/ (the one boundary a second backend replaces)."""
    found = []
    for m in modules().values():
        if m.name.startswith("ofsted_mine.store"):
            continue
        for node in ast.walk(m.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
            ):
                found.append(f"{m.rel}:{node.lineno}: .{node.func.attr}(")
    assert not found, "SQL outside ofsted_mine/store/:\n" + "\n".join(sorted(found))


def test_no_module_imports_a_later_stage():
    """read < parse < tag < store < pipeline < analyse < report < front: never the reverse."""
    bad = []
    for e in all_edges():
        s, t = _stage(e.source), _stage(e.target)
        if t > s:
            bad.append(
                f"{modules()[e.source].rel}:{e.line}: {STAGES[s]} module imports {e.target} ({STAGES[t]})"
            )
    assert not bad, "imports reaching a later stage:\n" + "\n".join(sorted(bad))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_cycles_finder_finds_a_cycle():
    """The cycle finder itself: a -> b -> c -> a is one cycle, d alone is none."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    """No two modules of the package import each other, directly or round a loop (lazy imports
    inside functions count: they hide a cycle rather than remove it)."""
    graph: dict[str, set[str]] = {n: set() for n in modules()}
    for e in all_edges():
        if e.source != e.target:
            graph[e.source].add(e.target)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_over_600_lines():
    """Every module stays readable in one sitting."""
    long = []
    for m in modules().values():
        n = len(m.path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            long.append(f"{m.rel}: {n} lines")
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


def _package(name: str) -> str:
    """The package a module belongs to: its parent, or itself for a package's __init__."""
    m = modules()[name]
    return name if m.is_package else name.rpartition(".")[0]


def test_no_private_name_imported_across_packages():
    """``_x`` names are private to their package: another package asks for a public name."""
    bad = []
    for e in all_edges():
        if _package(e.source) == _package(e.target):
            continue
        for n in e.names:
            if n.startswith("_") and not n.startswith("__"):
                bad.append(f"{modules()[e.source].rel}:{e.line}: imports {n} from {e.target}")
    assert not bad, "private names imported across packages:\n" + "\n".join(sorted(bad))


def test_every_part_has_a_stage():
    """A new top-level module or package must be placed (here and in the README)."""
    missing = sorted({m.part for m in modules().values()} - set(PLACE))
    assert not missing, f"give these a stage in PLACE: {missing}"


def test_the_checks_see_the_package():
    """The checks read real source: the store is found, runs SQL, and is imported by analyses."""
    mods = modules()
    assert "ofsted_mine.store.db" in mods and "ofsted_mine.analyse.timeline" in mods
    assert any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "execute"
        for n in ast.walk(mods["ofsted_mine.store.db"].tree)
    )
    assert any(e.target.startswith("ofsted_mine.store") for e in edges(mods["ofsted_mine.analyse.timeline"]))


def _architecture_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Architecture")
    end = readme.index("\n## ", start + 5)
    return readme[start:end]


def test_readme_architecture_names_every_module_of_the_tree():
    """The README's Architecture section matches the tree: every package and top-level module
    of ``ofsted_mine`` is named there (as `name/` or `name.py`), and every `ofsted_mine`
    module file it names in its table exists."""
    section = _architecture_section()
    missing = []
    for p in sorted(PKG.iterdir()):
        if p.name.startswith(("_", ".")) or p.name in ("bundled", "data"):
            continue
        if p.is_dir() and (p / "__init__.py").exists():
            if f"`{p.name}/`" not in section:
                missing.append(f"{p.name}/")
        elif p.suffix == ".py" and f"`{p.name}`" not in section:
            missing.append(p.name)
    assert not missing, "not in the README's Architecture section: " + ", ".join(missing)
    # every `x.py` the table names exists somewhere in the package (no stale rows)
    names = set(re.findall(r"`([a-z_]+\.py)`", section))
    files = {p.name for p in PKG.rglob("*.py")} | {"setup.py"}
    stale = sorted(names - files)
    assert not stale, "the README's Architecture section names files that do not exist: " + ", ".join(stale)


def test_the_public_api_is_small_listed_and_documented():
    """``import ofsted_mine as om``: every name in ``__all__`` resolves and has a docstring,
    and importing the package loads none of the heavy libraries (they load on first use)."""
    import subprocess
    import sys

    code = (
        "import sys, ofsted_mine as om\n"
        "heavy = [m for m in ('spacy', 'sklearn', 'pypdfium2', 'numpy', 'httpx', 'starlette')\n"
        "         if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "undocumented = [n for n in om.__all__\n"
        "                if n != '__version__' and not (getattr(om, n).__doc__ or '').strip()]\n"
        "print(','.join(undocumented))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy, undocumented = out.split("\n")[:2]
    assert heavy == "", f"import ofsted_mine loads {heavy}"
    assert undocumented == "", f"public names without a docstring: {undocumented}"
