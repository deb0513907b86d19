"""A progress line on standard error for commands that take a while (bench, evaluate).

On a terminal it is one line rewritten in place, erased when the work is done, so the
results print clean. Elsewhere (a log, a pipe) it is silent unless ``always``: then
it writes a plain line when a stage starts and every few seconds, so a long run in CI
or a container shows it is alive without flooding the log. Standard output, where the
results go, is never touched.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

TERMINAL_EVERY = 0.1
"""Seconds between redraws on a terminal."""
LOG_EVERY = 5.0
"""Seconds between plain lines elsewhere (``always``)."""


class Progress:
    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        always: bool = False,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = _is_terminal(self.stream)
        self.enabled = self.terminal or always
        self.stage_name = ""
        self.total = 0
        self.done = 0
        self._last = float("-inf")
        self._width = 0

    @classmethod
    def silent(cls) -> Progress:
        """One that shows nothing (library callers, tests)."""
        quiet = cls("", always=False)
        quiet.enabled = quiet.terminal = False
        return quiet

    def stage(self, name: str, total: int) -> None:
        """Start a stage of ``total`` steps (``0``: a stage with no count)."""
        self.stage_name, self.total, self.done = name, total, 0
        self._show(force=True)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self._show(force=self.done >= self.total > 0)

    def finish(self) -> None:
        """Erase the line on a terminal (the results come next); nothing elsewhere."""
        if self.terminal and self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def track(self, items: Iterable[T], name: str, total: int) -> Iterator[T]:
        """Yield ``items``, counting them as the stage ``name``."""
        self.stage(name, total)
        for item in items:
            yield item
            self.advance()

    def line(self) -> str:
        if not self.total:
            return f"{self.label}: {self.stage_name}"
        count = f"{self.done:,}/{self.total:,} ({100 * self.done // self.total}%)"
        return f"{self.label}: {self.stage_name} {count}"

    def _show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < (TERMINAL_EVERY if self.terminal else LOG_EVERY):
            return
        self._last = now
        text = self.line()
        if self.terminal:
            padding = " " * max(self._width - len(text), 0)
            self._write("\r" + text + padding)
            self._width = len(text)
        else:
            self._write(text + "\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # stderr went away: the work itself goes on

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
