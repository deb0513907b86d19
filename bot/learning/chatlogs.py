"""Real chat logs in message JSONL (what ``watchkeeper run --input`` reads), optionally
annotated with who answers whom.

Each line is one message, read exactly as the terminal adapter reads it; lines are
grouped into logs by ``channel``, in file order. An annotated line carries
``gold_parents``: the ids of the earlier lines it answers (``[]``: it starts a new
conversation). Files may be gzip-compressed (``.gz``).

The IRC disentanglement corpus (Kummerfeld et al., "A Large-Scale Corpus for
Conversation Disentanglement", ACL 2019; CC-BY 4.0) is in this format at
``../shared/data/irc/`` beside a checkout (or ``$WATCHKEEPER_IRC_DIR``). It is read
where it lies, never copied into the project.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.messages import BadMessage, parse_message
from bot.models import Message

IRC_DIR_VARIABLE = "WATCHKEEPER_IRC_DIR"


@dataclass(slots=True)
class ChatLog:
    """One channel's messages in order, and the annotated lines' gold parents."""

    name: str
    messages: list[Message] = field(default_factory=list)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Message id -> the ids of the lines it answers, for annotated lines only."""


def irc_dir() -> Path | None:
    """Where the IRC corpus is: ``$WATCHKEEPER_IRC_DIR``, else ``../shared/data/irc``
    beside the checkout; None when neither holds it."""
    configured = os.environ.get(IRC_DIR_VARIABLE)
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "irc")
    return next((c for c in candidates if (c / "dev.jsonl.gz").is_file()), None)


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def load_chat_logs(path: Path, errors: list[str] | None = None) -> list[ChatLog]:
    """Every channel of a message JSONL file, in order of first appearance; a bad line
    is reported in ``errors`` as 'path:line: skipped: reason' and the rest is read. A
    file that cannot be read, or holds conversations, is a ``ValueError``."""
    logs: dict[str, ChatLog] = {}
    try:
        with _open(path) as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                    if not logs and isinstance(obj, dict) and "messages" in obj:
                        raise ValueError(
                            f"{path}: this is Conversation JSONL (one conversation per line); "
                            "this command reads message JSONL (one message per line, as "
                            "`watchkeeper run --input` reads)"
                        )
                    message = parse_message(obj, number)
                    parents = obj.get("gold_parents")
                    if parents is not None and not isinstance(parents, list):
                        raise BadMessage("gold_parents", "must be a list of message ids")
                except (json.JSONDecodeError, BadMessage) as exc:
                    if errors is not None:
                        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                        errors.append(f"{path}:{number}: skipped: {reason}")
                    continue
                log = logs.get(message.channel_id)
                if log is None:
                    log = logs[message.channel_id] = ChatLog(message.channel_id)
                log.messages.append(message)
                if parents is not None:
                    log.parents[message.message_id] = tuple(str(p) for p in parents)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from None
    return list(logs.values())
