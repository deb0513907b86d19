"""One module per ``watchkeeper`` subcommand; each has ``register(subparsers)``."""

from bot.commands import apikey, check, health, migrate, replay, run, scoring

COMMANDS = [run, check, scoring, replay, health, apikey, migrate]
