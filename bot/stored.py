"""Which conversations the store holds a window of, space by space, as far as this
process knows: so that a conversation new to the process is looked for in the store
only when the store can have it.

A space is listed from the store once, when the engine first needs one of its
conversations, and every conversation the engine starts in it afterwards is added
(it is about to be written). That stays exact as long as this process is the space's
only scorer, which the design guarantees (``docs/scaling.md``): a process that takes
a space over from another calls ``Engine.forget_space``, which forgets the listing
with everything else it remembered of the space. A conversation listed but not
stored (purged, forgotten, or started and never written) only costs a read that
finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.models import ConversationKey

Space = tuple[str, str]

MAX_LISTED = 500_000
"""Conversation names kept in all (about 100 bytes each). Past it, every listing is
forgotten and spaces are listed again as they are needed, from the store, which has
dropped what retention purged since. A single space listing more than this is not
kept: its conversations are looked for one by one, as if unlisted."""


class StoredConversations:
    def __init__(self, limit: int = MAX_LISTED) -> None:
        self.limit = limit
        self._spaces: dict[Space, set[str] | None] = {}
        """None: too many to list; every conversation of the space may be stored."""
        self._count = 0

    def unlisted(self, spaces: Iterable[Space]) -> set[Space]:
        """The spaces among ``spaces`` not listed (``may_hold`` says yes to all their
        conversations)."""
        return {space for space in spaces if space not in self._spaces}

    def listed(self, space: Space, names: set[str]) -> None:
        """What the store (and the writes not yet done) hold in ``space``."""
        if len(names) > self.limit:
            self._spaces[space] = None
            return
        self._make_room(len(names))
        self._spaces[space] = names
        self._count += len(names)

    def may_hold(self, key: ConversationKey, name: str) -> bool:
        """Whether the store may hold the conversation ``key`` (named ``name``): always,
        unless its space is listed without it."""
        names = self._spaces.get((key.platform, key.space_id))
        return names is None or name in names

    def add(self, key: ConversationKey, name: str) -> None:
        """A conversation started in this process: its window will be written. Nothing
        to do in a space not listed yet: its listing will find it stored, or pending."""
        names = self._spaces.get((key.platform, key.space_id))
        if names is None or name in names:
            return
        if self._count >= self.limit:
            self._make_room(1)
            return  # the space is no longer listed
        names.add(name)
        self._count += 1

    def forget(self, space: Space) -> None:
        """Another process may have written to ``space``: list it again when needed."""
        names = self._spaces.pop(space, None)
        self._count -= len(names or ())

    def _make_room(self, needed: int) -> None:
        if self._count + needed > self.limit:
            self._spaces.clear()
            self._count = 0
