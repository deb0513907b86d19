"""``watchkeeper replay``: a Conversation JSONL file through the full engine.

Each conversation is filed under a space of its own (``SPACE/ID``), as if each had
happened on its own server: the same people in two conversations of a file are not
one pair. Messages carry only the replies and mentions the file gives; the engine's
tracker pairs the rest, as it does live, so ``replay`` opens the cases that ``score``
reports.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands.common import Context, existing_file
from bot.commands.stored import as_the_writer

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.learning.corpora import Conversation

# The engine, the scorer and the console adapter take a second to import: each is
# imported by the handler, so other commands do not pay for it.


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="feed a Conversation JSONL file through the engine, alerts to the terminal"
    )
    parser.add_argument("file", help="Conversation JSONL")
    parser.add_argument(
        "--space", default="replay", help="prefix of the spaces the cases are filed under"
    )
    parser.set_defaults(handler=handle)


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """A case the replay opened: in which conversation, at which of its messages."""

    conversation: str
    number: int
    at: int
    """1-based index, in the conversation's message order, of the message that opened it."""
    suspect: str | None
    level: str


def handle(args: argparse.Namespace, context: Context) -> int:
    from bot.commands.scoring import load_corpus

    path = existing_file(args.file)
    errors: list[str] = []
    conversations = load_corpus(path, errors)
    for error in errors:
        print(f"watchkeeper: {error}", file=sys.stderr)
    opened = asyncio.run(replay(context.settings, conversations, args.space))
    for case in opened:
        print(
            f"replay: {case.conversation}: case {case.number} ({case.level}) opened at "
            f"message {case.at}, suspect {case.suspect or '-'}",
            file=sys.stderr,
        )
    return 0


def space_for(prefix: str, conversation: Conversation) -> str:
    return f"{prefix}/{conversation.id}".replace(":", "_")


async def replay(
    settings: Settings, conversations: list[Conversation], space: str = "replay"
) -> list[OpenedCase]:
    """Feed every conversation through a running engine (alerts to the terminal), in
    time order; returns the cases opened, in the order they were opened."""
    from adapters.console import PLATFORM, ConsoleSink
    from bot.runtime import Runtime

    messages = [
        (message.ts, conversation.id, index, message)
        for conversation in conversations
        for index, message in enumerate(
            conversation.to_messages(PLATFORM, space_for(space, conversation)), start=1
        )
    ]
    messages.sort(key=lambda item: item[0])  # stable: a conversation keeps its own order
    opened: list[OpenedCase] = []
    seen: set[int] = set()
    async with as_the_writer(settings):
        runtime = Runtime(settings)
        runtime.add_sink(ConsoleSink(colour=settings.console.color and sys.stdout.isatty()))
        async with runtime:
            for _, conversation_id, index, message in messages:
                case = await runtime.engine.ingest(message)
                if case is not None and case.id not in seen:
                    seen.add(case.id)
                    level = case.level.value
                    opened.append(
                        OpenedCase(conversation_id, case.number, index, case.suspect_id, level)
                    )
    return opened
