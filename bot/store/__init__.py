"""Persistence: one interface (``SqlStore``), SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from bot.config import StorageConfig
from bot.store.sql import NewCase, SqlStore
from bot.store.sqlite import sqlite_store

__all__ = ["NewCase", "SqlStore", "store_for"]


def store_for(config: StorageConfig) -> SqlStore:
    """The store the configuration names; call ``open()`` (or ``async with``) on it."""
    if config.url.startswith(("postgresql://", "postgres://")):
        from bot.store.postgres import postgres_store

        password = config.password.get_secret_value() if config.password else None
        return postgres_store(config.url, password=password)
    if config.url.startswith("sqlite:///"):
        return sqlite_store(config.url.removeprefix("sqlite:///"))
    return sqlite_store(config.sqlite_path)
