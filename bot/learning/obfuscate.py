"""Trivial obfuscations people use to slip words past filters, and the way many people
type (one thought as several short lines), for robustness checks.

``evaluate --obfuscate`` applies the obfuscations to the suspect's messages of a
labelled set and reports how much recall they cost; the normaliser is meant to undo
all of them. ``evaluate --split`` sends every message as lines of 2-4 words a few
seconds apart; the scorer reads such lines together as one turn.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from bot.learning.corpora import Conversation, Line

_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у"})
_ZERO_WIDTH = "\u200b"


def leetspeak(text: str) -> str:
    """Digits for letters in words of three letters or more ("4" alone is unreadable)."""
    return " ".join(w.translate(_LEET) if len(w) >= 3 else w for w in text.split(" "))


def lookalikes(text: str) -> str:
    return text.translate(_CYRILLIC)


def zero_width(text: str) -> str:
    return _ZERO_WIDTH.join(text)


def spaced(text: str) -> str:
    """Spell the longest word out letter by letter: "s e c r e t".

    A word right after a one-letter word is left alone: "a s e l f i e" cannot be
    told from "a n y o n e" without a dictionary, by the normaliser or by a reader.
    """
    words = text.split()
    candidates = [i for i in range(len(words)) if i == 0 or len(words[i - 1]) > 1]
    if not candidates:
        return text
    longest = max(candidates, key=lambda i: len(words[i]))
    words[longest] = " ".join(words[longest])
    return " ".join(words)


TRANSFORMS = (leetspeak, lookalikes, zero_width, spaced)


def obfuscate(conversation: Conversation, seed: int = 0) -> Conversation:
    """The same conversation with each of the suspect's messages obfuscated one way."""
    rng = random.Random(f"{seed}:{conversation.id}")
    lines = [
        replace(line, text=rng.choice(TRANSFORMS)(line.text))
        if line.author == conversation.suspect
        else line
        for line in conversation.messages
    ]
    return Conversation(conversation.id, conversation.label, conversation.suspect,
                        conversation.context, conversation.participants, lines)  # fmt: skip


LINE_GAP = timedelta(seconds=3)
"""Seconds between the lines of one split message (people type fast)."""


def split_text(text: str, rng: random.Random) -> list[str]:
    """``text`` cut into lines of 2 to 4 words."""
    words = text.split()
    lines: list[str] = []
    while words:
        take = rng.randint(2, 4)
        lines.append(" ".join(words[:take]))
        words = words[take:]
    return lines or [text]


def split_lines(conversation: Conversation, seed: int = 0) -> Conversation:
    """The same conversation with every message sent as lines of 2-4 words, a few
    seconds apart (never reaching the next message's time)."""
    rng = random.Random(f"{seed}:{conversation.id}")
    lines: list[Line] = []
    messages = conversation.messages
    for index, line in enumerate(messages):
        parts = split_text(line.text, rng)
        gap = LINE_GAP
        if index + 1 < len(messages):
            room = messages[index + 1].ts - line.ts
            gap = min(gap, room / (len(parts) + 1))
        lines.append(replace(line, text=parts[0]))  # keeps its id, reply and mentions
        lines += [Line(line.author, part, line.ts + gap * k) for k, part in enumerate(parts) if k]
    return Conversation(conversation.id, conversation.label, conversation.suspect,
                        conversation.context, conversation.participants, lines)  # fmt: skip
