"""``watchkeeper bench``: measure speed and memory of the full engine on this machine."""

from __future__ import annotations

import argparse

from bot.commands.common import Context, UsageError, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="measure throughput, latency and memory")
    parser.add_argument("--messages", type=int, default=20_000, help="messages to replay")
    parser.add_argument("--conversations", type=int, default=2_000, help="concurrent conversations")
    parser.add_argument(
        "--repetitions", type=int, default=3, help="replays; figures are their median"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    if args.messages < 100 or args.conversations < 1 or args.conversations > args.messages:
        raise UsageError("need --messages >= 100 and 1 <= --conversations <= --messages")
    if args.repetitions < 1:
        raise UsageError("need --repetitions >= 1")
    from bot.bench import run_bench  # the engine and the scorer: only when benchmarking
    from bot.progress import Progress

    # Always: a minute of silence looks like a hang, in a terminal or in a CI log.
    progress = Progress("bench", always=True)
    result = run_bench(args.messages, args.conversations, progress, args.repetitions)
    if args.json:
        print_json({k: v for k, v in result.as_dict().items()})
        return 0
    print(f"scorer                      {result.scorer}")
    print(f"messages / conversations    {result.messages} / {result.conversations}")
    low, high = result.spread["messages_per_second"]
    print(f"repetitions                 {result.repetitions} (median, lowest..highest)")
    print(
        f"messages per second         {result.messages_per_second:,.0f}  ({low:,.0f}..{high:,.0f})"
    )
    low, high = result.spread["p99_ms"]
    print(
        f"latency p50 / p99           {result.p50_ms:.2f} ms / {result.p99_ms:.2f} ms"
        f"  (p99 {low:.2f}..{high:.2f})"
    )
    print(f"processor time per message  {result.cpu_us_per_message:.0f} us")
    print(f"peak RSS                    {result.peak_rss_mb:.0f} MB")
    print(
        f"state per conversation      {result.bytes_per_conversation:,.0f} bytes "
        f"({result.bytes_per_full_window:,.0f} with a full window)"
    )
    print(
        f"cost at window 10 / 200     {result.cost_10_us:.0f} us / {result.cost_200_us:.0f} us"
        f"  (ratio {result.cost_ratio_200_vs_10:.2f})"
    )
    stages = ", ".join(f"{name} {us:.0f}" for name, us in result.stages_us.items())
    print(f"stages (us per message)     {stages}")
    return 0
