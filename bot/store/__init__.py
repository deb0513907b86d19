"""Persistence: one interface (``SqlStore``), SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.config import StorageConfig
from bot.store.auditkey import KEY_FILE
from bot.store.base import StoreUnusableError
from bot.store.sql import CaseWrite, NewCase, SqlStore
from bot.store.sqlite import sqlite_store

__all__ = ["CaseWrite", "NewCase", "SqlStore", "store_for"]


def store_for(config: StorageConfig) -> SqlStore:
    """The store the configuration names; call ``open()`` (or ``async with``) on it."""
    if config.url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import postgres_store

        password = config.password.get_secret_value() if config.password else None
        store = postgres_store(config.url, password=password)
        store.audit_key_path = config.data_dir / KEY_FILE
        return store
    if config.url.startswith("sqlite:///"):
        return sqlite_store(config.url.removeprefix("sqlite:///"))
    if config.url:
        scheme = urlsplit(config.url).scheme or config.url.split(":")[0]
        raise StoreUnusableError(
            f"storage.url: unknown scheme {scheme!r} (use postgresql://... or "
            "sqlite:///PATH, or leave it empty for the SQLite file in storage.data_dir)"
        )
    return sqlite_store(config.sqlite_path)
