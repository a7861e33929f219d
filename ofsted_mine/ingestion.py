"""Ingest: files, folders and globs -> stored, tagged documents (the parent, writing side).

Reading, parsing, tagging and making the database rows run in worker processes
(:mod:`ofsted_mine.ingest_worker`); this process decides what to do (content hashes, files
that failed before), writes each document's rows in one transaction as the workers send
them, and finishes with the steps that span documents (people's corrections, settings).
"""

from __future__ import annotations

import glob
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import ingest_worker as worker
from .ingest_worker import process_file  # noqa: F401  (re-exported: ofsted_mine.process_file)
from .model import Document, ReadError
from .store.db import open_db
from .store.write import forget_failure, ingest_failures, known_documents, remember_failure, write_document

SUPPORTED = {".pdf", ".html", ".htm", ".txt", ".text", ".md"}

Progress = Callable[[str, str], None] | None


@dataclass
class IngestResult:
    """What an ingest did, file by file (paths as given, resolved)."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: unchanged files that failed before (path, reason then): not tried again, not a new failure
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    visit_ids: dict[str, str] = field(default_factory=dict)  # path -> visit id
    pages: int = 0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def fail(self, path: str, why: str, progress: Progress = None) -> None:
        """Record a file that could not be ingested (and say so to ``progress``)."""
        self.failed.append((path, why))
        if progress:
            progress(path, "failed")


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def _walk_folder(root: Path, errors: list[tuple[str, str]]) -> list[Path]:
    """Supported files under ``root`` (hidden files and folders left out). A folder that
    cannot be listed, or a file that cannot be looked at, is reported in ``errors`` (its
    own line), and the rest is still walked."""
    found: list[Path] = []

    def onerror(e: OSError) -> None:
        errors.append((str(e.filename or root), f"cannot list this folder: {_why(e)}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            q = Path(dirpath) / name
            if name.startswith(".") or q.suffix.lower() not in SUPPORTED:
                continue
            try:
                if q.is_file():
                    found.append(q)
            except OSError as e:
                errors.append((str(q), f"cannot access: {_why(e)}"))
    return sorted(found)


def _expand_one(s: str, files: list[Path], errors: list[tuple[str, str]]) -> None:
    """The files one path, folder or glob names (appended to ``files``), or its error."""
    if any(ch in s for ch in "*?[") and not Path(s).exists():
        matched = sorted(glob.glob(os.path.expanduser(s), recursive=True))
        if not matched:
            errors.append((s, "no files match this pattern"))
        files.extend(Path(m) for m in matched if Path(m).is_file())
        return
    path = Path(s).expanduser()
    if path.is_dir():
        n_err = len(errors)
        found = _walk_folder(path, errors)
        if not found and len(errors) == n_err:
            errors.append((s, "folder holds no PDF, HTML or text files"))
        files.extend(found)
    elif path.is_file():
        files.append(path)
    elif path.exists():
        errors.append((s, "not a regular file"))
    else:
        errors.append((s, "no such file or directory"))


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files, folders (recursively: supported extensions) and globs -> files, plus errors.

    Every path that cannot be used gets its own (path, reason) error and the rest of the
    batch goes on: a missing path, a folder or sub-folder that cannot be listed, a path
    that cannot be looked at (no permission on a folder above it)."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for p in paths:
        s = str(p)
        try:
            _expand_one(s, files, errors)
        except OSError as e:
            errors.append((s, f"cannot access: {_why(e)}"))
    seen, out = set(), []
    for f in files:
        try:
            r = f.resolve()
        except OSError as e:
            errors.append((str(f), f"cannot access: {_why(e)}"))
            continue
        if str(r) not in seen:
            seen.add(str(r))
            out.append(r)
    return out, errors


def _file_sha256(p: Path) -> str:
    with open(p, "rb") as f:  # streamed in chunks by the standard library, never read whole
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass
class _Plan:
    """The files an ingest will process, and what it knows of the others."""

    todo: list[str] = field(default_factory=list)
    shas: dict[str, str] = field(default_factory=dict)
    failed_before: dict[str, tuple[str, str]] = field(default_factory=dict)


def _plan(
    con: sqlite3.Connection,
    files: list[Path],
    result: IngestResult,
    progress: Progress,
    max_bytes: int | None,
    retry_failed: bool,
) -> _Plan:
    """Hash every file; the stored ones are ``unchanged``, the ones that failed before with the
    same bytes ``skipped`` (unless ``retry_failed``); the rest are to do."""
    from . import __version__
    from .read import check_size

    known = known_documents(con)
    plan = _Plan(failed_before=ingest_failures(con, __version__))
    for f in files:
        path = str(f)
        try:
            check_size(f.stat().st_size, max_bytes)
            sha = _file_sha256(f)
        except OSError as e:
            result.fail(path, f"cannot read: {e.strerror or e}", progress)
            continue
        except ReadError as e:
            result.fail(path, str(e), progress)
            continue
        plan.shas[path] = sha
        if sha in known:
            result.unchanged.append(path)
            result.visit_ids[path] = known[sha]
            if progress:
                progress(path, "unchanged")
        elif not retry_failed and plan.failed_before.get(path, ("",))[0] == sha:
            result.skipped.append((path, plan.failed_before[path][1]))
            if progress:
                progress(path, "skipped")
        else:
            plan.todo.append(path)
    return plan


def _start(todo: list[str], workers: int | None, taxonomy, model, tag: bool, max_bytes: int | None):
    """Start processing ``todo``: (executor or None, iterator of :func:`ingest_worker.process_one`
    results in ``todo``'s order). Several files and CPUs: worker processes, forked after the
    parent loaded the tagger once (they share it); else in this process."""
    from concurrent.futures import ProcessPoolExecutor

    n_workers = workers or min(os.cpu_count() or 1, max(1, len(todo)))
    if n_workers <= 1 or len(todo) <= 1:
        worker.use_tagger(taxonomy, model)
        return None, map(worker.process_one, [(p, tag, max_bytes, None) for p in todo])
    ctx = worker.fork_context()
    ahead: dict = {}
    if ctx is not None and tag and len(todo) >= worker.PRELOAD_MIN:
        ahead = _load_tagger_reading_ahead(ctx, todo, taxonomy, model, max_bytes)
    jobs = [(p, tag, max_bytes, ahead.get(p)) for p in todo]
    ex = ProcessPoolExecutor(
        n_workers,
        mp_context=ctx,
        initializer=worker.init_pool_worker,
        initargs=(taxonomy, model, os.getpid()),
    )
    it = ex.map(worker.process_one, jobs, chunksize=1)
    if ctx is not None:
        worker.release_tagger()  # the workers are forked by now; the parent needs no tagger
    return ex, it


def _load_tagger_reading_ahead(ctx, todo: list[str], taxonomy, model, max_bytes: int | None) -> dict:
    """Load the tagger once, here (the workers forked next share it), while a helper process
    reads the first files: the other CPU would otherwise wait. Returns path -> ReadResult of the
    files read by the time the tagger is loaded (the rest are read by the workers)."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        reader = ProcessPoolExecutor(
            1, mp_context=ctx, initializer=worker.init_reader, initargs=(os.getpid(),)
        )
        futures = [reader.submit(worker.read_one, (p, max_bytes)) for p in todo[: len(todo) // 2]]
    except Exception:  # no helper process to be had: just load
        reader, futures = None, []
    worker.use_tagger(taxonomy, model)
    try:
        worker.get_tagger()  # once, here: the forked workers share it
    except Exception:  # reported per file by the workers
        pass
    finally:  # (also when interrupted) the files not started are left to the workers; the
        # helper finishes the one it is reading and exits, so no thread runs when they are forked
        if reader is not None:
            reader.shutdown(wait=True, cancel_futures=True)
    ahead = {}
    for f in futures:
        try:
            path, rr = f.result()
        except Exception:  # cancelled, or the helper died: the workers read the rest
            break
        if rr is not None:
            ahead[path] = rr
    return ahead


def _store(
    con: sqlite3.Connection,
    results: Iterator[tuple[str, str, object]],
    result: IngestResult,
    plan: _Plan,
    progress: Progress,
) -> None:
    """Write each processed document in its own transaction as it comes; remember failures."""
    from . import __version__

    for path, status, payload in results:
        if status == "error":
            result.fail(path, str(payload), progress)
            if path in plan.shas:
                remember_failure(con, path, plan.shas[path], str(payload), __version__)
            continue
        assert isinstance(payload, Document)
        doc = payload
        result.warnings.extend((path, w) for w in doc.warnings)
        st, vid = write_document(con, doc)
        if path in plan.failed_before:
            forget_failure(con, path)
        result.pages += doc.n_pages
        result.visit_ids[path] = vid
        getattr(result, st).append(path)
        if progress:
            progress(path, st)


def _finish(con: sqlite3.Connection, result: IngestResult, taxonomy, tag: bool) -> None:
    """The steps that span documents, after the last one is written."""
    from .store.recommendations import sync_recommendations

    # rows of documents stored by an older extractor, or before recommendations were stored
    # (each new document's rows were written with it); recommendation items are concerns
    sync_recommendations(con)
    if result.added or result.replaced:
        from .store.db import set_setting
        from .tag.corrections import apply_corrections

        apply_corrections(con)  # people's corrections outlive a re-ingest of their document
        set_setting(
            con, "taxonomy", str(taxonomy) if taxonomy and tag else ("default" if tag else "untagged")
        )


def ingest(
    paths: Iterable[str | Path],
    db: str | Path | None = None,
    *,
    workers: int | None = None,
    taxonomy: str | Path | None = None,
    model="default",
    tag: bool = True,
    progress: Progress = None,
    max_bytes: int | None = -1,
    retry_failed: bool = False,
) -> IngestResult:
    """Ingest files/folders/globs into the database.

    Idempotent by content hash: a file whose bytes are already stored is skipped; a file
    whose bytes changed at a known path replaces its old version. Each document is written
    in one transaction by this (the parent) process; reading, parsing and tagging run in
    ``workers`` processes (default: the number of CPUs), which exit if this process dies.
    ``progress(path, status)`` is called once per file.

    Bounded input: a file over ``max_bytes`` (default
    :data:`ofsted_mine.read.MAX_INPUT_BYTES`, 50 MB; None for no limit) or with more than
    :data:`ofsted_mine.read.MAX_TEXT_CHARS` characters of text fails with its own line.
    A path that cannot be listed or read fails with its own line; the rest goes on.

    A file that failed is remembered (path, content hash, reason, ofsted-mine version): run
    again, the same bytes are ``skipped`` with the earlier reason, not tried and failed anew,
    so a re-run's result is clean unless something new failed. ``retry_failed`` (or a new
    version of ofsted-mine, or a changed file) tries them again.
    """
    from .read import MAX_INPUT_BYTES

    if max_bytes == -1:
        max_bytes = MAX_INPUT_BYTES
    result = IngestResult()
    if tag and isinstance(model, (str, Path)) and model != "default":
        from .errors import ModelError

        if not Path(model).is_file():  # said once, here, rather than once per file by the workers
            raise ModelError(f"{model}: no such model file")
    files, errors = expand_paths(paths)
    for p, why in errors:
        result.fail(p, why, progress)
    con = open_db(db)
    try:
        plan = _plan(con, files, result, progress, max_bytes, retry_failed)
        ex, it = _start(plan.todo, workers, taxonomy, model, tag, max_bytes)
        try:
            _store(con, it, result, plan, progress)
        finally:
            if ex:
                ex.shutdown(cancel_futures=True)
            worker.release_tagger()  # a later call may name another model or taxonomy, or the file may change
        _finish(con, result, taxonomy, tag)
    finally:
        con.close()
    return result
