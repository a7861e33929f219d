"""The web app's ONE door into the library.

Every page of :mod:`ofsted_mine.web` gets its data through the functions below, and these
only call the library functions the CLI calls (``store.search``, ``analyse.*``,
``report.*``, ``api.ingest``). The web app computes no verdict, trend or count of its own:
when the library changes (the journey model, follow-up statuses and packs of issue 11, the
tag corrections of issue 14), this module is the one place to re-wire.

Functions marked *stand-in* render or store something for which the library has no
function yet; each says what will replace it.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import OfstedMineError
from ..report.formats import QUOTE_FIELDS as _QUOTE_FIELDS  # noqa: E402

#: the kinds a search can filter on (declared by the kinds), Ofsted's first, labelled as in lists
from ..report.labels import KIND as _KIND_LABELS  # noqa: E402
from ..vocab import NON_OFSTED_KINDS, OFSTED_KINDS  # noqa: E402

KINDS = {k: _KIND_LABELS[k] for k in (*OFSTED_KINDS, *NON_OFSTED_KINDS)}
POLARITIES = ("concern", "mixed", "strength", "neutral")
#: the columns of ``ofsted-mine quotes --format csv`` (the download of a search has the same)
QUOTE_FIELDS = list(_QUOTE_FIELDS)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


# ------------------------------------------------------------------ a cache of the library's answers
_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 256  # answers kept per process (a large document's page data is about 1 MB)


def db_state(con: sqlite3.Connection) -> tuple:
    """Changes whenever anything writes to the database (any commit appends to its WAL file;
    a checkpoint rewrites the main file): the key that keeps cached answers honest."""
    from ..store.rows import database_file

    path = database_file(con)
    out: list = [path]
    for p in (path, path + "-wal"):
        try:
            st = os.stat(p)
            out += [st.st_mtime_ns, st.st_size]
        except OSError:
            out += [0, 0]
    return tuple(out)


def cached(fn):
    """Remember ``fn(con, *args)`` until the database changes (the answer is the library's,
    computed once per state of the database, not recomputed per page view)."""

    @functools.wraps(fn)
    def wrapper(con, *args, **kw):
        key = (fn.__name__, args, tuple(sorted(kw.items())), db_state(con))
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        value = fn(con, *args, **kw)
        with _CACHE_LOCK:
            _CACHE[key] = value
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return value

    setattr(wrapper, "uncached", fn)  # noqa: B010  (an attribute functools.wraps' type does not declare)
    return wrapper


class BadRequest(ValueError):
    """A parameter the user can fix (unknown council, theme, malformed date, ...): one line."""


# ------------------------------------------------------------------ database
def open_database(path: str | Path) -> sqlite3.Connection:
    """Open an existing ofsted-mine database for the app's threads (WAL: many readers, one
    writer; corrections write). ``check_database`` has checked it once at start."""
    from ..store.db import open_db

    if not Path(path).exists():
        raise ValueError(f"{path}: no database here")

    try:
        con = open_db(path, create=True, check=False)
    except (
        OfstedMineError
    ):  # e.g. a read-only file: serve it read-only (corrections and ingest will say why they fail)
        con = open_db(path, create=False, check=False)
    from ..store.catalogue import set_busy_timeout

    set_busy_timeout(con, 30000)
    return con


def check_database(path: str | Path) -> str:
    """One line describing the database, or raise ``ValueError`` naming the reason."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ValueError(
            f"{p}: no database here yet; run 'ofsted-mine ingest FILES --db {p}' "
            "(or 'ofsted-mine demo') first"
        )
    if p.is_dir():
        raise ValueError(f"{p}: is a directory, not a database")
    from ..store.catalogue import document_count
    from ..store.db import open_db

    try:
        open_database(p).close()  # migrated first, if an older ofsted-mine made it
        con = open_db(p, create=False)  # then read-only, with the library's integrity checks
        n = document_count(con)
        con.close()
    except OfstedMineError as e:  # not ofsted-mine's, corrupt, newer schema, ...: already one line
        raise ValueError(str(e)) from None
    except (sqlite3.Error, RuntimeError, OSError) as e:
        raise ValueError(f"{p}: cannot open the database: {e}") from None
    return f"{p} ({n} documents)"


# ------------------------------------------------------------------ vocabularies
@cached
def themes(con: sqlite3.Connection) -> list[dict]:
    """The taxonomy in use: ``[{"id", "name", "group"}]`` (as the CLI's ``themes``)."""
    from ..analyse.timeline import load_taxonomy_light

    return load_taxonomy_light(con)


def theme_names(con: sqlite3.Connection) -> dict[str, str]:
    """Theme id -> name, of the taxonomy in use."""
    return {t["id"]: t["name"] for t in themes(con)}


@cached
def section_kinds(con: sqlite3.Connection) -> list[str]:
    """Section kinds stored in this database (for the section filter)."""
    from ..analyse.timeline import NON_FINDING_SECTIONS
    from ..store.catalogue import stored_section_kinds

    return [k for k in stored_section_kinds(con) if k not in NON_FINDING_SECTIONS]


def councils_in_db(con: sqlite3.Connection) -> list[dict]:
    """Councils with stored documents: name, URN, documents, first and last date."""
    from ..store.catalogue import councils_with_documents

    return councils_with_documents(con)


def council(la: str):
    """The council table's entry for a name, alias or URN, else :class:`BadRequest`."""
    from ..councils import find_council

    c = find_council(la or "")
    if not c:
        raise BadRequest(f"unknown council: {la!r}")
    return c


def counts(con: sqlite3.Connection) -> dict:
    """How many documents and findings the database holds."""
    from ..store.catalogue import document_count, finding_count

    return {"documents": document_count(con), "findings": finding_count(con)}


# ------------------------------------------------------------------ search
@dataclass
class SearchParams:
    """The search form's parameters, checked (see :func:`search_params`)."""

    q: str = ""
    la: str = ""
    kind: str = ""
    since: str = ""
    until: str = ""
    theme: tuple = ()
    polarity: str = ""
    section: str = ""
    limit: int = 50

    def empty(self) -> bool:
        """True when nothing is asked for (no words and no filter)."""
        return not (
            self.q.strip()
            or self.la
            or self.kind
            or self.since
            or self.until
            or self.theme
            or self.polarity
            or self.section
        )


def search_params(query: Mapping, theme_ids: Iterable[str], *, limit_max: int = 500) -> SearchParams:
    """Read and check a search's parameters (a query string's multi-dict); raises BadRequest."""
    get = query.get
    getlist = getattr(query, "getlist", lambda k: [v for v in [query.get(k)] if v])
    p = SearchParams(
        q=(get("q") or "").strip()[:500],
        la=(get("la") or "").strip(),
        kind=(get("kind") or "").strip(),
        since=(get("since") or "").strip(),
        until=(get("until") or "").strip(),
        theme=tuple(t for t in getlist("theme") if t),
        polarity=(get("polarity") or "").strip(),
        section=(get("section") or "").strip()[:100],
    )
    try:
        p.limit = max(1, min(limit_max, int(get("limit") or 50)))
    except ValueError:
        raise BadRequest(f"limit must be a number, not {get('limit')!r}") from None
    if p.kind and p.kind not in KINDS:
        raise BadRequest(f"unknown document kind {p.kind!r} (one of: {', '.join(KINDS)})")
    if p.polarity and p.polarity not in POLARITIES:
        raise BadRequest(f"unknown polarity {p.polarity!r} (one of: {', '.join(POLARITIES)})")
    ids = set(theme_ids)
    for t in p.theme:
        if t not in ids:
            raise BadRequest(f"unknown theme {t!r} (see the list of themes)")
    for name in ("since", "until"):
        v = getattr(p, name)
        if v and not _DATE.match(v):
            raise BadRequest(f"{name} must be a date like 2023-05-16 (or 2023-05, 2023), not {v!r}")
        if v:
            try:
                date.fromisoformat(
                    (v + "-01-01")[:10] if len(v) == 4 else (v + "-01")[:10] if len(v) == 7 else v
                )
            except ValueError:
                raise BadRequest(f"{name}: {v!r} is not a real date") from None
    if p.until and len(p.until) < 10:  # "2023" or "2023-05" mean the end of that year or month
        p.until = p.until + ("-12-31" if len(p.until) == 4 else "-31")
    if p.la:
        council(p.la)
    return p


def search(con: sqlite3.Connection, p: SearchParams, *, limit: int | None = -1) -> list:
    """:func:`ofsted_mine.store.search.quotes` (the CLI's ``quotes``) with these parameters."""
    from ..store.search import quotes

    try:
        return quotes(
            con,
            p.q or None,
            la=p.la or None,
            kind=p.kind or None,
            since=p.since or None,
            until=p.until or None,
            section=p.section or None,
            themes=list(p.theme) or None,
            polarity=p.polarity or None,
            limit=p.limit if limit == -1 else limit,
        )
    except ValueError as e:
        raise BadRequest(str(e)) from None


def quote_rows(res: list) -> list[dict]:
    """Rows of a search result as ``quotes --format csv`` writes them."""
    return [x.to_dict() | {"citation": x.citation()} for x in res]


def _cell(v):
    """A spreadsheet cell: the one guard of every CSV and sheet (ofsted_mine.report.csvout)."""
    from ..report.csvout import cell

    return cell(v)


def rows_csv(rows: list[dict], fields: list[str]) -> str:
    """Rows as CSV text, every cell through the formula guard."""
    from ..report.csvout import csv_text  # the one guarded CSV writer

    return csv_text(rows, fields, lineterminator="\r\n")


def rows_xlsx(rows: list[dict], fields: list[str], title: str = "quotes") -> bytes:
    """One sheet, a header row and one row per item (openpyxl write-only mode)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(fields)
    for r in rows:
        ws.append([_cell(r.get(k)) for k in fields])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------ documents
@cached
def document(con: sqlite3.Connection, visit_id: str) -> dict:
    """:func:`ofsted_mine.store.search.get_visit` (the CLI's ``show``), with its findings
    placed under their sections and paragraphs for reading."""
    from ..store.search import get_visit

    try:
        v = get_visit(con, visit_id)
    except KeyError as e:
        raise LookupError(str(e.args[0])) from None
    secs: list[dict[str, Any]] = [dict(s, paragraphs=[]) for s in v["sections"]]
    front: dict[str, Any] = {
        "heading": "",
        "kind": "front",
        "page": 1,
        "start": 0,
        "end": 0,
        "paragraphs": [],
    }
    for f in v["findings"]:
        home = front
        for s in secs:
            if s["start"] <= f["start"] < max(s["end"], s["start"] + 1):
                home = s
                break
        else:
            for s in secs:  # a finding past its heading's recorded end: the last heading before it
                if s["start"] <= f["start"]:
                    home = s
        paras = home["paragraphs"]
        key = f["paragraph"] or f"_{f['seq']}" if not f.get("is_bullet") else f"•{f['seq']}"
        if f["paragraph"] and paras and paras[-1]["key"] == key:
            paras[-1]["findings"].append(f)
        else:
            paras.append({"key": key, "label": f["paragraph"] or "", "findings": [f]})
    v["reading"] = ([front] if front["paragraphs"] else []) + secs
    return v


def original_file(con: sqlite3.Connection, visit_id: str) -> Path | None:
    """The file a visit was read from, if it is still where it was ingested from."""
    from ..store.visits import document_path_of_visit

    path = document_path_of_visit(con, visit_id)
    if path is None:
        raise LookupError(f"no visit with id {visit_id!r}")
    p = Path(path)
    return p if p.is_file() else None


# ------------------------------------------------------------------ councils
def cell_vocabulary() -> tuple[dict, dict]:
    """Cell verdict ids -> (words, letters), as every view shows them."""
    from ..vocab import CELL_LABELS, CELL_LETTERS

    return dict(CELL_LABELS), dict(CELL_LETTERS)


def trend_labels() -> dict:
    """Trend ids -> the words every view uses."""
    from ..vocab import TREND_LABELS

    return dict(TREND_LABELS)


@cached
def council_overview(con: sqlite3.Connection, la: str) -> dict:
    """Visits, the journey and the visits x themes grid: the CLI's ``visits`` and ``timeline``."""
    from ..analyse.timeline import timeline
    from ..store.search import visits

    c = council(la)
    tl = timeline(con, c.urn)
    return {
        "council": c,
        "timeline": tl,
        "visits": visits(con, la=c.urn),
        "journeys": tl.journeys,
        "journey_window": list(tl.window),
    }


@cached
def theme_track(con: sqlite3.Connection, la: str, theme: str, quotes: int = 3) -> dict:
    """The CLI's ``track THEME --la LA``."""
    from ..analyse.timeline import track

    try:
        return track(con, theme, council(la).urn, quotes_per_visit=quotes).to_dict()
    except ValueError as e:
        raise BadRequest(str(e)) from None


@cached
def compare_visits(con: sqlite3.Connection, a: str, b: str) -> dict:
    """The CLI's ``compare A B``."""
    from ..analyse.timeline import compare

    try:
        return compare(con, a, b).to_dict()
    except KeyError as e:
        raise BadRequest(str(e.args[0])) from None


#: follow-up verdicts (today's and issue 11's words) -> the colour class of a cell
FOLLOWUP_VERDICTS = {
    "improved": "strength",
    "still a concern": "concern",
    "mixed": "mixed",
    "not examined": "not_examined",
    "met": "strength",
    "progressing": "mixed",
    "not met": "concern",
    "repeated": "concern",
    "no specific evidence": "neutral",
    "not yet examined": "not_examined",
}


def _supports(fn, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


@cached
def followup(con: sqlite3.Connection, la: str) -> dict:
    """The CLI's ``followup --la LA`` (``--format json``'s shape)."""
    from ..analyse.followup import followup as fu

    return fu(con, council(la).urn).to_dict()


@cached
def benchmark(con: sqlite3.Connection, la: str) -> dict:
    """The CLI's ``benchmark --la LA`` (this council against every other stored council and
    its statistical neighbours; the library has no regional comparison yet)."""
    from ..analyse.benchmark import benchmark as bm

    res = bm(con, council(la).urn)
    return res.to_dict() if hasattr(res, "to_dict") else res


def _via_file(write, suffix: str) -> bytes:
    """Run a library writer into a scratch file and return the bytes (the CLI's exact output)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ofsted-mine-web-") as d:
        p = Path(d) / f"out{suffix}"
        write(p)
        return p.read_bytes()


@cached
def pack(con: sqlite3.Connection, la: str, fmt: str = "html", full: bool = False) -> str:
    """The CLI's ``readiness --la LA -o pack.html|pack.md [--full]``: the board pack, or the
    full pack where the library has one (issue 11)."""
    from ..report.html import write_readiness

    urn = council(la).urn
    kw: dict[str, Any] = {"full": full} if _supports(write_readiness, "full") else {}
    return _via_file(lambda p: write_readiness(con, urn, p, **kw), ".md" if fmt == "md" else ".html").decode(
        "utf-8"
    )


def has_full_pack() -> bool:
    """True when the full readiness pack (with the real-report appendix) can be built here."""
    from ..report.html import write_readiness

    return _supports(write_readiness, "full")


ACTION_LOG_FIELDS = [
    "recommendation",
    "made at",
    "section",
    "themes",
    "latest visit",
    "latest status",
    "evidence",
    "owner",
    "action",
    "due date",
]


@cached
def action_log_xlsx(con: sqlite3.Connection, la: str) -> bytes:
    """The CLI's ``followup --la LA --format xlsx -o log.xlsx`` (issue 11) where the library has
    it; until then a *stand-in*: the follow-up result, one row per recommendation, rendered as
    it stands (no verdict computed here), with empty owner / action / due-date columns."""
    writer: Any
    try:
        from ..report.actionlog import write_action_log as writer
    except ImportError:
        writer = None
    if writer is not None:
        from ..analyse.followup import followup as fu

        res = fu(con, council(la).urn)
        names = theme_names(con)
        return _via_file(lambda p: writer(res, p, "xlsx", names), ".xlsx")
    res = followup(con, la)
    rows = []
    for it in res["items"]:
        cells = [(v["label"], it["cells"][v["id"]]) for v in res["visits"] if v["id"] in it["cells"]]
        last = cells[-1] if cells else None
        rows.append(
            {
                "recommendation": it["text"],
                "made at": it["visit_id"],
                "section": it["section"],
                "themes": ", ".join(it["themes"]),
                "latest visit": last[0] if last else "",
                "latest status": last[1]["verdict"] if last else "not yet examined",
                "evidence": "; ".join(e["citation"] for e in last[1]["evidence"]) if last else "",
                "owner": "",
                "action": "",
                "due date": "",
            }
        )
    return rows_xlsx(rows, ACTION_LOG_FIELDS, title="action log")


# ------------------------------------------------------------------ ingest
def ingest(paths: list[str], db: str | Path, progress: Callable[[str, str], None]):
    """The CLI's ``ingest``: one process (the server's), files in order, per-file errors in words."""
    from ..api import ingest as api_ingest

    return api_ingest(paths, db, workers=1, progress=progress)


def warm_up() -> None:
    """Import what the first follow-up page would otherwise wait for (scikit-learn: ~2 s)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401
    from sklearn.metrics.pairwise import cosine_similarity  # noqa: F401

    from ..analyse import followup  # noqa: F401


SUPPORTED_UPLOADS = (".pdf", ".html", ".htm", ".txt", ".text", ".md")
