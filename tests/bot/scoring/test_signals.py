"""Each tactic is recognised in the ways people type it, including obfuscated."""

import pytest

from bot.scoring import lexicon
from bot.scoring.normalize import normalize
from bot.scoring.signals import SEXUAL_CONTENT, detect, quote


def names(text: str) -> set[str]:
    return {hit.name for hit in detect(normalize(text))}


@pytest.mark.parametrize(
    ("tactic", "text"),
    [
        ("age_probe", "how old r u"),
        ("age_probe", "wat grade are u in"),
        ("age_probe", "u in middle school?"),
        ("minor_disclosure", "im 12"),
        ("minor_disclosure", "i'm in 7th grade"),
        ("adult_disclosure", "im 24 btw, age is just a number"),
        ("flattery", "ur so mature for ur age"),
        ("flattery", "you're not like other kids"),
        ("risk_assessment", "r ur parents home?"),
        ("risk_assessment", "do your parents check your phone"),
        ("secrecy", "dont tell anyone we talk"),
        ("secrecy", "this is just between us ok"),
        ("secrecy", "delete our chat after"),
        ("isolation", "ur friends dont really get u like i do"),
        ("gifts", "i can buy u robux"),
        ("platform_move", "add me on snap"),
        ("platform_move", "whats ur number"),
        ("photo_request", "send me a selfie"),
        ("photo_request", "can we facetime"),
        ("pressure", "come on just one pic"),
        ("meeting", "we should meet up irl"),
        ("meeting", "what school do u go to"),
        ("guilt_threat", "after everything i did for u"),
    ],
)
def test_tactic_phrasings(tactic: str, text: str) -> None:
    assert tactic in names(text)


@pytest.mark.parametrize(
    ("tactic", "text"),
    [
        ("secrecy", "d0nt t3ll any1"),
        ("secrecy", "keep it our s e c r e t"),
        ("platform_move", "add me on ѕnар"),
        ("photo_request", "s\u200bend me a s\u200belfie"),
        ("age_probe", "H0W 0LD R U"),
    ],
)
def test_obfuscated_phrasings(tactic: str, text: str) -> None:
    assert tactic in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "what time is the game tonight",
        "i'm 5 minutes away",
        "the new album is so good",
        "lol same",
    ],
)
def test_ordinary_chat_has_no_tactic(text: str) -> None:
    assert names(text) - {"minor_disclosure", "adult_disclosure"} == set()


def test_sexual_lexicon_comes_from_the_package_list() -> None:
    words, _ = lexicon.terms()
    sample = sorted(words)[len(words) // 2]  # built at run time from the package's list
    assert SEXUAL_CONTENT in names(f"hey {sample} lol")
    assert SEXUAL_CONTENT not in names("this level sucks, damn it")


def test_quote_is_short_and_single_line() -> None:
    text = "line one\nline two " + "x" * 300
    short = quote(text)
    assert "\n" not in short and len(short) <= 120
