"""A conversation's window of messages, kept as columns rather than one object each.

Most messages show nothing: all the scorer keeps of them is who wrote them, when,
their id, whether they asked a question or continued a turn, and the text model's
contribution. Those are kept in two flat columns (a list of ids and authors, an
array of integers), a few dozen bytes a message instead of an object with its own
fields. A message that can become evidence (a signal or an age) has a ``Notable``
in its author's place in the list: its author, signals and details in one object.
Reading the window still gives ``Observation``s, made on demand, equal to the ones
added (see ``Window.__getitem__`` for the one difference: a time zone).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import overload

from bot.scoring.observation import Detail, Observation
from bot.scoring.signals import WORDING, Hit

_SCANNED_IDS = 16
"""Up to this many messages, whether the window holds a message id is read from the
window itself; past it, from a set of the window's ids."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_QUESTION, _CONTINUES, _NAIVE = 1, 2, 4
_FLAG_BITS = 3
"""A message's second number: its text contribution (an integer, in millionths),
shifted left past these flags."""
_NAME = attrgetter("name")
_EXACT = "surrogatepass"
"""Any ``str`` (even a lone surrogate from a platform's JSON) makes the round trip
through UTF-8 unchanged."""
_SHARED_HITS: dict[tuple[Hit, ...], tuple[Hit, ...]] = {}
"""One tuple per combination of signals, shared by the messages that show it (a
message's signals are a new tuple each): bounded by ``_SHARED_COMBINATIONS``."""
_SHARED_COMBINATIONS = 1024


def _shared(hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
    shared = _SHARED_HITS.get(hits)
    if shared is not None:
        return shared
    if len(_SHARED_HITS) < _SHARED_COMBINATIONS:
        _SHARED_HITS[hits] = hits
    return hits


def micros(ts: datetime) -> int:
    """``ts`` as whole microseconds since the epoch (exact: comparing them is comparing
    the times). A naive time counts from the naive epoch."""
    return (ts - (_EPOCH if ts.tzinfo is not None else _NAIVE_EPOCH)) // _MICROSECOND


class Notable:
    """The author, signals and details of a message that can become evidence: one
    object where an ``Observation`` and its ``Detail`` would be two.

    Most such messages have only a quote and a channel (no link, age or target): they
    take this class, and those with more ``_Detailed``, with four more slots. The quote
    is kept as UTF-8: 16 bytes less than a ``str`` for plain text, and half or less for
    text with one character past Latin-1 (an emoji, a curly quote, the ellipsis of a
    cut quote), which makes a ``str`` take two or four bytes a character."""

    __slots__ = ("_quote", "author_id", "channel_id", "hits")
    link: str | None = None
    age_answer: int | None = None
    target: str | None = None

    def __init__(self, author_id: str, hits: tuple[Hit, ...], detail: Detail | None) -> None:
        self.author_id = author_id
        self.hits = _shared(hits)
        self._quote = None if detail is None else detail.quote.encode("utf-8", _EXACT)
        """None: the message had signals but no details."""
        self.channel_id = detail.channel_id if detail is not None else ""

    @staticmethod
    def of(author_id: str, hits: tuple[Hit, ...], detail: Detail | None) -> Notable:
        if detail is None or (
            detail.link is None and detail.age_answer is None and detail.target is None
        ):
            return Notable(author_id, hits, detail)
        return _Detailed(author_id, hits, detail)

    @property
    def quote(self) -> str | None:
        """The quote, as it was given; None if the message had no details."""
        quote = self._quote
        return None if quote is None else quote.decode("utf-8", _EXACT)

    @property
    def detail(self) -> Detail | None:
        quote = self.quote
        if quote is None:
            return None
        return Detail(quote, self.channel_id, self.link, self.age_answer, self.target)


class _Detailed(Notable):
    __slots__ = ("age_answer", "link", "target")  # type: ignore[misc]

    def __init__(self, author_id: str, hits: tuple[Hit, ...], detail: Detail) -> None:
        super().__init__(author_id, hits, detail)
        self.link = detail.link
        self.age_answer = detail.age_answer
        self.target = detail.target


def _author(ref: str | Notable) -> str:
    return ref if type(ref) is str else ref.author_id  # type: ignore[union-attr]


class Window(Sequence[Observation]):
    """The observations of a window of consecutive messages (consecutive sequence
    numbers), oldest first: appended at the end, dropped from the front."""

    __slots__ = ("_first", "_ids", "_numbers", "_refs")

    def __init__(self) -> None:
        self._refs: list[str | Notable] = []
        """The id of each message, then its author (a ``Notable`` for a message with
        signals or details)."""
        self._numbers = array("q")
        """Time (``micros``) and text contribution with flags of each message."""
        self._first = 0
        """The sequence number of the oldest message (of the next one, while empty)."""
        self._ids: set[str] | None = None
        """The window's message ids, once the window is too long to scan (``holds``)."""

    def __len__(self) -> int:
        return len(self._refs) >> 1

    @overload
    def __getitem__(self, index: int) -> Observation: ...

    @overload
    def __getitem__(self, index: slice) -> list[Observation]: ...

    def __getitem__(self, index: int | slice) -> Observation | list[Observation]:
        """The observation at ``index``, made from the columns: equal to the one added,
        with its time in UTC if it had another time zone (the same instant)."""
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("window index out of range")
        return self._at(index)

    def __iter__(self) -> Iterator[Observation]:
        return (self._at(i) for i in range(len(self)))

    def _at(self, index: int) -> Observation:
        time, word = self._numbers[2 * index], self._numbers[2 * index + 1]
        ref = self._refs[2 * index + 1]
        notable = None if type(ref) is str else ref
        epoch = _NAIVE_EPOCH if word & _NAIVE else _EPOCH
        return Observation(
            seq=self._first + index,
            message_id=self._refs[2 * index],  # type: ignore[arg-type]
            author_id=_author(ref),
            ts=epoch + time * _MICROSECOND,
            hits=notable.hits if notable is not None else (),
            is_question=bool(word & _QUESTION),
            text_sum=word >> _FLAG_BITS,
            detail=notable.detail if notable is not None else None,
            continues_turn=bool(word & _CONTINUES),
        )

    def notable(self, seq: int) -> Notable | None:
        """The signals and details of the message ``seq``: None if it has none, or if
        it is not in the window."""
        index = seq - self._first
        if not 0 <= index < len(self._refs) >> 1:
            return None
        ref = self._refs[2 * index + 1]
        return None if type(ref) is str else ref

    @property
    def next_seq(self) -> int:
        """The sequence number the next message takes."""
        return self._first + (len(self._refs) >> 1)

    def start_at(self, seq: int) -> None:
        """Number the next message ``seq`` (the window must be empty)."""
        if self._refs:
            raise ValueError("a window holding messages goes on from its last one")
        self._first = seq

    def append(self, observation: Observation) -> None:
        """Add the next message (its ``seq`` is ``next_seq``, or any while empty)."""
        refs, numbers, seq = self._refs, self._numbers, observation.seq
        if not refs:
            self._first = seq
        elif seq != self._first + (len(refs) >> 1):
            raise ValueError(f"message {seq} does not follow {self.next_seq - 1}")
        ts = observation.ts
        refs.append(observation.message_id)
        if observation.hits or observation.detail is not None:
            refs.append(Notable.of(observation.author_id, observation.hits, observation.detail))
        else:
            refs.append(observation.author_id)
        numbers.append(micros(ts))
        numbers.append(
            observation.text_sum << _FLAG_BITS
            | observation.is_question * _QUESTION
            | observation.continues_turn * _CONTINUES
            | (ts.tzinfo is None) * _NAIVE
        )
        if self._ids is not None:
            self._ids.add(observation.message_id)

    def pop_oldest(self) -> tuple[str, bool, bool, int, Notable | None]:
        """Drop the oldest message; returns its author, whether it asked a question,
        whether it continued a turn, its text contribution, and its signals and details
        if it had any (no ``Observation`` is made)."""
        refs, numbers = self._refs, self._numbers
        message_id, ref, word = refs[0], refs[1], numbers[1]
        if self._ids is not None:
            self._ids.discard(message_id)
        del refs[:2]
        del numbers[:2]
        self._first += 1
        notable = None if type(ref) is str else ref
        return (
            _author(ref),
            bool(word & _QUESTION),
            bool(word & _CONTINUES),
            word >> _FLAG_BITS,
            notable,
        )

    def holds(self, message_id: str) -> bool:
        """Whether the message with this id is in the window."""
        if self._ids is None:
            if len(self._refs) <= 2 * _SCANNED_IDS:
                return message_id in self._refs[::2]
            self._ids = set(self._refs[::2])
        return message_id in self._ids

    def observation(self, seq: int) -> Observation | None:
        """The observation with sequence number ``seq``, if it is still in the window."""
        index = seq - self._first
        return self._at(index) if 0 <= index < len(self) else None

    def quoted(self, seq: int) -> tuple[str, str] | None:
        """The id and quote of the message ``seq`` if it is in the window (the quote is
        empty for a message without details)."""
        index = seq - self._first
        if not 0 <= index < len(self._refs) >> 1:
            return None
        ref = self._refs[2 * index + 1]
        quote = None if type(ref) is str else ref._quote  # type: ignore[union-attr]
        text = quote.decode("utf-8", _EXACT) if quote else ""
        return self._refs[2 * index], text  # type: ignore[return-value]

    def oldest_micros(self) -> int | None:
        """The time (``micros``) of the oldest message; None if the window is empty."""
        return self._numbers[0] if self._numbers else None

    @property
    def first_author(self) -> str | None:
        """Who wrote the oldest message; None if the window is empty."""
        return _author(self._refs[1]) if self._refs else None

    def last(self, count: int) -> Iterator[tuple[str, str]]:
        """(message id, author id) of the ``count`` newest messages, newest first."""
        refs = self._refs
        for at in range(len(refs) - 2, max(len(refs) - 2 * count, 0) - 2, -2):
            yield refs[at], _author(refs[at + 1])  # type: ignore[misc]

    def notables(self) -> list[Observation]:
        """The observations that can become evidence (a signal or a detail, such as an
        age), oldest first."""
        refs = self._refs
        return [self._at(i >> 1) for i in range(1, len(refs), 2) if type(refs[i]) is not str]

    def worded(self, author: str, limit: int) -> list[int]:
        """The sequence numbers of ``author``'s first ``limit`` lines in the window whose
        wording drove the text score (the ``wording`` signal), oldest first."""
        found: list[int] = []
        for offset, ref in enumerate(self._refs[1::2]):
            if type(ref) is str or ref.author_id != author:  # type: ignore[union-attr]
                continue
            if WORDING in map(_NAME, ref.hits):  # type: ignore[union-attr]
                found.append(self._first + offset)
                if len(found) == limit:
                    break
        return found

    def signalling_since(self, since: int) -> list[str]:
        """The authors of the messages with a signal from sequence number ``since`` on,
        oldest first (one per message)."""
        refs = self._refs
        start = 2 * max(since - self._first, 0) + 1
        return [ref.author_id for ref in refs[start::2] if type(ref) is not str and ref.hits]
