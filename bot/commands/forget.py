"""``watchkeeper forget --platform P --user ID``: remove a person's stored data.

What a hold keeps (cases escalated to the authorities, for the preservation period)
stays, and the command says which case keeps what, and until when. A person who is
party to a case still being worked on (or held) is refused, naming the cases, unless
``--force``; ``--dry-run`` says what would go; a platform the store has never seen (a
typo: ``discrod``) is a usage error.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import Context, UsageError
from bot.commands.stored import cli_actor, open_store
from bot.retention import StillNeeded, describe_forget, forget

KNOWN_PLATFORMS = {"discord", "slack", "console"}
"""Platforms watchkeeper has adapters for; HTTP API platforms are known by their keys."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forget", help="delete a person's messages and scores (except what a hold keeps)"
    )
    parser.add_argument("--platform", required=True, help="discord, slack, console, ...")
    parser.add_argument("--user", required=True, metavar="ID", help="their platform user id")
    parser.add_argument(
        "--force", action="store_true", help="even if they are party to an open or held case"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be deleted; change nothing"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    platform, user = args.platform.strip(), args.user.strip()
    if not platform or not user:
        raise UsageError("--platform and --user must not be empty")
    for line in asyncio.run(_forget(context, platform, user, args.force, args.dry_run)):
        print(line)
    return 0


async def _forget(
    context: Context, platform: str, user: str, force: bool, dry_run: bool
) -> list[str]:
    async with open_store(context.settings) as store:
        known = KNOWN_PLATFORMS | await store.platforms_seen()
        if platform not in known:
            raise UsageError(
                f"unknown platform {platform!r}: use one of {', '.join(sorted(known))}"
            )
        try:
            counts = await forget(store, platform, user, cli_actor(), force=force,
                                  dry_run=dry_run)  # fmt: skip
        except StillNeeded as exc:
            raise UsageError(f"not forgetting {platform} user {user}: {exc}") from None
    head = f"forget {platform} user {user}" + (" (dry run: nothing was changed)" if dry_run else "")
    lines = describe_forget(counts)
    if dry_run:
        lines = [line.replace("deleted", "would delete", 1).replace("removed", "would remove")
                 for line in lines]  # fmt: skip
    return [f"{head}:", *lines]
