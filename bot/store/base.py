"""The store interface: one set of operations, whatever the database.

``SqlStore`` in ``sql.py`` implements it once over a small ``Driver`` (SQLite through
aiosqlite, PostgreSQL through asyncpg), so both backends run the same queries and
the same migrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from bot.clock import from_epoch
from bot.models import AgeBand, Message, Participant


class StoreUnavailableError(Exception):
    """The database cannot be opened for a reason the admin can act on (a lock held by
    another process past the deadline); the message is one line for the CLI."""


class StoreUnusableError(Exception):
    """The configured store is not a database watchkeeper can use (a corrupt or foreign
    file, an unknown URL scheme): a setup mistake, one line for the CLI, exit 2."""


class StoreInUseError(Exception):
    """Another process already runs the bot on this SQLite file (one writer per file):
    one line naming the holder for the CLI, exit 2."""


_TRANSIENT_NAMES = {
    "OperationalError",  # sqlite3: locked, disk I/O, unable to open
    "InterfaceError",  # asyncpg: connection closed under us
    "PostgresConnectionError",
    "CannotConnectNowError",
    "TooManyConnectionsError",
    "InsufficientResourcesError",
    "AdminShutdownError",
    "QueryCanceledError",
}


def is_transient(error: BaseException) -> bool:
    """Is ``error`` the store being unavailable (retry later), rather than something
    about the data at hand (which retrying would only repeat)? Judged by class name
    and module so that this module imports neither database library."""
    if isinstance(error, OSError | TimeoutError | StoreUnavailableError):
        return True
    for cls in type(error).__mro__:
        if cls.__name__ in _TRANSIENT_NAMES and cls.__module__.split(".")[0] in (
            "sqlite3",
            "asyncpg",
        ):
            return True
    return False


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as kept in a conversation window."""

    conversation: str
    message: Message

    @property
    def age_band(self) -> AgeBand:
        return self.message.author.age_band


def message_from_row(row: Sequence[Any]) -> StoredMessage:
    (
        conversation,
        platform,
        space_id,
        channel_id,
        thread_id,
        message_id,
        author_id,
        author_name,
        age_band,
        text,
        ts,
        is_dm,
        reply_to,
        link,
    ) = row
    return StoredMessage(
        conversation,
        Message(
            platform=platform,
            space_id=space_id,
            channel_id=channel_id,
            thread_id=thread_id,
            message_id=message_id,
            author=Participant(author_id, author_name, AgeBand.parse(age_band)),
            text=text,
            ts=from_epoch(ts),
            is_dm=bool(is_dm),
            reply_to=reply_to,
            link=link,
        ),
    )


class Driver(Protocol):
    """The few things ``SqlStore`` needs from a database connection.

    Queries use ``?`` placeholders; drivers translate them if their database wants
    another style.
    """

    dialect: str
    id_type: str

    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with an ``id`` key and return the new id."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Driver]: ...

    async def checkpoint(self) -> None:
        """After deleting personal data: make sure no copy stays in a log file."""
        ...

    async def serialise(self, name: str) -> None:
        """Make the transactions that serialise ``name`` take turns, until this one ends.

        Called inside ``transaction()`` before a read whose answer the transaction acts
        on (the audit chain's last hash, whether a reminder is queued yet). A no-op on
        SQLite (``BEGIN IMMEDIATE`` already serialises writers); on PostgreSQL, with
        several processes, it takes a lock (``pg_advisory_xact_lock``).
        """
        ...
