"""``watchkeeper hotline CASE``: the fields a CyberTipline or CEOP report asks for, filled
from the case, as plain text to paste or as JSON. The moderator files it; watchkeeper
never sends it anywhere."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.commands.common import Context, print_json
from bot.commands.stored import add_case_arguments, case_from_args, open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    hotline = subparsers.add_parser(
        "hotline", help="a case's hotline report (CyberTipline, CEOP), for a moderator to file"
    )
    add_case_arguments(hotline)
    hotline.add_argument("--json", action="store_true", help="the fields as one JSON object")
    hotline.set_defaults(handler=handle_hotline)


def handle_hotline(args: argparse.Namespace, context: Context) -> int:
    from bot.hotline import as_text

    fields = asyncio.run(_fields(context, args))
    if args.json:
        print_json(fields)
    else:
        print(as_text(fields))
    return 0


async def _fields(context: Context, args: argparse.Namespace) -> dict[str, Any]:
    from bot import hotline
    from bot.alerts import escalation_for

    async with open_store(context.settings) as store:
        case = await case_from_args(store, args)
        return await hotline.for_case(store, case, escalation_for(case, context.settings))
