"""The public Python API. Every CLI command is a thin layer over one of these functions.

>>> import ofsted_mine as om
>>> result = om.ingest(["corpus/pdf"], db="qa.db")
>>> con = om.open_db("qa.db")
>>> om.visits(con, la="Wyvern Vale")
>>> om.quotes(con, "management oversight", la="Wyvern Vale", limit=5)
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from .model import Document, ReadError
from .store.db import open_db, pack_document, write_document

SUPPORTED = {".pdf", ".html", ".htm", ".txt", ".text", ".md"}


@dataclass
class IngestResult:
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
        return not self.failed


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
            if any(ch in s for ch in "*?[") and not Path(s).exists():
                matched = sorted(glob.glob(os.path.expanduser(s), recursive=True))
                if not matched:
                    errors.append((s, "no files match this pattern"))
                for m in matched:
                    if Path(m).is_file():
                        files.append(Path(m))
                continue
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


# ---------------------------------------------------------------- worker side
_TAGGER = None
_TAGGER_ARGS: tuple = (None, "default")


def _init_worker(taxonomy, model) -> None:
    global _TAGGER, _TAGGER_ARGS
    if _TAGGER_ARGS[0] is not taxonomy or _TAGGER_ARGS[1] is not model:  # keep only a tagger made from these
        _TAGGER = None
    _TAGGER_ARGS = (taxonomy, model)


def _fork_context():
    """The "fork" start method where the platform has it: workers then inherit a tagger
    loaded once by the parent instead of each importing spaCy/scikit-learn and loading it."""
    import multiprocessing as mp

    try:
        return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    except ValueError:
        return None


_IN_POOL = False
_PRELOAD_MIN = 8  # files: below this, workers load the tagger only if a file gets that far


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when the ingest that started it dies, even by SIGKILL (which
    runs no clean-up): on Linux the kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread notices that the parent is gone within a second."""
    import signal
    import sys

    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)
    if not armed:
        import threading
        import time

        def watch():
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="ofsted-mine-parent-watch").start()


def _init_pool_worker(taxonomy, model, parent: int | None = None) -> None:
    """A worker process of ``ingest``: it dies with its parent (:func:`_die_with_parent`);
    it makes many short-lived objects and keeps a large, long-lived tagger, so the cyclic
    garbage collector is told to run less often and to leave the tagger (inherited from
    the parent, or loaded at the first file that needs it) out of its scans."""
    import gc

    global _IN_POOL
    if parent is not None:
        _die_with_parent(parent)
    _IN_POOL = True
    _init_worker(taxonomy, model)
    gc.set_threshold(50_000, 20, 50)
    gc.freeze()


def _release_tagger() -> None:
    global _TAGGER
    _TAGGER = None


def _get_tagger():
    global _TAGGER
    if _TAGGER is None:
        from .tag import Tagger

        _TAGGER = Tagger(_TAGGER_ARGS[0], model=_TAGGER_ARGS[1])
        if _IN_POOL:
            import gc

            gc.freeze()
    return _TAGGER


def process_file(
    path: str, data: bytes | None = None, tag: bool = True, max_bytes: int | None = -1
) -> tuple[str, object]:
    """read -> parse -> tag one file. Returns ("ok", Document) or ("error", reason).
    ``max_bytes``: refuse larger files (default :data:`ofsted_mine.read.MAX_INPUT_BYTES`;
    None: no limit)."""
    from .parse import parse
    from .read import MAX_INPUT_BYTES, check_size, read_bytes, read_file

    if max_bytes == -1:
        max_bytes = MAX_INPUT_BYTES
    try:
        if data is not None:
            check_size(len(data), max_bytes)
        rr = read_bytes(data, path) if data is not None else read_file(path, max_bytes=max_bytes)
        doc = parse(rr)
        if tag:
            _get_tagger().tag_document(doc)
        return "ok", doc
    except ReadError as e:
        return "error", str(e)
    except Exception as e:  # a bug or an odd file must not stop the batch
        return "error", f"could not process ({type(e).__name__}: {e})"


def _process_one(args: tuple) -> tuple[str, str, object]:
    path, tag, max_bytes = args
    status, payload = process_file(path, tag=tag, max_bytes=max_bytes)
    if status == "ok":
        pack_document(payload)  # rows, not objects, go back to the writing process
    return path, status, payload


# ---------------------------------------------------------------- ingest
def _file_sha256(p: Path) -> str:
    with open(p, "rb") as f:  # streamed in chunks by the standard library, never read whole
        return hashlib.file_digest(f, "sha256").hexdigest()


def ingest(
    paths: Iterable[str | Path],
    db: str | Path | None = None,
    *,
    workers: int | None = None,
    taxonomy: str | Path | None = None,
    model="default",
    tag: bool = True,
    progress: Callable[[str, str], None] | None = None,
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
    from .read import MAX_INPUT_BYTES, check_size

    if max_bytes == -1:
        max_bytes = MAX_INPUT_BYTES
    result = IngestResult()
    if tag and isinstance(model, (str, Path)) and model != "default":
        from .errors import ModelError

        if not Path(model).is_file():  # said once, here, rather than once per file by the workers
            raise ModelError(f"{model}: no such model file")
    files, errors = expand_paths(paths)
    for p, why in errors:
        result.failed.append((p, why))
        if progress:
            progress(p, "failed")
    con = open_db(db)
    try:
        known = {r[0]: r[1] for r in con.execute("SELECT sha256, visit_id FROM documents")}
        from . import __version__

        failed_before = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                "SELECT path, sha256, reason FROM ingest_failures WHERE version = ?", (__version__,)
            )
        }
        shas: dict[str, str] = {}
        todo = []
        for f in files:
            try:
                check_size(f.stat().st_size, max_bytes)
                sha = _file_sha256(f)
            except OSError as e:
                result.failed.append((str(f), f"cannot read: {e.strerror or e}"))
                if progress:
                    progress(str(f), "failed")
                continue
            except ReadError as e:
                result.failed.append((str(f), str(e)))
                if progress:
                    progress(str(f), "failed")
                continue
            shas[str(f)] = sha
            if sha in known:
                result.unchanged.append(str(f))
                result.visit_ids[str(f)] = known[sha]
                if progress:
                    progress(str(f), "unchanged")
            elif not retry_failed and failed_before.get(str(f), ("",))[0] == sha:
                result.skipped.append((str(f), failed_before[str(f)][1]))
                if progress:
                    progress(str(f), "skipped")
            else:
                todo.append(str(f))
        n_workers = workers or min(os.cpu_count() or 1, max(1, len(todo)))
        if n_workers > 1 and len(todo) > 1:
            ctx = _fork_context()
            if ctx is not None and tag and len(todo) >= _PRELOAD_MIN:
                _init_worker(taxonomy, model)
                try:
                    _get_tagger()  # once, here: the forked workers share it
                except Exception:  # reported per file by the workers
                    pass
            ex = ProcessPoolExecutor(
                n_workers,
                mp_context=ctx,
                initializer=_init_pool_worker,
                initargs=(taxonomy, model, os.getpid()),
            )
            it = ex.map(_process_one, [(p, tag, max_bytes) for p in todo], chunksize=1)
            if ctx is not None:
                _release_tagger()  # the workers are forked by now; the parent needs no tagger
        else:
            ex = None
            _init_worker(taxonomy, model)
            it = map(_process_one, [(p, tag, max_bytes) for p in todo])
        try:
            for path, status, payload in it:
                if status == "error":
                    result.failed.append((path, payload))
                    _remember_failure(con, path, shas.get(path), payload)
                    if progress:
                        progress(path, "failed")
                    continue
                doc: Document = payload  # type: ignore[assignment]
                for w in doc.warnings:
                    result.warnings.append((path, w))
                st, vid = write_document(con, doc)
                if path in failed_before:
                    con.execute("DELETE FROM ingest_failures WHERE path = ?", (path,))
                result.pages += doc.n_pages
                result.visit_ids[path] = vid
                getattr(result, st).append(path)
                if progress:
                    progress(path, st)
        finally:
            if ex:
                ex.shutdown(cancel_futures=True)
            _release_tagger()  # a later call may name another model or taxonomy, or the file may change
        from .store.recommendations import sync_recommendations

        sync_recommendations(
            con
        )  # new, replaced or stale rows; after tagging: recommendation items are concerns
        if result.added or result.replaced:
            from .tag.corrections import apply_corrections

            apply_corrections(con)  # people's corrections outlive a re-ingest of their document
            from .store.db import set_setting

            set_setting(
                con, "taxonomy", str(taxonomy) if taxonomy and tag else ("default" if tag else "untagged")
            )
    finally:
        con.close()
    return result


def _remember_failure(con, path: str, sha: str | None, reason: str) -> None:
    if not sha:
        return
    from datetime import datetime

    from . import __version__

    con.execute(
        """INSERT INTO ingest_failures (path, sha256, reason, version, failed_at) VALUES (?,?,?,?,?)
                   ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, reason=excluded.reason,
                   version=excluded.version, failed_at=excluded.failed_at""",
        (path, sha, reason, __version__, datetime.now(UTC).isoformat(timespec="seconds")),
    )


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
