"""One module per ``watchkeeper`` subcommand; each has ``register(subparsers)``."""

from bot.commands import (
    apikey,
    audit,
    bench,
    cases,
    check,
    deadletters,
    export,
    forget,
    health,
    loadtest,
    migrate,
    purge,
    replay,
    run,
    scoring,
    train,
)

COMMANDS = [
    run,
    check,
    scoring,
    replay,
    train,
    bench,
    health,
    apikey,
    migrate,
    loadtest,
    cases,
    export,
    purge,
    forget,
    audit,
    deadletters,
]
