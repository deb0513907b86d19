"""``watchkeeper forget --platform P --user ID``: remove a person's stored data.

What a hold keeps (cases escalated to the authorities, for the preservation period)
stays, and the command says which case keeps what, and until when.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import Context, UsageError
from bot.commands.stored import cli_actor, open_store
from bot.retention import describe_forget, forget


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forget", help="delete a person's messages and scores (except what a hold keeps)"
    )
    parser.add_argument("--platform", required=True, help="discord, slack, console, ...")
    parser.add_argument("--user", required=True, metavar="ID", help="their platform user id")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    platform, user = args.platform.strip(), args.user.strip()
    if not platform or not user:
        raise UsageError("--platform and --user must not be empty")
    for line in asyncio.run(_forget(context, platform, user)):
        print(line)
    return 0


async def _forget(context: Context, platform: str, user: str) -> list[str]:
    async with open_store(context.settings) as store:
        counts = await forget(store, platform, user, cli_actor())
    return [f"forget {platform} user {user}:", *describe_forget(counts)]
