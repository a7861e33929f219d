"""An open council table (issue 12, item 2): councils the table lacks keep their printed name,
are flagged and found by --la; no name found elsewhere in a letter is ever taken for the
council; meaningless names match nothing; reorganisations since 2019 are recorded."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine.cli import app
from ofsted_mine.councils import (
    all_councils,
    by_urn,
    council_for_printed,
    find_council,
    history,
    reload_councils,
    resolve_council,
)

from .conftest import LETTER_LINES, REPORTS, make_pdf, requires_reports

runner = CliRunner()

# Ofsted's own address block heads every letter: the town in it is not the council
ADDRESS = ["Piccadilly Gate", "Store Street", "Manchester", "M1 2WD"]


def letter(name: str, title: str | None = None) -> list[str]:
    """The fictional test letter, about another (fictional) council, under Ofsted's address."""
    lines = [ln.replace("Wyvern Vale", name) for ln in LETTER_LINES]
    if title is not None:
        lines = [f"# {title}" if ln.startswith("# Monitoring visit to") else ln for ln in lines]
    return ADDRESS + lines


@pytest.fixture(scope="module")
def unlisted_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unlisted")
    files = [
        make_pdf(tmp / "thornmoor.pdf", letter("Thornmoor")),
        make_pdf(tmp / "east.pdf", letter("East Wyvern Vale")),
        make_pdf(
            tmp / "nameless.pdf",
            letter("Nowhere", "Monitoring visit to the local authority children’s services"),
        ),
    ]
    db = tmp / "u.db"
    res = om.ingest(files, db, workers=1)
    assert not res.failed, res.failed
    return db, res


def _visit(db, path_end):
    con = om.open_db(db)
    r = con.execute(
        "SELECT visit_id, la, la_urn, la_name_printed, warnings FROM documents WHERE path LIKE ?",
        (f"%{path_end}",),
    ).fetchone()
    return dict(r)


def test_a_council_not_in_the_table_keeps_its_printed_name(unlisted_db):
    db, res = unlisted_db
    v = _visit(db, "thornmoor.pdf")
    assert v["la"] == "Thornmoor" and v["la_urn"] == "name:thornmoor"  # never Manchester, from the address
    assert v["visit_id"].startswith("thornmoor-mv3-")
    assert "not in the council table" in v["warnings"]
    assert any("not in the council table" in w for p, w in res.warnings if p.endswith("thornmoor.pdf"))
    e = _visit(db, "east.pdf")  # a new council that contains an old one's name is not the old one
    assert e["la"] == "East Wyvern Vale" and e["la_urn"] == "name:east-wyvern-vale"


def test_a_meaningless_title_is_no_council_not_city_of_london(unlisted_db):
    db, _ = unlisted_db
    v = _visit(db, "nameless.pdf")
    assert v["la"] is None and v["la_urn"] is None and not v["visit_id"].startswith("city-of-london")
    assert "no council name found" in v["warnings"]
    for name in ("the", "Council", "!!!", "", "  ", "the local authority", "London", "County Council"):
        assert find_council(name) is None, name
        assert council_for_printed(name) is None, name
    assert find_council("City of London").urn == "80450" and find_council("London Corporation").urn == "80450"
    assert council_for_printed("City of London").urn == "80450"  # a real council made of generic words


def test_la_finds_unlisted_councils_by_name_slug_and_key(unlisted_db):
    db, _ = unlisted_db
    for la in ("Thornmoor", "thornmoor", "Thornmoor Council", "name:thornmoor"):
        r = runner.invoke(app, ["visits", "--la", la, "--db", str(db), "--format", "json"])
        assert r.exit_code == 0, r.stderr
        assert [v["la"] for v in json.loads(r.stdout)] == ["Thornmoor"], la
    r = runner.invoke(app, ["quotes", "drift", "--la", "Thornmoor", "--db", str(db), "--format", "json"])
    assert (
        r.exit_code == 0
        and json.loads(r.stdout)
        and all(q["la"] == "Thornmoor" for q in json.loads(r.stdout))
    )
    r = runner.invoke(app, ["timeline", "--la", "Thornmoor", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["la"] == "Thornmoor"
    r = runner.invoke(app, ["visits", "--la", "Thornmor", "--db", str(db)])
    assert r.exit_code == 1 and "did you mean 'Thornmoor'" in r.stderr


def test_show_flags_the_council(unlisted_db):
    db, _ = unlisted_db
    vid = _visit(db, "thornmoor.pdf")["visit_id"]
    r = runner.invoke(app, ["show", vid, "--db", str(db)])
    assert r.exit_code == 0 and "not in the council table" in r.stdout


def test_councils_command_lists_the_table_and_stored_unlisted(unlisted_db):
    db, _ = unlisted_db
    r = runner.invoke(app, ["councils", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    rows = {x["name"]: x for x in json.loads(r.stdout)}
    assert rows["Thornmoor"]["status"] == "not in the council table" and rows["Thornmoor"]["documents"] == 1
    assert rows["Manchester"]["documents"] == 0
    assert set(rows["Bournemouth, Christchurch and Poole"]["predecessors"]) == {
        "Bournemouth",
        "Poole",
        "Dorset County Council",
    }
    r = runner.invoke(app, ["councils", "northampton", "--current", "--format", "csv"])
    names = [x["name"] for x in csv.DictReader(r.stdout.splitlines())]
    assert names == ["North Northamptonshire", "West Northamptonshire"], names


def test_table_covers_every_council_and_reorganisation():
    current = [c for c in all_councils() if not c.fictional and not c.abolished and c.source == "table"]
    assert len(current) == 153  # English councils with children's services since April 2023
    assert len({c.la_code for c in current}) == 153
    for name, year, preds in [
        ("Buckinghamshire", "2020", set()),
        ("Dorset", "2019", {"la:835"}),
        ("Bournemouth, Christchurch and Poole", "2019", {"la:837", "137316", "la:835"}),
        ("North Northamptonshire", "2021", {"121939"}),
        ("West Northamptonshire", "2021", {"121939"}),
        ("Cumberland", "2023", {"135513"}),
        ("Westmorland and Furness", "2023", {"135513"}),
        ("North Yorkshire", "2023", set()),
        ("Somerset", "2023", set()),
    ]:
        c = find_council(name)
        assert c and c.established.startswith(year) and set(c.predecessors) == preds, name
        for p in c.predecessors:
            assert by_urn(p).abolished and c.urn in by_urn(p).successors
    assert [c.name for c in history(find_council("Cumberland"))] == ["Cumberland", "Cumbria"]
    assert find_council("Northamptonshire County Council").abolished == "2021-04-01"
    assert find_council("Bournemouth").urn == "la:837"  # the old council, not BCP


@requires_reports
def test_every_council_of_the_reference_table_is_known():
    with open(REPORTS / "la-lookup.csv", encoding="utf-8-sig") as f:
        urns = [r["urn"] for r in csv.DictReader(f)]
    assert urns and all(by_urn(u) for u in urns), [u for u in urns if not by_urn(u)]


def test_user_file_adds_councils_and_aliases(tmp_path, monkeypatch):
    f = tmp_path / "councils.csv"
    f.write_text(
        "urn,name,aliases\n999001,Thornmoor,Thornmoor Borough|TBC\n80521,Manchester,Manc\n,Fenwick Isle,\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OFSTED_MINE_COUNCILS", str(f))
    reload_councils()
    try:
        assert find_council("TBC").urn == "999001" and find_council("Thornmoor Borough").name == "Thornmoor"
        assert find_council("Manc").urn == "80521"
        assert find_council("Fenwick Isle").urn == "user:fenwick-isle"
        assert council_for_printed("Thornmoor").urn == "999001"  # a user's council is in the table
        assert resolve_council("thornmoor").source == "user"
    finally:
        monkeypatch.delenv("OFSTED_MINE_COUNCILS")
        reload_councils()
    assert find_council("TBC") is None


def test_a_broken_user_file_is_one_line(tmp_path, monkeypatch):
    f = tmp_path / "councils.csv"
    f.write_text("council;code\nx;1\n", encoding="utf-8")
    monkeypatch.setenv("OFSTED_MINE_COUNCILS", str(f))
    reload_councils()
    try:
        r = runner.invoke(app, ["councils"])
        assert r.exit_code == 1 and r.stderr.startswith(f"error: {f}: ") and "name" in r.stderr
    finally:
        monkeypatch.delenv("OFSTED_MINE_COUNCILS")
        reload_councils()
