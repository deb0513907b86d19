"""The scorer interface and the parts every scorer shares.

A scorer turns one message into an ``Observation`` (the per-message work: normalise,
detect signals, the text model's partial sum) and turns a ``ConversationState`` into
a risk (the per-conversation work, which reads only running totals). The engine,
the offline ``score`` command and the benchmark all go through this interface, so
a scorer can be swapped without touching them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.models import AgeBand, Message, Signal
from bot.scoring import signals as sig
from bot.scoring.normalize import normalize
from bot.scoring.state import ConversationState, Observation

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


@dataclass(frozen=True, slots=True)
class Risk:
    """A scorer's verdict on a conversation: probability, suspect and reasons."""

    probability: float
    suspect: str | None
    signals: tuple[Signal, ...]


class Scorer(Protocol):
    name: str

    def observe(self, message: Message, seq: int) -> Observation: ...

    def risk(self, state: ConversationState, reach: Mapping[str, int] | None = None) -> Risk:
        """``reach``: for each author, how many other people they approached recently."""
        ...


def is_question(normalized: str) -> bool:
    return "?" in normalized or normalized.startswith(_QUESTION_WORDS)


_AGE_ANSWER = re.compile(
    r"^(?:i'?m |im |i am |am |uh |um |lol |haha )?(\d{1,2})(?:"
    r"(?:[^a-z0-9]*(?:yo|y/o|yrs?|years?|and u|and you|wbu|hbu|u|you|lol|haha|lmao|why|tho|rn"
    r"|old|ish|soon))*[^a-z0-9]*$"
    # "15, freshman", "13 turning 14 in march", "12 almost 13", "14 but 15 next week"
    r"|[ ,.]+(?:turning|almost|nearly|but|going on|and a half|freshman|sophomore|junior|senior"
    r"|in (?:\d{1,2}(?:st|nd|rd|th)|year \d{1,2}|grade \d{1,2}))\b[^\n]{0,40}$)"
)


def age_answer(normalized: str) -> int | None:
    match = _AGE_ANSWER.match(normalized)
    if match is None:
        return None
    age = int(match.group(1))
    return age if 6 <= age <= 79 else None


def base_observation(message: Message, seq: int, text_sum: int = 0) -> Observation:
    normalized = normalize(message.text)
    hits = sig.detect(normalized)
    age = age_answer(normalized)
    # Only a message that can become evidence keeps a quote and a link: the window of
    # an ordinary conversation stays small.
    evidence = bool(hits) or age is not None
    return Observation(
        seq=seq,
        message_id=message.message_id,
        author_id=message.author.user_id,
        ts=message.ts,
        hits=hits,
        is_question=is_question(normalized),
        text_sum=text_sum,
        quote=sig.quote(message.text) if evidence else "",
        channel_id=message.channel_id,
        link=message.link if evidence else None,
        age_answer=age,
    )


@dataclass(frozen=True, slots=True)
class AgeView:
    """What is known of each side's age: platform bands first, then what they said."""

    self_adult: bool
    self_minor: bool
    partner_minor: bool
    partner_adult: bool


def age_view(state: ConversationState, author: str) -> AgeView:
    def adult(who: str) -> bool:
        band = state.age_bands.get(who, AgeBand.UNKNOWN)
        if band is not AgeBand.UNKNOWN:
            return band is AgeBand.ADULT
        totals = state.authors.get(who)
        return bool(
            totals and totals.count("adult_disclosure") and not totals.count("minor_disclosure")
        )

    def minor(who: str) -> bool:
        band = state.age_bands.get(who, AgeBand.UNKNOWN)
        if band is not AgeBand.UNKNOWN:
            return band is AgeBand.MINOR
        totals = state.authors.get(who)
        return bool(totals and totals.count("minor_disclosure"))

    others = [a for a in state.authors if a != author]
    return AgeView(
        self_adult=adult(author),
        self_minor=minor(author),
        partner_minor=any(minor(o) for o in others),
        partner_adult=any(adult(o) for o in others),
    )


def evidence(state: ConversationState, author: str, limit: int = 8) -> tuple[Signal, ...]:
    """The signals behind a risk: each tactic of ``author`` with its first message, and
    the other side's age disclosures (why we think they are a child)."""
    found: list[tuple[int, Signal]] = []
    for who, totals in state.authors.items():
        for name, seqs in totals.tactic_seqs.items():
            if not seqs:
                continue
            if who != author and name != "minor_disclosure":
                continue
            if who == author and name in sig.DISCLOSURES and name != "adult_disclosure":
                continue
            if name in sig.CONTEXT_NAMES:
                continue  # context against grooming is never a reason for an alert
            obs = state.observation(seqs[0])
            if obs is None:
                continue
            weight = _weight(name)
            found.append((obs.seq, Signal(name, weight, obs.message_id, obs.quote, who)))
    found.sort(key=lambda item: (-item[1].weight, item[1].name, item[0]))
    return tuple(signal for _, signal in found[:limit])


def _weight(name: str) -> float:
    tactic = sig.TACTICS_BY_NAME.get(name)
    if tactic is not None:
        return tactic.weight
    return sig.SEXUAL_CONTENT_WEIGHT if name == sig.SEXUAL_CONTENT else 0.0
