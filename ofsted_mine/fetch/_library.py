"""The local library: folder layout, the manifest, the lock and files written atomically.

Layout: ``<library>/<council-slug>/<council-slug>_<kind>_<YYYY-MM-DD>_<file-id>.pdf``.

The manifest (``.ofsted-mine-manifest.json``, rewritten atomically after every change) maps
file id -> path, sha256, kind, date and which databases the file was ingested into, so a
second run downloads nothing when nothing changed.  One run at a time holds the library's
lock; temporary ``.part`` files left by a killed run are removed under it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..councils import slugify

MANIFEST_NAME = ".ofsted-mine-manifest.json"
LOCK_NAME = ".ofsted-mine.lock"
PART_PREFIX = ".ofsted-mine-"
PART_SUFFIX = ".part"


# --------------------------------------------------------------------------- names & paths


def _safe_part(s: str, allowed: str, limit: int) -> str:
    s = re.sub(f"[^{allowed}]+", "-", s.lower()).strip("-_.")
    return re.sub(r"-{2,}", "-", s)[:limit].strip("-_.")


def safe_filename(slug: str, kind: str, d: date | str | None, file_id: str) -> str:
    """<slug>_<kind>_<YYYY-MM-DD>_<file-id>.pdf with nothing but [a-z0-9_-] before '.pdf'."""
    slug = _safe_part(slug, "a-z0-9", 60) or "council"
    kind = _safe_part(kind, "a-z0-9_", 30) or "publication"
    ds = d.isoformat() if isinstance(d, date) else (d or "")
    ds = ds if re.fullmatch(r"\d{4}-\d{2}-\d{2}", ds) else "undated"
    fid = re.sub(r"[^A-Za-z0-9-]+", "", file_id)[:40].strip("-") or "0"
    return f"{slug}_{kind}_{ds}_{fid}.pdf"


def council_slug(name: str, urn: str) -> str:
    """The council's folder name: its slug, or ``urn-<digits>`` when it has no name."""
    return _safe_part(slugify(name or ""), "a-z0-9", 60) or f"urn-{re.sub(r'[^0-9]', '', urn) or 'x'}"


def inside(base: Path, p: Path) -> bool:
    """True when ``p`` resolves to somewhere under ``base``."""
    try:
        p.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False


def now() -> str:
    """The time now, UTC, to the second, ISO format (as stored in the manifest)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- files


def public_mode(p: Path) -> None:
    """mkstemp makes 0600 files; give library files the usual mode (0666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.chmod(p, 0o666 & ~mask)
    except OSError:
        pass


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort; not every system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def clean_parts(folder: Path) -> None:
    """Remove temporary files left by a run that was killed (we hold the library lock)."""
    if folder.is_dir():
        for p in folder.glob(PART_PREFIX + "*" + PART_SUFFIX):
            p.unlink(missing_ok=True)


def sha256(p: Path) -> str:
    """The file's sha256, hex."""
    with open(p, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def looks_complete_pdf(p: Path) -> bool:
    """True when the file starts like a PDF and ends with its %%EOF marker."""
    try:
        with open(p, "rb") as f:
            head = f.read(1024)
            f.seek(max(0, p.stat().st_size - 4096))
            tail = f.read()
        return b"%PDF-" in head and b"%%EOF" in tail
    except OSError:
        return False


# --------------------------------------------------------------------------- manifest


class Manifest:
    """The library's manifest: ``files`` (file id -> entry) and ``providers`` (URN -> page)."""

    def __init__(self, library: Path, data: dict[str, Any], warning: str = ""):
        self.library = library
        self.path = library / MANIFEST_NAME
        self.data = data
        self.warning = warning
        self.data.setdefault("format", 1)
        self.data.setdefault("files", {})
        self.data.setdefault("providers", {})

    @classmethod
    def load(cls, library: Path) -> Manifest:
        """The library's manifest; an empty one if missing or unreadable (with a warning)."""
        p = library / MANIFEST_NAME
        if not p.exists():
            return cls(library, {})
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
                raise ValueError("not a manifest")
            return cls(library, data)
        except (ValueError, OSError) as e:
            return cls(library, {}, warning=f"manifest unreadable ({e}); rebuilt from the files present")

    @property
    def files(self) -> dict[str, Any]:
        """file id -> entry (status ok: path, sha256, size, ...; status not_pdf: reason, checked)."""
        return self.data["files"]

    @property
    def providers(self) -> dict[str, Any]:
        """URN -> {"url", "name"} of its provider page, as found in the search listing."""
        return self.data["providers"]

    def entry_path(self, entry: dict[str, Any]) -> Path | None:
        """Where an entry's file is, or None if its path is missing or leaves the library."""
        rel = entry.get("path")
        if not rel or not isinstance(rel, str):
            return None
        p = self.library / rel
        return p if inside(self.library, p) else None

    def save(self) -> None:
        """Write the manifest atomically (temporary file, fsync, rename)."""
        self.library.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.library, prefix=PART_PREFIX + "manifest-", suffix=PART_SUFFIX)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=1, sort_keys=True, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            public_mode(Path(tmp))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def library_lock(library: Path, enabled: bool) -> Iterator[None]:
    """Hold the library's lock for the block; RuntimeError if another fetch holds it."""
    if not enabled:
        yield
        return
    library.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(library / LOCK_NAME, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RuntimeError(f"another 'ofsted-mine fetch' is using {library}") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
