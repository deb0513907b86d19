"""Which conversation a message belongs to, and who has been approaching whom.

In a DM, the conversation is the DM. In a channel it is the *pair* of people talking
to each other: the author of the message replied to, else the first person
mentioned, else the previous speaker if they spoke within a short gap. So a quiet
one-to-one approach inside a busy channel is seen as one conversation.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.models import ConversationKey, Message

RECENT_PER_CHANNEL = 50
"""Speakers remembered per channel, to find reply targets and the previous speaker."""
MAX_CHANNELS = 20_000
REACH_WINDOW = timedelta(days=7)
MAX_PARTNERS = 64


@dataclass(slots=True)
class _ChannelMemory:
    speakers: deque[tuple[str, str, datetime, str | None]] = field(
        default_factory=lambda: deque(maxlen=RECENT_PER_CHANNEL)
    )
    """(message id, author id, time, who it was addressed to), newest last."""


class Tracker:
    def __init__(self, pair_gap: timedelta) -> None:
        self.pair_gap = pair_gap
        self._channels: OrderedDict[tuple[str, str, str], _ChannelMemory] = OrderedDict()
        self._partners: dict[tuple[str, str, str], OrderedDict[str, datetime]] = {}

    def route(self, message: Message) -> ConversationKey | None:
        """The conversation ``message`` belongs to, or None when it addresses no one."""
        if message.is_dm:
            return ConversationKey.dm(message.platform, message.space_id, message.channel_id)
        partner = self.partner(message)
        if partner is None:
            return None
        return ConversationKey.pair(
            message.platform, message.space_id, message.author.user_id, partner
        )

    def partner(self, message: Message) -> str | None:
        """Whom a channel message addresses (None: no one), remembering it for later."""
        memory = self._memory(message)
        partner = self._addressee(message, memory)
        memory.speakers.append((message.message_id, message.author.user_id, message.ts, partner))
        return partner

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

    def _addressee(self, message: Message, memory: _ChannelMemory) -> str | None:
        author = message.author.user_id
        if message.reply_to:
            # A thread's first replies answer a message that lives in the parent channel.
            parent = self._channels.get((message.platform, message.space_id, message.channel_id))
            places = [memory] if parent is None or parent is memory else [memory, parent]
            for place in places:
                for message_id, speaker, _, partner in reversed(place.speakers):
                    if message_id == message.reply_to:
                        # A reply to one's own message continues that message's conversation.
                        return speaker if speaker != author else partner
        for mentioned in message.mentions:
            if mentioned != author:
                return mentioned
        # Someone who was just talking with a person goes on talking with them, even if
        # others spoke in between; otherwise they answer the previous speaker.
        for _, speaker, ts, partner in reversed(memory.speakers):
            if abs(message.ts - ts) > self.pair_gap:
                break
            if speaker == author and partner is not None:
                return partner
        for _, speaker, ts, _ in reversed(memory.speakers):
            if speaker == author:
                continue
            if abs(message.ts - ts) <= self.pair_gap:
                return speaker
            break
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
        book = self._partners.get((platform, space_id, author))
        if not book:
            return 0
        return sum(1 for when in book.values() if now - when <= REACH_WINDOW)
