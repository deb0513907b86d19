"""``watchkeeper cases`` (a table of cases) and ``watchkeeper case N`` (one case, whole)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from bot.commands.common import Context, print_json
from bot.commands.stored import add_case_arguments, case_from_args, open_store
from bot.models import Case, CaseState

if TYPE_CHECKING:
    from bot.store import SqlStore

# bot.alerts and bot.evidence import the scorer (a second to load): they are imported
# where a case is shown whole, so that listing cases starts at once.


def register(subparsers: argparse._SubParsersAction) -> None:
    many = subparsers.add_parser("cases", help="list cases (alerts and reports)")
    many.add_argument("--open", action="store_true", help="only cases still being worked on")
    many.add_argument("--platform", help="only this platform (discord, slack, console, ...)")
    many.add_argument("--space", help="only this space (guild or workspace id)")
    many.add_argument("--user", metavar="ID", help="only cases this person is party to")
    many.add_argument("--limit", type=int, default=200, help="the newest N (default 200)")
    many.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    many.set_defaults(handler=handle_cases)

    one = subparsers.add_parser("case", help="one case: details, decisions, delivery")
    add_case_arguments(one)
    one.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    one.set_defaults(handler=handle_case)


def handle_cases(args: argparse.Namespace, context: Context) -> int:
    cases = asyncio.run(_list(context, args))
    if args.json:
        from bot.evidence import case_record, decisions_record

        print_json([{**case_record(c), "decisions": decisions_record(c)} for c in cases])
    elif not cases:
        print("no cases")
    else:
        print(format_table(cases))
    return 0


async def _list(context: Context, args: argparse.Namespace) -> list[Case]:
    async with open_store(context.settings) as store:
        if args.user is None:
            return await store.list_cases(
                args.platform, args.space, args.open, args.limit, newest=True
            )
        found = await store.cases_for_user(args.platform, args.user, args.space)
        return [c for c in found if c.is_open or not args.open][-args.limit :]


def format_table(cases: list[Case]) -> str:
    header = ("CASE", "PLATFORM", "SPACE", "STATE", "LEVEL", "SCORE", "OPENED", "SUSPECT", "LAST")
    rows = [header]
    for c in cases:
        last = c.decisions[-1] if c.decisions else None
        rows.append(
            (
                str(c.number),
                c.platform,
                c.space_id,
                c.state.value,
                c.level.value if c.kind.value == "risk" else "report",
                f"{c.score:.2f}",
                f"{c.created_at:%Y-%m-%d %H:%M}",
                c.suspect_id or "-",
                f"{last.action.value} by {last.actor_name or last.actor_id}" if last else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def handle_case(args: argparse.Namespace, context: Context) -> int:
    case, deliveries = asyncio.run(_one(context, args))
    if args.json:
        from bot.evidence import case_record, decisions_record

        record = case_record(case)
        record["decisions"] = decisions_record(case)
        record["deliveries"] = deliveries
        record["history"] = [
            {"number": p.number, "kind": p.kind.value, "level": p.level.value,
             "state": p.state.value, "created_at": p.created_at.isoformat()}
            for p in case.history
        ]  # fmt: skip
        print_json(record)
    else:
        print("\n".join(describe(case, deliveries, context)))
    return 0


async def _one(context: Context, args: argparse.Namespace) -> tuple[Case, list[dict[str, Any]]]:
    async with open_store(context.settings) as store:
        case = await case_from_args(store, args)
        case.history = await store.suspect_history(case)
        return case, await _deliveries(store, case)


async def _deliveries(store: SqlStore, case: Case) -> list[dict[str, Any]]:
    return [
        {
            **job,
            "created_at": job["created_at"].isoformat(),
            "sent_at": job["sent_at"].isoformat() if job["sent_at"] else None,
        }
        for job in await store.deliveries_of(case.id)
    ]


def describe(case: Case, deliveries: list[dict[str, Any]], context: Context) -> list[str]:
    from bot.alerts import SIGNAL_LABELS, escalation_for, history_lines

    people = {p.user_id: p for p in case.participants}

    def who(user_id: str | None) -> str:
        if not user_id:
            return "unknown"
        p = people.get(user_id)
        name = f"{p.display_name} ({user_id})" if p and p.display_name else user_id
        return f"{name}, age band {p.age_band.value}" if p else name

    hold = f", on hold until {case.hold_until:%Y-%m-%d}" if case.hold_until else ""
    lines = [
        f"Case {case.number} · {case.platform} {case.space_id} · {case.kind.value}",
        f"State: {case.state.value}{hold}",
        f"Level: {case.level.value}, score {case.score:.2f}",
        f"Suspect: {who(case.suspect_id)}",
        "With: " + ("; ".join(who(u) for u in people if u != case.suspect_id) or "-"),
        f"Opened {case.created_at:%Y-%m-%d %H:%M} UTC, last change "
        f"{case.updated_at:%Y-%m-%d %H:%M} UTC · conversation {case.conversation}",
    ]
    if case.history:
        lines.append("Earlier cases about the suspect in this space:")
        lines += [f"  {line}" for line in history_lines(case, limit=20)]
    if case.summary:
        lines.append(f"Report: {case.summary}")
    links = {e.message_id: e.link for e in case.evidence}
    if case.signals:
        lines.append("Why:")
        for s in case.signals:
            link = f" {links[s.message_id]}" if links.get(s.message_id) else ""
            label = SIGNAL_LABELS.get(s.name, s.name)
            lines.append(f'  - {label}: "{s.quote}" ({s.author_id}, {s.message_id}){link}')
    lines.append("Decisions:" if case.decisions else "Decisions: none yet")
    for d in case.decisions:
        reason = f": {d.reason}" if d.reason else ""
        by = f"{d.actor_name} ({d.actor_id})" if d.actor_name else d.actor_id
        lines.append(f"  {d.at:%Y-%m-%d %H:%M} UTC  {d.action.value} by {by}{reason}")
    lines.append("Delivery:")
    for job in deliveries:
        state = job["state"]
        detail = f", message {job['platform_message_id']}" if job["platform_message_id"] else ""
        if state != "sent":
            detail = f", {job['attempts']} attempt(s)" + (
                f", last error: {job['last_error']}" if job["last_error"] else ""
            )
        lines.append(f"  {job['kind']}: {state}{detail}")
    if case.state is CaseState.ESCALATED:
        escalation = escalation_for(case, context.settings)
        lines.append("Where to report:")
        lines += [f"  - {link.name}: {link.url}" for link in escalation.links if link.url]
        if escalation.emergency:
            lines.append(f"  {escalation.emergency}")
    return lines
