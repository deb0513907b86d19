"""``watchkeeper health``: exit 0 if the running process refreshed its heartbeat and
none of its background tasks (scoring, delivery) is down."""

from __future__ import annotations

import argparse

from bot.commands.common import Context
from bot.heartbeat import HEARTBEAT_SECONDS, heartbeat_age, tasks_down


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("health", help="is the running bot alive? (exit 0 if so)")
    parser.add_argument(
        "--max-age",
        type=float,
        default=HEARTBEAT_SECONDS * 6,
        help="seconds since the last heartbeat that still count as alive",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    age = heartbeat_age(context.settings)
    if age is None:
        print("unhealthy: no heartbeat yet")
        return 1
    if age > args.max_age:
        print(f"unhealthy: last heartbeat {age:.0f}s ago")
        return 1
    down = tasks_down(context.settings)
    if down:
        print(f"unhealthy: task {'; task '.join(down)}")
        return 1
    print(f"healthy: last heartbeat {age:.0f}s ago")
    return 0
