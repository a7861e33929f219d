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
    """Re-tag every stored finding (after a taxonomy or model change), without re-reading files."""
    import json

    from .tag import Tagger
    from .tag.tagger import SKIP_SECTIONS

    tagger = Tagger(taxonomy, model=model)
    con = open_db(db)
    n = 0
    try:
        rows = con.execute("""SELECT f.id, f.text, f.section_kind, f.is_bullet, f.section, f.doc_id, f.seq, d.kind,
                              d.framework FROM findings f
                              JOIN documents d ON d.id = f.doc_id ORDER BY f.id""").fetchall()
        rows = [r for r in rows if r["section_kind"] not in SKIP_SECTIONS and r["kind"] != "unknown"]
        con.execute("BEGIN IMMEDIATE")
        con.execute("DELETE FROM tags")
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
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
            con.executemany(
                "INSERT INTO tags (finding_id, theme, score, source, cues) VALUES (?,?,?,?,?)",
                [
                    (r["id"], t.theme, t.score, t.source, json.dumps(t.cues))
                    for r, x in zip(chunk, res)
                    for t in x.tags
                ],
            )
            con.executemany(
                "UPDATE findings SET polarity=?, polarity_score=?, polarity_cues=? WHERE id=?",
                [
                    (x.polarity, x.polarity_score, json.dumps(x.polarity_cues), r["id"])
                    for r, x in zip(chunk, res)
                ],
            )
            n += len(chunk)
        for d in con.execute("SELECT id, focus_areas FROM documents").fetchall():
            con.execute(
                "UPDATE documents SET focus_themes=? WHERE id=?",
                (json.dumps(tagger.focus_themes(json.loads(d["focus_areas"]))), d["id"]),
            )
        from .store.db import set_setting
        from .tag.corrections import apply_corrections

        con.execute("UPDATE findings SET polarity_source=NULL WHERE polarity_source IS NOT NULL")
        apply_corrections(con)  # people's corrections outlive re-tagging and a new model
        set_setting(con, "taxonomy", tagger.taxonomy.source)
        set_setting(
            con, "tagger", tagger.description
        )  # says "rules only" and why, if the model was not loaded
        con.execute("DELETE FROM recommendation_docs")  # re-apply the recommendation rule below
        from .store.recommendations import sync_recommendations

        sync_recommendations(con)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return {"findings": n, "tagger": tagger.description, "model_problem": tagger.model_problem}
