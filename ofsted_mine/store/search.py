"""Queries over the store: visits, one visit in full, and evidence quotes (FTS5 + filters).

Nothing here imports spaCy, scikit-learn or the PDF stack: the query path stays fast.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..errors import UsageError

_TOKEN = re.compile(r"[\w’']+", re.UNICODE)


#: bounds on a query (a word repeated thousands of times must not take seconds): the text's
#: length, distinct terms after de-duplication, words in one phrase, a raw FTS5 query's length
MAX_QUERY_CHARS = 200_000
MAX_QUERY_TERMS = 64
MAX_PHRASE_WORDS = 64
MAX_RAW_QUERY_CHARS = 2_000


class QueryError(UsageError, ValueError):
    """A query too long or with too many terms (one line; a ValueError for older callers)."""


def fts_query(text: str, raw: bool = False) -> str:
    """Turn a user's words into a safe FTS5 query.

    By default every word must appear (AND), each word quoted so that FTS syntax in the
    input (quotes, brackets, AND/OR/NOT/NEAR, ``*``, ``:``) is treated as text. A phrase in
    double quotes stays a phrase. A word ending in ``*`` is a prefix search. Repeated terms
    count once (``drift drift drift`` is ``drift``); more than ``MAX_QUERY_TERMS`` distinct
    terms, a phrase of more than ``MAX_PHRASE_WORDS`` words or a text longer than
    ``MAX_QUERY_CHARS`` raise :class:`QueryError`. With ``raw=True`` the string (at most
    ``MAX_RAW_QUERY_CHARS``) is passed to FTS5 unchanged (its full syntax; errors are reported).
    """
    if raw:
        if len(text) > MAX_RAW_QUERY_CHARS:
            raise QueryError(
                f"full-text query is {len(text)} characters long; at most {MAX_RAW_QUERY_CHARS} with --fts"
            )
        return text
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters long; at most {MAX_QUERY_CHARS}")
    parts: dict[str, None] = {}  # ordered, de-duplicated
    for m in re.finditer(r'"([^"]+)"|(\S+)', text):
        if m.group(1):
            words = _TOKEN.findall(m.group(1))
            if len(words) > MAX_PHRASE_WORDS:
                raise QueryError(f"a phrase in the query has {len(words)} words; at most {MAX_PHRASE_WORDS}")
            if words:
                parts['"' + " ".join(w.replace("’", "'") for w in words) + '"'] = None
        else:
            tok = m.group(2)
            prefix = tok.endswith("*")
            for w in _TOKEN.findall(tok):
                parts['"' + w.replace("’", "'") + '"' + ("*" if prefix else "")] = None
        if len(parts) > MAX_QUERY_TERMS:
            raise QueryError(
                f"query has more than {MAX_QUERY_TERMS} different words or phrases; "
                f"at most {MAX_QUERY_TERMS} (every one must appear)"
            )
    return " AND ".join(parts)


@dataclass
class Quote:
    """One finding as evidence: its text, where it stands (council, visit, kind, date, section,
    paragraph, page, offsets in the document's text), its search score, polarity and tags."""

    text: str
    visit_id: str
    la: str | None
    la_urn: str | None
    kind: str
    date: str | None
    section: str | None
    section_kind: str | None
    paragraph: str | None
    page: int
    source: str
    score: float
    start: int
    end: int
    finding_id: int
    polarity: str | None = None
    themes: list[str] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    corrected: bool = (
        False  # a person corrected or checked a tag or the polarity (ofsted-mine correct / review)
    )

    def citation(self) -> str:
        """Where the quote stands, for a reader: council, kind of visit and date, paragraph, page."""
        para = (
            f", para {self.paragraph}"
            if self.paragraph and not self.paragraph.startswith("¶")
            else (f", {self.paragraph}" if self.paragraph else "")
        )
        kind = KIND_LABELS.get(self.kind, self.kind)
        return f"{self.la or 'unknown council'}, {kind} {self.date or 'undated'}{para}, p. {self.page}"

    def to_dict(self) -> dict:
        """The quote's fields as a dict (JSON, CSV rows)."""
        return asdict(self)


from ..vocab import KIND_LABELS, NEVER_QUOTED_SECTIONS, NON_FINDING_SECTIONS, NON_OFSTED_KINDS, sql_list  # noqa: E402


def _la_filter(la: str | None, con: sqlite3.Connection | None = None) -> str | None:
    """The stored key (``la_urn``) of a council given by URN, name, alias or slug; a council not
    in the table is found among the stored ones (``con``). Unknown: NotFoundError with the
    closest names."""
    if not la:
        return None
    from .councils import resolve_council

    return resolve_council(la, con).urn


def _parse_json(row: sqlite3.Row, *keys: str) -> dict:
    d = dict(row)
    for k in keys:
        if k in d and isinstance(d[k], str):
            d[k] = json.loads(d[k])
    return d


VISIT_FIELDS = (
    "id",
    "la",
    "la_urn",
    "kind",
    "framework",
    "start_date",
    "end_date",
    "published",
    "visit_number",
    "inadequate_date",
    "lead_inspector",
    "inspectors",
    "focus_areas",
    "judgements",
    "progress_verdict",
    "source",
    "la_name_printed",
    "n_findings",
    "focus_themes",
    "sources",
)


def _sources(con: sqlite3.Connection, visit_key: str | None, visit_id: str) -> list[dict]:
    """Every stored document of a visit, the quoted one first: ``{id, path, format, published, quoted}``."""
    if not visit_key:
        rows = con.execute(
            "SELECT visit_id, path, format, published, quoted FROM documents WHERE visit_id = ?", (visit_id,)
        ).fetchall()
    else:
        rows = con.execute(
            "SELECT visit_id, path, format, published, quoted FROM documents WHERE visit_key = ? "
            "ORDER BY quoted DESC, id",
            (visit_key,),
        ).fetchall()
    return [
        {
            "id": r["visit_id"],
            "path": r["path"],
            "format": r["format"],
            "published": r["published"],
            "quoted": bool(r["quoted"]),
        }
        for r in rows
    ]


def document_filters(
    *,
    la: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    alias: str = "",
    con: sqlite3.Connection | None = None,
) -> tuple[list[str], list]:
    """SQL conditions (and their arguments) on documents: council, kind, date window.
    A document's date is its visit's start date, else its publication date. An unknown kind or
    a malformed date is a UsageError listing what is accepted (never an empty result)."""
    from ..validate import check_date, check_kind

    check_kind(kind)
    check_date(since, "--since")
    check_date(until, "--until")
    p = f"{alias}." if alias else ""
    where, args = [], []
    urn = _la_filter(la, con)
    if urn:
        where.append(f"{p}la_urn = ?")
        args.append(urn)
    if kind:
        where.append(f"{p}kind = ?")
        args.append(kind)
    for op, value in ((">=", since), ("<=", until)):
        if value:
            where.append(f"COALESCE({p}start_date, {p}published) {op} ?")
            args.append(value)
    return where, args


def visits(
    con: sqlite3.Connection,
    *,
    la: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    include_papers: bool = True,
) -> list[dict]:
    """Stored visits, oldest first: one per visit (council + kind + start date), from its quoted
    source; ``sources`` lists every stored document of the visit, the quoted one first."""
    where, args = document_filters(la=la, kind=kind, since=since, until=until, con=con)
    where.append("quoted = 1")
    if not include_papers:
        where.append(f"kind NOT IN {sql_list(NON_OFSTED_KINDS)}")
    sql = (
        "SELECT d.*, (SELECT COUNT(*) FROM findings f WHERE f.doc_id = d.id) AS n_findings FROM documents d"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY la, COALESCE(start_date, published), id"
    )
    out = []
    multi = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT visit_key, COUNT(*) FROM documents GROUP BY visit_key HAVING COUNT(*) > 1"
        )
    }
    for r in con.execute(sql, args):
        d = _parse_json(r, "inspectors", "focus_areas", "judgements", "focus_themes")
        d["id"] = d.pop("visit_id")
        d["source"] = d.pop("path")
        d["sources"] = (
            _sources(con, d.get("visit_key"), d["id"])
            if multi.get(d.get("visit_key"), 0) > 1
            else [
                {
                    "id": d["id"],
                    "path": d["source"],
                    "format": d["format"],
                    "published": d["published"],
                    "quoted": True,
                }
            ]
        )
        out.append({k: d.get(k) for k in VISIT_FIELDS})
    return out


def get_visit(con: sqlite3.Connection, visit_id: str) -> dict:
    """One visit in full: metadata, sections, numbered findings with their tags."""
    row = con.execute(
        "SELECT * FROM documents WHERE visit_id = ? OR CAST(id AS TEXT) = ?", (visit_id, visit_id)
    ).fetchone()
    if not row:
        like = con.execute(
            "SELECT visit_id FROM documents WHERE visit_id LIKE ? ORDER BY visit_id LIMIT 5",
            (f"%{visit_id}%",),
        ).fetchall()
        hint = f" (did you mean: {', '.join(r[0] for r in like)})" if like else ""
        raise KeyError(f"no visit with id {visit_id!r}{hint}")
    d = _parse_json(row, "inspectors", "focus_areas", "judgements", "warnings", "page_starts", "focus_themes")
    d["id"] = d.pop("visit_id")
    d["source"] = d.pop("path")
    d["sources"] = _sources(con, row["visit_key"], d["id"])
    doc_id = row["id"]
    d["sections"] = [
        dict(r)
        for r in con.execute(
            'SELECT heading, kind, page, start, "end" FROM sections WHERE doc_id = ? ORDER BY seq', (doc_id,)
        )
    ]
    tags = _tags_for(con, [r[0] for r in con.execute("SELECT id FROM findings WHERE doc_id=?", (doc_id,))])
    d["findings"] = []
    for r in con.execute("SELECT * FROM findings WHERE doc_id = ? ORDER BY seq", (doc_id,)):
        f = _parse_json(r, "polarity_cues")
        f["tags"] = tags.get(r["id"], [])
        d["findings"].append(f)
    d.pop("text", None)
    return d


def _tags_for(con: sqlite3.Connection, ids: Iterable[int]) -> dict[int, list[dict]]:
    ids = list(ids)
    out: dict[int, list[dict]] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        q = f"SELECT * FROM tags WHERE finding_id IN ({','.join('?' * len(chunk))}) ORDER BY score DESC"
        for r in con.execute(q, chunk):
            t = _parse_json(r, "cues")
            out.setdefault(r["finding_id"], []).append(
                {"theme": t["theme"], "score": round(t["score"], 3), "source": t["source"], "cues": t["cues"]}
            )
    return out


#: the columns of a quote (findings f, documents d)
_COLUMNS = """f.id AS finding_id, f.text, f.page, f.start, f."end", f.section, f.section_kind, f.paragraph,
    f.polarity, f.polarity_source, d.visit_id, d.la, d.la_urn, d.kind, d.path AS source,
    COALESCE(d.start_date, d.published) AS date"""

#: a search for words ranks (bm25) at most this many matching findings, the most recently stored
#: ones: a word in half the findings of a national database ("children", "the") would otherwise
#: rank hundreds of thousands of them for 20 results (seconds). Fewer matches are ranked in full;
#: so is any search narrowed to a council or a visit, and any search without a limit.
RANK_CAP = 20_000
#: a search narrowed to at most this many documents ranks their findings through each
#: document's rowid range (exact, whatever the word)
NARROW_DOCS = 200


class Quotes(list[Quote]):
    """A list of :class:`Quote` (oldest API: a plain list), plus ``capped``: True when the words
    matched more than :data:`RANK_CAP` findings and only the most recently stored
    :data:`RANK_CAP` of them were ranked (say so beside the results)."""

    capped: bool = False

    @property
    def note(self) -> str | None:
        """What a reader must be told beside the results (the ranking was capped), else None."""
        if not self.capped:
            return None
        return (
            f"the words match more than {RANK_CAP:,} findings; the {RANK_CAP:,} most recently stored "
            "were ranked: narrow the search (a council, dates, a theme) to rank every match"
        )


Conditions = tuple[list[str], list]


def _document_conditions(
    con: sqlite3.Connection,
    la: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    include_papers: bool,
    visit_id: str | None,
) -> Conditions:
    """SQL conditions on the documents (alias ``d``) a search may quote, and their arguments."""
    where, args = document_filters(la=la, kind=kind, since=since, until=until, alias="d", con=con)
    if not kind and not include_papers:
        where.append(f"d.kind NOT IN {sql_list(NON_OFSTED_KINDS)}")
    if visit_id:
        where.append("d.visit_id = ?")
        args.append(visit_id)
    else:
        where.append("d.quoted = 1")  # a visit's other sources (copies) are never quoted twice
    return where, args


def _finding_conditions(
    section: str | None, polarity: str | None, themes: list[str] | None, theme_mode: str, min_score: float
) -> Conditions:
    """SQL conditions on the findings (alias ``f``) a search may quote, and their arguments.
    Letter headers, signatures and Ofsted's back matter are never quotes; the opening paragraph
    and the list of areas covered are context, returned only when that section is asked for."""
    where = [
        f"f.section_kind NOT IN {sql_list(NEVER_QUOTED_SECTIONS)}"
        if section
        else f"f.section_kind NOT IN {sql_list(NON_FINDING_SECTIONS)}"
    ]
    args: list = []
    if section:
        where.append("(f.section_kind = ? OR f.section LIKE ?)")
        args += [section, f"%{section}%"]
    if polarity:
        where.append("f.polarity = ?")
        args.append(polarity)
    if themes:
        tag = "EXISTS (SELECT 1 FROM tags t WHERE t.finding_id = f.id AND t.theme {} AND t.score >= ?)"
        if theme_mode == "all":
            for t in themes:
                where.append(tag.format("= ?"))
                args += [t, min_score]
        else:
            where.append(tag.format(f"IN ({','.join('?' * len(themes))})"))
            args += [*themes, min_score]
    return where, args


def _ranked(
    con: sqlite3.Connection, q: str, docs: Conditions, finds: Conditions, limit: int, *, narrow: bool
) -> tuple[list, bool]:
    """``(rows, capped)``: the ``limit`` best-ranked (bm25) findings matching the FTS5 query ``q`` and the
    conditions: over the finding-id ranges of a council's or a visit's documents (``narrow``);
    over every match when they are at most :data:`RANK_CAP`; else over the :data:`RANK_CAP`
    most recently stored matches (FTS5 walks its index in rowid order and stops there)."""
    ranges = _doc_ranges(con, docs) if narrow else None
    cond = " AND ".join(["findings_fts MATCH ?", *docs[0], *finds[0]])
    args = [q, *docs[1], *finds[1]]
    base = (
        "SELECT f.id AS fid, -bm25(findings_fts) AS score, COALESCE(d.start_date, d.published) AS day "
        "FROM findings_fts "
        f"JOIN findings f ON f.id = findings_fts.rowid JOIN documents d ON d.id = f.doc_id WHERE {cond}"
    )
    if ranges is not None:
        if not ranges:
            return [], False
        spans = " UNION ALL ".join(f"{base} AND findings_fts.rowid BETWEEN ? AND ?" for _ in ranges)
        inner = f"SELECT *, 0 AS n FROM ({spans})"
        inner_args = [a for lo_hi in ranges for a in (*args, *lo_hi)]
    elif _matches(con, q) <= RANK_CAP:
        inner, inner_args = f"SELECT *, 0 AS n FROM ({base})", args
    else:  # n: how many candidates there were (RANK_CAP + 1: more than were ranked)
        newest = f"{base} ORDER BY findings_fts.rowid DESC LIMIT {RANK_CAP + 1}"
        inner, inner_args = f"SELECT *, COUNT(*) OVER () AS n FROM ({newest})", args
    # rank the candidates on their own (id, score, date), then read the best ``limit`` in full
    rows = con.execute(
        f"SELECT {_COLUMNS}, c.score AS score, c.n AS n FROM "
        f"({inner} ORDER BY score DESC, day DESC LIMIT {limit}) c "
        "JOIN findings f ON f.id = c.fid JOIN documents d ON d.id = f.doc_id "
        "ORDER BY c.score DESC, c.day DESC",
        inner_args,
    ).fetchall()
    return rows, bool(rows) and rows[0]["n"] > RANK_CAP


def _matches(con: sqlite3.Connection, q: str) -> int:
    """How many findings the FTS5 query matches, filters apart (cheap: FTS5 counts doclists)."""
    return con.execute("SELECT COUNT(*) FROM findings_fts WHERE findings_fts MATCH ?", (q,)).fetchone()[0]


def _doc_ranges(con: sqlite3.Connection, docs: Conditions) -> list[tuple[int, int]] | None:
    """The finding-id ranges (one per document, neighbours merged) of the documents the
    conditions select; None when they are more than :data:`NARROW_DOCS`."""
    where = " AND ".join(docs[0]) or "1"
    ids = [r[0] for r in con.execute(f"SELECT d.id FROM documents d WHERE {where}", docs[1])]
    if len(ids) > NARROW_DOCS:
        return None
    spans = sorted(
        (r[0], r[1])
        for i in ids
        for r in con.execute("SELECT MIN(id), MAX(id) FROM findings WHERE doc_id = ?", (i,))
        if r[0] is not None
    )
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _newest(con: sqlite3.Connection, docs: Conditions, finds: Conditions, limit: int) -> list:
    """The first ``limit`` findings matching the conditions (no words), newest document first,
    then by document and reading order: the documents are visited in that order in growing
    batches, so a common filter stops after the first few documents."""
    where = " AND ".join(docs[0]) or "1"
    ids = [
        r[0]
        for r in con.execute(
            f"SELECT d.id FROM documents d WHERE {where} "
            "ORDER BY COALESCE(d.start_date, d.published) DESC, d.id",
            docs[1],
        )
    ]
    cond = " AND ".join(finds[0]) or "1"
    out: list = []
    i, batch = 0, 16
    while i < len(ids) and len(out) < limit:
        chunk = ids[i : i + batch]
        i += batch
        batch = min(batch * 4, 900)
        out += con.execute(
            f"SELECT {_COLUMNS}, 0.0 AS score FROM findings f JOIN documents d ON d.id = f.doc_id "
            f"WHERE f.doc_id IN ({','.join('?' * len(chunk))}) AND {cond} "
            f"ORDER BY date DESC, f.doc_id, f.seq LIMIT {limit - len(out)}",
            [*chunk, *finds[1]],
        ).fetchall()
    return out


def _all(con: sqlite3.Connection, q: str | None, where: list[str], args: list) -> list:
    """Every finding matching the conditions (and the FTS5 query ``q``, ranked by bm25)."""
    if q:
        return con.execute(
            f"SELECT {_COLUMNS}, -bm25(findings_fts) AS score FROM findings f "
            "JOIN documents d ON d.id = f.doc_id JOIN findings_fts ON findings_fts.rowid = f.id "
            f"WHERE {' AND '.join(['findings_fts MATCH ?', *where])} ORDER BY score DESC, date DESC",
            [q, *args],
        ).fetchall()
    return con.execute(
        f"SELECT {_COLUMNS}, 0.0 AS score FROM findings f JOIN documents d ON d.id = f.doc_id "
        f"WHERE {' AND '.join(where) or '1'} ORDER BY date DESC, f.doc_id, f.seq",
        args,
    ).fetchall()


def quotes(
    con: sqlite3.Connection,
    text: str | None = None,
    *,
    la: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    section: str | None = None,
    themes: list[str] | None = None,
    theme_mode: str = "any",
    polarity: str | None = None,
    min_score: float = 0.0,
    limit: int | None = 20,
    raw_fts: bool = False,
    include_papers: bool = False,
    visit_id: str | None = None,
) -> Quotes:
    """Evidence quotes: findings matching the words (FTS5, ranked by bm25) and the filters.

    ``themes``: findings tagged with any (``theme_mode="any"``, OR) or all (``"all"``, AND) of
    them, each tag scoring at least ``min_score``. Council papers and unknown documents are
    never quoted as Ofsted findings unless ``include_papers`` is set. Letter headers,
    closings and Ofsted's back matter are not findings and are never returned; a letter's
    opening paragraph and its list of areas covered only when ``section`` asks for them.
    """
    from ..validate import check_polarity, check_themes
    from .settings import known_themes

    check_polarity(polarity)
    if themes:
        check_themes(themes, known_themes(con))
    q = fts_query(text, raw_fts) if text and text.strip() else None
    if q == "":
        return Quotes()
    dwhere, dargs = _document_conditions(con, la, kind, since, until, include_papers, visit_id)
    fwhere, fargs = _finding_conditions(section, polarity, themes, theme_mode, min_score)
    rows: list
    capped = False
    try:
        if q and limit:
            rows, capped = _ranked(
                con, q, (dwhere, dargs), (fwhere, fargs), int(limit), narrow=bool(la or visit_id)
            )
        elif limit:
            rows = _newest(con, (dwhere, dargs), (fwhere, fargs), int(limit))
        else:
            rows = _all(con, q, dwhere + fwhere, dargs + fargs)
    except sqlite3.OperationalError as e:
        if raw_fts:
            raise ValueError(f"invalid full-text query {text!r}: {e}") from None
        raise
    tags = _tags_for(con, [r["finding_id"] for r in rows])
    out = Quotes()
    out.capped = capped
    for r in rows:
        t = tags.get(r["finding_id"], [])
        out.append(
            Quote(
                text=r["text"],
                visit_id=r["visit_id"],
                la=r["la"],
                la_urn=r["la_urn"],
                kind=r["kind"],
                date=r["date"],
                section=r["section"],
                section_kind=r["section_kind"],
                paragraph=r["paragraph"],
                page=r["page"],
                source=r["source"],
                score=round(float(r["score"]), 3),
                start=r["start"],
                end=r["end"],
                finding_id=r["finding_id"],
                polarity=r["polarity"],
                themes=[x["theme"] for x in t],
                tags=t,
                corrected=r["polarity_source"] == "person" or any(x["source"] == "person" for x in t),
            )
        )
    return out
