"""One pass over a text for every tactic's patterns at once (Hyperscan, when installed).

Searching each tactic's expression in Python costs most of signal detection, although
most chat shows no tactic at all. Hyperscan scans a text once for all the tactics'
patterns together, in its prefilter mode: it reports every tactic that *may* match
(lookarounds and other forms it cannot run are widened, never narrowed), and
``TacticMatcher`` confirms each one it reports with the tactic's own Python expression.
So the result is exactly Python's, and the confirmation runs only on the few texts
that show something.

Only for printable ASCII text: there Python's ``\\b``, ``\\w``, ``\\d``, ``\\s``, ``.``
and ``$`` mean what Hyperscan's do (any other text goes the pure-Python way). A pattern
written with syntax that the two read differently is not compiled: its tactic is
confirmed on every text. Compiling all the patterns takes seconds, so the database is
kept in the user's cache directory under the hash of what it was compiled from, and a
process that finds it there loads it in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    import hyperscan
except ImportError:  # the pure-Python matcher finds the same, more slowly
    hyperscan = None

log = logging.getLogger(__name__)

_UNLIKE = re.compile(
    r"\{,|(?<!\\)(?:\\\\)*\\[0-9AZNuU]|\(\?[^:=!<]|\(\?<[^=!]|(?:^|[^\\])(?:\\\\)*[*+?}]\+"
)
"""Syntax that Python and Hyperscan read differently or that Hyperscan lacks: ``{,n}``
(a literal to PCRE), backreferences and octal escapes, ``\\A``/``\\Z``, named or Unicode
escapes, inline flags, named, atomic and conditional groups, possessive quantifiers.
(Widened forms, such as a lookaround, are fine: what matters is that Hyperscan never
reads a pattern as matching less than Python does.)"""
_ANCHOR = re.compile(r"(?<!\[)\^")
_CACHE_VERSION = "1"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "watchkeeper"


def _note(bit: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found[0] |= 1 << bit


class Prefilter:
    """For a text, the tactics (as a bit mask) that may match it: every one that does."""

    def __init__(self, database: Any, always: int) -> None:
        self._database = database
        self._scratch: dict[int, Any] = {}
        """Hyperscan's working memory, one per thread (a scan may not share it)."""
        self.always = always
        """Tactics whose patterns Hyperscan does not take: reported for every text."""

    @classmethod
    def build(cls, parts: Sequence[tuple[str, ...]]) -> Prefilter | None:
        """A prefilter for tactics ``0 .. len(parts) - 1`` (each tactic's patterns, each
        implicitly anchored at a word boundary); None without Hyperscan."""
        if hyperscan is None:
            return None
        always = 0
        expressions: list[bytes] = []
        ids: list[int] = []
        flags: list[int] = []
        for bit, patterns in enumerate(parts):
            if not patterns:
                always |= 1 << bit
            for pattern in patterns:
                if _UNLIKE.search(pattern):
                    always |= 1 << bit
                    continue
                # Hyperscan refuses "\b" before a "^" (an embedded anchor); without the
                # "\b" the expression matches no less.
                anchor = "" if _ANCHOR.search(pattern) else r"\b"
                expressions.append(f"{anchor}(?:{pattern})".encode())
                ids.append(bit)
                # A character outside ASCII ("£") is one character, as in Python, not
                # its bytes: Hyperscan reads such a pattern as UTF-8.
                flags.append(_FLAGS if pattern.isascii() else _FLAGS | hyperscan.HS_FLAG_UTF8)
        database, refused = _database(expressions, ids, flags)
        for bit in refused:
            always |= 1 << bit
        return cls(database, always)

    def candidates(self, text: str) -> int:
        """The tactics that may match ``text`` (printable ASCII: see the module)."""
        found = [self.always]
        if self._database is None:
            return found[0]
        scratch = self._scratch.get(threading.get_ident())
        if scratch is None:
            scratch = self._scratch[threading.get_ident()] = hyperscan.Scratch(self._database)
        self._database.scan(text.encode(), _note, context=found, scratch=scratch)
        return found[0]


_FLAGS = (
    0
    if hyperscan is None
    else hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
)


def _database(expressions: list[bytes], ids: list[int], flags: list[int]) -> tuple[Any, set[int]]:
    """The compiled database (from the cache when it holds it; None if Hyperscan took no
    pattern), and the tactics whose patterns Hyperscan refused (left out)."""
    if not expressions:
        return None, set()
    digest = hashlib.sha256(f"{_CACHE_VERSION} {hyperscan.__version__}".encode())
    rows = list(zip(expressions, ids, flags, strict=True))
    for expression, bit, flag in rows:
        digest.update(b"%d %d\x00%s\x00" % (bit, flag, expression))
    path = _cache_dir() / f"tactics-{digest.hexdigest()[:32]}.hsdb"
    try:
        refused_line, _, blob = path.read_bytes().partition(b"\n")
        database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        return database, {int(bit) for bit in refused_line.split()}
    except (OSError, ValueError, TypeError, hyperscan.error):
        pass  # not cached yet, or cached by another version or processor: compile
    refused: set[int] = set()
    try:
        database = _compiled(rows)
    except hyperscan.error:
        for row in rows:
            try:
                _compiled([row])
            except hyperscan.error:
                refused.add(row[1])
        kept = [row for row in rows if row[1] not in refused]
        if not kept:
            return None, refused
        database = _compiled(kept)
    _save(path, " ".join(map(str, sorted(refused))).encode() + b"\n" + hyperscan.dumpb(database))
    return database, refused


def _compiled(rows: list[tuple[bytes, int, int]]) -> Any:
    expressions, ids, flags = zip(*rows, strict=True)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=list(expressions), ids=list(ids), flags=list(flags))
    return database


def _save(path: Path, content: bytes) -> None:
    """Keep the database for the next process; a cache that cannot be written (a
    read-only home) only means compiling again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
            out.write(content)
        os.replace(out.name, path)
    except OSError as exc:
        log.debug("tactic database not cached: %s", exc)
