"""The terminal adapter: messages in as JSONL, alerts out as text a moderator reads.

This is the embedded default, used when no platform token is configured. Each input
line is one message:

    {"space": "demo", "channel": "general", "id": "m1", "author": "u1",
     "author_name": "Sam", "age_band": "adult", "text": "hi", "ts": "2025-03-01T18:02:11Z",
     "reply_to": null, "mentions": [], "dm": false}

Only ``author`` and ``text`` are required (the codec: ``bot/messages.py``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import IO, Any, TextIO

from bot import alerts
from bot.messages import CONSOLE, BadMessage, parse_message
from bot.models import Case, Level
from bot.tracker import Tracker

PLATFORM = CONSOLE

_COLOURS = {Level.CRITICAL: "\033[1;31m", Level.HIGH: "\033[31m", Level.WATCH: "\033[33m"}
_RESET = "\033[0m"


def render(case: Case, colour: bool = False) -> str:
    """An alert as text: level, case number, who, why (with quotes), state."""
    body = alerts.content(case)
    bands = {p.user_id: p for p in case.participants}

    def who(user_id: str | None) -> str:
        if user_id is None:
            return "unknown"
        person = bands.get(user_id)
        name = f"{person.display_name} ({user_id})" if person and person.display_name else user_id
        band = person.age_band.value if person else "unknown"
        return f"{name}, age band {band}"

    start, end = (_COLOURS.get(case.level, ""), _RESET) if colour else ("", "")
    lines = [
        f"{start}== [{case.level.value.upper()}] {body.title} =={end}",
        f"   space {case.space_id} · {case.conversation}",
    ]
    if case.suspect_id:
        lines.append(f"   suspect: {who(case.suspect_id)}")
    others = [p.user_id for p in case.participants if p.user_id != case.suspect_id]
    if others:
        lines.append(f"   with: {'; '.join(who(o) for o in others)}")
    lines.append(f"   {body.summary}")
    if body.reasons:
        lines.append("   why:")
        lines += [f'    - {r.label}: "{r.quote}" ({r.author_id})' for r in body.reasons]
    lines.append(f"   {body.state_line}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Shown:
    """What the terminal last showed of a case, to print only what changed."""

    level: Level
    score: float
    state: str
    signals: frozenset[tuple[str, str]]
    """(signal name, message id): a sign, and the message that showed it."""
    decisions: int

    @classmethod
    def of(cls, case: Case) -> _Shown:
        signals = frozenset((s.name, s.message_id) for s in case.signals)
        return cls(case.level, case.score, case.state.value, signals, len(case.decisions))


def describe_change(before: _Shown, case: Case) -> str | None:
    """One line for an update of a case already shown: what is new since; None when
    the terminal already shows it all (the outbox delivers the case as it is at
    delivery, so a card may already include the change its update was queued for)."""
    now = _Shown.of(case)
    changes = []
    if now.level != before.level:
        changes.append(f"{before.level.value} -> {now.level.value}")
    if f"{now.score:.2f}" != f"{before.score:.2f}":
        changes.append(f"score {before.score:.2f} -> {now.score:.2f}")
    known = {name for name, _ in before.signals}
    fresh = {name for name, _ in now.signals - before.signals}
    if fresh - known:
        labels = sorted(alerts.SIGNAL_LABELS.get(name, name) for name in fresh - known)
        changes.append(f"new: {', '.join(labels)}")
    if fresh & known:
        changes.append(f"more evidence of {len(fresh & known)} sign(s)")
    if now.state != before.state or now.decisions != before.decisions:
        changes.append(alerts.state_line(case).removeprefix("State: "))
    return f"-- case {case.number}: {'; '.join(changes)}" if changes else None


class ConsoleSink:
    """Shows alerts in the terminal; the 'moderator channel' is standard output.

    A case's card is printed once; each update is one line saying what changed, so a
    case that climbs from watch to critical over twenty messages stays readable.
    """

    platform = PLATFORM

    def __init__(self, out: TextIO | None = None, colour: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.colour = self.out.isatty() if colour is None else colour
        self._ids = count(1)
        self._shown: dict[int, _Shown] = {}

    @property
    def cases_shown(self) -> int:
        return len(self._shown)

    async def post(self, case: Case, idempotency_key: str) -> str:
        print(render(case, self.colour), file=self.out, flush=True)
        self._shown[case.id] = _Shown.of(case)
        return f"console-{case.id}"

    async def update(self, case: Case, platform_message_id: str) -> None:
        before = self._shown.get(case.id)
        if before is None:  # shown by an earlier run: show it whole once
            print(f"-- case {case.number} (from an earlier run) --", file=self.out)
            print(render(case, self.colour), file=self.out, flush=True)
        else:
            change = describe_change(before, case)
            if change:
                print(change, file=self.out, flush=True)
        self._shown[case.id] = _Shown.of(case)

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        print(f"== digest for {space_id}: {len(cases)} more case(s) ==", file=self.out)
        for case in cases:
            suspect = case.suspect_id or "unknown"
            print(f"   case {case.number}: {case.level.value}, suspect {suspect}", file=self.out)
            self._shown[case.id] = _Shown.of(case)
        self.out.flush()
        return f"console-digest-{next(self._ids)}"


async def read_lines(stream: IO[str]) -> Any:
    """Yield lines from a file or standard input without blocking the event loop."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        yield line


@dataclass(slots=True)
class FeedCounts:
    messages: int = 0
    skipped: int = 0
    conversations: int = 0


async def feed(engine: Any, stream: IO[str], errors: TextIO, source: str = "input") -> FeedCounts:
    """Send every message line of ``stream`` to the engine; returns what was read.

    Conversations are counted with a tracker of their own, fed the same messages the
    engine watches, so the count is the engine's grouping (DMs, channel pairs).
    """
    counts = FeedCounts()
    tracker = Tracker(timedelta(seconds=engine.settings.detection.pair_gap_seconds))
    conversations: set[str] = set()
    number = 0
    async for raw in read_lines(stream):
        number += 1
        if not raw.strip():
            continue
        try:
            message = parse_message(json.loads(raw), number)
        except (json.JSONDecodeError, BadMessage) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            print(f"{source}:{number}: skipped: {reason}", file=errors)
            counts.skipped += 1
            continue
        await engine.ingest(message)
        counts.messages += 1
        route = tracker.route(message) if engine.policy.watching(message) else None
        if route is not None:
            conversations.add(str(route.key))
    counts.conversations = len(conversations)
    return counts


def summary(source: str, counts: FeedCounts, cases: int) -> str:
    """The last line of a terminal run: what was read and what came of it."""
    skipped = f" ({counts.skipped} skipped)" if counts.skipped else ""
    return (
        f"watchkeeper: end of {source}: {counts.messages} messages{skipped}, "
        f"{counts.conversations} conversations, {cases} case(s)"
    )
