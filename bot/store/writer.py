"""One writer per SQLite file: the running bot holds an OS lock on a file beside it.

Two bot processes on one SQLite file would each keep their own conversations in
memory and open duplicate cases (and post duplicate alerts). ``run`` (and ``replay``)
take an exclusive ``flock`` on ``<store>.lock`` and write who holds it there; a second
one is refused at once with that name. Commands that only read, or make one quick
change (``cases``, ``audit``, ``export``, ``purge``, ``forget``), do not take it, so they
work while the bot runs. The OS releases the lock when the process ends, even on
SIGKILL, so a crash never leaves a stale lock behind. PostgreSQL needs none of this:
several processes share it by design (leases, claims).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path

from bot.clock import isoformat, utcnow
from bot.store.base import StoreInUseError, StoreUnusableError


class WriterLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Hold the lock, or raise ``StoreInUseError`` naming the process that does."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StoreUnusableError(f"{self.path}: cannot lock ({error.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 300).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreInUseError(
                f"{self.database} is in use by a running watchkeeper ({holder}); stop it "
                "first (one bot process per SQLite file; use PostgreSQL to run several)"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(
            fd, f"pid {os.getpid()} on {socket.gethostname()} since {isoformat(utcnow())}".encode()
        )
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor releases the lock
        self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def writer_lock(store: object) -> WriterLock | contextlib.nullcontext[None]:
    """The lock for a store: its SQLite file's, or nothing to hold (PostgreSQL)."""
    path = getattr(getattr(store, "driver", None), "path", None)
    if isinstance(path, Path) and str(path) != ":memory:":
        return WriterLock(path)
    return contextlib.nullcontext()
