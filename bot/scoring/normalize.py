"""Text normalisation, so that trivial obfuscation does not hide a warning sign.

Handles case, compatibility forms (full-width, ligatures), look-alike letters from
other scripts, zero-width and direction-control characters, leetspeak inside words,
common text-speak, letters spelled out with spaces or dots, elongated letters and a
few emoji that stand for words. Digits that stand alone (ages, times) are kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.models import MAX_TEXT_CHARS

_INVISIBLE = dict.fromkeys(
    [
        0x0000,
        0x00AD,
        0x034F,
        0x061C,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2060,
        0x2061,
        0x2062,
        0x2063,
        0x2064,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0x206A,
        0x206B,
        0x206C,
        0x206D,
        0x206E,
        0x206F,
        0x3164,
        0xFEFF,
        0xFFA0,
    ]
)

# Letters from Cyrillic, Greek and other scripts that look like Latin ones.
_LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "с": "c",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "ѕ": "s",
        "т": "t",
        "у": "y",
        "х": "x",
        "ԁ": "d",
        "ɡ": "g",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        "ӏ": "l",
        "α": "a",
        "β": "b",
        "γ": "y",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        "ѵ": "v",
        "ɑ": "a",
        "ı": "i",
        "ȷ": "j",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
    }
)

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
        "+": "t",
    }
)

# Text-speak whose digits are not leetspeak: replaced before leet decoding.
_TEXT_SPEAK = {
    "2day": "today",
    "2nite": "tonight",
    "2night": "tonight",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2mrw": "tomorrow",
    "gr8": "great",
    "b4": "before",
    "l8r": "later",
    "l8": "late",
    "w8": "wait",
    "m8": "mate",
    "h8": "hate",
    "4ever": "forever",
    "4u": "for you",
    "2u": "to you",
    "any1": "anyone",
    "some1": "someone",
    "no1": "no one",
    "every1": "everyone",
    "sum1": "someone",
    "ne1": "anyone",
    "str8": "straight",
    "f2f": "face to face",
    "2gether": "together",
    "ru": "r u",
    "hru": "how r u",
    "wru": "where r u",
}

_EMOJI_WORDS = {
    "🤫": " secret ",
    "🤐": " secret ",
    "📸": " photo ",
    "📷": " photo ",
    "🤳": " selfie ",
    "🎁": " gift ",
    "💰": " money ",
    "💵": " money ",
    "💸": " money ",
    "🚗": " ride ",
    "📱": " phone ",
    "📞": " call ",
    "🏠": " home ",
    "🎂": " birthday ",
}
_EMOJI_RE = re.compile("|".join(map(re.escape, _EMOJI_WORDS)))

_HAS_LEET = re.compile(r"[0-9@$!|€+]")
_LETTER = re.compile(r"[a-z]")
_REPEATS = re.compile(r"(.)\1{2,}")
_HAS_REPEATS = re.compile(r"(.)\1\1")
"""Where ``_REPEATS`` finds a run, this finds its start: the same texts, searched three
times faster (without the repeat counter)."""
# Runs of single letters joined by one kind of separator: "s e c r e t", "s.e.c.r.e.t".
_SPACED = re.compile(r"\b(?:[a-z0-9][ ._\-*]){3,}[a-z0-9]\b")
_MAY_BE_SPACED = re.compile(r"[ ._\-*][a-z0-9][ ._\-*][a-z0-9][ ._\-*]")
"""What every run ``_SPACED`` finds contains: most texts are ruled out by a quick scan."""
# Without a digit or symbol in the text, a word is a run of letters, and only the
# text-speak spelled in letters alone ("ru", "hru") changes.
_PLAIN_KEYS = sorted((k for k in _TEXT_SPEAK if k.isalpha() and k.isascii()), key=len, reverse=True)
_PLAIN_SPEAK = re.compile(r"(?<![a-z])(?:" + "|".join(_PLAIN_KEYS) + r")(?![a-z])")
_PLAIN_CORES = tuple(k for k in _PLAIN_KEYS if not any(o != k and o in k for o in _PLAIN_KEYS))
"""Strings one of which every plain text-speak word contains ("ru" for "hru", "wru")."""
assert all(k in _PLAIN_KEYS or _HAS_LEET.search(k) for k in _TEXT_SPEAK)
# A word is a whole run of letters, digits and leet symbols. Of the words with a letter,
# only those with a digit or symbol, or that are plain text-speak, can change: only they
# are decoded (``_decode_word`` leaves a match without a letter, "13", as it is).
_LEET_WORD = re.compile(
    r"(?<![0-9a-z@$!|€+])(?:[0-9a-z@$!|€+]*[0-9@$!|€+][0-9a-z@$!|€+]*|"
    + "|".join(_PLAIN_KEYS)
    + r")(?![0-9a-z@$!|€+])"
)
# Stray symbols standing between two words ("dont * tell", "dont :) tell"): dropped, so
# they do not break a phrase. "?" and "!" are kept (they mean something), and "<3".
_STRAY = re.compile(r"(?<=[a-z0-9']) (?:[^a-z0-9\s?!<]+ )+(?=[a-z0-9])")
_MAY_STRAY = re.compile(r" [^a-z0-9\s?!<]")


def normalize(text: str) -> str:
    """Return a canonical lowercase form of ``text`` for signal matching and features."""
    if not text:
        return ""
    text = text[:MAX_TEXT_CHARS]
    return _normalize_cached(text) if len(text) < 200 else _normalize(text)


@lru_cache(maxsize=8192)
def _normalize_cached(text: str) -> str:
    return _normalize(text)


def clear_cache() -> None:
    """Forget cached normalisations (``bench`` times the real work)."""
    _normalize_cached.cache_clear()


def _normalize(text: str) -> str:
    if text.isascii():  # most chat: none of the Unicode tricks can be present
        text = text.replace("\x00", "").lower().replace("`", "'")
    else:
        text = _unicode_fold(text)
    # Each substitution runs only where a quick scan shows it may change something: most
    # chat has no spelled-out words, elongations or stray symbols.
    if _MAY_BE_SPACED.search(text):
        text = _SPACED.sub(_join_spaced, text)
    if _HAS_LEET.search(text) is None:  # most chat: words are runs of letters
        if any(core in text for core in _PLAIN_CORES):
            text = _PLAIN_SPEAK.sub(_speak, text)
    else:
        text = _LEET_WORD.sub(_decode_word, text)
    if _HAS_REPEATS.search(text):
        text = _REPEATS.sub(r"\1\1", text)
    # the same whitespace as ``\s``, collapsed and trimmed; then stray symbols dropped
    text = " ".join(text.split())
    return _STRAY.sub(" ", text) if _MAY_STRAY.search(text) else text


def _unicode_fold(text: str) -> str:
    text = text.translate(_INVISIBLE)
    text = _EMOJI_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    text = unicodedata.normalize("NFKC", text)
    # Drop combining marks (accents stacked to disguise letters), keep base letters;
    # other emoji and pictographs become spaces, so "dont 🙃 tell anyone" reads whole.
    text = unicodedata.normalize("NFD", text).translate(_FOLD)
    text = text.lower().translate(_LOOKALIKES)
    return text.replace("’", "'").replace("‘", "'").replace("`", "'")


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    if unicodedata.combining(ch):
        return ""
    category = unicodedata.category(ch)
    if category in ("So", "Sk", "Co", "Cs") or ch == "\ufe0f":
        return " "
    return ch


class _Folds(dict[int, str]):
    """``_fold_char`` as a ``str.translate`` table, filled as characters are met (a
    character read once per text instead of a call per character); at most
    ``_FOLDS_KEPT`` characters are remembered."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < _FOLDS_KEPT:
            self[code] = folded
        return folded


_FOLDS_KEPT = 20_000
_FOLD = _Folds()


def _join_spaced(match: re.Match[str]) -> str:
    run = match.group(0)
    separators = set(run[1::2])
    if len(separators) != 1:
        return run
    letters = run[0::2]
    # "u r a" and "i m 1 3" are ordinary chat: join only runs of four or more that
    # contain at least one letter that is not a common one-letter word.
    if separators == {" "} and (len(letters) < 4 or set(letters) <= set("iaurky0123456789")):
        return run
    return letters


_AGE_OR_UNIT = re.compile(r"\d+(?:yo|y/o|yrs?|f|m|s|am|pm|k)")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)")


def _is_ordinal(word: str) -> bool:
    """ "8th", "2nd", "23rd": real ordinals only, so "53nd" is still leetspeak for "send"."""
    match = _ORDINAL.fullmatch(word)
    if match is None:
        return False
    number = int(match.group(1))
    expected = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return match.group(2) == expected


def _speak(match: re.Match[str]) -> str:
    return _TEXT_SPEAK[match.group(0)]


def _decode_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if _LETTER.search(word) is None:  # "13", "!!": not a word with letters
        return word
    speak = _TEXT_SPEAK.get(word)
    if speak is not None:
        return speak
    if not _HAS_LEET.search(word):
        return word
    # Ages and grades written with a suffix ("13yo", "8th", "17f") are not leetspeak.
    if _AGE_OR_UNIT.fullmatch(word) or _is_ordinal(word):
        return word
    # Leave trailing punctuation-like symbols alone when the word is otherwise plain.
    stripped = word.rstrip("!|+")
    if not _HAS_LEET.search(stripped):
        return word
    return stripped.translate(_LEET) + word[len(stripped) :]
