"""``watchkeeper audit verify`` (is the hash chain intact?) and ``watchkeeper audit list``."""

from __future__ import annotations

import argparse
import asyncio

from bot.clock import isoformat
from bot.commands.common import Context, print_json
from bot.commands.stored import open_store
from bot.store.audit import AuditEntry
from bot.store.codec import dumps


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="check the hash chain (exit 1 if broken)")
    check.set_defaults(handler=handle_verify)
    listing = sub.add_parser("list", help="show the entries, oldest first")
    listing.add_argument("--kind", help="only this kind (decision, purge, forget, ...)")
    listing.add_argument("--limit", type=int, help="only the newest N entries")
    listing.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    listing.set_defaults(handler=handle_list)


def handle_verify(args: argparse.Namespace, context: Context) -> int:
    intact, broken, count, head = asyncio.run(_verify(context))
    if not intact:
        print(f"audit chain broken at entry {broken}: it or an entry before it was altered")
        return 1
    # The chain cannot show that its newest entries were cut off: noting the head hash
    # somewhere else (a ticket, a printout) lets a later check prove they were not.
    print(f"ok: {count} audit entries, hash chain intact; head {head or '(empty)'}")
    return 0


async def _verify(context: Context) -> tuple[bool, int | None, int, str]:
    async with open_store(context.settings) as store:
        intact, broken = await store.verify_audit()
        last = await store.audit_entries(limit=1)
        return intact, broken, await store.audit_count(), last[0].hash if last else ""


def handle_list(args: argparse.Namespace, context: Context) -> int:
    entries = asyncio.run(_list(context, args.kind, args.limit))
    if args.json:
        print_json(
            [
                {
                    "id": e.id,
                    "at": isoformat(e.at),
                    "kind": e.kind,
                    "actor": e.actor,
                    "detail": e.detail,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
        return 0
    if not entries:
        print("no audit entries")
    for e in entries:
        print(f"{e.id:>6}  {e.at:%Y-%m-%d %H:%M:%S}  {e.kind:<18} {e.actor:<20} {summary(e)}")
    return 0


async def _list(context: Context, kind: str | None, limit: int | None) -> list[AuditEntry]:
    async with open_store(context.settings) as store:
        return await store.audit_entries(kind, limit)


def summary(entry: AuditEntry, width: int = 100) -> str:
    detail = dict(entry.detail)
    if "config" in detail:  # a whole configuration snapshot: say what changed
        detail = {"changed": detail.get("changed", [])}
    text = dumps(detail)
    return text if len(text) <= width else text[: width - 1] + "…"
