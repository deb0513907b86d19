"""``watchkeeper export CASE`` writes an evidence package; ``watchkeeper verify DIR``
checks one (exit 1, naming the file, when anything was modified, removed or added)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError
from bot.commands.stored import add_case_arguments, case_from_args, cli_actor, open_store
from bot.store import store_for

if TYPE_CHECKING:
    from bot.evidence import Package

# bot.evidence imports the scorer (a second to load): imported by the handlers below.


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export", help="write a case's evidence package (transcript, decisions, manifest)"
    )
    add_case_arguments(export)
    export.add_argument(
        "--out", metavar="DIR", help="an empty or new directory (default: data_dir/evidence/...)"
    )
    export.set_defaults(handler=handle_export)

    check = subparsers.add_parser("verify", help="check an evidence package against its manifest")
    check.add_argument("dir", help="the package directory")
    check.set_defaults(handler=handle_verify)


def handle_export(args: argparse.Namespace, context: Context) -> int:
    package = asyncio.run(_export(context, args))
    print(f"evidence package written to {package.path}")
    for name, digest in package.files.items():
        print(f"  {name}  sha256 {digest}")
    print(f"  manifest.json  sha256 {package.manifest_sha256} (recorded in the audit log)")
    print(f"check it later with: watchkeeper verify {package.path}")
    return 0


async def _export(context: Context, args: argparse.Namespace) -> Package:
    settings = context.settings
    async with open_store(settings) as store:
        case = await case_from_args(store, args)
        from bot.evidence import EvidenceError, export_case  # after the store: it is slow

        try:
            return await export_case(
                store, settings, case, Path(args.out) if args.out else None, cli_actor()
            )
        except EvidenceError as exc:
            raise UsageError(str(exc)) from None


def handle_verify(args: argparse.Namespace, context: Context) -> int:
    from bot.evidence import verify

    directory = Path(args.dir)
    if not directory.is_dir():
        raise UsageError(f"{args.dir}: not a directory")
    key = _audit_key(context)
    result = verify(directory, key)
    for problem in result.problems:
        print(f"problem: {problem}")
    if not result.ok:
        print(f"verify: {directory} does NOT match its manifest")
        return 1
    case = result.case
    print(
        f"ok: {result.files} file(s) match the manifest of case {case.get('number', '?')} "
        f"({case.get('platform', '?')} {case.get('space_id', '?')})"
    )
    if result.signature_checked:
        print("ok: the manifest is signed with this bot's audit key")
    else:
        print("note: signature not checked (no audit key here: run verify on the bot's host)")
    recorded = asyncio.run(_recorded(context, result.manifest_sha256))
    if recorded:
        print(recorded)
    return 0


def _audit_key(context: Context) -> bytes | None:
    """The audit key, if this host has it (never created here)."""
    from bot.store.auditkey import KEY_FILE, from_environment, read_key

    key = from_environment()
    if key is None:
        try:
            key = read_key(context.settings.storage.data_dir / KEY_FILE)
        except Exception:  # no usable config, or an unreadable key: the files alone
            return None
    return key.secret if key is not None else None


async def _recorded(context: Context, manifest_sha256: str) -> str:
    """Whether this bot's audit log recorded the export (vouches for the manifest too).
    Only looks where a store already exists; never creates one."""
    from bot.evidence import EXPORT_KIND

    try:
        settings = context.settings
    except Exception:  # no usable config here: the file check above stands alone
        return ""
    storage = settings.storage
    if not storage.url and not storage.sqlite_path.exists():
        return ""
    store = store_for(storage)
    try:
        await store.open()
        entries = await store.audit_entries(EXPORT_KIND)
        intact, _ = await store.verify_audit()
    except Exception as exc:
        return f"note: could not read the audit log ({type(exc).__name__})"
    finally:
        await store.close()
    for entry in entries:
        if entry.detail.get("manifest_sha256") == manifest_sha256:
            chain = "intact" if intact else "BROKEN (see watchkeeper audit verify)"
            return (
                f"the manifest is the one recorded at export in audit entry {entry.id} "
                f"({entry.at:%Y-%m-%d %H:%M} UTC, by {entry.actor}); audit chain {chain}"
            )
    return "note: this bot's audit log has no record of this manifest (exported elsewhere?)"
