"""The ``watchkeeper`` command.

Configuration is loaded once here and passed down. Mistakes a user can make (bad
config, unreadable input, wrong arguments) end with one clear line on stderr and
exit status 2; a failure at run time exits 1. No tracebacks unless ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from bot import __version__
from bot.commands import COMMANDS
from bot.commands.common import EXIT_RUNTIME, EXIT_USAGE, Context, UsageError
from bot.config import ConfigError
from bot.store.auditkey import AuditKeyError
from bot.store.base import StoreInUseError, StoreUnavailableError, StoreUnusableError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchkeeper",
        description="Spots the warning signs of online grooming and alerts your moderators.",
    )
    parser.add_argument("--version", action="version", version=f"watchkeeper {__version__}")
    add_global_options(parser, defaults=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(subparsers)
    for command in _subcommands(parser):
        add_global_options(command, defaults=False)
    return parser


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """``--config`` and ``--debug``, accepted before the command and after it.

    After the command they have no default (``SUPPRESS``), so they change the value
    only when given there: ``watchkeeper --config a.toml run`` is not undone by ``run``.
    """
    unset = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML config file (default: $WATCHKEEPER_CONFIG or ./config.toml)",
        **unset,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks and debug logs", **unset
    )


def _subcommands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command and sub-command parser under ``parser`` (``audit verify``...)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_subcommands(child)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    context = Context(config_path=args.config, debug=args.debug)
    try:
        return int(args.handler(args, context) or 0)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"watchkeeper: config error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"watchkeeper: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreUnusableError, StoreInUseError, AuditKeyError) as exc:
        print(f"watchkeeper: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreUnavailableError as exc:
        print(f"watchkeeper: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped reading (``watchkeeper cases | head``): it has what it
        # wanted. Nothing more can be written, and Python's own flush at exit must not
        # complain either, so standard output now goes nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.OperationalError
        ):  # found damaged past the opening checks (a malformed page)
            print(f"watchkeeper: the SQLite store is damaged: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.debug:
            raise
        logging.getLogger("watchkeeper").debug("failure", exc_info=True)
        print(
            f"watchkeeper: error: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_RUNTIME


if __name__ == "__main__":
    sys.exit(main())
