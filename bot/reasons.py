"""The reasons of the conversations that alert, remembered beside their state.

A score that alerts is shown with its reasons (``step.with_reasons``: its suspect's
signals, with their quotes), and finding them walks every signal of the window. A
conversation past the alert level alerts on most of its messages (the bench's
200-message conversation on 72 - 86 % of them), while its reasons seldom change. So
the engine remembers the last reasons of the conversations that alert, in a small
bounded table of its own rather than in the conversation: most conversations never
alert, and every one of them would pay for the room (``bytes_per_conversation``).

Why remembered reasons are the ones ``Scorer.reasons`` would find now. Both scorers
find them with ``scoring/base.py: evidence``: for each (author, signal) that counts,
the window's *first* message showing it, plus the suspect's first two strongly worded
lines (``Window.worded``); sorted by (weight, name, sequence number), the first
``limit`` shown. Which pairs count depends on the suspect and whether a child is on
their other side (the window's adults and minors, the suspect's own ages): those are
compared. A window's messages are appended at its end and dropped from its front,
and a message's signals and quote never change once it is in. So since the reasons
were found:
- a message appended changes them only if it is now the first of its (author,
  signal) in the window, or one of the suspect's first two worded lines (fewer than
  two of theirs were there before it);
- a message dropped changes them only if it is shown among them: one not shown was
  ranked past the ``limit``, and the message replacing it (the next of the same
  author and signal, if any) ranks later still, past it too.
Nothing else is read. ``tests/bot/test_reasons.py`` compares every remembered answer
with a fresh one over random conversations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.held import HeldConversation
from bot.models import Case, ConversationKey, Level, Score, Signal
from bot.scoring.base import Scorer
from bot.scoring.signals import WORDING
from bot.scoring.state import ConversationState

REMEMBERED = 1_024
"""Alerting conversations whose reasons are kept (the least recently alerting go)."""


@dataclass(slots=True)
class _Found:
    state: HeldConversation
    """The conversation they were read from: one rebuilt from the store is another,
    whose sequence numbers start again."""
    suspect: str
    ages: tuple[int, int, bool, bool]
    """Adults and minors in the window, and the suspect's (adult, minor)."""
    next_seq: int
    """The window's next sequence number when last checked: later ones are new."""
    shown: int
    """The oldest sequence number of the messages the reasons show (``next_seq`` if
    none): the reasons hold while it is in the window."""
    signals: tuple[Signal, ...]
    quiet: tuple[Case, Level] | None = None
    """The open case, and the score's level, that the policy found nothing to do about
    with these very reasons (``Engine._act_on``)."""


class Reasons:
    """``step.with_reasons`` for the engine, remembering each conversation's last."""

    def __init__(self, scorer: Scorer, remembered: int = REMEMBERED) -> None:
        self._scorer = scorer
        self._remembered = remembered
        self._found: dict[str, _Found] = {}
        """By conversation name (``str(key)``: a string keeps its hash, a key computes it),
        the least recently found first."""

    def __len__(self) -> int:
        return len(self._found)

    def add_to(
        self, name: str, state: HeldConversation, score: Score, case: Case | None = None
    ) -> Score | None:
        """``score`` (made without reasons from ``state``, the state of the conversation
        named ``name``, as it still is) with the signals ``step.with_reasons`` gives it.

        None instead if the policy found nothing to do about ``case`` (the conversation's
        current case, if the engine knows it) at this level with these very reasons
        (``note_quiet``): the engine then knows its answer (``Engine._act_on``)."""
        suspect = score.suspect
        if suspect is None or score.signals:
            return score
        ages = (state.adults, state.minors, *state.age_of(suspect))
        found = self._found.get(name)
        if (
            found is not None
            and found.state is state
            and found.suspect == suspect
            and found.ages == ages
            and state.next_seq - state.message_count <= found.shown
            and _unchanged_by_new(state, suspect, found.next_seq)
        ):
            found.next_seq = state.next_seq
            quiet = found.quiet
            if quiet is not None and quiet[0] is case and quiet[1] is score.level:
                return None
            return score.with_signals(found.signals)
        signals = self._scorer.reasons(state, suspect)
        shown = _oldest_shown(state, signals)
        self._found.pop(name, None)
        if shown is not None:
            self._found[name] = _Found(state, suspect, ages, state.next_seq, shown, signals)
            if len(self._found) > self._remembered:
                del self._found[next(iter(self._found))]
        return score.with_signals(signals)

    def note_quiet(self, name: str, score: Score, case: Case) -> None:
        """The policy found nothing to do about ``case``, open, with ``score`` (whose
        reasons ``add_to`` gave)."""
        found = self._found.get(name)
        if found is not None and found.signals is score.signals and case.is_open:
            found.quiet = (case, score.level)

    def forget_gone(self, held: Mapping[ConversationKey, HeldConversation]) -> None:
        """Drop the reasons of the conversations no longer ``held`` (let go by the cache,
        forgotten with their space, or rebuilt), so as not to keep them in memory."""
        gone = [
            name
            for name, found in self._found.items()
            if held.get(found.state.key) is not found.state
        ]
        for name in gone:
            del self._found[name]


def _unchanged_by_new(state: ConversationState, suspect: str, since: int) -> bool:
    """Whether no message from sequence number ``since`` on is the first of its (author,
    signal) in the window, or one of ``suspect``'s first two worded lines."""
    worded = 0
    for seq in range(since, state.next_seq):
        notable = state.notable(seq)
        if notable is None or not notable.hits:
            continue
        totals = state.authors[notable.author_id]
        for hit in notable.hits:
            if hit.name == WORDING:
                worded += notable.author_id == suspect
            elif totals.tactic_seqs[hit.name][0] == seq:
                return False
    # The new worded lines are the suspect's last: among the first two if fewer than two
    # of theirs came before them.
    return not worded or state.authors[suspect].wording - worded >= 2


def _oldest_shown(state: ConversationState, signals: tuple[Signal, ...]) -> int | None:
    """The oldest sequence number of the messages ``signals`` show (found as ``evidence``
    finds them: the first of their author and signal, or one of the first two worded
    lines); the window's next one if there are none; None if one is not found so (the
    reasons are then not remembered)."""
    oldest = state.next_seq
    worded: dict[str, list[int]] = {}  # one look through the window per author
    for signal in signals:
        totals = state.authors.get(signal.author_id)
        if totals is None:
            return None
        if signal.name == WORDING:
            candidates = worded.get(signal.author_id)
            if candidates is None:
                candidates = worded[signal.author_id] = state.worded(signal.author_id, 2)
        else:
            candidates = totals.tactic_seqs.get(signal.name, [])[:1]
        seq = next(
            (s for s in candidates if (state.quoted(s) or ("",))[0] == signal.message_id), None
        )
        if seq is None:
            return None
        oldest = min(oldest, seq)
    return oldest
