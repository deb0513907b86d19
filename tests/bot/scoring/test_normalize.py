import random
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import MAX_TEXT_CHARS
from bot.scoring import normalize as n
from bot.scoring.normalize import normalize


def test_case_and_whitespace() -> None:
    assert normalize("  Hello   THERE  ") == "hello there"


def test_leetspeak_inside_words_but_not_ages() -> None:
    assert normalize("d0nt t3ll ur p@rents") == "dont tell ur parents"
    assert normalize("im 13 and in 8th grade") == "im 13 and in 8th grade"
    assert normalize("see u 2nite, gr8") == "see u tonight, great"


def test_lookalike_letters_and_invisible_characters() -> None:
    assert normalize("ѕеcrеt") == "secret"  # Cyrillic look-alikes
    assert normalize("se\u200bcr\u200det") == "secret"  # zero-width characters
    assert normalize("\u202esecret\u202c") == "secret"  # direction controls
    assert normalize("ｓｅｃｒｅｔ") == "secret"  # full-width forms
    assert normalize("s̷e̷c̷r̷e̷t̷") == "secret"  # combining overlays


def test_spaced_out_letters() -> None:
    assert normalize("keep it s e c r e t") == "keep it secret"
    assert normalize("s.e.c.r.e.t") == "secret"
    assert normalize("add me on s-n-a-p") == "add me on snap"
    # ordinary one-letter words stay as they are
    assert normalize("r u a fan") == "r u a fan"


def test_elongations_and_emoji() -> None:
    assert normalize("sooooo cuteeeee") == "soo cutee"
    assert "secret" in normalize("our little 🤫")


def test_caps_length() -> None:
    assert len(normalize("a" * 50_000)) <= MAX_TEXT_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_never_crashes_and_output_is_clean(text: str) -> None:
    out = normalize(text)
    assert isinstance(out, str)
    assert "\u200b" not in out and "\x00" not in out
    assert out == out.strip()
    assert not any(
        unicodedata.category(ch) == "Cf" and ch in "\u200b\u200c\u200d\u2060\ufeff" for ch in out
    )


_ANY_WORD = re.compile(r"[0-9a-z@$!|€+]*[a-z][0-9a-z@$!|€+]*")


def _every_substitution(text: str) -> str:
    """The normaliser's steps after folding, each run on the whole text: what its quick
    scans and its narrower leet pass must give."""
    text = n._SPACED.sub(n._join_spaced, text)
    if n._HAS_LEET.search(text) is None:
        text = n._PLAIN_SPEAK.sub(n._speak, text)
    else:
        text = _ANY_WORD.sub(lambda m: n._decode_word(m), text)
    text = n._REPEATS.sub(r"\1\1", text)
    return n._STRAY.sub(" ", " ".join(text.split()))


_PIECES = [
    *"aeiourhwstlnd     ..--__**0123489@$!|€+?<:),'",
    *("ru", "hru", "wru", "2day", "gr8", "13", "yo", "8th", "53nd"),
]


def test_the_quick_scans_change_nothing() -> None:
    rng = random.Random(16)
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 24)))
        assert n._normalize(text) == _every_substitution(text), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aab!\n 1", max_size=12))
def test_the_quick_repeat_check_finds_the_texts_the_substitution_changes(text: str) -> None:
    assert bool(n._HAS_REPEATS.search(text)) == bool(n._REPEATS.search(text))
