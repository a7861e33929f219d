"""The public Python API. Every CLI command is a thin layer over one of these functions.

>>> import ofsted_mine as om
>>> result = om.ingest(["corpus/pdf"], db="qa.db")
>>> con = om.open_db("qa.db")
>>> om.visits(con, la="Wyvern Vale")
>>> om.quotes(con, "management oversight", la="Wyvern Vale", limit=5)
"""

from __future__ import annotations

from pathlib import Path

from .ingestion import IngestResult, expand_paths, ingest, process_file  # noqa: F401  (the public API)
from .store.db import open_db


def retag(
    db: str | Path | None = None,
    *,
    taxonomy: str | Path | None = None,
    model="default",
    batch: int = 2000,
) -> dict:
    """Re-tag every stored finding (after a taxonomy or model change), without re-reading files:
    one write transaction (all or nothing); people's corrections are applied again on top."""
    import json

    from .store.db import set_setting
    from .store.recommendations import clear_recommendation_docs, sync_recommendations
    from .store.tags import (
        clear_polarity_sources,
        clear_tags,
        document_focus_areas,
        findings_to_retag,
        set_focus_themes,
    )
    from .store.transaction import write_transaction
    from .tag import Tagger
    from .tag.corrections import apply_corrections
    from .tag.tagger import SKIP_SECTIONS

    tagger = Tagger(taxonomy, model=model)
    con = open_db(db)
    n = 0
    try:
        rows = [
            r
            for r in findings_to_retag(con)
            if r["section_kind"] not in SKIP_SECTIONS and r["kind"] != "unknown"
        ]
        with write_transaction(con):
            clear_tags(con)
            for i in range(0, len(rows), batch):
                n += _retag_chunk(con, tagger, rows[i : i + batch])
            for doc_id, areas in document_focus_areas(con):
                set_focus_themes(con, doc_id, json.dumps(tagger.focus_themes(json.loads(areas))))
            clear_polarity_sources(con)
            apply_corrections(con)  # people's corrections outlive re-tagging and a new model
            set_setting(con, "taxonomy", tagger.taxonomy.source)
            set_setting(con, "tagger", tagger.description)  # says "rules only" and why, if not loaded
            clear_recommendation_docs(con)  # re-apply the recommendation rule below
            sync_recommendations(con)
    finally:
        con.close()
    return {"findings": n, "tagger": tagger.description, "model_problem": tagger.model_problem}


def _retag_chunk(con, tagger, chunk: list) -> int:
    """Tag one batch of stored findings again and store the tags and polarities; returns its size."""
    import json

    from .store.tags import insert_tags, set_polarities
    from .tag.context import doc_key

    prev = [
        k - 1
        if k > 0
        and chunk[k - 1]["doc_id"] == r["doc_id"]
        and chunk[k - 1]["section"] == r["section"]
        and chunk[k - 1]["seq"] == r["seq"] - 1
        else None
        for k, r in enumerate(chunk)
    ]
    res = tagger.tag(
        [r["text"] for r in chunk],
        [r["section_kind"] for r in chunk],
        [bool(r["is_bullet"]) for r in chunk],
        [r["section"] or "" for r in chunk],
        prev=prev,
        docs=[doc_key(r["kind"], r["framework"]) for r in chunk],
    )
    insert_tags(
        con,
        [
            (r["id"], t.theme, t.score, t.source, json.dumps(t.cues))
            for r, x in zip(chunk, res)
            for t in x.tags
        ],
    )
    set_polarities(
        con,
        [(x.polarity, x.polarity_score, json.dumps(x.polarity_cues), r["id"]) for r, x in zip(chunk, res)],
    )
    return len(chunk)
