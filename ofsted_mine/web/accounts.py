"""Team mode's accounts, as the web app and ``ofsted-mine users`` see them.

The accounts file and its queries belong to the store (:mod:`ofsted_mine.store.accounts`);
this module keeps the names the web package has always imported.
"""

from __future__ import annotations

from ..store.accounts import (
    MIN_PASSWORD,
    ROLES,
    AccountError,
    Accounts,
    accounts_path,
    check_password,
    hash_password,
    now,
)

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "AccountError",
    "Accounts",
    "accounts_path",
    "check_password",
    "hash_password",
    "now",
]
