"""A bounded load test of the HTTP ingest API, on this machine only.

Generates ordinary chat (with a few conversations showing grooming tactics, written
as the test corpus writes them), posts it to one or more ``watchkeeper run``
processes on 127.0.0.1 (round robin, as a load balancer would), and measures two
rates: how fast the API *accepts* messages (stored in the inbox, 202), and how fast
they are *scored* (until every process reports an empty inbox on ``/metrics``).

Bounded in count (``messages``) and time (``time_limit``); refuses any address that
is not the loopback interface.

Waiting for the inboxes to empty, the test asks ``/metrics`` (which counts the inbox
on the store) as seldom as it can without blurring the end: about four times per the
time the work left should take at the rate seen so far, and every ``POLL_MIN`` seconds
near the end. Polling at a fixed 50 ms cost the processes under test a scrape and
three counting queries twenty times a second, which they paid in scoring time.

The API limits each key's messages a minute (per process). A load test posting more
than that with an ordinary key would measure the limit, not scoring; so unless it is
given a key, the test makes a key of its own in the store the processes share
(``own_key``), limited to exactly what the test sends, and revokes it at the end.
Other keys keep their limits.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp

from bot.store import SqlStore
from bot.store.apikeys import ApiKey, create_key, revoke_key

POLL_MIN = 0.05
"""Seconds between two looks at the inbox depth near the end: the figure's resolution."""
POLL_MAX = 1.0
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHAT = [
    "anyone up for the build contest",
    "yes whats the theme",
    "castles, teams of 3",
    "nice, count me in",
    "did you see the new update",
    "the boss fight is so hard lol",
    "brb dinner",
    "gg everyone",
    "who wants to trade",
    "my wifi is terrible today",
]
APPROACH = [
    "you're really good at this game. how old r u?",
    "ur so mature for ur age honestly",
    "dont tell anyone we talk ok, its just between us",
    "add me on snap its more private",
    "send me a selfie so i know its u",
]


@dataclass(frozen=True, slots=True)
class Result:
    messages: int
    requests: int
    accept_seconds: float
    scored_seconds: float | None
    errors: int
    accepted: int
    """Messages answered 202: the only ones the rates count."""
    rate_limited: int
    """Requests answered 429 (the key's rate limit)."""

    @property
    def accepted_per_second(self) -> float:
        return self.accepted / self.accept_seconds if self.accept_seconds else 0.0

    @property
    def scored_per_second(self) -> float | None:
        if not self.scored_seconds:
            return None
        return self.accepted / self.scored_seconds


def check_loopback(urls: Sequence[str]) -> None:
    for url in urls:
        host = urlparse(url).hostname or ""
        if host not in LOOPBACK and not host.startswith("127."):
            raise ValueError(f"{url}: the load test only targets this machine (127.0.0.1)")


def space_names(spaces: int) -> list[str]:
    return [f"load-{n}" for n in range(spaces)]


async def own_key(store: SqlStore, spaces: int, messages: int) -> tuple[ApiKey, str]:
    """A key for the test's spaces whose limit is what the test sends: every message,
    and a request for each at most (so no 429), once."""
    return await create_key(
        store, space_names(spaces), "loadtest", actor="loadtest", rate_limit=2 * messages
    )


async def drop_key(store: SqlStore, key: ApiKey) -> None:
    await revoke_key(store, key.key_id, actor="loadtest")


def generate(messages: int, spaces: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Per space, its messages in order: channel chat among members, and one DM in
    ten in which an adult uses grooming tactics on a minor."""
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in space_names(spaces)}
    names = list(out)
    start = 1_740_000_000.0
    for i in range(messages):
        space = names[i % spaces]
        seq = len(out[space])
        if seq % 10 == 3:
            author = {"id": "adult-1", "age_band": "adult"}
            text, channel, dm = APPROACH[(seq // 10) % len(APPROACH)], "dm-1", True
        elif seq % 10 == 4:
            author = {"id": "minor-1", "age_band": "minor"}
            text, channel, dm = "ok", "dm-1", True
        else:
            member = rng.randrange(20)
            author = {"id": f"member-{member}", "age_band": "minor" if member % 3 else "adult"}
            text, channel, dm = rng.choice(CHAT), f"channel-{rng.randrange(3)}", False
        out[space].append(
            {
                "space": space,
                "channel": channel,
                "id": f"{space}-{seq}",
                "author": author,
                "text": text,
                "ts": start + i * 0.5,
                "dm": dm,
            }
        )
    return out


async def _inbox_depth(session: aiohttp.ClientSession, url: str) -> float:
    async with session.get(url + "/metrics") as response:
        for line in (await response.text()).splitlines():
            if line.startswith("watchkeeper_inbox_depth "):
                return float(line.split()[1])
    return 0.0


def poll_after(waiting: float, accepted: int, elapsed: float) -> float:
    """Seconds until the next look at the inboxes: a quarter of the time ``waiting``
    messages take at the rate they were scored so far, within POLL_MIN..POLL_MAX."""
    done = accepted - waiting
    if done <= 0 or elapsed <= 0:
        return POLL_MIN
    return min(POLL_MAX, max(POLL_MIN, waiting / (done / elapsed) / 4))


async def run(
    urls: Sequence[str],
    key: str,
    messages: int = 12_000,
    batch: int = 100,
    concurrency: int = 8,
    spaces: int = 40,
    time_limit: float = 120.0,
) -> Result:
    """Post ``messages`` in batches of ``batch`` from ``concurrency`` senders; each
    sender owns some spaces, so every space's messages stay in order."""
    check_loopback(urls)
    bases = [u.rstrip("/") for u in urls]
    plan = generate(messages, spaces)
    lanes = [list(plan)[n::concurrency] for n in range(concurrency)]
    deadline = time.monotonic() + time_limit
    counts = {"requests": 0, "errors": 0, "accepted": 0, "rate_limited": 0}
    targets = itertools.cycle(bases)
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:

        async def sender(lane: list[str]) -> None:
            queue = [
                m for group in itertools.zip_longest(*(plan[s] for s in lane)) for m in group if m
            ]
            for start in range(0, len(queue), batch):
                if time.monotonic() > deadline:
                    raise TimeoutError("load test time limit reached")
                chunk = queue[start : start + batch]
                body = chunk[0] if batch == 1 else {"messages": chunk}
                async with session.post(next(targets) + "/v1/messages", json=body) as response:
                    counts["requests"] += 1
                    if response.status == 202:
                        counts["accepted"] += len(chunk)
                    else:
                        counts["errors"] += 1
                        counts["rate_limited"] += response.status == 429
                    await response.read()

        began = time.monotonic()
        await asyncio.gather(*(sender(lane) for lane in lanes if lane))
        accepted = time.monotonic() - began
        scored: float | None = None
        while time.monotonic() < deadline:
            depths = await asyncio.gather(*(_inbox_depth(session, b) for b in bases))
            elapsed = time.monotonic() - began
            if max(depths) == 0:
                scored = elapsed
                break
            await asyncio.sleep(poll_after(max(depths), counts["accepted"], elapsed))
    return Result(
        messages,
        counts["requests"],
        accepted,
        scored,
        counts["errors"],
        counts["accepted"],
        counts["rate_limited"],
    )
