"""The README's Python API example runs as written (on the session's corpus database)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .test_readiness import corpus_db  # noqa: F401  (the session's corpus database)

ROOT = Path(__file__).resolve().parent.parent


def _python_api_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Python API")
    section = readme[start : readme.index("\n## ", start + 5)]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_api_example_runs(corpus_db, tmp_path, monkeypatch, capsys):  # noqa: F811
    """Every line of the example runs; its ingest finds the corpus already stored (same bytes:
    nothing added), and the timeline, track, follow-up and benchmark answer for Wyvern Vale."""
    code = _python_api_example()
    assert "om.ingest(" in code and "om.timeline(" in code
    shutil.copy(corpus_db, tmp_path / "qa.db")
    monkeypatch.chdir(tmp_path)
    code = code.replace('"corpus/pdf"', repr(str(ROOT / "corpus" / "pdf")))
    env: dict = {}
    exec(compile(code, "README.md (Python API)", "exec"), env)
    assert env["result"].added == [] and not env["result"].failed
    assert "drift_delay" in env["tl"].cells
    assert capsys.readouterr().out.count("—") == 5  # five quotes printed with their citations
