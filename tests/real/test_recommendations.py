"""The recommendations stored for the real reports, scored against the verified list.

Matching (``ofsted_mine.evaluate_recs.normalise``): texts are compared after Unicode NFKC,
lower case, and turning every run of characters that are not letters or digits (quotes,
dashes, punctuation, spaces, line breaks) into one space. Targets: precision and recall
>= 0.98 overall and per framework, for the council's items and for the LSCB's.
"""

from pathlib import Path

import pytest

import ofsted_mine as om
from ofsted_mine.evaluate_recs import extracted_from_db, format_report, load_truth, score

from ..conftest import REPORTS, requires_reports

pytestmark = [pytest.mark.real, requires_reports]


@pytest.fixture(scope="module")
def scored(real_db):
    con = om.open_db(real_db[0])
    truth = load_truth(REPORTS / "recommendations-verified.jsonl")
    return con, score(truth, extracted_from_db(con, REPORTS))


def test_council_recommendations_precision_and_recall(scored):
    _, res = scored
    report = "\n".join(format_report(res))
    for name in ("council/all", "council/ilacs", "council/sif"):
        c = res["by"][name]
        assert c["verified"] > 0 and c["precision"] >= 0.98 and c["recall"] >= 0.98, f"{name}\n{report}"


def test_lscb_recommendations_kept_apart(scored):
    _, res = scored
    c = res["by"]["lscb/all"]
    assert c["verified"] > 300 and c["precision"] >= 0.98 and c["recall"] >= 0.98, "\n".join(
        format_report(res)
    )


def test_groups_and_tails(scored):
    _, res = scored
    assert res["group_accuracy"] >= 0.98 and res["tail_accuracy"] >= 0.98, "\n".join(format_report(res))
    for g in (
        "council/Immediately",
        "council/Within three months",
        "council/Priority and immediate action",
        "council/Areas for improvement",
    ):
        assert res["groups"][g]["recall"] >= 0.98, g


def test_first_recommendation_is_on_the_verified_page(scored, real_db):
    con, _ = scored
    truth = load_truth(REPORTS / "recommendations-verified.jsonl")
    wrong, n = [], 0
    for (folder, name), t in truth.items():
        if not t.get("items") or not t.get("page"):
            continue
        row = con.execute(
            """SELECT r.page FROM recommendations r JOIN documents d ON d.id = r.doc_id
                             WHERE d.path = ? AND r.addressee = 'council' ORDER BY r.seq LIMIT 1""",
            (str((REPORTS / folder / name).resolve()),),
        ).fetchone()
        n += 1
        if not row or row[0] != t["page"]:
            wrong.append((folder, name, t["page"], row[0] if row else None))
    assert n > 200 and len(wrong) <= n * 0.02, wrong


def test_recommendation_findings_are_concerns_and_cited(scored):
    con, _ = scored
    rows = con.execute("""SELECT r.doc_id, r.start, r."end", r.page, d.n_pages FROM recommendations r
                          JOIN documents d ON d.id = r.doc_id""").fetchall()
    assert len(rows) > 2000
    for r in rows:
        assert 1 <= r["page"] <= r["n_pages"] and r["start"] < r["end"]
    # every finding inside a recommendation's span carries the codebook's polarity
    bad = con.execute(
        """SELECT COUNT(*) FROM findings f JOIN recommendations r ON r.doc_id = f.doc_id
           AND f.start < r."end" AND f."end" > r.start WHERE f.polarity != 'concern'"""
    ).fetchone()[0]
    assert bad == 0
    # no heading of a time group, no grade descriptor and no tail is an item
    texts = [t for (t,) in con.execute("SELECT text FROM recommendations")]
    assert not [
        t
        for t in texts
        if t.rstrip(":").lower() in ("immediately", "within three months", "within six months")
    ]
    assert not [t for t in texts if t.lower().startswith(("(outcome", "(enabler", "grade 4"))]


def test_followup_for_every_council_lists_the_real_recommendations(scored):
    from ofsted_mine.analyse.followup import JUDGED, NOT_EXAMINED, NOT_YET, REPEATED, verdict_of

    con, _ = scored
    truth = load_truth(REPORTS / "recommendations-verified.jsonl")
    verified = {}
    for (folder, _name), t in truth.items():
        verified[folder] = verified.get(folder, 0) + len(t.get("items") or [])
    folders = {}
    for urn, path in con.execute("SELECT DISTINCT la_urn, path FROM documents WHERE la_urn IS NOT NULL"):
        folders.setdefault(urn, set()).add(Path(path).parent.name)
    from ofsted_mine.analyse.followup import followup

    assert len(folders) >= 70
    for urn, fs in folders.items():
        fu = followup(con, urn)
        want = sum(verified.get(f, 0) for f in fs)
        assert abs(len(fu.items) - want) <= max(1, want // 50), (urn, len(fu.items), want)
        assert all(it.addressee == "council" for it in fu.items) and all(
            i.addressee == "lscb" for i in fu.lscb_items
        )
        for it in fu.items:
            for c in it.cells.values():
                if c.verdict in JUDGED and c.verdict != REPEATED:
                    assert c.verdict == verdict_of([e.polarity for e in c.evidence])
                if c.verdict == NOT_EXAMINED:
                    assert c.on_theme == 0
            judged = [it.cells[v].verdict for v in it.later if it.cells[v].verdict in JUDGED]
            assert it.status == (judged[-1] if judged else NOT_YET)
