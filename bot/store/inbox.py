"""The inbox of accepted messages, and which process scores each space (its lease).

Any process may accept a message (an HTTP request can land anywhere behind a load
balancer); the message is kept here first, so a ``202 Accepted`` is a promise that
survives a crash. Exactly one process at a time scores each space: the holder of the
space's lease. It takes the space's messages in arrival order, so the space's
conversations, pairings and flood counts are those a single process would compute.

A lease names its owner and runs out unless renewed; ``generation`` counts the
changes of owner, so a process that gets a space back after someone else held it
knows its memory of that space is stale.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_epoch, to_epoch
from bot.messages import BadMessage, decode_message
from bot.models import Message
from bot.store.deadletters import DeadLetter
from bot.store.sql import SqlStore


@dataclass(frozen=True, slots=True)
class Pending:
    """A space with messages waiting, and since when the oldest has waited."""

    platform: str
    space_id: str
    oldest: datetime
    count: int


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every body (``json.dumps`` with options builds one per call)."""


def encode(message: Message) -> str:
    a = message.author
    return _ENCODER.encode(
        {
            "platform": message.platform,
            "space_id": message.space_id,
            "channel_id": message.channel_id,
            "message_id": message.message_id,
            "author": [a.user_id, a.display_name, a.age_band.value, a.is_bot],
            "text": message.text,
            "ts": to_epoch(message.ts),
            "is_dm": message.is_dm,
            "thread_id": message.thread_id,
            "reply_to": message.reply_to,
            "mentions": list(message.mentions),
            "link": message.link,
        }
    )


def decode(body: str) -> Message:
    """A kept message, read by the message codec: a body that did not come through the
    API's checks (written by hand, or by an older version) raises ``ValueError`` here
    (``BadMessage`` naming the field) rather than anywhere deeper."""
    d = json.loads(body)
    if not isinstance(d, dict):
        raise BadMessage("", "expected a JSON object")
    author = d.get("author")
    if not isinstance(author, list) or len(author) != 4:
        raise BadMessage("author", "must be [id, name, age band, is bot]")
    user_id, name, band, is_bot = author
    fields = {
        "space": d.get("space_id"),
        "channel": d.get("channel_id"),
        "id": d.get("message_id"),
        "author": user_id,
        "author_name": name,
        "age_band": band,
        "bot": is_bot,
        "text": d.get("text"),
        "ts": d.get("ts"),
        "dm": d.get("is_dm"),
        "thread": d.get("thread_id"),
        "reply_to": d.get("reply_to"),
        "mentions": d.get("mentions"),
        "link": d.get("link"),
    }
    return decode_message(fields, d.get("platform"))


def author_of(body: str) -> str | None:
    """The author id of a body that may not decode (for a dead letter's ``forget``)."""
    try:
        author = json.loads(body)["author"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return author if isinstance(author, str) else None


@dataclass(frozen=True, slots=True)
class Taken:
    """A message taken from the inbox: decoded, or the reason it could not be."""

    id: int
    platform: str
    space_id: str
    body: str
    received_at: float
    message: Message | None
    problem: str | None = None

    def dead_letter(self, reason: str) -> DeadLetter:
        return DeadLetter(
            self.platform, self.space_id, author_of(self.body), self.body, reason, self.received_at
        )


class Accepted:
    """The messages this process put in the inbox, by the body stored for each: when
    it takes them back to score them it need not decode them again (``decode`` is most
    of what taking a batch costs the process). For messages read by the message codec
    (the HTTP API's), which ``decode`` gives back equal. Bounded: the oldest are let go
    first (their space may be scored by another process); a message not found here is
    decoded from its body, as one accepted by another process is."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._by_body: OrderedDict[str, Message] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_body)

    def keep(self, body: str, message: Message) -> None:
        self._by_body[body] = message
        if len(self._by_body) > self.limit:
            self._by_body.popitem(last=False)

    def pop(self, body: str) -> Message | None:
        return self._by_body.pop(body, None)


def _taken(
    id_: int,
    platform: str,
    space_id: str,
    body: str,
    received_at: float,
    accepted: Accepted | None,
) -> Taken:
    message = accepted.pop(body) if accepted is not None else None
    if message is None:
        try:
            message = decode(body)
        except ValueError as exc:
            return Taken(id_, platform, space_id, body, received_at, None, f"unreadable: {exc}")
    return Taken(id_, platform, space_id, body, received_at, message)


PUT_POSTGRES = (
    "INSERT INTO inbox (platform, space_id, body, received_at) SELECT p, s, b, ?::float8 "
    "FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS m(p, s, b, n) ORDER BY n"
)
"""All of a request's messages in one statement (the rows travel as arrays); ids in
the order given, which is the order a space's messages are scored in."""


async def put(
    store: SqlStore, messages: Sequence[Message], now: datetime, accepted: Accepted | None = None
) -> None:
    """Keep accepted messages, in order, atomically (one statement on PostgreSQL);
    ``accepted``: remember them there, to be scored without decoding them again."""
    bodies = [encode(m) for m in messages]
    if accepted is not None:
        for body, message in zip(bodies, messages, strict=True):
            accepted.keep(body, message)
    if store.driver.dialect == "postgresql":
        platforms, spaces = [m.platform for m in messages], [m.space_id for m in messages]
        await store.driver.execute(PUT_POSTGRES, (to_epoch(now), platforms, spaces, bodies))
        return
    received = to_epoch(now)
    await store.driver.executemany(
        "INSERT INTO inbox (platform, space_id, body, received_at) VALUES (?, ?, ?, ?)",
        [
            (m.platform, m.space_id, body, received)
            for m, body in zip(messages, bodies, strict=True)
        ],
    )


async def pending(store: SqlStore, limit: int = 200) -> list[Pending]:
    rows = await store.driver.fetch(
        "SELECT platform, space_id, MIN(received_at), COUNT(*) FROM inbox "
        "GROUP BY platform, space_id ORDER BY MIN(id) LIMIT ?",
        (limit,),
    )
    return [Pending(p, s, from_epoch(t), int(n)) for p, s, t, n in rows]


async def depth(store: SqlStore) -> int:
    rows = await store.driver.fetch("SELECT COUNT(*) FROM inbox")
    return int(rows[0][0])


@dataclass(frozen=True, slots=True)
class Batch:
    """Messages taken from the inbox, and the lease generation of each of their spaces
    (for the consumer to notice a space another process held in between)."""

    taken: list[Taken]
    generations: dict[tuple[str, str], int]


TAKE = (
    "SELECT i.id, i.platform, i.space_id, i.body, i.received_at, l.generation FROM inbox i "
    "JOIN space_leases l ON l.platform = i.platform AND l.space_id = i.space_id "
    "WHERE l.owner = ? AND l.expires_at >= ? ORDER BY i.id LIMIT ?"
)


async def take(
    store: SqlStore,
    owner: str,
    now: datetime,
    lease_left: float,
    limit: int,
    accepted: Accepted | None = None,
) -> Batch:
    """The oldest waiting messages of every space ``owner`` holds with at least
    ``lease_left`` seconds of its lease to run, in arrival order, in one query: the
    store, not the process's memory, says which spaces those are. A message that
    cannot be read back comes with its ``problem`` instead (to be set aside); one
    found in ``accepted`` is not decoded again."""
    rows = await store.driver.fetch(TAKE, (owner, to_epoch(now) + lease_left, limit))
    generations = {(p, s): int(g) for _, p, s, _, _, g in rows}
    taken = [_taken(int(id_), p, s, body, float(t), accepted) for id_, p, s, body, t, _ in rows]
    return Batch(taken, generations)


# -- leases --------------------------------------------------------------------------


async def acquire(
    store: SqlStore, platform: str, space_id: str, owner: str, now: datetime, ttl: float
) -> int | None:
    """Take or renew the space's lease; its generation if ``owner`` holds it now."""
    t = to_epoch(now)
    rows = await store.driver.fetch(
        "INSERT INTO space_leases (platform, space_id, owner, generation, expires_at) "
        "VALUES (?, ?, ?, 1, ?) ON CONFLICT (platform, space_id) DO UPDATE SET "
        "generation = CASE WHEN space_leases.owner = excluded.owner "
        "THEN space_leases.generation ELSE space_leases.generation + 1 END, "
        "owner = excluded.owner, expires_at = excluded.expires_at "
        "WHERE space_leases.owner = excluded.owner OR space_leases.expires_at < ? "
        "RETURNING generation",
        (platform, space_id, owner, t + ttl, t),
    )
    return int(rows[0][0]) if rows else None


async def renew_all(
    store: SqlStore, owner: str, now: datetime, ttl: float
) -> dict[tuple[str, str], int]:
    """Extend every live lease ``owner`` holds; returns them with their generations
    (a lease that ran out and was taken by another process is no longer listed)."""
    t = to_epoch(now)
    rows = await store.driver.fetch(
        "UPDATE space_leases SET expires_at = ? WHERE owner = ? AND expires_at >= ? "
        "RETURNING platform, space_id, generation",
        (t + ttl, owner, t),
    )
    return {(p, s): int(g) for p, s, g in rows}


async def release_all(store: SqlStore, owner: str, now: datetime) -> None:
    """Give up every lease (a clean shutdown): others may take the spaces at once."""
    await store.driver.execute(
        "UPDATE space_leases SET expires_at = ? WHERE owner = ?", (to_epoch(now) - 1, owner)
    )
