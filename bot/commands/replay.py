"""``watchkeeper replay``: a Conversation JSONL file through the full engine."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.commands.common import Context, existing_file
from bot.commands.stored import as_the_writer

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.models import Message

# The engine, the scorer and the console adapter take a second to import: each is
# imported by the handler, so other commands do not pay for it.


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="feed a Conversation JSONL file through the engine, alerts to the terminal"
    )
    parser.add_argument("file", help="Conversation JSONL")
    parser.add_argument("--space", default="replay", help="space id to file the cases under")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    from adapters.console import PLATFORM
    from bot.commands.scoring import load_corpus

    path = existing_file(args.file)
    settings = context.settings
    errors: list[str] = []
    conversations = load_corpus(path, errors)
    for error in errors:
        print(f"watchkeeper: {error}", file=sys.stderr)
    messages = [m for c in conversations for m in c.to_messages(PLATFORM, args.space)]
    messages.sort(key=lambda m: m.ts)  # stable: a conversation keeps its own order
    return asyncio.run(_replay(settings, messages))


async def _replay(settings: Settings, messages: list[Message]) -> int:
    from adapters.console import ConsoleSink
    from bot.runtime import Runtime

    async with as_the_writer(settings):
        runtime = Runtime(settings)
        runtime.add_sink(ConsoleSink(colour=settings.console.color and sys.stdout.isatty()))
        async with runtime:
            for message in messages:
                await runtime.engine.ingest(message)
    return 0
