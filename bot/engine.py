"""The one orchestrator: ingest -> track -> score -> decide -> alert.

Adapters call ``ingest`` for every message, ``report`` when a member raises a
concern, and ``decide`` when a moderator presses a button. The engine keeps hot
conversation state in memory (``held.py``; rebuilt from the store's window after a
restart), writes message windows in small batches, and writes every case, with its delivery
job, to the store before anything is shown: the outbox worker delivers it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot import metrics, step
from bot.clock import utcnow
from bot.config import Settings
from bot.held import HeldConversation, HotConversations
from bot.models import (
    Action,
    AgeBand,
    Case,
    CaseKind,
    ConversationKey,
    Decision,
    EvidenceRef,
    Level,
    Message,
    Participant,
    Score,
)
from bot.policy import Policy, Verdict
from bot.reasons import Reasons
from bot.scoring.base import Scorer
from bot.store import NewCase, SqlStore
from bot.store.base import StoredMessage
from bot.stored import Space, StoredConversations
from bot.tracker import Route, Tracker

log = logging.getLogger(__name__)

FLUSH_EVERY = 256
"""Buffered window writes start after this many messages (and are awaited on every case).

They are written behind: scoring goes on while the store writes a batch, and only a
case (or ``flush``) waits for the writes to be done."""
CASE_SYNC_SECONDS = 1.0
"""How old the engine's view of its conversations' cases may be when a score decides
*not* to act (see ``_act_on``); before it acts, the view is always brought up to date."""


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        scorer: Scorer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.store = store
        self.scorer = scorer
        self.clock = clock
        self.policy = Policy(settings)
        self.tracker = Tracker(timedelta(seconds=settings.detection.pair_gap_seconds))
        self.window_messages = settings.storage.window_messages
        self.window_age = timedelta(days=settings.storage.window_days)
        self.delivery_wakeup = asyncio.Event()
        """Set whenever a delivery job is stored, so the outbox worker runs at once."""
        self._hot = HotConversations()
        self._reasons = Reasons(scorer)
        """The last reasons of the conversations that alert (most never do: kept apart)."""
        self._stored = StoredConversations()
        """Which conversations the store holds, so that a new one is not looked for."""
        self._unwritten: list[StoredMessage] = []
        self._dirty: dict[ConversationKey, tuple[datetime, Score]] = {}
        self._writing: asyncio.Task[None] | None = None
        self._in_flight: list[StoredMessage] = []
        """The batch being written behind: not yet readable from the store."""
        self._lock = asyncio.Lock()
        self._case_mark: int | None = None
        """The store's case changes seen so far (``SqlStore.case_changes``)."""
        self._case_synced = 0.0
        self._own_entries: set[int] = set()
        """Audit entries of the case changes this engine wrote and not yet synced past."""

    # -- messages ----------------------------------------------------------------------

    async def ingest(self, message: Message) -> Case | None:
        """Take one message; returns the case it opened or updated, if any."""
        if not self.policy.watching(message):
            return None
        route = self.tracker.route(message)
        if route is None:
            return None
        async with self._lock:
            case = await self._ingest(route, message)
            if case is not None:
                # The case first, then the buffered window: a crash in between loses
                # some text (a platform will not redeliver it either) but never the
                # alert, whereas the other order could store the messages as seen and
                # never open their case.
                await self._flush()
            elif len(self._unwritten) >= FLUSH_EVERY:
                await self._write_behind()
            return case

    async def ingest_many(
        self,
        messages: Sequence[Message],
        on_error: Callable[[Message, Exception], None] | None = None,
    ) -> list[Case | None]:
        """Take messages in order, as ``ingest`` would one by one, except that the
        windows of the conversations new to this process are read in one query, and
        the batch is written by the next ``flush`` (in one statement, with ``done``),
        after any case it opened (the inbox keeps the messages until then).

        ``on_error``: called with a message whose scoring failed, and the batch goes on
        (it may raise to stop the batch); without it the first failure is raised.
        """
        results: list[Case | None] = [None] * len(messages)
        routed: list[tuple[int, Route]] = []
        for index, message in enumerate(messages):
            try:
                route = self.tracker.route(message) if self.policy.watching(message) else None
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(message, exc)
                continue
            if route is not None:
                routed.append((index, route))
        async with self._lock:
            await self._load({route.key for _, route in routed if route.key not in self._hot})
            for index, route in routed:
                try:
                    results[index] = await self._ingest(route, messages[index])
                except Exception as exc:
                    if on_error is None:
                        raise
                    on_error(messages[index], exc)
        return results

    async def _ingest(self, route: Route, message: Message) -> Case | None:
        key = route.key
        conversation = self._hot.get(key)  # most messages: no coroutine for the lookup
        if conversation is None:
            await self._load({key})
            conversation = self._hot[key]
        else:
            conversation.spoke = True
        if conversation.holds(message.message_id):
            return None  # a platform redelivered it, or a replay repeats it
        with metrics.scoring(key.platform):
            added = step.join(self.scorer, conversation, route, message, self.window_age)
            for line in added:
                self._note_author(conversation, line)
            # Without its signals: they are found only for a score that alerts (below).
            score = step.assess(
                self.scorer,
                self.policy,
                self.tracker,
                key,
                conversation,
                message,
                len(added),
                reasons=False,
            )
        # Buffered only with the score: every conversation written has its row among the
        # store's conversations, which is where a space's conversations are listed from.
        name = str(key)
        self._unwritten.extend(StoredMessage(name, line) for line in added)
        self._dirty[key] = (message.ts, score)
        if self.policy.alerts_at(score, (key.platform, key.space_id)):
            # The case as the engine knows it, if it need not ask the store (``_act_on``).
            known = conversation.case if conversation.case_loaded and not self._sync_due() else None
            alert = self._reasons.add_to(name, conversation, score, known)
            if alert is None:
                return None  # nothing to do about that case, as last time: see ``_act_on``
            return await self._act_on(conversation, alert, name)
        return None

    def _observe(self, conversation: HeldConversation, message: Message) -> None:
        self._note_author(conversation, message)
        step.observe(self.scorer, conversation, message, self.window_age)

    @staticmethod
    def _note_author(conversation: HeldConversation, message: Message) -> None:
        """Remember who wrote ``message`` as the case will name them (the latest age band
        and display name the platform gave)."""
        author = message.author
        people = conversation.participants
        for index, known in enumerate(people):
            if known.user_id == author.user_id:
                if known is author or known == author:
                    return
                if author.age_band is not AgeBand.UNKNOWN or author.display_name:
                    conversation.participants = (*people[:index], author, *people[index + 1 :])
                return
        conversation.participants = (*people, author)

    def hold(self, key: ConversationKey, message: Message) -> None:
        """Add a message to its conversation's state in memory only: no score, no
        store, no case. ``watchkeeper bench`` measures what a held conversation costs."""
        conversation = self._hot.get(key)
        if conversation is None:
            conversation = HeldConversation(max_messages=self.window_messages, key=key)
            self._hot.admit(conversation)
            self._stored.add(key, str(key))
        if not conversation.holds(message.message_id):
            self._observe(conversation, message)

    @property
    def conversations_held(self) -> int:
        """Conversations whose state is in memory now."""
        return len(self._hot)

    async def _act_on(self, conversation: HeldConversation, score: Score, name: str) -> Case | None:
        """Open, upgrade or refresh the conversation's case if the score calls for it.

        The conversation's case is remembered, not read per message. A case may change
        elsewhere (a moderator's decision taken in another process, a purge): the
        store's case changes are read at most every ``CASE_SYNC_SECONDS`` while
        nothing is to be done, and always just before anything is, so no case is ever
        opened, upgraded or refreshed on a stale view.

        A conversation past the alert level comes here with most of its messages, and
        most of them change nothing: its case is open at this level with these reasons.
        While the view is recent and the case remembered, the policy is asked without
        awaiting anything; and once it found nothing to do about an open case, it is
        not asked again for the same case, score level and reasons (``Reasons.add_to``):
        of an open case, ``Policy.assess`` reads only the score's level and signal
        names and the case's level, signal names and state (the clock only for a
        closed one), so its answer would be the same."""
        key = conversation.key
        space, now = (key.platform, key.space_id), self.clock()
        synced = self._sync_due()
        if synced:
            await self._sync_cases()
        case = conversation.case if conversation.case_loaded else await self._case_of(conversation)
        if self.policy.assess(score, case, space, now) is Verdict.NOTHING:
            if case is not None:
                self._reasons.note_quiet(name, score, case)
            return None
        if not synced:
            await self._sync_cases()
        verdict = self.policy.decide(score, await self._case_of(conversation), space, now)
        if verdict is Verdict.NOTHING:
            return None
        metrics.alert(score.level.value, verdict.value)
        evidence = self._evidence(conversation, score)
        participants = list(conversation.participants)
        if verdict in (Verdict.NEW, Verdict.NEW_IN_DIGEST):
            written = await self.store.open_case(
                NewCase(
                    platform=key.platform,
                    space_id=key.space_id,
                    kind=CaseKind.RISK,
                    conversation=str(key),
                    suspect_id=score.suspect,
                    level=score.level,
                    score=score.probability,
                    participants=participants,
                    signals=score.signals,
                    evidence=evidence,
                ),
                delivery_kind="post" if verdict is Verdict.NEW else "digest",
            )
            log.info("case %d opened (%s, %s)", written.case.number, score.level, key.platform)
        else:
            assert conversation.case is not None
            written = await self.store.update_case_risk(
                conversation.case.id,
                score.level,
                score.probability,
                score.signals,
                evidence,
                participants,
            )
        # The case as written is the conversation's case: the next sync need not read
        # it back (its entry is left out), only changes made elsewhere.
        self._own_entries.add(written.entry)
        case = conversation.case = written.case
        self.delivery_wakeup.set()
        return case

    def _sync_due(self) -> bool:
        """Whether the view of the cases is older than ``CASE_SYNC_SECONDS`` (or was
        never read): then even a score that does nothing brings it up to date."""
        recent = time.monotonic() - self._case_synced < CASE_SYNC_SECONDS
        return self._case_mark is None or not recent

    async def _sync_cases(self) -> None:
        """Forget the remembered case of every conversation whose case changed in the
        store since last asked."""
        changes = await self.store.case_changes(self._case_mark, self._own_entries)
        self._case_mark, self._case_synced = changes.mark, time.monotonic()
        self._own_entries = {entry for entry in self._own_entries if entry > changes.mark}
        if changes.conversations is None:
            changed = list(self._hot.values())
        else:
            changed = [self._hot[k] for k in changes.conversations if k in self._hot]
        for conversation in changed:
            conversation.case_loaded = False

    async def _case_of(self, conversation: HeldConversation) -> Case | None:
        """The conversation's case: remembered, or read when it is not (yet)."""
        if not conversation.case_loaded:
            conversation.case = await self.store.latest_case(str(conversation.key))
            conversation.case_loaded = True
        return conversation.case

    def _evidence(self, conversation: HeldConversation, score: Score) -> list[EvidenceRef]:
        wanted = {signal.message_id for signal in score.signals}
        return [
            EvidenceRef(o.message_id, o.channel_id, o.author_id, o.ts, o.link)
            for o in conversation.notables()
            if o.message_id in wanted
        ]

    async def _load(self, keys: set[ConversationKey]) -> None:
        """Rebuild conversations new to this process from their stored windows (one
        query), plus what is still buffered: the same observations, so the same score.
        Those the store cannot hold (``bot/stored.py``) start empty without a read."""
        if not keys:
            return
        await self._list({(key.platform, key.space_id) for key in keys})
        names = {str(key): key for key in keys}
        wanted = {name for name, key in names.items() if self._stored.may_hold(key, name)}
        windows: dict[str, list[StoredMessage]] = {}
        pending: dict[str, list[Message]] = {}
        if wanted:
            windows = await self.store.load_windows(list(wanted), self.window_messages)
            for stored in (*self._in_flight, *self._unwritten):
                if stored.conversation in wanted:
                    pending.setdefault(stored.conversation, []).append(stored.message)
        for name, key in names.items():
            if name not in wanted:
                self._stored.add(key, name)
            conversation = HeldConversation(max_messages=self.window_messages, key=key)
            stored_window = [stored.message for stored in windows.get(name, ())]
            for message in (*stored_window, *pending.get(name, ())):
                if not conversation.holds(message.message_id):
                    self._observe(conversation, message)
            self._hot.admit(conversation)
        self._reasons.forget_gone(self._hot)  # those the cache let go, or rebuilt

    async def _list(self, spaces: set[Space]) -> None:
        """List the stored conversations of the spaces not listed yet (one query), with
        those still being written: all that the store will hold."""
        unlisted = self._stored.unlisted(spaces)
        if not unlisted:
            return
        names = await self.store.conversation_names(unlisted)
        for stored in (*self._in_flight, *self._unwritten):
            space = (stored.message.platform, stored.message.space_id)
            if space in unlisted:
                names.setdefault(space, set()).add(stored.conversation)
        for space in unlisted:
            self._stored.listed(space, names.get(space, set()))

    async def _write_behind(self) -> None:
        """Start writing the buffer while scoring goes on (after the previous batch)."""
        await self._written()
        batch, self._unwritten = self._unwritten, []
        dirty, self._dirty = self._dirty, {}
        self._in_flight = batch
        self._writing = asyncio.create_task(self._write(batch, dirty), name="window-writer")

    async def _written(self) -> None:
        """Wait for the batch being written behind; its failure is raised here (the
        batch is buffered again: see ``_write``)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            try:
                await writing
            finally:
                self._in_flight = []

    async def _write(
        self,
        batch: list[StoredMessage],
        dirty: dict[ConversationKey, tuple[datetime, Score]],
        done: Sequence[int] = (),
    ) -> None:
        """Write a batch, or, if the store refuses it, keep it for the next write: writing
        a message already stored changes nothing, and a score is the latest unless a
        newer one is buffered."""
        scores = [
            (str(key), key.platform, key.space_id, last_ts, s.probability, s.level, s.suspect)
            for key, (last_ts, s) in dirty.items()
        ]
        try:
            await self.store.write_windows(batch, scores, done)
        except BaseException:
            self._unwritten = batch + self._unwritten
            self._dirty = {**dirty, **self._dirty}
            raise

    async def _flush(self, done: Sequence[int] = ()) -> None:
        await self._written()
        if self._unwritten or self._dirty or done:
            batch, self._unwritten = self._unwritten, []
            dirty, self._dirty = self._dirty, {}
            # A failed write keeps the batch: a retried inbox batch finds its messages
            # already seen, so they are only ever written from here.
            await self._write(batch, dirty, done)

    async def flush(self, done: Sequence[int] = ()) -> None:
        """Write buffered window messages; called periodically and on shutdown. ``done``:
        the inbox rows of the messages scored, deleted in the same write."""
        async with self._lock:
            await self._flush(done)

    async def forget_space(self, platform: str, space_id: str) -> None:
        """Drop what this process remembers of a space (after writing it out), because
        another process scored the space meanwhile: its conversations are rebuilt
        from the store's windows when they next speak."""
        async with self._lock:
            await self._flush()
            for key in [k for k in self._hot if (k.platform, k.space_id) == (platform, space_id)]:
                del self._hot[key]
            self._reasons.forget_gone(self._hot)
            self.tracker.forget_space(platform, space_id)
            self._stored.forget((platform, space_id))
            self.policy.forget_space(platform, space_id)

    # -- people ------------------------------------------------------------------------

    async def report(
        self,
        platform: str,
        space_id: str,
        reporter: Participant,
        text: str,
        about: Participant | None = None,
        evidence: list[EvidenceRef] | None = None,
    ) -> Case:
        """A member raised a concern privately: always a case of its own."""
        case = await self.store.create_case(
            NewCase(
                platform=platform,
                space_id=space_id,
                kind=CaseKind.REPORT,
                conversation=str(ConversationKey(platform, space_id, "report", reporter.user_id)),
                suspect_id=about.user_id if about else None,
                level=Level.HIGH,
                score=0.0,
                participants=[p for p in (reporter, about) if p is not None],
                signals=[],
                evidence=evidence or [],
                summary=" ".join(text.split())[:1500],
            )
        )
        self.delivery_wakeup.set()
        return case

    async def decide(
        self, case_id: int, action: Action, actor_id: str, actor_name: str, reason: str = ""
    ) -> Case:
        """Record a moderator's decision; the alert is re-rendered to show it."""
        decision = Decision(case_id, action, actor_id, actor_name, self.clock(), reason)
        case = await self.store.record_decision(decision, self.settings.storage.hold_days)
        for conversation in self._hot.values():
            if conversation.case is not None and conversation.case.id == case_id:
                conversation.case = case
        self.delivery_wakeup.set()
        return case
