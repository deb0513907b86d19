"""The building blocks of the signal patterns: how people type common words, and the
``Tactic`` type whose patterns compile into one fast regular expression each.

Every pattern implicitly starts at a word boundary. The patterns of one tactic are
compiled into one regular expression whose branches are grouped by their first
characters (see ``_compile``), which keeps ``signals.detect`` fast on every message.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from bot.scoring.prefilter import Prefilter

# -- building blocks (normalised text: lowercase, elongations cut to two letters) --
YOU = r"(?:you|u|ya|yu|yuo|yoo)"
YOUR = r"(?:your|ur|yur|yor|you'?re|youre|yours)"
YOURE = r"(?:you'?re|youre|u'?re|ur|u r|you are|u are|your)"
ARE = r"(?:are|r|re|ar)"
IM = r"(?:i'?m|im|i am|iam)"
BE = r"(?:be|b)"
TO = r"(?:to|2)"
WHAT = r"(?:wh?at+|wut|wot|wht)"
WHATS = r"(?:wh?at+'?s|wh?at+ is|wuts|wots|whts)"
WHY = r"(?:why+|y|wy)"
ABOUT = r"(?:about|abt|bout|abour)"
DONT = r"(?:don'?t|dont|do not|dnt|dun|doesn'?t|doesnt|does not)"
WONT = r"(?:won'?t|wont|will not|wouldn'?t|wouldnt|would not)"
CANT = r"(?:can'?t|cant|cannot|can not)"
NOONE = r"(?:no+ ?one|no+ ?body|none of them)"
ILL = r"(?:i'?ll|ill|i will|i can|i could|let me|lemme|i'?d|i wanna|i want to|imma|i'?m gonna|im gonna|i'?m going to|im going to)"
OFFER = rf"(?:{ILL}|want me {TO}|wanna me {TO}|should i|i would|i just|i'?ll just|ill just)"
LETS = r"(?:let'?s|lets|let us|we should|we could|we can|can we|could we|shall we|should we|wanna|want to|u wanna|you wanna|i wanna|i want to|how about we|why dont we|why don'?t we)"
PARENTS = r"(?:parents?|parnts|rents|mom|mum|mommy|mummy|mam|mama|moms|mums|dad|daddy|dads|folks|family|fam|step ?(?:mom|mum|dad)|mother|father|grandma|grandpa|nan|gran|guardians?|carers?|sister|brother|sis|bro|siblings?)"
MOMDAD = r"(?:parents?|parnts|rents|mom|mum|mommy|mummy|mam|mama|dad|daddy|folks|step ?(?:mom|mum|dad)|mother|father|guardians?)"
APP = r"(?:snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|tele|kik|discord|disc|skype|tik ?tok|we ?chat|signal|facetime|messenger|viber|wickr|threema|imessage|line app|session app|email)"
APP_Q = r"(?:snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|kik|discord|disc|skype|tik ?tok|tt|we ?chat|viber|wickr|messenger|facetime|signal|threema|email|e-mail|a phone number|phone number|a number|a cell|a cell ?phone)"
HANDLE = r"(?:phone ?(?:number|#|num)?|number|num|digits|#|cell|mobile|snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|tele|kik|discord|disc|skype|tik ?tok|tt|signal|wickr|viber|email|e-mail|gmail|@|user ?name|user|handle|tag|contact|socials)"
PIC = rf"(?:pics?|pix|picture|pictures|photos?|pho|selfies?|snaps?|vids?|videos?|face ?reveal|one of {YOU})"
MINOR_AGE = r"(?:1[0-7]|[89]|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
AGE_NUM = r"(?:[89]|1\d|2[01]|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen)"
ADULT_AGE = r"(?:1[89]|[2-6]\d|twenty\w*|thirty\w*|forty\w*|fifty\w*)"
GRADE = r"(?:[4-9]th|1[0-2]th|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|grade [4-9]|grade 1[0-2])"
NOT_A_QUANTITY = r"(?!\s*(?:min|mins|minutes|hours|hrs|h\b|km|miles|mi\b|%|:|\.\d|pm|am|dollars|bucks|\$|points|pts|kills|wins|games|levels?|times|people|ppl|of|in a row|more|left|percent|sec|secs|seconds|days|weeks|months|k\b|lbs|kg|ft|cm|inches|quid|pounds|euros|coins|robux|gems|years? (?:ago|later|from))|\s*-\s*\d)"


@dataclass(frozen=True, slots=True)
class Tactic:
    name: str
    weight: float
    """How strongly this sign alone suggests grooming, for the rule-based scorer."""
    stage: int
    """Rough position in the grooming progression, 1 (access) .. 6 (pressure)."""
    description: str
    pattern: re.Pattern[str]
    parts: tuple[str, ...] = ()
    """The source patterns, each implicitly anchored at a word boundary."""


_QUANTIFIERS = ("?", "*", "+", "{")


def _group_end(text: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start``."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(text, i) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {text!r}")


def _class_end(text: str, start: int) -> int:
    i = start + 1
    if i < len(text) and text[i] == "^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    while text[i] != "]":
        i += 2 if text[i] == "\\" else 1
    return i


def _alternatives(body: str) -> list[str]:
    """Split a group's body on its top-level ``|``."""
    out, depth, i, last = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(body, i) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(body[last:i])
            last = i + 1
        i += 1
    out.append(body[last:])
    return out


def _heads(part: str, top: bool = True, depth: int = 0) -> list[tuple[str | None, str]]:
    """Rewrite ``part`` as alternatives ``(first literal char, rest)``.

    An exact rewrite: ``(?:a|b)x`` is ``ax|bx`` and ``c?x`` is ``cx|x``. What cannot
    be rewritten (lookarounds, anchors, escapes such as ``\\d``, quantified groups)
    is returned whole, with ``None`` as its first character. At the top level a
    leading ``\\b`` is dropped: every pattern is anchored at a word boundary anyway.
    """
    if depth > 8 or not part:
        return [(None, part)]
    if part.startswith(r"\b"):
        return _heads(part[2:], top, depth + 1) if top else [(None, part)]
    ch = part[0]
    if part.startswith("(?:"):
        end = _group_end(part, 0)
        body, rest = part[3:end], part[end + 1 :]
        if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
            return _heads(f"(?:{body}){rest[1:]}", top, depth + 1) + _heads(
                rest[1:], top, depth + 1
            )
        if rest[:1] in _QUANTIFIERS:
            return [(None, part)]
        # Alternatives that share a first character share one copy of ``rest``.
        by_first: dict[str, list[str]] = defaultdict(list)
        out: list[tuple[str | None, str]] = []
        for alt in _alternatives(body):
            if not alt:
                out += _heads(rest, top, depth + 1)
                continue
            for first, tail in _heads(alt, top, depth + 1):
                if first is None:
                    out.append((None, f"(?:{tail}){rest}"))
                elif tail not in by_first[first]:
                    by_first[first].append(tail)
        for first, tails in by_first.items():
            joined = (
                tails[0] if len(tails) == 1 and "|" not in tails[0] else f"(?:{'|'.join(tails)})"
            )
            out.append((first, joined + rest))
        return out
    if ch == "[":
        end = _class_end(part, 0)
        body, rest = part[1:end], part[end + 1 :]
        if body.startswith("^") or "\\" in body or rest[:1] in _QUANTIFIERS:
            return [(None, part)]
        chars: list[str] = []
        i = 0
        while i < len(body):
            if i + 2 < len(body) and body[i + 1] == "-":
                chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
                i += 3
            else:
                chars.append(body[i])
                i += 1
        return [(c, rest) for c in chars]
    if ch == "\\":
        if part[1:2].isalnum():
            return [(None, part)]
        ch, rest = part[1], part[2:]
    elif ch in ".^$()|*+?{}":
        return [(None, part)]
    else:
        rest = part[1:]
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        return [(ch, rest[1:]), *_heads(rest[1:], top, depth + 1)]
    if rest[:1] == "+" and rest[1:2] not in ("?", "+"):
        return [(ch, re.escape(ch) + "*" + rest[1:])]
    if rest[:1] in _QUANTIFIERS:
        return [(None, part)]
    return [(ch, rest)]


_TRIE_DEPTH = 3


def _trie(alternatives: list[str], top: bool, depth: int = 0) -> str:
    """An alternation of ``alternatives`` with branches grouped by leading characters."""
    buckets: dict[str, list[str]] = defaultdict(list)
    whole: list[str] = []
    for alternative in alternatives:
        for first, rest in _heads(alternative, top):
            if first is None:
                if top and not rest:
                    raise ValueError(f"pattern can match the empty string: {alternative!r}")
                if rest not in whole:
                    whole.append(rest)
            elif rest not in buckets[first]:
                buckets[first].append(rest)
    branches = []
    for c, rests in sorted(buckets.items()):
        inner = (
            _trie(rests, False, depth + 1)
            if depth + 1 < _TRIE_DEPTH and len(rests) > 1
            else "|".join(rests)
        )
        branches.append(f"{re.escape(c)}(?:{inner})")
    branches += [f"(?:{p})" for p in whole]
    return "|".join(branches)


def _compile(parts: tuple[str, ...]) -> re.Pattern[str]:
    """One regex equivalent to ``\\b(?:part1|part2|...)``, branches grouped as a trie.

    Python's regex engine tries every branch of an alternation at every position; a
    branch that starts with a literal character is rejected in one step, so grouping
    the branches by their first characters makes a search several times faster.
    """
    return re.compile(r"\b(?:" + _trie([f"(?:{p})" for p in parts], True) + ")")


def reference_pattern(parts: tuple[str, ...]) -> re.Pattern[str]:
    """The plain alternation that ``_compile`` must be equivalent to (for tests)."""
    return re.compile("|".join(rf"\b(?:{p})" for p in parts))


_KEY_CHARS = 6
"""How many leading characters of a match ``TacticMatcher`` indexes."""
_START = "\x02"
"""Stands for the start of the text in a key (a pattern anchored with ``^``)."""
_ASSERTIONS = ("(?<!", "(?<=", "(?!", "(?=")
_WORD_CHAR = re.compile(r"\w")
_MASKS_KEPT = 50_000
_LONG_TEXT = 300
"""Past this many characters a text is searched whole, tactic by tactic (a long text
has too many places where a match could start for trying each to pay)."""


@cache
def _heads_of(pattern: str, top: bool) -> tuple[tuple[str | None, str], ...]:
    return tuple(_heads(pattern, top))


@cache
def _starts(pattern: str, depth: int, top: bool) -> frozenset[str]:
    """Strings of at most ``depth`` characters, one of which begins every match of
    ``pattern`` (``_START`` first for a match at the start of the text); ``""`` if some
    match may begin with anything.

    Built on ``_heads``'s exact rewrite. Lookarounds are skipped and so is ``\\b``:
    dropping a condition only lets the pattern match more, so the strings still cover
    every match.
    """
    if depth == 0:
        return frozenset({""})
    out: set[str] = set()
    for first, rest in _heads_of(pattern, top):
        if first is not None:
            out.update(first + tail for tail in _starts(rest, depth - 1, False))
        elif rest.startswith(_ASSERTIONS):
            out |= _starts(rest[_group_end(rest, 0) + 1 :], depth, top)
        elif rest.startswith(r"\b"):
            out |= _starts(rest[2:], depth, top)
        elif rest.startswith(("^", "(?:^)")):
            tail = rest.removeprefix("(?:^)").removeprefix("^")
            out.update(_START + key for key in _starts(tail, depth - 1, top))
        elif (expanded := _expanded(rest)) is not None:
            for alternative in expanded:
                out |= _starts(alternative, depth, top)
        else:
            out.add("")
    return frozenset(out)


_QUANTIFIER = re.compile(r"(\*|\+|\?|\{(\d*)(?:,\d*)?\})[?+]?")


def _expanded(pattern: str) -> tuple[str, ...] | None:
    """Alternatives whose matches include every match of ``pattern``, for the forms that
    ``_heads`` leaves whole when they begin it; None for any other form.

    - a repeated atom (character, class, group): ``x*rest`` as ``(?:x)(?:x)*rest`` or
      ``rest``; ``x+rest`` (and ``x{m,n}rest`` with ``m`` at least 1) as
      ``(?:x)(?:x)*rest``; ``x?rest`` as ``(?:x)rest`` or ``rest``. Lazy and possessive
      forms match no more than the greedy one, so they are covered;
    - a group: ``(?:a|b)rest`` as ``arest`` or ``brest``.

    Each alternative begins with the atom (which ``_heads`` then consumes), or is shorter
    than ``pattern``: ``_starts`` terminates.
    """
    if pattern.startswith("(?:"):
        end = _group_end(pattern, 0) + 1
    elif pattern.startswith("["):
        end = _class_end(pattern, 0) + 1
    elif pattern.startswith("\\"):
        end = 2
    elif pattern[:1] and pattern[0] not in ".^$()|*+?{}":
        end = 1
    else:
        return None
    atom, quantifier = pattern[:end], _QUANTIFIER.match(pattern, end)
    if quantifier is None:
        if not atom.startswith("(?:"):
            return None
        tail = pattern[end:]
        return tuple(alternative + tail for alternative in _alternatives(atom[3:-1]))
    tail = pattern[quantifier.end() :]
    kind, least = quantifier.group(1), quantifier.group(2)
    if kind == "?":
        return (f"(?:{atom}){tail}", tail)
    again = f"(?:{atom})(?:{atom})*{tail}"
    if kind == "+" or (least and int(least) >= 1):
        return (again,)
    return (again, tail)


_Tries = tuple[int, tuple[tuple[int, Callable[..., re.Match[str] | None]], ...]]


class TacticMatcher:
    """Which of several tactics a normalised text shows, at a fraction of the cost of
    searching every tactic's expression over the whole text.

    Every match begins at a word boundary with one of a few known strings of up to
    ``_KEY_CHARS`` characters (``_starts``). One expression of all those strings (a
    trie) finds, in one pass, the word starts where some string begins, and a tactic's
    expression is tried only there: the result is exactly that of searching each
    expression. (One expression of all tactics was tried: its compilation took seconds
    per process.) With Hyperscan installed, a printable ASCII text (most chat) is
    scanned once for every tactic instead, and only the tactics it reports are searched
    (``prefilter.py``); ``fast=False`` keeps to the pure-Python way.
    """

    def __init__(self, tactics: Sequence[Tactic], fast: bool = True) -> None:
        self.tactics = tuple(tactics)
        self._prefilter = Prefilter.build([t.parts for t in self.tactics]) if fast else None
        table: dict[str, int] = {}
        self._always = 0
        """Tactics with a pattern whose matches may begin anywhere: always searched."""
        for bit, tactic in enumerate(self.tactics):
            # Grouped: a pattern may be an alternation at its top level ("a|b").
            keys = {k for part in tactic.parts for k in _starts(f"(?:{part})", _KEY_CHARS, True)}
            # The text is looked up at its word starts only (and at its start).
            if any(not key or not (key[0] == _START or _WORD_CHAR.match(key)) for key in keys):
                self._always |= 1 << bit
                continue
            for key in keys:
                table[key] = table.get(key, 0) | 1 << bit
        self._table = table
        self._at_start = sorted({len(k) for k in table if k.startswith(_START)})
        self._patterns = [t.pattern for t in self.tactics]
        self._masks: dict[str, _Tries] = {}
        """What may begin at the start of a text, for each text opening met so far (chat
        repeats its words); one object per mask (``_shared``)."""
        self._shared: dict[int, _Tries] = {}
        at_words = [k for k in table if not k.startswith(_START)]
        self._keys = _longest_key(at_words)
        self._closure = {key: self._mask(key, list(range(1, len(key)))) for key in at_words}
        """For each string, the tactics that may begin with it or with a part of it: all
        the tactics a place may begin, since ``_keys`` finds the longest string there."""
        self._tried = {key: self._tries(mask)[1] for key, mask in self._closure.items()}
        """The same, as what is tried at a place: each tactic's bit and ``match``."""

    def present(self, text: str) -> int:
        """The tactics found in ``text``, as a bit mask (bit ``i``: ``tactics[i]``)."""
        prefilter = self._prefilter
        if prefilter is not None and text.isascii() and text.isprintable():
            patterns = self._patterns
            found = 0
            for bit in _bits(prefilter.candidates(text)):
                if patterns[bit].search(text):
                    found |= 1 << bit
            return found
        masks = self._masks
        if len(masks) > _MASKS_KEPT:
            masks.clear()
        opening = text[: _KEY_CHARS - 1]
        at_start = masks.get(opening)
        if at_start is None:
            mask = self._mask(_START + opening, self._at_start) | self._always
            at_start = masks[opening] = self._tries(mask)
        start, tries = at_start
        found = 0
        if len(text) > _LONG_TEXT or self._always:
            closure = self._closure
            anywhere = start
            for key in self._keys.findall(text):
                anywhere |= closure[key]
            patterns = self._patterns
            for bit in _bits(anywhere):
                if patterns[bit].search(text):
                    found |= 1 << bit
            return found
        for flag, match in tries:
            if match(text):
                found |= flag
        tried = self._tried
        for place in self._keys.finditer(text):
            for flag, match in tried[place[1]]:
                if not found & flag and match(text, place.start()):
                    found |= flag
        return found

    def _tries(self, mask: int) -> _Tries:
        """``mask`` with each of its tactics' bit and ``match``, lowest bit first."""
        tries = self._shared.get(mask)
        if tries is None:
            matches = tuple((1 << bit, self._patterns[bit].match) for bit in _bits(mask))
            tries = self._shared[mask] = (mask, matches)
        return tries

    def _mask(self, key: str, sizes: list[int]) -> int:
        """The tactics that may begin with ``key`` or with its first ``sizes`` characters."""
        get = self._table.get
        mask = get(key, 0)
        for size in sizes:
            mask |= get(key[:size], 0)
        return mask


def _longest_key(keys: Iterable[str]) -> re.Pattern[str]:
    """An expression that finds, at each word boundary where one of ``keys`` begins, the
    longest of them there (as group 1): a trie whose every optional branch is greedy."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branches(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + branches(rest) for ch, rest in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if "" in node else body

    return re.compile(rf"\b(?=({branches(trie)}))" if trie else "(?!)")


@lru_cache(maxsize=4096)
def _bits(mask: int) -> tuple[int, ...]:
    """The positions of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return tuple(out)


def _tactic(name: str, weight: float, stage: int, description: str, *parts: str) -> Tactic:
    return Tactic(name, weight, stage, description, _compile(parts), parts)


SUBJ_YOU = rf"(?:{ARE} {YOU}|{YOURE}|{YOU})"
QUALIFIERS = r"(?:(?:like|only|just|prob|probably|def|defo|definitely|literally|barely|maybe|about|around|under|over|not even|still|even|what|wat|whatt|wut|like what|what like|at least|atleast) )"
