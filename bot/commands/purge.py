"""``watchkeeper purge``: apply the retention rules now (the bot also does it hourly)."""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import Context
from bot.commands.stored import cli_actor, open_store
from bot.retention import describe_purge, purge


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "purge", help="delete messages and closed cases past their retention (held data stays)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    for line in asyncio.run(_purge(context)):
        print(line)
    return 0


async def _purge(context: Context) -> list[str]:
    settings = context.settings
    async with open_store(settings) as store:
        counts = await purge(store, settings, actor=cli_actor(), audit_always=True)
    return describe_purge(counts)
