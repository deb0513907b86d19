"""``watchkeeper apikey``: keys for the HTTP ingest API, each scoped to its spaces.

The key is printed once, at creation; the store keeps only its hash.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.commands.common import Context, UsageError
from bot.config import Settings
from bot.store import store_for
from bot.store.apikeys import create_key, list_keys, revoke_key


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("apikey", help="create, list or revoke HTTP API keys")
    actions = parser.add_subparsers(dest="apikey_action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a key (printed once) for some spaces")
    create.add_argument(
        "--space",
        action="append",
        required=True,
        metavar="SPACE",
        help="a space id the key may post to and read (repeat for several)",
    )
    create.add_argument("--label", default="", help="a note on whom the key is for")
    create.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="this key's own limit: messages (and other requests) a minute per process, "
        "instead of http.rate_limit_per_minute",
    )
    create.set_defaults(handler=handle_create)
    listing = actions.add_parser("list", help="list keys (ids and spaces, never secrets)")
    listing.set_defaults(handler=handle_list)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="the 12 hex digits after wk_")
    revoke.set_defaults(handler=handle_revoke)


async def _create(settings: Settings, spaces: list[str], label: str, limit: int | None) -> str:
    async with store_for(settings.storage) as store:
        _, secret = await create_key(store, spaces, label, rate_limit=limit)
    return secret


def handle_create(args: argparse.Namespace, context: Context) -> int:
    spaces = [s.strip() for s in args.space]
    if any(not s for s in spaces):
        raise UsageError("--space must not be empty")
    if args.rate_limit is not None and args.rate_limit < 1:
        raise UsageError("--rate-limit must be at least 1 (a minute)")
    secret = asyncio.run(_create(context.settings, spaces, args.label, args.rate_limit))
    print(secret)
    print(
        f"# API key for space(s) {', '.join(spaces)}: shown once, only its hash is stored",
        flush=True,
    )
    return 0


def handle_list(args: argparse.Namespace, context: Context) -> int:
    async def run() -> None:
        async with store_for(context.settings.storage) as store:
            for key in await list_keys(store):
                state = "revoked" if key.revoked_at else "live"
                limit = f"{key.rate_limit}/min" if key.rate_limit else "default limit"
                print(
                    f"wk_{key.key_id}\t{state}\t{','.join(key.spaces)}\t"
                    f"{key.created_at:%Y-%m-%d}\t{limit}\t{key.label}"
                )

    asyncio.run(run())
    return 0


def handle_revoke(args: argparse.Namespace, context: Context) -> int:
    key_id = args.key_id.removeprefix("wk_").split("_")[0]

    async def run() -> bool:
        async with store_for(context.settings.storage) as store:
            return await revoke_key(store, key_id)

    if not asyncio.run(run()):
        raise UsageError(f"no live key with id {key_id}")
    print(f"revoked wk_{key_id}")
    return 0
