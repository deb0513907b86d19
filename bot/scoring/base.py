"""The scorer interface and the parts every scorer shares.

A scorer turns one message into an ``Observation`` (the per-message work: normalise,
detect signals, the text model's partial sum) and turns a ``ConversationState`` into
a risk (the per-conversation work, which reads only running totals). The engine,
the offline ``score`` command and the benchmark all go through this interface, so
a scorer can be swapped without touching them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from bot.models import Message, Signal
from bot.scoring import signals as sig
from bot.scoring.normalize import normalize
from bot.scoring.observation import Detail, Observation, TurnLine
from bot.scoring.state import AIMED, TURN_CHARS, ConversationState

MICRO = 1_000_000
"""Text contributions are kept as integers (millionths) so running sums are exact."""

_QUESTION_WORDS = (
    "who ",
    "what ",
    "wat ",
    "where ",
    "when ",
    "why ",
    "how ",
    "do u",
    "do you",
    "are u",
    "are you",
    "r u ",
    "can u",
    "can you",
    "wanna ",
    "is ",
    "does ",
)


class Risk(NamedTuple):
    """A scorer's verdict on a conversation: probability, suspect and reasons (a named
    tuple: one is made for every message)."""

    probability: float
    suspect: str | None
    signals: tuple[Signal, ...]


class Scorer(Protocol):
    name: str

    def observe(self, message: Message, state: ConversationState) -> Observation:
        """The observation of ``message`` as the next message of ``state`` (not added)."""
        ...

    def risk(
        self, state: ConversationState, reach: Mapping[str, int] | None = None, reasons: bool = True
    ) -> Risk:
        """``reach``: for each author, how many other people they approached recently.
        ``reasons``: whether to find the signals behind it (without, ``signals`` is
        empty: the engine asks ``reasons`` only when a score alerts)."""
        ...

    def reasons(self, state: ConversationState, author: str) -> tuple[Signal, ...]:
        """The signals behind ``author``'s risk, as ``risk`` gives them for its suspect."""
        ...


def riskiest(ranked: Iterable[tuple[tuple[float, ...], str]]) -> tuple[float, str | None]:
    """The riskiest author of ``(scores, author)`` rows and their first score;
    ``(0.0, None)`` if no one scores above zero.

    ``scores`` is the probability followed by tie-breaks. Remaining ties go to the
    smaller author id, never to the order in which authors first spoke: that order
    reaches back before the window, and a from-scratch score of the window must name
    the same suspect.
    """
    best: tuple[float, ...] | None = None
    best_author = ""
    for scores, author in ranked:
        if scores[0] > 0 and (
            best is None or scores > best or (scores == best and author < best_author)
        ):
            best, best_author = scores, author
    return (0.0, None) if best is None else (best[0], best_author)


def is_question(normalized: str) -> bool:
    return "?" in normalized or normalized.startswith(_QUESTION_WORDS)


_AGE_ANSWER = re.compile(
    r"^(?:i'?m |im |i am |am |uh |um |lol |haha )?(\d{1,2})(?:"
    r"(?:[^a-z0-9]*(?:yo|y/o|yrs?|years?|and u|and you|wbu|hbu|u|you|lol|haha|lmao|why|tho|rn"
    r"|old|ish|soon))*[^a-z0-9]*$"
    # "15, freshman", "13 turning 14 in march", "12 almost 13", "14 but 15 next week"
    r"|[ ,.]+(?:turning|almost|nearly|but|going on|and a half|freshman|sophomore|junior|senior"
    r"|in (?:\d{1,2}(?:st|nd|rd|th)|year \d{1,2}|grade \d{1,2}"
    r"|(?:the )?(?:summer|spring|fall|autumn|winter)"
    # "13 in june", "12, 13 in march"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july"
    r"|august|sept|september|october|november|december))\b[^\n]{0,40}$)"
)


_GRADE_ANSWER = re.compile(
    # "7th", "ya 6th", "8th grade", "6th i skipped a grade": a school grade, read as the
    # youngest age in it (grade + 5); an answer only when someone asked (see state.py)
    r"^(?:(?:ya|yeah|yea|yes|yep|lol|um|uh|im|i'?m|in|just|only|haha) )*([4-9]|1[0-2])th"
    r"(?: grade)?(?![a-z0-9])(?!\s*(?:place|time|round|try|level|floor|gen|edition|century"
    r"|street|st\b|ave|birthday|anniversary|of\b|in line))"
)


def age_answer(normalized: str) -> int | None:
    match = _AGE_ANSWER.match(normalized)
    if match is None:
        grade = _GRADE_ANSWER.match(normalized)
        return int(grade.group(1)) + 5 if grade else None
    age = int(match.group(1))
    return age if 6 <= age <= 79 else None


_NO_NAMES: frozenset[str] = frozenset()
_WORDING = (sig.HITS[sig.WORDING],)
"""The signals of most lines that show one (shared: the window holds no copies)."""
TEXT_EVIDENCE = 1.5
"""A line whose text adds at least this much to its author's text score (logit) keeps
its quote as a "wording" reason, so a text-driven alert shows the lines behind it."""
_TEXT_EVIDENCE_MICROS = TEXT_EVIDENCE * MICRO


def observe(
    message: Message, state: ConversationState, contribution: Callable[[str], int] | None = None
) -> Observation:
    """The observation of ``message`` in ``state``: its signals and text, read together
    with the earlier lines of its author's turn (see ``state.py``).

    ``contribution``: the text model's contribution of a normalised text, in millionths
    (none for the rule scorer).
    """
    normalized = normalize(message.text)
    author = message.author.user_id
    earlier = state.open_turn(author, message.ts)
    kept: list[TurnLine] = []
    size = len(normalized)
    for line in reversed(earlier):
        size += len(line.normalized) + 1
        if size > TURN_CHARS:
            break
        kept.append(line)
    kept.reverse()
    own = sig.detect(normalized)
    if kept:
        reading = " ".join([*(line.normalized for line in kept), normalized])
        # The line alone adds its own tactics and facts ("13 here" after "hey"), but not
        # context: "mom" on its own line after "i can ask my" is not family talk.
        mine = (hit for hit in own if hit.name not in sig.CONTEXT_NAMES)
        found = {hit.name: hit for hit in (*sig.detect(reading), *mine)}
        prior = earlier[-1]
        names = frozenset(found)
        hits = tuple(hit for name, hit in found.items() if name not in prior.names)
        total = contribution(reading) if contribution else 0
        text = total - prior.contribution
        shown = " / ".join([*(line.text for line in kept), message.text])
    else:
        names = frozenset(hit.name for hit in own) if own else _NO_NAMES
        hits = own
        total = text = contribution(normalized) if contribution else 0
        shown = message.text
    if text >= _TEXT_EVIDENCE_MICROS:
        hits = (*hits, sig.HITS[sig.WORDING]) if hits else _WORDING
    age = age_answer(normalized)
    # Only a message that can become evidence keeps a quote, its place and its link.
    detail = None
    if hits or age is not None:
        aimed = any(hit.name in AIMED for hit in hits)
        target = state.addressee(author, message.reply_to, message.mentions) if aimed else None
        detail = Detail(sig.quote(shown), message.channel_id, message.link, age, target)
    return Observation(  # in field order: seq, id, author, ts, hits, question, text, ...
        state.next_seq,
        message.message_id,
        author,
        message.ts,
        hits,
        is_question(normalized),
        text,
        detail,
        bool(earlier),
        TurnLine(message.ts, normalized, message.text, names, total),
    )


@dataclass(frozen=True, slots=True)
class AgeView:
    """What is known of each side's age: platform bands first, then what they said."""

    self_adult: bool
    self_minor: bool
    partner_minor: bool
    partner_adult: bool


def age_view(state: ConversationState, author: str) -> AgeView:
    adult, minor = state.age_of(author)
    inside = author in state.authors  # the state counts the window's authors only
    return AgeView(
        self_adult=adult,
        self_minor=minor,
        partner_minor=state.minors - (minor and inside) > 0,
        partner_adult=state.adults - (adult and inside) > 0,
    )


def child_present(state: ConversationState, author: str) -> bool:
    """Whether a minor is known or likely on the other side of ``author``'s conversation
    (a platform age band, a disclosed age, school-age talk) and ``author`` is not known
    to be a child: when sexualised talk counts toward grooming.

    ``age_view``'s ``partner_minor and not self_minor``, read without making the view:
    an author not known to be a minor counts no minor of their own."""
    return state.minors > 0 and not state.age_of(author)[1]


def evidence(
    state: ConversationState,
    author: str,
    counts: Callable[[str], bool] | None = None,
    limit: int = 8,
) -> tuple[Signal, ...]:
    """The reasons behind a risk: each tactic of ``author`` that counts with its first
    message, the lines whose wording drove the text score, and the other side's age
    disclosures (why we think they are a child).

    ``counts``: whether a signal counts for the scorer (a learned model counts only the
    signals it was trained on); sexualised talk counts only with a child present.
    """
    own = state.authors.get(author)
    if not state.signal_counts and (own is None or not own.wording):
        return ()  # no one shows a signal: most conversations, most of the time
    found: list[tuple[int, Signal]] = []
    child = None
    for who, totals in state.authors.items():
        for name, seqs in totals.tactic_seqs.items():
            if who != author and name != "minor_disclosure":
                continue
            if who == author and name in sig.DISCLOSURES and name != "adult_disclosure":
                continue
            if name in sig.CONTEXT_NAMES:
                continue  # context against grooming is never a reason for an alert
            if counts is not None and name in sig.TACTIC_SIGNALS and not counts(name):
                continue
            if name == sig.SEXUAL_CONTENT:
                child = child_present(state, author) if child is None else child
                if not child:
                    continue
            quoted = state.quoted(seqs[0])
            if quoted is not None:
                found.append((seqs[0], Signal(name, _weight(name), *quoted, who)))
    worded = min(own.wording, 2) if own is not None else 0  # the lines it has, at most 2
    for seq in state.worded(author, worded) if worded else ():
        quoted = state.quoted(seq)
        if quoted is not None:
            found.append((seq, Signal(sig.WORDING, sig.WORDING_WEIGHT, *quoted, author)))
    found.sort(key=lambda item: (-item[1].weight, item[1].name, item[0]))
    return tuple(signal for _, signal in found[:limit])


def _weight(name: str) -> float:
    tactic = sig.TACTICS_BY_NAME.get(name)
    if tactic is not None:
        return tactic.weight
    if name == sig.WORDING:
        return sig.WORDING_WEIGHT
    return sig.SEXUAL_CONTENT_WEIGHT if name == sig.SEXUAL_CONTENT else 0.0
