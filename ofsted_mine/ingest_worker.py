"""The worker side of ``ingest``: read -> parse -> tag one file and turn it into database rows.

Ingest runs this in worker processes (see :mod:`ofsted_mine.ingestion`); the parent only
writes the rows. Everything a document's rows need is made here (sections, findings, tags,
recommendations and the recommendation rule on the findings' polarity), so the single
writing process does SQL and nothing else.

The tagger is held per process: loaded once by the parent before the workers are forked
(they share its memory), or by a worker at the first file that needs it.
"""

from __future__ import annotations

import os
from typing import Any

from .model import Document, ReadError, ReadResult
from .store.db import pack_document

_TAGGER: Any = None
_TAGGER_ARGS: tuple = (None, "default")
_IN_POOL = False
#: files: below this, the parent does not load the tagger for the workers to share (each worker
#: loads it only if a file gets that far)
PRELOAD_MIN = 8


def use_tagger(taxonomy, model) -> None:
    """Name the taxonomy and model that this process's tagger is made from (a tagger made from
    others is dropped; the tagger itself is loaded at first need, :func:`get_tagger`)."""
    global _TAGGER, _TAGGER_ARGS
    if _TAGGER_ARGS[0] is not taxonomy or _TAGGER_ARGS[1] is not model:  # keep only a tagger made from these
        _TAGGER = None
    _TAGGER_ARGS = (taxonomy, model)


def get_tagger():
    """This process's tagger (loaded now if it is not yet)."""
    global _TAGGER
    if _TAGGER is None:
        from .tag import Tagger

        _TAGGER = Tagger(_TAGGER_ARGS[0], model=_TAGGER_ARGS[1])
        if _IN_POOL:
            import gc

            gc.freeze()
    return _TAGGER


def release_tagger() -> None:
    """Drop this process's tagger (a later ingest may name another model, or the file may change)."""
    global _TAGGER
    _TAGGER = None


def fork_context():
    """The "fork" start method where the platform has it: workers then inherit a tagger
    loaded once by the parent instead of each importing spaCy/scikit-learn and loading it."""
    import multiprocessing as mp

    try:
        return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    except ValueError:
        return None


def die_with_parent(parent: int) -> None:
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


def init_pool_worker(taxonomy, model, parent: int | None = None) -> None:
    """A worker process of ``ingest``: it dies with its parent (:func:`die_with_parent`);
    it makes many short-lived objects and keeps a large, long-lived tagger, so the cyclic
    garbage collector is told to run less often and to leave the tagger (inherited from
    the parent, or loaded at the first file that needs it) out of its scans."""
    import gc

    global _IN_POOL
    if parent is not None:
        die_with_parent(parent)
    _IN_POOL = True
    use_tagger(taxonomy, model)
    gc.set_threshold(50_000, 20, 50)
    gc.freeze()


def init_reader(parent: int | None = None) -> None:
    """The read-ahead process of ``ingest`` (see :func:`read_one`): it dies with its parent."""
    if parent is not None:
        die_with_parent(parent)


def read_one(args: tuple) -> tuple[str, ReadResult | None]:
    """Read one file ahead of its processing (while the parent loads the tagger): (path,
    :class:`~ofsted_mine.model.ReadResult`), or (path, None) if it cannot be read (the file is
    then read again by :func:`process_file`, which reports why)."""
    path, max_bytes = args
    from .read import read_file

    try:
        return path, read_file(path, max_bytes=max_bytes)
    except Exception:  # said by process_file, in its turn
        return path, None


def process_file(
    path: str,
    data: bytes | None = None,
    tag: bool = True,
    max_bytes: int | None = -1,
    pre_read: ReadResult | None = None,
) -> tuple[str, object]:
    """read -> parse -> tag one file. Returns ("ok", Document) or ("error", reason).
    ``max_bytes``: refuse larger files (default :data:`ofsted_mine.read.MAX_INPUT_BYTES`;
    None: no limit). ``pre_read``: the file already read (:func:`read_one`)."""
    from .parse import parse
    from .read import MAX_INPUT_BYTES, check_size, read_bytes, read_file

    if max_bytes == -1:
        max_bytes = MAX_INPUT_BYTES
    try:
        if data is not None:
            check_size(len(data), max_bytes)
        if pre_read is not None:
            rr = pre_read
        elif data is not None:
            rr = read_bytes(data, path)
        else:
            rr = read_file(path, max_bytes=max_bytes)
        doc = parse(rr)
        if tag:
            get_tagger().tag_document(doc)
        return "ok", doc
    except ReadError as e:
        return "error", str(e)
    except Exception as e:  # a bug or an odd file must not stop the batch
        return "error", f"could not process ({type(e).__name__}: {e})"


def process_one(args: tuple) -> tuple[str, str, object]:
    """One file of an ingest, in a worker (``args``: path, tag, max_bytes, the file already read
    or None): (path, "ok", packed Document) or (path, "error", reason).
    The document goes back as rows (:func:`ofsted_mine.store.db.pack_document`), not objects."""
    path, tag, max_bytes, pre_read = args
    status, payload = process_file(path, tag=tag, max_bytes=max_bytes, pre_read=pre_read)
    if status == "ok":
        assert isinstance(payload, Document)
        try:
            pack_document(payload)  # rows, not objects, go back to the writing process
        except Exception as e:  # a bug or an odd document must not stop the batch
            return path, "error", f"could not process ({type(e).__name__}: {e})"
    return path, status, payload
