"""One registry of output formats: every format a command can print is registered here once,
with its writer (Datasette's registered renderers are the model).

A command builds a *view*: a mapping from each format it offers to a function that gives that
format's payload (a JSON-able value, a :class:`Csv` table, a text, a function drawing on a Rich
console, or a :class:`File` a writer of its own saves); :func:`emit` picks the registered
writer. No command switches on format names, and every CSV goes through
:mod:`ofsted_mine.report.csvout`'s formula guard.

To add a format: register a writer with :func:`register`; commands that offer it add an entry
to their view and the name to their ``--format`` choices.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from .csvout import write_csv

#: the columns of a quotes table as CSV or XLSX (``quotes --format csv`` and the web app's download)
QUOTE_FIELDS = (
    "text",
    "citation",
    "visit_id",
    "la",
    "kind",
    "date",
    "section",
    "paragraph",
    "page",
    "polarity",
    "themes",
    "score",
    "source",
)


@dataclass(frozen=True)
class Csv:
    """A CSV payload: rows (mappings) and the columns to write, in order."""

    rows: Iterable[Mapping]
    fields: Sequence[str]


@dataclass(frozen=True)
class File:
    """A payload that a report writer of its own puts in a file (the follow-up's action log as
    CSV or XLSX, guarded by that writer): ``save()`` writes it and returns the line to print
    (or None)."""

    save: Callable[[], str | None]


@dataclass(frozen=True)
class OutputFormat:
    """A registered format: its name (the ``--format`` value), a one-line description and the
    writer that puts a payload on a text stream."""

    name: str
    description: str
    write: Callable[[Any, IO[str]], None]


#: every output format, by name (the order is the order of registration)
FORMATS: dict[str, OutputFormat] = {}

#: a command's view: format name -> a function giving that format's payload
View = Mapping[str, Callable[[], Any]]


def register(name: str, description: str):
    """Register the decorated function as the writer of format ``name``."""

    def add(write: Callable[[Any, IO[str]], None]):
        FORMATS[name] = OutputFormat(name, description, write)
        return write

    return add


def emit(fmt: str, view: View, out: IO[str] | None = None) -> None:
    """Write the payload ``view[fmt]()`` in format ``fmt`` on ``out`` (standard output by
    default). ``fmt`` must be registered and offered by the view: the command's ``--format``
    option has already checked it against the same choices."""
    if fmt not in FORMATS:
        raise KeyError(f"output format {fmt!r} is not registered")
    stream = out if out is not None else sys.stdout
    payload = view[fmt]()
    if isinstance(payload, File):  # written by its own (guarded) writer; say where it went
        said = payload.save()
        if said:
            stream.write(said + "\n")
        return
    FORMATS[fmt].write(payload, stream)


@register("table", "a table for the terminal (fitted to its width)")
def write_table(draw, out: IO[str]) -> None:
    """Draw a table: ``draw`` is a Rich renderable or a function drawing on a Rich console."""
    from rich.console import Console

    console = Console(file=None if out is sys.stdout else out, highlight=False, soft_wrap=False)
    if callable(draw):
        draw(console)
    else:
        console.print(draw)


@register("text", "plain text for the terminal")
def write_text(text, out: IO[str]) -> None:
    """Write a text (a function drawing on a console is drawn, as for ``table``)."""
    if isinstance(text, str):
        out.write(text + "\n")
    else:
        write_table(text, out)


@register("json", "JSON (indented, UTF-8)")
def write_json(data, out: IO[str]) -> None:
    """Write ``data`` as indented JSON (dates and paths as text)."""
    out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@register("csv", "CSV with a header line; text cells that a spreadsheet would run are guarded")
def write_csv_table(table: Csv, out: IO[str]) -> None:
    """Write a :class:`Csv` payload through the project's one guarded CSV writer."""
    write_csv(out, table.rows, table.fields)


@register("markdown", "Markdown")
def write_markdown(text: str, out: IO[str]) -> None:
    """Write a Markdown text (and a newline, as ``print`` does)."""
    out.write(text + "\n")


@register("xlsx", "an Excel workbook (a file named with -o)")
def write_xlsx(payload, out: IO[str]) -> None:
    """A workbook is binary: it only ever comes as a :class:`File` payload, written by
    :func:`emit`; anything else is a programming error."""
    raise TypeError("an xlsx payload must be a File (a workbook is written to a file, never a stream)")
