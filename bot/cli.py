"""The ``watchkeeper`` command.

Configuration is loaded once here and passed down. Mistakes a user can make (bad
config, unreadable input, wrong arguments) end with one clear line on stderr and
exit status 2; a failure at run time exits 1. No tracebacks unless ``--debug``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import __version__
from bot.commands import COMMANDS
from bot.commands.common import EXIT_RUNTIME, EXIT_USAGE, Context, UsageError
from bot.config import ConfigError
from bot.store.base import StoreUnavailableError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchkeeper",
        description="Spots the warning signs of online grooming and alerts your moderators.",
    )
    parser.add_argument("--version", action="version", version=f"watchkeeper {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="TOML config file (default: $WATCHKEEPER_CONFIG or ./config.toml)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(subparsers)
    return parser


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
    except StoreUnavailableError as exc:
        print(f"watchkeeper: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, not a traceback
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
