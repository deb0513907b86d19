"""``watchkeeper loadtest``: measure the HTTP API on this machine (127.0.0.1 only)."""

from __future__ import annotations

import argparse
import asyncio
import functools
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError, print_json

if TYPE_CHECKING:
    from bot.loadtest import Result


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "loadtest", help="post generated chat to running HTTP API processes and time it"
    )
    parser.add_argument(
        "--url", action="append", required=True, help="a process's API (repeat: round robin)"
    )
    parser.add_argument(
        "--key",
        help="an API key for the load-N spaces (default: a key of the test's own, limited "
        "to what it sends, made in the configured store and revoked at the end)",
    )
    parser.add_argument("--messages", type=int, default=12_000)
    parser.add_argument("--batch", type=int, default=100, help="messages per request")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel senders")
    parser.add_argument("--spaces", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds, at most")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    if not 1 <= args.messages <= 200_000 or not 1 <= args.batch <= 10_000:
        raise UsageError("--messages must be 1..200000 and --batch 1..10000")
    if not 1 <= args.spaces <= 10_000 or not 1 <= args.concurrency <= 256:
        raise UsageError("--spaces must be 1..10000 and --concurrency 1..256")
    from bot import loadtest  # aiohttp's client: only when load testing

    try:
        loadtest.check_loopback(args.url)
        result = asyncio.run(_run(args, context))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    scored = result.scored_per_second
    if args.json:
        print_json(
            {
                "messages": result.messages,
                "accepted": result.accepted,
                "requests": result.requests,
                "errors": result.errors,
                "rate_limited": result.rate_limited,
                "accepted_per_second": round(result.accepted_per_second, 1),
                "scored_per_second": round(scored, 1) if scored else None,
            }
        )
    else:
        print(
            f"{result.accepted} of {result.messages} messages accepted in {result.requests} "
            f"requests ({result.errors} errors): accepted {result.accepted_per_second:.0f}/s, "
            f"scored {'n/a' if scored is None else f'{scored:.0f}/s'}"
        )
        if result.rate_limited:
            print(
                f"{result.rate_limited} requests refused by the key's rate limit (429): "
                "leave --key out (the test makes a key of its own) or create the key with "
                "`watchkeeper apikey create --rate-limit N`"
            )
    return 0 if not result.errors else 1


async def _run(args: argparse.Namespace, context: Context) -> Result:
    from bot import loadtest
    from bot.store import store_for

    run = functools.partial(
        loadtest.run,
        args.url,
        messages=args.messages,
        batch=args.batch,
        concurrency=args.concurrency,
        spaces=args.spaces,
        time_limit=args.time_limit,
    )
    if args.key:
        return await run(args.key)
    async with store_for(context.settings.storage) as store:
        key, secret = await loadtest.own_key(store, args.spaces, args.messages)
        try:
            return await run(secret)
        finally:
            await loadtest.drop_key(store, key)
