"""Which conversation a message belongs to, and who has been approaching whom.

In a DM, the conversation is the DM. In a channel it is the *pair* of people talking
to each other. A message that says whom it addresses (a reply, a mention, or a
recent speaker's name typed where a name addressing someone stands: "how old r u
sid", see ``addressing.py``) pairs its author with that person. Otherwise, within a
short gap, its author is taken to be answering, in this order:

1. the latest person who addressed them (by reply or mention);
2. the latest person they addressed themselves;
3. the person they were just talking with, unless that person has since turned to
   someone else;
4. the previous speaker, unless that speaker was addressing someone else.

So a quiet one-to-one approach inside a busy channel is seen as one conversation.

The order was chosen on the annotated who-answers-whom links of real, busy IRC
channels (``watchkeeper evaluate-grouping``; Kummerfeld et al., ACL 2019): it pairs
more lines with the person they answer, and fewer with someone they do not, than
"the previous speaker" alone.

A line addressed to no one (someone's first line, "anyone here 13?", or a line after
a silence) joins no pair when it is said: it opens the conversations its author is
about to have. When its author joins a pair in that channel (or in a thread of it)
within ``OPENING_WINDOW``, speaking or being answered, the line is carried into that
pair just before the message that formed it (``Route.opening``), once per pair. So a
pair's evidence starts where its author started, and every path that follows
``Route`` (the engine, the offline grouping) carries the same lines.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.addressing import name_forms, named
from bot.models import ConversationKey, Message

RECENT_PER_CHANNEL = 50
"""Speakers remembered per channel, to find reply targets and the previous speaker."""
MAX_CHANNELS = 20_000
REACH_WINDOW = timedelta(days=7)
MAX_PARTNERS = 64
OPENING_WINDOW = timedelta(minutes=30)
"""How long a line addressed to no one waits for its author's conversation to start."""
OPENINGS_PER_CHANNEL = 16
"""Lines addressed to no one remembered per channel (with their text), newest kept.

With these two, on the IRC train split, 80% of the unaddressed lines someone answers
reach the answerer's pair (``evaluate-grouping``); an hour or 64 lines add under half
a point (the rest are answers the tracker pairs with someone else)."""


class Route(NamedTuple):
    """The conversation a message joins, and what it carries into it."""

    key: ConversationKey
    opening: tuple[Message, ...] = ()
    """Earlier lines addressed to no one, by either of the pair, to add to the
    conversation before the message, oldest first (module docstring)."""


class _Said(NamedTuple):
    message_id: str
    author: str
    names: frozenset[str]
    """The words that stand for its author when typed (``addressing.name_forms``)."""
    ts: datetime
    partner: str | None
    """Who it was addressed to, as the tracker decided."""
    explicit: bool
    """The platform said so (a reply or a mention)."""


@dataclass(slots=True)
class _Unaddressed:
    message: Message
    carried_to: set[str] = field(default_factory=set)
    """The people whose pair with its author it was carried into."""


@dataclass(slots=True)
class _ChannelMemory:
    speakers: deque[_Said] = field(default_factory=lambda: deque(maxlen=RECENT_PER_CHANNEL))
    """What was said lately, newest last."""
    unaddressed: deque[_Unaddressed] = field(
        default_factory=lambda: deque(maxlen=OPENINGS_PER_CHANNEL)
    )
    """Lines addressed to no one, newest last."""


class Tracker:
    def __init__(self, pair_gap: timedelta) -> None:
        self.pair_gap = pair_gap
        self._channels: OrderedDict[tuple[str, str, str], _ChannelMemory] = OrderedDict()
        self._partners: dict[tuple[str, str, str], OrderedDict[str, datetime]] = {}

    def route(self, message: Message) -> Route | None:
        """The conversation ``message`` belongs to, or None when it addresses no one."""
        if message.is_dm:
            return Route(ConversationKey.dm(message.platform, message.space_id, message.channel_id))
        memory = self._memory(message)
        partner = self._partner(message, memory)
        if partner is None:
            unaddressed = memory.unaddressed
            while unaddressed and message.ts - unaddressed[0].message.ts > OPENING_WINDOW:
                unaddressed.popleft()
            unaddressed.append(_Unaddressed(message))
            return None
        author = message.author.user_id
        key = ConversationKey.pair(message.platform, message.space_id, author, partner)
        return Route(key, self._opening(message, partner, memory))

    def partner(self, message: Message) -> str | None:
        """Whom a channel message addresses (None: no one), remembering it for later."""
        return self._partner(message, self._memory(message))

    def _partner(self, message: Message, memory: _ChannelMemory) -> str | None:
        partner = self._addressed(message, memory)
        explicit = partner is not None
        if partner is None:
            partner = self._answered(message, memory)
        author = message.author
        names = name_forms(author.user_id, author.display_name)
        said = _Said(message.message_id, author.user_id, names, message.ts, partner, explicit)
        memory.speakers.append(said)
        return partner

    def _opening(
        self, message: Message, partner: str, memory: _ChannelMemory
    ) -> tuple[Message, ...]:
        """The unaddressed lines of ``message``'s author and ``partner`` (in its channel,
        and in the parent channel of its thread) not yet carried into their pair, said
        within ``OPENING_WINDOW``, oldest first; each is marked as carried."""
        author = message.author.user_id
        other_of = {author: partner, partner: author}
        places = [memory]
        if message.thread_id:
            parent = self._channels.get((message.platform, message.space_id, message.channel_id))
            if parent is not None and parent is not memory:
                places.insert(0, parent)
        opening = []
        for place in places:
            for line in place.unaddressed:
                other = other_of.get(line.message.author.user_id)
                if other is None or other in line.carried_to:
                    continue
                if message.ts - line.message.ts > OPENING_WINDOW:
                    continue
                line.carried_to.add(other)
                opening.append(line.message)
        return tuple(sorted(opening, key=lambda line: line.ts))

    def _memory(self, message: Message) -> _ChannelMemory:
        key = (message.platform, message.space_id, message.thread_id or message.channel_id)
        memory = self._channels.get(key)
        if memory is None:
            memory = self._channels[key] = _ChannelMemory()
            if len(self._channels) > MAX_CHANNELS:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(key)
        return memory

    def _addressed(self, message: Message, memory: _ChannelMemory) -> str | None:
        """Whom the platform says ``message`` addresses: a reply's target, a mention."""
        author = message.author.user_id
        if message.reply_to:
            # A thread's first replies answer a message that lives in the parent channel.
            parent = self._channels.get((message.platform, message.space_id, message.channel_id))
            places = [memory] if parent is None or parent is memory else [memory, parent]
            for place in places:
                for said in reversed(place.speakers):
                    if said.message_id == message.reply_to:
                        # A reply to one's own message continues that message's conversation.
                        return said.author if said.author != author else said.partner
        for mentioned in message.mentions:
            if mentioned != author:
                return mentioned
        people: dict[str, frozenset[str]] = {}
        for said in reversed(memory.speakers):  # newest first
            if said.author != author and said.author not in people:
                people[said.author] = said.names
        return named(message.text, list(people.items())) if people else None

    def _answered(self, message: Message, memory: _ChannelMemory) -> str | None:
        """Whom a message that names no one is most likely answering (module docstring)."""
        author = message.author.user_id
        recent = []
        for said in reversed(memory.speakers):
            if abs(message.ts - said.ts) > self.pair_gap:
                break
            recent.append(said)  # newest first
        for said in recent:
            if said.explicit and said.partner == author:
                return said.author
        for said in recent:
            if said.explicit and said.author == author:
                return said.partner
        for index, said in enumerate(recent):
            if said.author == author and said.partner is not None:
                partner = said.partner
                since = (s for s in recent[:index] if s.author == partner)
                if all(s.partner == author for s in since):
                    return partner
                break
        for said in recent:
            if said.author != author:
                return said.author if not said.explicit or said.partner == author else None
        return None

    def forget_space(self, platform: str, space_id: str) -> None:
        """Forget a space's channels and contacts (another process took it over)."""
        for table in (self._channels, self._partners):
            for key in [k for k in table if k[:2] == (platform, space_id)]:
                del table[key]

    def note_contact(
        self, key: ConversationKey, author: str, others: list[str], when: datetime
    ) -> None:
        """Remember that ``author`` used a tactic on each of ``others``."""
        book = self._partners.setdefault((key.platform, key.space_id, author), OrderedDict())
        for other in others:
            book[other] = when
            book.move_to_end(other)
        while len(book) > MAX_PARTNERS:
            book.popitem(last=False)

    def reach(self, platform: str, space_id: str, author: str, now: datetime) -> int:
        """How many different people ``author`` used tactics on in the last week."""
        return self.reaches(platform, space_id, (author,), now).get(author, 0)

    def reaches(
        self, platform: str, space_id: str, authors: Iterable[str], now: datetime
    ) -> dict[str, int]:
        """``reach`` of each of ``authors`` who ever used a tactic here (asked for every
        message: the others, most people, are left out rather than looked up as 0)."""
        books = self._partners
        if not books:
            return {}
        return {
            author: sum(1 for when in book.values() if now - when <= REACH_WINDOW)
            for author in authors
            if (book := books.get((platform, space_id, author)))
        }
