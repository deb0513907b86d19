"""Conversation windows and latest scores: the engine's reads and writes, in batches.

The engine writes windows behind scoring, a batch at a time (``write_windows``: the
messages and the conversations' latest scores in one transaction), and reads the
windows of every conversation new to it in one query (``load_windows``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import to_epoch
from bot.models import Level
from bot.store.base import Driver, StoredMessage, message_from_row

MESSAGE_COLUMNS = (
    "conversation, platform, space_id, channel_id, thread_id, message_id, author_id, "
    "author_name, age_band, text, ts, is_dm, reply_to, link"
)
LOAD_CHUNK = 500
"""Conversations per ``load_windows`` query (bounded statement size)."""


APPEND = (
    f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (conversation, message_id) DO NOTHING"
)
UPSERT = (
    "INSERT INTO conversations (conversation, platform, space_id, last_ts, score, level, "
    "suspect_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation) DO UPDATE SET "
    "last_ts = excluded.last_ts, score = excluded.score, level = excluded.level, "
    "suspect_id = excluded.suspect_id"
)

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

    async def write_windows(
        self, items: Sequence[StoredMessage], conversations: Sequence[ConversationRow]
    ) -> None:
        """Append window messages and upsert latest scores, in one transaction."""
        async with self.driver.transaction() as tx:
            await tx.executemany(APPEND, _message_rows(items))
            await tx.executemany(UPSERT, _conversation_rows(conversations))


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
