"""``watchkeeper check``: validate the configuration and say what would run."""

from __future__ import annotations

import argparse
import asyncio
import importlib

from bot.clock import utcnow
from bot.commands.common import Context
from bot.commands.run import PLATFORM_ADAPTERS
from bot.config import Settings
from bot.outbox import STALE_AFTER
from bot.store import deadletters, store_for


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="validate the config and the platform tokens")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="do not contact the platforms, only check the local setup",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    print(context.config_summary(), flush=True)
    settings = context.settings
    for name in context.unknown_variables():
        print(f"warning: {name} sets nothing (misspelt? names are WATCHKEEPER_SECTION__KEY)")
    problems = asyncio.run(_check(settings, args.offline))
    for problem in problems:
        print(f"problem: {problem}")
    if not problems:
        print("ok: configuration and connections look right")
    return 1 if problems else 0


async def _check(settings: Settings, offline: bool) -> list[str]:
    problems: list[str] = []
    storage = (
        settings.storage.url.split("@")[-1]
        if settings.storage.url
        else str(settings.storage.sqlite_path)
    )
    print(f"storage: {storage}")
    from bot.scoring import load_scorer  # a second to import: only when checking

    scorer = load_scorer(settings)
    d = settings.detection
    print(
        f"detector: {scorer.name}; alerts from level {d.alert_level} "
        f"(score >= {d.alert_threshold:.2f}) after {d.min_messages} messages"
    )
    platforms = settings.enabled_platforms
    print(
        f"platforms: {', '.join(platforms)}"
        if platforms
        else "platforms: none (`run` needs a platform token or --input FILE)"
    )
    store = store_for(settings.storage)
    try:
        await store.open()
    except Exception as exc:  # any backend failure is worth one line here
        return [f"cannot open the store: {exc}"]
    try:
        pending, oldest = await store.outbox_backlog()
        if oldest is not None and utcnow() - oldest > STALE_AFTER:
            minutes = (utcnow() - oldest).total_seconds() / 60
            problems.append(
                f"{pending} alert(s) waiting for delivery, oldest for {minutes:.0f} "
                "minutes: check the moderator channel permissions and the log"
            )
        elif pending:
            print(f"outbox: {pending} alert(s) waiting for delivery")
        set_aside = await deadletters.count(store)
        if set_aside:
            problems.append(
                f"{set_aside} message(s) could not be scored and were set aside: "
                "see `watchkeeper deadletters`"
            )
    finally:
        await store.close()
    if not offline:
        for name in platforms:
            module = importlib.import_module(PLATFORM_ADAPTERS[name])
            problems += await module.check(settings)
    return problems
