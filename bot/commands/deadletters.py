"""``watchkeeper deadletters``: the messages set aside because they could not be scored.

Each line names when, where and why; the body (a member's message) is shown only with
``--body``, and ages out with the conversation windows.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.clock import from_epoch, isoformat
from bot.commands.common import Context, print_json
from bot.commands.stored import open_store
from bot.config import Settings
from bot.store import deadletters


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deadletters", help="list the messages set aside because they could not be scored"
    )
    parser.add_argument("--limit", type=int, default=50, help="newest N (default 50)")
    parser.add_argument("--body", action="store_true", help="show each message as received")
    parser.add_argument("--json", action="store_true", help="one JSON object per message")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_list(context.settings, args))


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with open_store(settings) as store:
        total = await deadletters.count(store)
        letters = await deadletters.newest(store, max(1, args.limit))
    for letter in letters:
        assert letter.failed_at is not None
        entry = {
            "id": letter.id,
            "platform": letter.platform,
            "space": letter.space_id,
            "author": letter.author_id,
            "reason": letter.reason,
            "received_at": isoformat(from_epoch(letter.received_at)),
            "set_aside_at": isoformat(letter.failed_at),
        }
        if args.body:
            entry["body"] = letter.body
        if args.json:
            print_json(entry)
            continue
        print(
            f"#{letter.id} {entry['set_aside_at']} {letter.platform}/{letter.space_id} "
            f"author {letter.author_id or '?'}: {letter.reason}"
        )
        if args.body:
            print(f"    {letter.body}")
    if not args.json:
        shown = f" (newest {len(letters)} shown)" if len(letters) < total else ""
        print(f"{total} message(s) set aside{shown}")
    return 0
