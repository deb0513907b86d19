"""``watchkeeper score`` and ``watchkeeper evaluate`` on Conversation JSONL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError, jsonl_files, print_json
from bot.errors import require_extra
from bot.progress import Progress

PROGRESS_FROM = 200
"""Conversations from which ``score``/``evaluate`` show a progress line on a terminal
(a second or more of work)."""

if TYPE_CHECKING:
    from bot.learning.corpora import Conversation
    from bot.learning.evaluation import Metrics
    from bot.learning.offline import ScoredConversation

# bot.scoring takes a second to import (its signal patterns): the handlers import it,
# so other commands (and --help) do not pay for it.


def register(subparsers: argparse._SubParsersAction) -> None:
    score = subparsers.add_parser("score", help="score each conversation of a JSONL file")
    score.add_argument("file", help="Conversation JSONL (a directory: every *.jsonl in it)")
    score.add_argument("--json", action="store_true", help="one JSON object per conversation")
    score.set_defaults(handler=handle_score)

    ev = subparsers.add_parser("evaluate", help="detection metrics on a labelled JSONL file")
    ev.add_argument("file", help="labelled Conversation JSONL (a directory: every *.jsonl in it)")
    ev.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    ev.add_argument(
        "--penalty-p",
        type=float,
        default=None,
        metavar="P",
        help="latency penalty steepness (default: penalty 0.5 at median length)",
    )
    ev.add_argument("--plot", metavar="PATH", help="write a PNG: PR curve, alert positions")
    ev.add_argument(
        "--obfuscate",
        action="store_true",
        help="also score with the suspects' messages obfuscated (leetspeak, "
        "look-alike letters, zero-width characters, spaced letters)",
    )
    ev.add_argument(
        "--split",
        action="store_true",
        help="also score with every message sent as lines of 2-4 words a few seconds apart",
    )
    ev.set_defaults(handler=handle_evaluate)


def load_corpus(path: str | Path, errors: list[str]) -> list[Conversation]:
    """The conversations of a JSONL file, or of every ``*.jsonl`` in a directory; bad
    lines go to ``errors``; a file in the wrong format is a ``UsageError``."""
    from bot.learning.corpora import WrongFormat, load_conversations

    try:
        return [c for file in jsonl_files(str(path)) for c in load_conversations(file, errors)]
    except WrongFormat as exc:
        raise UsageError(str(exc)) from None


def score_file(
    path: str, context: Context, obfuscated: bool = False, split: bool = False
) -> list[ScoredConversation]:
    from bot.learning.obfuscate import obfuscate, split_lines
    from bot.learning.offline import score_conversation
    from bot.scoring import load_scorer

    errors: list[str] = []
    conversations = load_corpus(path, errors)
    for error in errors:
        print(f"watchkeeper: {error}", file=sys.stderr)
    if obfuscated:
        conversations = [obfuscate(c) for c in conversations]
    if split:
        conversations = [split_lines(c) for c in conversations]
    scorer = load_scorer(context.settings)
    with Progress(Path(path).name) as progress:
        if len(conversations) < PROGRESS_FROM:
            progress.enabled = False
        scored = progress.track(conversations, "scoring conversations", len(conversations))
        return [score_conversation(c, scorer, context.settings) for c in scored]


SCORE_HEADER = "id\tscore\tlevel\talert\tsuspect\tsignals"


def handle_score(args: argparse.Namespace, context: Context) -> int:
    results = score_file(args.file, context)
    if not args.json:
        print(SCORE_HEADER)
    for result in results:
        if args.json:
            print_json(result.contract())
        else:
            where = f"at message {result.alert_at}" if result.alert else "no"
            signals = ", ".join(result.signals) or "-"
            print(
                f"{result.id}\t{result.score:.3f}\t{result.level.value}\t{where}\t"
                f"{result.suspect or '-'}\t{signals}"
            )
    return 0


def handle_evaluate(args: argparse.Namespace, context: Context) -> int:
    from bot.learning.evaluation import evaluate

    if args.plot:
        from bot.learning.plots import PLOT_MODULES

        require_extra("evaluate --plot", PLOT_MODULES)

    results = score_file(args.file, context)
    thresholds = context.settings.detection.thresholds
    metrics = evaluate(results, args.penalty_p, thresholds)
    report: dict[str, object] = metrics.as_dict()
    if args.obfuscate:
        hidden = evaluate(score_file(args.file, context, obfuscated=True), args.penalty_p)
        report["obfuscated_recall"] = hidden.recall
        report["obfuscation_recall_cost"] = metrics.recall - hidden.recall
    if args.split:
        lines = evaluate(score_file(args.file, context, split=True), args.penalty_p)
        report["split_recall"] = lines.recall
        report["split_recall_cost"] = metrics.recall - lines.recall
        report["split_precision"] = lines.precision
    if args.json:
        print_json(report)
    else:
        print(format_metrics(metrics))
        if args.obfuscate:
            print(
                f"recall with obfuscated suspects: {hidden.recall:.3f} "
                f"(cost {metrics.recall - hidden.recall:+.3f})"
            )
        if args.split:
            print(
                f"recall with messages split into short lines: {lines.recall:.3f} "
                f"(cost {metrics.recall - lines.recall:+.3f}; precision {lines.precision:.3f})"
            )
    if args.plot:
        from bot.learning.plots import plot_evaluation

        plot_evaluation(results, Path(args.plot))
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def format_metrics(m: Metrics) -> str:
    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    rows = [
        ("conversations", str(m.conversations)),
        ("grooming (positives)", str(m.positives)),
        ("true / false positives", f"{m.true_positives} / {m.false_positives}"),
        ("false negatives", str(m.false_negatives)),
        ("precision", num(m.precision)),
        ("recall", num(m.recall)),
        ("F1", num(m.f1)),
        ("F0.5", num(m.f05)),
        ("ROC-AUC", num(m.roc_auc)),
        (f"latency-weighted F1 (p={m.penalty_p:.3f})", num(m.latency_f1)),
        ("median alert position", num(m.median_alert_position)),
        ("false alarm rate", num(m.false_alarm_rate)),
    ]
    for level, row in m.levels.items():
        share = row["precision"]
        rows.append(
            (
                f"peak at {level}: conversations, precision",
                f"{row['conversations']}, {num(share if isinstance(share, float) else None)}",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
