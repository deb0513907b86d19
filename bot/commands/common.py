"""What every command shares: exit codes, the loaded settings, logging."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings, load_config, resolve_config_path
from bot.config_sources import Sources
from bot.errors import UsageError

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


CONTENT_LOGGERS = ("aiosqlite", "asyncpg", "discord", "slack_bolt", "slack_sdk")
"""Libraries whose debug logs carry message text or SQL parameters."""


@dataclass
class Context:
    config_path: str | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def config_file(self) -> Path | None:
        return resolve_config_path(self.config_path)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_config(self.config_file)
            setup_logging(self._settings, self.debug)
        return self._settings

    def config_summary(self) -> str:
        """One line: the config file used (or none), and the other sources that set
        something (environment, ``.env``, secret files)."""
        return Sources(self.config_file).summary()

    def unknown_variables(self) -> list[str]:
        """``WATCHKEEPER_...`` variables that set nothing (misspelt, most likely)."""
        return Sources(self.config_file).unknown(Settings)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def setup_logging(settings: Settings, debug: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.logging.json_format:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else settings.logging.level)
    # Library chatter stays at WARNING unless debugging.
    for noisy in ("aiohttp", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    # These log what passes through them at DEBUG (SQL parameters, request and gateway
    # bodies): members' messages. They stay at WARNING even with --debug.
    for talkative in CONTENT_LOGGERS:
        logging.getLogger(talkative).setLevel(logging.WARNING)


def existing_file(path: str) -> Path:
    """A path to read, or a UsageError that says why it cannot be."""
    candidate = Path(path)
    if not candidate.exists():
        raise UsageError(f"{path}: no such file")
    if candidate.is_dir():
        raise UsageError(f"{path}: is a directory, not a file")
    try:
        with candidate.open("rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    return candidate


def jsonl_files(path: str) -> list[Path]:
    """``path`` itself, or every ``*.jsonl`` in it if it is a directory."""
    candidate = Path(path)
    if candidate.is_dir():
        found = sorted(candidate.glob("*.jsonl"))
        if not found:
            raise UsageError(f"{path}: no .jsonl files in this directory")
        return found
    return [existing_file(path)]


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))
