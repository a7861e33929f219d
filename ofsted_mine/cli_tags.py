"""Commands about tags a person can check and correct: in-context evaluation, review,
correct, corrections export, agreement, REFI-QDA export. Each is a thin layer over a
library function (``ofsted_mine.tag.incontext``, ``ofsted_mine.tag.corrections``,
``ofsted_mine.report.qda``); registered from ``cli.py``."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import OfstedMineError

DB_HELP = "SQLite database (default: $OFSTED_MINE_DB or ~/.local/share/ofsted-mine/ofsted.db)"


def _fail(msg: str, code: int = 1):
    sys.stderr.write(f"error: {msg}\n")
    raise typer.Exit(code)


def _default_reports() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "shared" / "ofsted-reports"


def evaluate_in_context_command(gold: Path, reports: Optional[Path], taxonomy: Optional[Path], model: Optional[Path],
                                format: str, rows_out: Optional[Path]) -> None:
    from .tag.evaluate import read_gold
    from .tag.incontext import evaluate_in_context, format_in_context, write_rows
    if not Path(gold).is_file():
        _fail(f"{gold}: no such gold file")
    root = reports or _default_reports()
    if not Path(root).is_dir():
        _fail(f"{root}: no reports folder (give --reports FOLDER holding the gold file's reports)")
    try:
        g = read_gold(gold)
    except (ValueError, KeyError) as e:
        _fail(f"{gold}: not a gold JSONL file ({e})")
    if any("report" not in x for x in g):
        _fail(f"{gold}: --in-context needs a \"report\" field on every line (the report each sentence comes from)")
    m = evaluate_in_context(g, root, taxonomy=taxonomy, model=str(model) if model else "default")
    if rows_out:
        write_rows(m, rows_out)
    if format == "json":
        print(json.dumps({k: v for k, v in m.items() if k != "rows"}, indent=2))
    else:
        print(format_in_context(m, "stored tags, in context"))
