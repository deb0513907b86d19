"""The running bot's heartbeat file: written by ``Runtime``, read by ``watchkeeper health``.

The first line is the time of the last beat (seconds since the epoch); each further
line names a background task that is down (``down NAME: why``).

Kept apart from ``bot.runtime`` (which imports the engine and the scorer) so that a
health probe, run every few seconds by Docker, starts in a fraction of a second.
"""

from __future__ import annotations

import time

from bot.config import Settings

HEARTBEAT_SECONDS = 10.0
HEARTBEAT_FILE = "heartbeat"


def heartbeat_text(now: float, down: dict[str, str]) -> str:
    return "".join([f"{now:.0f}\n", *(f"down {name}: {why}\n" for name, why in down.items())])


def _read(settings: Settings) -> list[str]:
    try:
        return (settings.storage.data_dir / HEARTBEAT_FILE).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def heartbeat_age(settings: Settings) -> float | None:
    """Seconds since the running process last refreshed its heartbeat, if it ever did."""
    lines = _read(settings)
    try:
        return time.time() - float(lines[0].strip())
    except (IndexError, ValueError):
        return None


def tasks_down(settings: Settings) -> list[str]:
    """The background tasks the running process reported down at its last beat."""
    return [line.removeprefix("down ") for line in _read(settings)[1:] if line.startswith("down ")]
