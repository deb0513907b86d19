"""``watchkeeper check``: validate the configuration and say what would run."""

from __future__ import annotations

import argparse
import asyncio
import importlib
from dataclasses import dataclass, field

from bot.clock import utcnow
from bot.commands.common import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, Context
from bot.commands.run import PLATFORM_ADAPTERS
from bot.config import Settings
from bot.outbox import STALE_AFTER
from bot.redact import redact_url
from bot.store import SqlStore, deadletters, store_for
from bot.store.auditkey import KEY_ENV
from bot.store.base import StoreInUseError, StoreUnusableError


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
    report = asyncio.run(_check(settings, args.offline))
    for problem in report.setup + report.runtime:
        print(f"problem: {problem}")
    if report.setup:
        return EXIT_USAGE
    if report.runtime:
        return EXIT_RUNTIME
    print("ok: configuration and connections look right")
    return EXIT_OK


@dataclass
class Report:
    setup: list[str] = field(default_factory=list)
    """Mistakes in the configuration or its files (exit 2)."""
    runtime: list[str] = field(default_factory=list)
    """Things that go wrong while running: delivery, platforms, set-aside messages."""


async def _check(settings: Settings, offline: bool) -> Report:
    report = Report()
    storage = redact_url(settings.storage.url) if settings.storage.url else None
    print(f"storage: {storage or settings.storage.sqlite_path}")
    # The store first: a store that cannot be used is reported at once, not after the
    # scorer took seconds to load.
    try:
        store = store_for(settings.storage)
        await store.open()
    except (StoreUnusableError, StoreInUseError) as exc:
        report.setup.append(str(exc))
        return report
    except Exception as exc:  # any other backend failure is worth one line here
        report.runtime.append(f"cannot open the store: {exc}")
        return report
    try:
        await _check_store(store, report, settings)
    finally:
        await store.close()
    from bot.alerts import links_problem  # imports the signals: only when checking
    from bot.scoring import load_scorer

    links = links_problem(settings.escalation.links_file)
    if links:
        report.setup.append(links)

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
    if not offline:
        for name in platforms:
            module = importlib.import_module(PLATFORM_ADAPTERS[name])
            report.runtime += await module.check(settings)
    return report


async def _check_store(store: SqlStore, report: Report, settings: Settings) -> None:
    if store.audit_key is None:
        # Only PostgreSQL gets here: its processes must share one key, so none is made.
        print(
            f"warning: the audit chain is not keyed: set {KEY_ENV} (the same value in "
            "every process) so that rewritten audit entries are detected"
        )
    days = settings.alerts.stale_days
    stale = await store.stale_cases(utcnow(), days * 86400)
    if stale:
        named = ", ".join(f"{c.number} ({c.platform} {c.space_id})" for c in stale[:10])
        more = f" and {len(stale) - 10} more" if len(stale) > 10 else ""
        print(
            f"cases: {len(stale)} acknowledged case(s) untouched for {days:g} days or more: "
            f"{named}{more}: close them, or add a note saying why they stay open"
        )
    pending, oldest = await store.outbox_backlog()
    if oldest is not None and utcnow() - oldest > STALE_AFTER:
        minutes = (utcnow() - oldest).total_seconds() / 60
        report.runtime.append(
            f"{pending} alert(s) waiting for delivery, oldest for {minutes:.0f} "
            "minutes: check the moderator channel permissions and the log"
        )
    elif pending:
        print(f"outbox: {pending} alert(s) waiting for delivery")
    set_aside = await deadletters.count(store)
    if set_aside:
        report.runtime.append(
            f"{set_aside} message(s) could not be scored and were set aside: "
            "see `watchkeeper deadletters`"
        )
