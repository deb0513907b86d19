"""What the commands that read or change the store share (not a command itself)."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.commands.common import UsageError
from bot.config import Settings
from bot.models import Case
from bot.store import SqlStore, store_for

MAX_CASE_NUMBER = 2**63 - 1
"""The largest number the store can hold (a 64-bit integer)."""


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[SqlStore]:
    """The configured store; a SQLite file that does not exist yet is a usage error (a
    wrong directory or config), not something to create by looking."""
    storage = settings.storage
    if not storage.url and not storage.sqlite_path.exists():
        raise UsageError(
            f"no watchkeeper store at {storage.sqlite_path} (run the bot first, or pass "
            "--config / set storage.data_dir)"
        )
    store = store_for(storage)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def as_the_writer(settings: Settings) -> AsyncIterator[None]:
    """For the commands that run the engine on the store (``run``, ``replay``): hold the
    one-writer lock of a SQLite file (``bot/store/writer.py``) for the whole block, and
    refuse a store that cannot be used, or a broken escalation directory, at once,
    before the scorer takes seconds to load."""
    from bot.store.writer import writer_lock

    probe = store_for(settings.storage)
    async with probe:
        pass
    with writer_lock(probe):
        from bot.alerts import links_problem  # imports the signals (a second)

        problem = links_problem(settings.escalation.links_file)
        if problem:
            raise UsageError(problem)
        yield


def add_case_arguments(parser: argparse.ArgumentParser) -> None:
    """The case number moderators see, and what picks one case when several spaces
    share that number (read back by ``case_from_args``)."""
    parser.add_argument("case", type=int, help="the case number moderators see")
    parser.add_argument("--platform", help="needed when several spaces have this number")
    parser.add_argument("--space", help="needed when several spaces have this number")


async def case_from_args(store: SqlStore, args: argparse.Namespace) -> Case:
    return await find_case(store, args.case, args.platform, args.space)


async def find_case(store: SqlStore, number: int, platform: str | None, space: str | None) -> Case:
    """The one case with this number, or a one-line usage error (none, or ambiguous)."""
    if not 1 <= number <= MAX_CASE_NUMBER:
        raise UsageError(f"no case has the number {number}")
    found = await store.cases_numbered(number, platform, space)
    if not found:
        where = " in " + " ".join(filter(None, (platform, space))) if platform or space else ""
        raise UsageError(f"no case {number}{where}")
    if len(found) > 1:
        spaces = ", ".join(f"{c.platform}/{c.space_id}" for c in found[:5])
        more = "" if len(found) <= 5 else f" and {len(found) - 5} more"
        raise UsageError(
            f"case {number} exists in {len(found)} spaces ({spaces}{more}): "
            "add --platform and --space"
        )
    return found[0]


def cli_actor() -> str:
    """Who the audit log names for a command run from a shell."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
