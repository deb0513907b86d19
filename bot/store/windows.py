"""Conversation windows and latest scores: the engine's reads and writes, in batches.

The engine writes windows behind scoring, a batch at a time (``write_windows``: the
messages, the conversations' latest scores and the inbox rows they came from, all or
nothing), and reads the windows of every conversation new to it in one query
(``load_windows``), after listing once which conversations a space holds
(``conversation_names``) so that it never looks for one the store cannot have. On
PostgreSQL the whole write is one statement (the rows travel as arrays): one round
trip however large the batch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from bot.clock import to_epoch
from bot.models import Level
from bot.store.base import Driver, StoredMessage, message_from_row

MESSAGE_COLUMNS = (
    "conversation, platform, space_id, channel_id, thread_id, message_id, author_id, "
    "author_name, age_band, text, ts, is_dm, reply_to, link"
)
LOAD_CHUNK = 500
"""Conversations per ``load_windows`` query, spaces per ``conversation_names`` query
(bounded statement size)."""


APPEND = (
    f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (conversation, message_id) DO NOTHING"
)
CONVERSATION_COLUMNS = "conversation, platform, space_id, last_ts, score, level, suspect_id"
ON_CONVERSATION = (
    "ON CONFLICT (conversation) DO UPDATE SET last_ts = excluded.last_ts, "
    "score = excluded.score, level = excluded.level, suspect_id = excluded.suspect_id"
)
UPSERT = (
    f"INSERT INTO conversations ({CONVERSATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
    f"{ON_CONVERSATION}"
)
DONE = "DELETE FROM inbox WHERE id = ?"

MESSAGE_TYPES = ["text"] * 10 + ["float8", "int4", "text", "text"]
CONVERSATION_TYPES = ["text"] * 3 + ["float8", "float8", "text", "text"]


def _unnest(types: list[str]) -> str:
    return f"unnest({', '.join(f'?::{t}[]' for t in types)})"


WRITE_POSTGRES = (
    f"WITH appended AS (INSERT INTO messages ({MESSAGE_COLUMNS}) "
    f"SELECT {MESSAGE_COLUMNS} FROM {_unnest(MESSAGE_TYPES)} WITH ORDINALITY "
    f"AS m({MESSAGE_COLUMNS}, n) ORDER BY n ON CONFLICT (conversation, message_id) DO NOTHING), "
    f"scored AS (INSERT INTO conversations ({CONVERSATION_COLUMNS}) "
    f"SELECT * FROM {_unnest(CONVERSATION_TYPES)} {ON_CONVERSATION}) "
    "DELETE FROM inbox WHERE id = ANY(?::int8[])"
)
"""The whole batch write in one statement: messages in order (their ids keep the
window's order), latest scores, and the inbox rows done with."""

ConversationRow = tuple[str, str, str, datetime, float, Level, str | None]


class WindowQueries:
    driver: Driver

    async def append_messages(self, items: Sequence[StoredMessage]) -> None:
        if not items:
            return
        await self.driver.executemany(APPEND, _message_rows(items))

    async def load_window(self, conversation: str, limit: int) -> list[StoredMessage]:
        rows = await self.driver.fetch(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation = ? "
            "ORDER BY id DESC LIMIT ?",
            (conversation, limit),
        )
        return [message_from_row(row) for row in reversed(rows)]

    async def conversation_messages(self, conversation: str) -> list[StoredMessage]:
        """Every stored message of a conversation, oldest first (evidence, training)."""
        rows = await self.driver.fetch(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation = ? ORDER BY ts, id",
            (conversation,),
        )
        return [message_from_row(row) for row in rows]

    async def save_conversation(
        self,
        conversation: str,
        platform: str,
        space_id: str,
        last_ts: datetime,
        score: float,
        level: Level,
        suspect_id: str | None,
    ) -> None:
        await self.save_conversations(
            [(conversation, platform, space_id, last_ts, score, level, suspect_id)]
        )

    async def save_conversations(self, rows: Sequence[ConversationRow]) -> None:
        """Upsert the latest score of many conversations in one batch."""
        await self.driver.executemany(UPSERT, _conversation_rows(rows))

    async def load_windows(
        self, conversations: Sequence[str], limit: int
    ) -> dict[str, list[StoredMessage]]:
        """The last ``limit`` messages of each conversation (oldest first), in one query
        per ``LOAD_CHUNK`` conversations; conversations with none are left out."""
        windows: dict[str, list[StoredMessage]] = {}
        for start in range(0, len(conversations), LOAD_CHUNK):
            chunk = conversations[start : start + LOAD_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = await self.driver.fetch(
                f"SELECT {MESSAGE_COLUMNS} FROM (SELECT {MESSAGE_COLUMNS}, id, ROW_NUMBER() "
                "OVER (PARTITION BY conversation ORDER BY id DESC) AS age FROM messages "
                f"WHERE conversation IN ({marks})) AS recent WHERE age <= ? "
                "ORDER BY conversation, id",
                (*chunk, limit),
            )
            for row in rows:
                stored = message_from_row(row)
                windows.setdefault(stored.conversation, []).append(stored)
        return windows

    async def conversation_names(
        self, spaces: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], set[str]]:
        """The conversations each space (platform, space id) holds in the store: every
        conversation whose window was written has its latest score beside it, kept as
        long as any of its messages is. One query per platform and ``LOAD_CHUNK``
        spaces; a space with none is left out."""
        by_platform: dict[str, list[str]] = {}
        for platform, space_id in spaces:
            by_platform.setdefault(platform, []).append(space_id)
        names: dict[tuple[str, str], set[str]] = {}
        for platform, space_ids in by_platform.items():
            for start in range(0, len(space_ids), LOAD_CHUNK):
                chunk = space_ids[start : start + LOAD_CHUNK]
                rows = await self.driver.fetch(
                    "SELECT space_id, conversation FROM conversations WHERE platform = ? "
                    f"AND space_id IN ({', '.join('?' * len(chunk))})",
                    (platform, *chunk),
                )
                for space_id, conversation in rows:
                    names.setdefault((platform, space_id), set()).add(conversation)
        return names

    async def write_windows(
        self,
        items: Sequence[StoredMessage],
        conversations: Sequence[ConversationRow],
        done: Sequence[int] = (),
    ) -> None:
        """Append window messages, upsert latest scores and delete the inbox rows
        ``done`` (the messages scored), all or nothing: one statement on PostgreSQL,
        one transaction on SQLite."""
        messages, scores = _message_rows(items), _conversation_rows(conversations)
        if self.driver.dialect == "postgresql":
            await self.driver.execute(
                WRITE_POSTGRES,
                (*_columns(messages, len(MESSAGE_TYPES)),
                 *_columns(scores, len(CONVERSATION_TYPES)), list(done)),
            )  # fmt: skip
            return
        async with self.driver.transaction() as tx:
            # Each statement is a trip to the connection's thread: none for nothing.
            for sql, rows in ((APPEND, messages), (UPSERT, scores), (DONE, [(i,) for i in done])):
                if rows:
                    await tx.executemany(sql, rows)


def _message_rows(items: Sequence[StoredMessage]) -> list[tuple[object, ...]]:
    return [
        (
            item.conversation,
            m.platform,
            m.space_id,
            m.channel_id,
            m.thread_id,
            m.message_id,
            m.author.user_id,
            m.author.display_name,
            m.author.age_band.value,
            m.text.replace("\x00", ""),
            to_epoch(m.ts),
            int(m.is_dm),
            m.reply_to,
            m.link,
        )
        for item in items
        for m in (item.message,)
    ]


def _conversation_rows(rows: Sequence[ConversationRow]) -> list[tuple[object, ...]]:
    return [
        (conversation, platform, space_id, to_epoch(last_ts), score, level.value, suspect)
        for conversation, platform, space_id, last_ts, score, level, suspect in rows
    ]


def _columns(rows: list[tuple[object, ...]], width: int) -> list[list[object]]:
    """Rows as one list per column (PostgreSQL arrays for ``unnest``)."""
    return (
        [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    )
