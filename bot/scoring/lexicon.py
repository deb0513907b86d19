"""Sexualised vocabulary, from a maintained third-party word list.

No such words are written into this repository. The terms come from the
``better-profanity`` package (its ``profanity_wordlist.txt``), normalised the same
way as messages so that leetspeak and look-alike letters do not hide them. That list
mixes sexual terms with general swearing, slurs, identity words, drugs and violence;
those non-sexual entries are excluded here by their SHA-256 hash
(``data/lexicon_exclude.sha256``), so that neither slurs nor sexual terms appear in
our files and a teenager's ordinary swearing or an identity word is not a signal.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from functools import cache
from importlib import resources

_TOKEN = re.compile(r"[a-z0-9']+")
_PLAIN = re.compile(r"[a-z0-9' ]*")


@cache
def terms() -> tuple[frozenset[str], frozenset[str]]:
    """(single words, multi-word phrases): the sexual part of the word list."""
    from bot.scoring.normalize import normalize

    excluded = set(
        resources.files("bot").joinpath("data/lexicon_exclude.sha256").read_text().split()
    )
    raw = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text()
    words: set[str] = set()
    phrases: set[str] = set()
    for line in raw.splitlines():
        term = " ".join(_TOKEN.findall(normalize(line)))
        if not term or hashlib.sha256(term.encode()).hexdigest() in excluded:
            continue
        (phrases if " " in term else words).add(term)
    return frozenset(words), frozenset(phrases)


@cache
def _phrase_starts() -> frozenset[str]:
    return frozenset(phrase.split(" ", 1)[0] for phrase in terms()[1])


@cache
def _openers() -> frozenset[str]:
    """The single terms and the phrases' first words: a message with none of them has no
    term (most messages), found in one look."""
    return terms()[0] | _phrase_starts()


def contains_sexual_term(normalized: str) -> bool:
    # Most chat is words and spaces alone: splitting finds the same tokens.
    tokens = normalized.split() if _PLAIN.fullmatch(normalized) else _TOKEN.findall(normalized)
    if _openers().isdisjoint(tokens):
        return False
    words, phrases = terms()
    if not words.isdisjoint(tokens):
        return True
    starts = _phrase_starts()
    return any(f"{a} {b}" in phrases for a, b in itertools.pairwise(tokens) if a in starts)
