"""Real busy chat as negatives: the Ubuntu IRC disentanglement corpus (Kummerfeld et
al., ACL 2019, CC-BY 4.0), read where it lies and never committed.

Each log is cut into chunks of consecutive posts; each chunk is split into the pair
conversations the live tracker would make of it (reply, mention, previous speaker,
with the unaddressed lines that open them), and every pair with a few messages
becomes one benign conversation. Nothing in it is grooming, so it teaches the model
what "pm me", "how old is your kernel" and "don't tell anyone my password lol" look
like in ordinary adult chat.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from bot.learning.chatlogs import IRC_DIR_VARIABLE, load_chat_logs
from bot.learning.corpora import Conversation, InputError, Line
from bot.models import AgeBand, Message
from bot.tracker import Tracker

CHUNK_POSTS = 40
MIN_PAIR_MESSAGES = 3


def irc_dir(given: str | None) -> Path | None:
    """The corpus directory: ``given``, else ``$WATCHKEEPER_IRC_DIR``, else none (training
    adds real chat only when asked)."""
    chosen = given or os.environ.get(IRC_DIR_VARIABLE)
    return Path(chosen) if chosen else None


def pair_conversations(
    chunk: list[Message], chunk_id: str, pair_gap: timedelta
) -> list[Conversation]:
    """The pairs the tracker makes of one chunk, as benign conversations."""
    tracker = Tracker(pair_gap)
    pairs: dict[object, Conversation] = {}
    for message in chunk:
        route = tracker.route(message)
        if route is None:
            continue
        conversation = pairs.get(route.key)
        if conversation is None:
            conversation = pairs[route.key] = Conversation(
                f"{chunk_id}/{len(pairs)}", "benign", None, "dm", {}
            )
        for line in (*route.opening, message):
            conversation.participants[line.author.user_id] = AgeBand.UNKNOWN
            conversation.messages.append(Line(line.author.user_id, line.text, line.ts))
    return [c for c in pairs.values() if len(c.messages) >= MIN_PAIR_MESSAGES]


def irc_negatives(
    path: Path, pair_gap: timedelta, every: int = 1, size: int = CHUNK_POSTS
) -> list[Conversation]:
    """Benign pair conversations from every ``every``-th chunk of ``size`` consecutive
    posts (within one log) of the message JSONL at ``path``."""
    try:
        logs = load_chat_logs(path)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    found: list[Conversation] = []
    index = 0
    for log in logs:
        for start in range(0, len(log.messages) - size + 1, size):
            if index % every == 0:
                chunk = log.messages[start : start + size]
                found += pair_conversations(chunk, f"irc-{index}", pair_gap)
            index += 1
    return found
