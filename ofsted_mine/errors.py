"""Errors a user can act on.

Every error that should reach a user as one line (naming the thing and the reason, never a
traceback) is an :class:`OfstedMineError`. ``str(err)`` is that line. The CLI's ``main()``
prints it as ``error: <line>`` on stderr and exits with :attr:`exit_code` (1, or 2 for a
usage error). Library callers catch :class:`OfstedMineError` (or one of its subclasses).
"""

from __future__ import annotations


class OfstedMineError(Exception):
    """Base class: a one-line, user-facing error. Exit code 1."""

    exit_code = 1


class UsageError(OfstedMineError):
    """A bad option value (unknown theme, kind, format, malformed date, …). Exit code 2."""

    exit_code = 2


class DatabaseError(OfstedMineError):
    """The database cannot be used: missing, not a database, not ofsted-mine's, corrupt,
    from a newer schema, read-only where a write is needed, …"""


class InputError(OfstedMineError):
    """An input file cannot be used (missing, unreadable, too large, malformed, …)."""


class ModelError(OfstedMineError):
    """A tagging model cannot be loaded or trained."""


class NotFoundError(OfstedMineError):
    """A council, visit or finding the user named is not stored (may carry suggestions)."""
