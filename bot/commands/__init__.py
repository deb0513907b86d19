"""One module per ``watchkeeper`` subcommand; each has ``register(subparsers)``."""

from bot.commands import (
    apikey,
    audit,
    cases,
    check,
    export,
    forget,
    health,
    migrate,
    purge,
    replay,
    run,
    scoring,
)

COMMANDS = [
    run,
    check,
    scoring,
    replay,
    health,
    apikey,
    migrate,
    cases,
    export,
    purge,
    forget,
    audit,
]
