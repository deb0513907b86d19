"""The running bot's heartbeat file: written by ``Runtime``, read by ``watchkeeper health``.

Kept apart from ``bot.runtime`` (which imports the engine and the scorer) so that a
health probe, run every few seconds by Docker, starts in a fraction of a second.
"""

from __future__ import annotations

import time

from bot.config import Settings

HEARTBEAT_SECONDS = 10.0
HEARTBEAT_FILE = "heartbeat"


def heartbeat_age(settings: Settings) -> float | None:
    """Seconds since the running process last refreshed its heartbeat, if it ever did."""
    path = settings.storage.data_dir / HEARTBEAT_FILE
    try:
        return time.time() - float(path.read_text().strip())
    except (OSError, ValueError):
        return None
