"""``watchkeeper run``: watch the configured platforms, or the terminal by default."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError, existing_file
from bot.commands.stored import as_the_writer

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

# The engine, the scorer and the adapters take a second or more to import: they are
# imported when the bot starts, so other commands (and --help) do not pay for them.

log = logging.getLogger(__name__)

PLATFORM_ADAPTERS = {
    "discord": "adapters.discord.app",
    "slack": "adapters.slack.app",
    "http": "adapters.http.app",
}
"""Each module provides ``async serve(runtime) -> None`` that runs until cancelled."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="run the bot (the terminal adapter when no platform token is configured)"
    )
    parser.add_argument(
        "--input",
        metavar="PATH",
        help="terminal adapter: read message JSONL from PATH ('-' = standard input)",
    )
    parser.set_defaults(handler=handle)


NOTHING_TO_WATCH = (
    "nothing to watch: set a platform token (WATCHKEEPER_DISCORD__TOKEN, "
    "WATCHKEEPER_SLACK__BOT_TOKEN) or [http] enabled, or give --input FILE "
    "(--input - reads standard input)"
)


def handle(args: argparse.Namespace, context: Context) -> int:
    settings = context.settings
    source = args.input or settings.console.input
    if not settings.enabled_platforms:
        if not source:
            unknown = context.unknown_variables()
            hint = f" ({', '.join(unknown)} set nothing: misspelt?)" if unknown else ""
            raise UsageError(NOTHING_TO_WATCH + hint)
        if source != "-":
            existing_file(source)
        if "level" not in settings.logging.model_fields_set and not context.debug:
            # On the terminal the cards are the output: routine lines (migrations, each
            # delivery) would break them up. A level the admin chose is kept.
            logging.getLogger().setLevel(logging.WARNING)
    return asyncio.run(_main(settings, source))


async def _main(settings: Settings, source: str) -> int:
    async with as_the_writer(settings):
        return await _run(settings, source)


async def _run(settings: Settings, source: str) -> int:
    from bot import heap
    from bot.runtime import Runtime

    runtime = Runtime(settings)
    heap.settle()  # the scorer is loaded: what the process keeps for its life
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, task.cancel)
    platforms = settings.enabled_platforms
    try:
        if platforms:
            await _serve_platforms(runtime, platforms)
        else:
            await _serve_console(runtime, settings, source)
    except asyncio.CancelledError:
        log.info("shutting down")
    return 0


async def _serve_console(runtime: Runtime, settings: Settings, source: str) -> None:
    from adapters.console import ConsoleSink, feed, summary

    sink = ConsoleSink(colour=settings.console.color and sys.stdout.isatty())
    runtime.add_sink(sink)
    name = "stdin" if source == "-" else source
    async with runtime:
        print(f"watchkeeper: watching {name} (no platform configured)", file=sys.stderr)
        if source == "-":
            counts = await feed(runtime.engine, sys.stdin, sys.stderr, name)
        else:
            stream = await asyncio.to_thread(Path(source).open, encoding="utf-8", errors="replace")
            with stream:
                counts = await feed(runtime.engine, stream, sys.stderr, name)
    # After the runtime closed: every alert due has been delivered by then.
    print(summary(name, counts, sink.cases_shown), file=sys.stderr)


async def _serve_platforms(runtime: Runtime, platforms: list[str]) -> None:
    modules = [importlib.import_module(PLATFORM_ADAPTERS[name]) for name in platforms]
    services = [module.serve for module in modules]
    http = runtime.settings.http
    if http.ops_port and "http" not in platforms:
        # /metrics, /healthz, /readyz without the ingest API (the API serves them itself).
        from adapters.http.ops import serve_ops

        services.append(lambda rt: serve_ops(rt, http.host, http.ops_port))
    async with runtime:
        await asyncio.gather(*(serve(runtime) for serve in services))
