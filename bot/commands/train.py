"""``watchkeeper train``: retrain the learned scorer on your own labelled data."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import Context, UsageError, existing_file
from bot.commands.scoring import format_metrics, load_corpus
from bot.errors import require_extra

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.learning.corpora import Conversation

# bot.scoring (its signal patterns) and scikit-learn take seconds to import: the
# handler imports them, so other commands (and --help) do not pay for them.

TRAIN_MODULES = ("sklearn", "scipy", "numpy")
"""What training imports: the ``[train]`` extra, not the runtime install."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train the detector on labelled conversations")
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="labelled Conversation JSONL (a directory: every *.jsonl in it)",
    )
    parser.add_argument(
        "--weighted",
        nargs=2,
        action="append",
        default=[],
        metavar=("WEIGHT", "FILE"),
        help="add a file or directory whose conversations count WEIGHT times "
        "(e.g. hand-written chat beside generated chat); repeatable",
    )
    parser.add_argument(
        "--irc",
        metavar="DIR",
        default=None,
        help="real chat as negatives: the IRC disentanglement corpus directory "
        "(its train.jsonl.gz; default: $WATCHKEEPER_IRC_DIR if set)",
    )
    parser.add_argument(
        "--irc-every",
        type=int,
        default=1,
        metavar="N",
        help="use every N-th chunk of 40 IRC posts (default: all)",
    )
    parser.add_argument("--pan12", metavar="XML", help="a PAN 2012 corpus XML file")
    parser.add_argument(
        "--pan12-predators", metavar="TXT", help="the PAN 2012 predator id list (one id per line)"
    )
    parser.add_argument(
        "--from-store",
        action="store_true",
        help="add moderators' confirmed and dismissed cases "
        "(needs learning.use_moderator_decisions = true)",
    )
    parser.add_argument(
        "--dev", metavar="FILE", help="report metrics on this held-out JSONL (or directory)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="where to write model.json.gz (default: <data_dir>/model)",
    )
    parser.set_defaults(handler=handle)


def progress(items: Sequence, label: str) -> Sequence:
    try:
        from tqdm import tqdm
    except ImportError:
        print(f"{label}...", file=sys.stderr)
        return items
    return tqdm(items, desc=label, file=sys.stderr, leave=False)


def _weight(text: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        weight = -1.0
    if not weight > 0 or weight == float("inf"):
        raise UsageError(f"--weighted: {text!r} is not a positive number")
    return weight


def gather(args: argparse.Namespace, context: Context) -> tuple[list[Conversation], list[float]]:
    """The conversations to train on, and how much each one counts."""
    from bot.learning.corpora import InputError
    from bot.learning.irc import irc_dir

    conversations: list[Conversation] = []
    weights: list[float] = []
    errors: list[str] = []
    sources = [(1.0, name) for name in args.files]
    sources += [(_weight(weight), name) for weight, name in args.weighted]
    for weight, name in sources:
        loaded = load_corpus(name, errors)
        conversations += loaded
        weights += [weight] * len(loaded)
    irc = irc_dir(args.irc)
    if irc is not None:
        conversations += _irc(irc, args, context)
    if args.pan12:
        from bot.learning.pan12 import iter_pan12, read_predator_ids

        if not args.pan12_predators:
            raise UsageError("--pan12 needs --pan12-predators (the predator id list)")
        predators = read_predator_ids(existing_file(args.pan12_predators))
        try:
            conversations += list(iter_pan12(existing_file(args.pan12), predators))
        except InputError as exc:
            raise UsageError(str(exc)) from None
    if args.from_store:
        conversations += asyncio.run(_from_store(context))
    weights += [1.0] * (len(conversations) - len(weights))
    for error in errors:
        print(f"watchkeeper: {error}", file=sys.stderr)
    if not conversations:
        raise UsageError("nothing to train on: give JSONL files, --pan12 or --from-store")
    return conversations, weights


def _irc(directory: Path, args: argparse.Namespace, context: Context) -> list[Conversation]:
    from datetime import timedelta

    from bot.learning.corpora import InputError
    from bot.learning.irc import irc_negatives

    if args.irc_every < 1:
        raise UsageError("--irc-every must be at least 1")
    split = directory / "train.jsonl.gz"
    if not split.is_file():
        raise UsageError(f"--irc: {split} not found (the IRC corpus directory has train.jsonl.gz)")
    gap = timedelta(seconds=context.settings.detection.pair_gap_seconds)
    try:
        found = irc_negatives(split, gap, args.irc_every)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    print(f"IRC: {len(found)} benign pair conversations from {split}", file=sys.stderr)
    return found


async def _from_store(context: Context) -> list[Conversation]:
    from bot.learning.feedback import LearningDisabled, labelled_from_store
    from bot.store import store_for

    store = store_for(context.settings.storage)
    await store.open()
    try:
        return await labelled_from_store(store, context.settings)
    except LearningDisabled as exc:
        raise UsageError(str(exc)) from None
    finally:
        await store.close()


TINY_TOTAL = 50
TINY_CLASS = 10
"""Below these, a warning: a model over thousands of text features fitted to a handful
of conversations learns their words, not the tactics, and scores new chat poorly."""


def _dev_set(args: argparse.Namespace) -> list[Conversation]:
    """The ``--dev`` conversations, read before training so a mistake costs nothing."""
    if not args.dev:
        return []
    errors: list[str] = []
    dev = load_corpus(args.dev, errors)
    for error in errors:
        print(f"watchkeeper: --dev {error}", file=sys.stderr)
    if not any(c.label for c in dev):
        raise UsageError(f"--dev {args.dev}: no labelled conversations to measure against")
    return dev


def _output_dir(args: argparse.Namespace, settings: Settings) -> Path:
    """Where the model goes, checked before training: not a file, and writable."""
    out = Path(args.out) if args.out else settings.storage.data_dir / "model"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        raise UsageError(f"{out}: cannot write there ({existing} is not writable)")
    return out


def _warn_if_tiny(conversations: Sequence[Conversation]) -> None:
    grooming = sum(c.is_grooming for c in conversations)
    benign = sum(c.label == "benign" for c in conversations)
    if (
        grooming
        and benign
        and (len(conversations) < TINY_TOTAL or min(grooming, benign) < TINY_CLASS)
    ):
        print(
            f"watchkeeper: warning: only {grooming} grooming and {benign} benign "
            f"conversations: a model trained on so few learns their words, not the "
            f"tactics; add data (at least {TINY_TOTAL}, {TINY_CLASS} of each) or keep "
            "the shipped model, and compare with --dev",
            file=sys.stderr,
        )


def handle(args: argparse.Namespace, context: Context) -> int:
    require_extra("train", TRAIN_MODULES)
    from bot.learning.evaluation import evaluate
    from bot.learning.offline import score_conversation
    from bot.learning.train import TrainOptions, train
    from bot.scoring.model import ModelScorer

    settings = context.settings
    out = _output_dir(args, settings)
    dev = _dev_set(args)
    conversations, conversation_weights = gather(args, context)
    grooming = sum(c.is_grooming for c in conversations)
    print(f"training on {len(conversations)} conversations ({grooming} grooming)", file=sys.stderr)
    _warn_if_tiny(conversations)
    try:
        weights = train(conversations, TrainOptions(), progress, conversation_weights)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    weights.save(out / "model.json.gz")
    print(
        f"model written to {out / 'model.json.gz'} "
        f"({len(weights.text_weights)} text features); "
        f'use it with [detection] model_path = "{out}"'
    )
    if dev:
        scorer = ModelScorer(weights)
        print(format_metrics(evaluate([score_conversation(c, scorer, settings) for c in dev])))
    return 0
