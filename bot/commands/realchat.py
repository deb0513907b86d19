"""``watchkeeper alert-rate`` and ``watchkeeper evaluate-grouping``: the bot on real
chat logs (message JSONL, as ``run --input`` reads; ``.gz`` too)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError, existing_file, print_json

if TYPE_CHECKING:
    from bot.learning.chatlogs import ChatLog

# The scorer takes a second to import: the handlers import it.


def register(subparsers: argparse._SubParsersAction) -> None:
    rate = subparsers.add_parser(
        "alert-rate",
        help="alerts that benign chat logs would raise, per 1,000 messages and per 200 "
        "chunks of 40 posts",
    )
    rate.add_argument("files", nargs="+", metavar="FILE", help="message JSONL (.gz too)")
    rate.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    rate.add_argument("--show", action="store_true", help="list every alert (log, message, why)")
    rate.set_defaults(handler=handle_alert_rate)

    grouping = subparsers.add_parser(
        "evaluate-grouping",
        help="how well the tracker pairs people: link precision and recall against "
        "annotated who-answers-whom links (gold_parents)",
    )
    grouping.add_argument("files", nargs="+", metavar="FILE", help="annotated message JSONL")
    grouping.add_argument(
        "--pair-gap",
        type=float,
        metavar="SECONDS",
        help="the pairing gap to try (default: detection.pair_gap_seconds)",
    )
    grouping.add_argument(
        "--json", action="store_true", help="print the figures as one JSON object"
    )
    grouping.set_defaults(handler=handle_evaluate_grouping)


def read_logs(files: list[str]) -> list[ChatLog]:
    from bot.learning.chatlogs import load_chat_logs

    logs: list[ChatLog] = []
    errors: list[str] = []
    for name in files:
        try:
            logs += load_chat_logs(existing_file(name), errors)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    for error in errors:
        print(f"watchkeeper: {error}", file=sys.stderr)
    if not logs:
        raise UsageError(f"{', '.join(files)}: no messages")
    return logs


def handle_alert_rate(args: argparse.Namespace, context: Context) -> int:
    from bot.learning.alert_rate import CHUNK_POSTS, measure
    from bot.scoring import load_scorer

    logs = read_logs(args.files)
    rate = measure(logs, load_scorer(context.settings), context.settings)
    if args.json:
        report = rate.as_dict()
        if args.show:
            report["alert_list"] = [asdict(alert) for alert in rate.alerts]
        print_json(report)
        return 0
    print(f"messages                  {rate.messages}")
    print(f"alerts                    {len(rate.alerts)}")
    print(f"alerts per 1,000 messages {rate.per_1000_messages:.3f}")
    print(f"chunks of {CHUNK_POSTS} posts        {rate.chunks}")
    print(f"chunks with an alert      {rate.alerting_chunks}")
    print(f"  per 200 chunks          {rate.per_200_chunks:.3f}")
    if args.show:
        for alert in rate.alerts:
            why = ", ".join(alert.signals) or "text score"
            print(f"{alert.log}\t{alert.message_id}\t{alert.level}\t{alert.suspect}\t{why}")
    return 0


def handle_evaluate_grouping(args: argparse.Namespace, context: Context) -> int:
    from datetime import timedelta

    from bot.learning.linking import link_scores

    gap = (
        args.pair_gap if args.pair_gap is not None else context.settings.detection.pair_gap_seconds
    )
    if gap <= 0:
        raise UsageError("--pair-gap must be a positive number of seconds")
    logs = read_logs(args.files)
    scores = link_scores(logs, timedelta(seconds=gap))
    if not scores.annotated:
        raise UsageError(f"{', '.join(args.files)}: no annotated lines (gold_parents)")
    if args.json:
        print_json({**scores.as_dict(), "pair_gap_seconds": gap})
        return 0

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    print(f"annotated lines            {scores.annotated}")
    print(f"  paired with someone      {scores.paired}")
    print(f"  answering someone else   {scores.answering}")
    print(f"right partner              {scores.correct}")
    print(f"link precision             {num(scores.precision)}")
    print(f"link recall                {num(scores.recall)}")
    print(f"answers to unaddressed     {scores.openings}")
    print(f"  carried into their pair  {scores.carried} ({num(scores.carried_share)})")
    print(f"pairing gap                {gap:g} s")
    return 0
