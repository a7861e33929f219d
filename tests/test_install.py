"""The installed package is the product (issue 12, item 1): the wheel carries the model and
the sample corpus; a model that cannot be loaded is said and recorded, never a silent
fallback to rules; honest metadata."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ofsted_mine as om
from ofsted_mine import resources
from ofsted_mine.cli import app

from .conftest import LETTER_LINES, make_pdf

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Frequent changes of social worker have led to drift in planning for some children."
runner = CliRunner()


def test_the_shipped_model_is_found_and_used():
    assert resources.model_path() == ROOT / "models" / "tagger.joblib"
    r = runner.invoke(app, ["explain", SENTENCE])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].endswith("model+rules)"), r.stdout
    assert "warning" not in r.stderr


def test_the_package_finds_its_bundled_copies(tmp_path, monkeypatch):
    """An installed wheel has no clone around it: the copies in ofsted_mine/bundled are used."""
    bundled = tmp_path / "bundled"
    (bundled / "models").mkdir(parents=True)
    (bundled / "models" / "tagger.joblib").write_bytes(b"x")
    (bundled / "corpus" / "pdf").mkdir(parents=True)
    monkeypatch.setattr(resources, "CHECKOUT_DIR", tmp_path / "no-clone")
    monkeypatch.setattr(resources, "BUNDLED_DIR", bundled)
    assert resources.model_path() == bundled / "models" / "tagger.joblib"
    assert resources.corpus_dir() == bundled / "corpus"
    monkeypatch.setattr(resources, "BUNDLED_DIR", tmp_path / "nothing")
    assert resources.model_path() is None and resources.corpus_dir() is None


@pytest.mark.parametrize("how", ["missing", "broken"])
def test_a_model_that_cannot_be_loaded_is_said_on_stderr(how, tmp_path, monkeypatch):
    p = tmp_path / "tagger.joblib"
    if how == "broken":
        p.write_bytes(b"truncated")
    monkeypatch.setenv("OFSTED_MINE_MODEL", str(p))
    r = runner.invoke(app, ["explain", SENTENCE])
    assert r.exit_code == 0
    assert r.stderr.startswith("warning: tagging by rules only: ") and str(p) in r.stderr
    assert "rules only - the model was not loaded" in r.stdout.splitlines()[0]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": 1, "text": SENTENCE, "themes": ["drift_delay"], "polarity": "concern"}) + "\n"
    )
    r = runner.invoke(app, ["evaluate", str(gold)])
    assert (
        r.exit_code == 0
        and "warning: tagging by rules only" in r.stderr
        and "the model was not loaded" in r.stdout
    )


def test_switching_the_model_off_is_not_a_problem(monkeypatch):
    monkeypatch.setenv("OFSTED_MINE_MODEL", "none")
    r = runner.invoke(app, ["explain", SENTENCE])
    assert r.exit_code == 0 and "rules only)" in r.stdout and not r.stderr


def test_ingest_and_tag_record_a_missing_model(tmp_path, monkeypatch):
    monkeypatch.setenv("OFSTED_MINE_MODEL", str(tmp_path / "gone.joblib"))
    pdf = make_pdf(tmp_path / "letter.pdf", LETTER_LINES)
    db = tmp_path / "o.db"
    r = runner.invoke(app, ["ingest", str(pdf), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0 and "tagged by rules only" in r.stderr, r.stderr
    con = om.open_db(db)
    warnings = con.execute("SELECT warnings FROM documents").fetchone()[0]
    assert "tagged by rules only" in warnings and "gone.joblib" in warnings
    r = runner.invoke(app, ["tag", "--db", str(db)])
    assert r.exit_code == 0 and "warning: tagging by rules only" in r.stderr
    from ofsted_mine.store.db import get_setting

    assert "the model was not loaded" in get_setting(con, "tagger")


def test_metadata_is_honest():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["requires-python"] == ">=3.11"  # tomllib
    assert (ROOT / "LICENSE").read_text().startswith("MIT License") and meta["license"] == "MIT"
    # distribution -> what in ofsted_mine's source shows it is used (an import, or the feature
    # of another library that needs it)
    used_by = {
        "pypdfium2": r"import pypdfium2",
        "spacy": r"import spacy",
        "scikit-learn": r"from sklearn",
        "numpy": r"import numpy",
        "scipy": r"from scipy",
        "joblib": r"import joblib",
        "typer": r"import typer",
        "rich": r"from rich",
        "httpx": r"import httpx",
        "openpyxl": r"from openpyxl",
        "XlsxWriter": r"import xlsxwriter",
        "starlette": r"from starlette",
        "jinja2": r"Jinja2Templates",
        "uvicorn": r"import uvicorn",
        "python-multipart": r"request\.form\(\)",
        "itsdangerous": r"SessionMiddleware",
    }
    source = "\n".join(p.read_text() for p in (ROOT / "ofsted_mine").rglob("*.py"))
    for dep in meta["dependencies"]:
        name = re.split(r"[<>=!~ ;\[]", dep)[0]
        assert name in used_by, f"{name}: say what uses it (or drop it)"
        assert re.search(used_by[name], source), f"{name} is never used"
    readme = (ROOT / "README.md").read_text()
    for name in (re.split(r"[<>=!~ ;\[]", d)[0] for d in meta["dependencies"]):
        assert f"`{name}`" in readme, f"README does not say what {name} does"
    assert "matplotlib" not in " ".join(meta["dependencies"])


@pytest.mark.slow
def test_the_wheel_carries_the_model_and_the_sample_corpus(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next(tmp_path.glob("ofsted_mine-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        model = z.read("ofsted_mine/bundled/models/tagger.joblib")
    assert (
        hashlib.sha256(model).digest()
        == hashlib.sha256((ROOT / "models" / "tagger.joblib").read_bytes()).digest()
    )
    pdfs = {p.relative_to(ROOT / "corpus").as_posix() for p in (ROOT / "corpus" / "pdf").rglob("*.pdf")}
    assert pdfs and {"ofsted_mine/bundled/corpus/" + p for p in pdfs} <= names
    assert "ofsted_mine/data/codebook.toml" in names and "ofsted_mine/data/council-changes.csv" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any("corpus/annotations" in n for n in names)  # training data stays in the clone
