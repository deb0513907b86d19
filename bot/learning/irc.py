"""Real busy chat as negatives: the Ubuntu IRC disentanglement corpus (Kummerfeld et
al., ACL 2019, CC-BY 4.0), read where it lies and never committed.

Each log is cut into chunks of consecutive posts; each chunk is split into the pair
conversations the live tracker would make of it (reply, mention, previous speaker),
and every pair with a few messages becomes one benign conversation. Nothing in it is
grooming, so it teaches the model what "pm me", "how old is your kernel" and "don't
tell anyone my password lol" look like in ordinary adult chat.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from bot.clock import parse_timestamp
from bot.learning.corpora import Conversation, InputError, Line
from bot.models import AgeBand, Message, Participant
from bot.tracker import Tracker

ENV = "WATCHKEEPER_IRC_DIR"
"""Where the corpus lies when no path is given (``../shared/data/irc`` in this project)."""
CHUNK_POSTS = 40
MIN_PAIR_MESSAGES = 3


def irc_dir(given: str | None) -> Path | None:
    """The corpus directory: ``given``, else the environment variable, else none."""
    chosen = given or os.environ.get(ENV)
    return Path(chosen) if chosen else None


def read_posts(path: Path) -> list[dict]:
    """The posts of a ``*.jsonl.gz`` split, in log order."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return [json.loads(line) for line in stream if line.strip()]
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable IRC split ({exc})") from None


def chunks(posts: list[dict], size: int = CHUNK_POSTS) -> Iterator[list[dict]]:
    """Consecutive full chunks of ``size`` posts, within one log each."""
    by_log: dict[str, list[dict]] = {}
    for post in posts:
        by_log.setdefault(post["channel"], []).append(post)
    for log_posts in by_log.values():
        for start in range(0, len(log_posts) - size + 1, size):
            yield log_posts[start : start + size]


def as_message(post: dict, chunk_id: str) -> Message:
    return Message(
        platform="irc",
        space_id="irc",
        channel_id=chunk_id,
        message_id=str(post["id"]),
        author=Participant(str(post["author"])),
        text=str(post.get("text") or ""),
        ts=parse_timestamp(post["ts"]),
        mentions=tuple(str(m) for m in post.get("mentions") or ()),
    )


def pair_conversations(chunk: list[dict], chunk_id: str, pair_gap: timedelta) -> list[Conversation]:
    """The pairs the tracker makes of one chunk, as benign conversations."""
    tracker = Tracker(pair_gap)
    pairs: dict[object, Conversation] = {}
    for post in chunk:
        message = as_message(post, chunk_id)
        key = tracker.route(message)
        if key is None:
            continue
        conversation = pairs.get(key)
        if conversation is None:
            conversation = pairs[key] = Conversation(
                f"{chunk_id}/{len(pairs)}", "benign", None, "dm", {}
            )
        conversation.participants[message.author.user_id] = AgeBand.UNKNOWN
        conversation.messages.append(Line(message.author.user_id, message.text, message.ts))
    return [c for c in pairs.values() if len(c.messages) >= MIN_PAIR_MESSAGES]


def irc_negatives(
    path: Path, pair_gap: timedelta, every: int = 1, size: int = CHUNK_POSTS
) -> list[Conversation]:
    """Benign pair conversations from every ``every``-th chunk of the split at ``path``."""
    found: list[Conversation] = []
    for index, chunk in enumerate(chunks(read_posts(path), size)):
        if index % every == 0:
            found += pair_conversations(chunk, f"irc-{index}", pair_gap)
    return found
