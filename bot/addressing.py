"""Whom a channel line names in its text, when the platform says nothing.

Many people address someone in a channel by typing their name, not by a platform
mention: "sid ur in", "how old r u sid", "thanks tilly", "@kiwi_kat send it". A typed
name is read as a mention of a recent speaker when it is one of the forms people
shorten a name to (the whole name, a part of it, or its start) and it stands where a
name addressing someone stands: after "@", as the first word (or the word after a
greeting: "hey sid"), or as the last word. Words that are common in chat ("lol",
"the", "king") are never read as a name, even when someone's name contains them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_PART = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_AT = re.compile(r"@([\w.\-]+)")
MIN_PART = 3
"""The shortest part of a name read as the name ("sid", "dot")."""
MIN_START = 4
"""The shortest start of a name read as the name ("gran" for "granolagirl"); it must
also be at least half the name."""

# fmt: off
_GREETINGS = frozenset(
    (
        "hi", "hey", "heya", "hello", "yo", "sup", "ok", "okay", "oh", "lol", "omg", "wait",
        "thanks", "thx", "ty", "congrats", "gg", "nice", "wow", "yes", "no", "yeah", "ya",
        "yea", "nah", "dear",
    )
)
_COMMON = frozenset(
    (
        "the", "and", "but", "for", "not", "you", "your", "are", "was", "were", "has", "had",
        "have", "its", "all", "any", "can", "did", "does", "get", "got", "how", "who", "why",
        "what", "when", "where", "which", "this", "that", "then", "than", "them", "they",
        "there", "their", "out", "off", "one", "two", "three", "big", "small", "new", "old",
        "real", "true", "cool", "good", "bad", "best", "nice", "fun", "lol", "lmao", "omg",
        "yes", "yeah", "yea", "nah", "nope", "hey", "hello", "thanks", "thank", "okay", "sure",
        "just", "like", "love", "girl", "boy", "man", "men", "guy", "guys", "kid", "kids",
        "king", "queen", "lord", "lady", "miss", "mrs", "sir", "mom", "dad", "official",
        "gamer", "games", "game", "play", "player", "plays", "team", "club", "music", "art",
        "artist", "draws", "life", "dark", "light", "fire", "ice", "star", "moon", "sun",
        "sky", "blue", "red", "black", "white", "green", "pink", "gold", "silver", "happy",
        "sad", "mad", "little", "lil", "tiny", "smol", "super", "ultra", "mega", "pro", "noob",
        "xxx", "tv", "live", "daily", "fan", "fans", "bot", "bots", "admin", "mod", "mods",
        "staff", "help", "ubuntu", "linux", "windows", "mac", "code", "dev",
    )
)
# fmt: on


@lru_cache(maxsize=65_536)
def name_forms(*names: str) -> frozenset[str]:
    """The words that, typed in a line, stand for a person with these names (user id,
    display name): each name whole (letters and digits only, lower case), each of its
    parts of at least ``MIN_PART`` letters ("ClanLeader_Vex": "clanleadervex", "clan",
    "leader", "vex"), and the starts of those of at least ``MIN_START`` letters and
    half their length ("granola" for "granolagirl"); common words left out. One set,
    so that reading a line costs one lookup per word and person."""
    forms: set[str] = set()
    for name in names:
        whole = "".join(_WORD.findall(name.lower()))
        if len(whole) >= MIN_PART and not whole.isdigit():
            forms.add(whole)
            start = max(MIN_START, (len(whole) + 1) // 2)
            forms.update(whole[:end] for end in range(start, len(whole)))
        split = _CAMEL.sub(r"\1 \2", name).lower()
        forms.update(part for part in _PART.findall(split) if len(part) >= MIN_PART)
    return frozenset(forms - _COMMON)


def typed_names(text: str) -> list[str]:
    """The words of ``text`` that would address someone if they were a name, most
    telling first: names after "@", the first word (after a greeting), the last word."""
    lowered = text.lower()
    found = ["".join(_WORD.findall(at)) for at in _AT.findall(lowered)] if "@" in text else []
    words = _WORD.findall(lowered)
    if words:
        first = 1 if words[0] in _GREETINGS and len(words) > 1 else 0
        found.append(words[first])
        if len(words) > first + 1:
            found.append(words[-1])
    return found


def named(text: str, people: Sequence[tuple[str, frozenset[str]]]) -> str | None:
    """The first of ``people`` (id, name forms; most recent first) that ``text`` names
    (``typed_names``), or None."""
    words = [w for w in typed_names(text) if len(w) >= MIN_PART and w not in _COMMON]
    if not words:
        return None
    for word in words:
        for person, forms in people:
            if word in forms:
                return person
    return None
