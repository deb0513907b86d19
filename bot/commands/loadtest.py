"""``watchkeeper loadtest``: measure the HTTP API on this machine (127.0.0.1 only)."""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import Context, UsageError, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "loadtest", help="post generated chat to running HTTP API processes and time it"
    )
    parser.add_argument(
        "--url", action="append", required=True, help="a process's API (repeat: round robin)"
    )
    parser.add_argument("--key", required=True, help="an API key for the load-N spaces")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100, help="messages per request")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel senders")
    parser.add_argument("--spaces", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds, at most")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    if not 1 <= args.messages <= 200_000 or not 1 <= args.batch <= 10_000:
        raise UsageError("--messages must be 1..200000 and --batch 1..10000")
    from bot.loadtest import run  # aiohttp's client: only when load testing

    try:
        result = asyncio.run(
            run(
                args.url,
                args.key,
                args.messages,
                args.batch,
                args.concurrency,
                args.spaces,
                args.time_limit,
            )
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    scored = result.scored_per_second
    if args.json:
        print_json(
            {
                "messages": result.messages,
                "requests": result.requests,
                "errors": result.errors,
                "accepted_per_second": round(result.accepted_per_second, 1),
                "scored_per_second": round(scored, 1) if scored else None,
            }
        )
    else:
        print(
            f"{result.messages} messages in {result.requests} requests ({result.errors} errors): "
            f"accepted {result.accepted_per_second:.0f}/s, "
            f"scored {'n/a' if scored is None else f'{scored:.0f}/s'}"
        )
    return 0 if not result.errors else 1
