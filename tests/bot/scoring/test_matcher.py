"""The tactic matcher finds exactly what searching every tactic's expression finds, by
its Hyperscan prefilter (``prefilter.py``) and by the pure-Python way alike."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scoring import prefilter
from bot.scoring.normalize import normalize
from bot.scoring.patterns import _START, TacticMatcher, _starts, _tactic
from bot.scoring.tactics import CONTEXT, TACTICS

ROOT = Path(__file__).parents[3]
EVERY = (*TACTICS, *CONTEXT)
MATCHER = TacticMatcher(EVERY)
PURE = TacticMatcher(EVERY, fast=False)
BOTH = pytest.mark.parametrize("matcher", [MATCHER, PURE], ids=["prefilter", "pure"])


def searched(text: str, tactics: tuple = EVERY) -> int:  # type: ignore[type-arg]
    return sum(1 << bit for bit, tactic in enumerate(tactics) if tactic.pattern.search(text))


def corpus_lines() -> list[str]:
    corpus = ROOT / "bot/learning/corpus"
    lines = []
    for path in [corpus / "dev.jsonl", *sorted((corpus / "written_dev").glob("*.jsonl"))]:
        for raw in path.read_text().splitlines():
            lines += [m["text"] for m in json.loads(raw)["messages"]]
    return lines


def test_the_prefilter_is_used_where_hyperscan_is_installed() -> None:
    assert (MATCHER._prefilter is None) == (prefilter.hyperscan is None)
    assert PURE._prefilter is None


@BOTH
def test_the_matcher_agrees_with_searching_on_the_held_out_chat(matcher: TacticMatcher) -> None:
    lines = corpus_lines()
    assert len(lines) > 10_000
    texts = {normalize(line) for line in lines}
    # lines read together, as a turn is
    texts |= {normalize(" ".join(lines[i : i + 3])) for i in range(0, len(lines), 7)}
    wrong = [text for text in texts if matcher.present(text) != searched(text)]
    assert not wrong, wrong[:5]


# Words that begin the tactics' phrases, so that generated text matches often.
WORDS = sorted(
    {word for line in corpus_lines()[:4000] for word in normalize(line).split()[:3]}
    | {"^", "u", "r", "ur", "im", "13", "18", "2", "?", "!", "...", "'", "dont", "stop"}
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=14), st.sampled_from(["", " ", "?", "!!", " lol"]))
def test_the_matcher_agrees_with_searching_on_mixed_phrases(words: list[str], end: str) -> None:
    text = normalize(" ".join(words) + end)
    assert MATCHER.present(text) == PURE.present(text) == searched(text)


@pytest.mark.parametrize("fast", [True, False], ids=["prefilter", "pure"])
def test_long_texts_and_patterns_that_may_start_anywhere_are_searched_whole(fast: bool) -> None:
    anywhere = _tactic("anywhere", 0.1, 1, "test", r".ecret", r"(?:x|y)+z")
    tactics = (*TACTICS[:3], anywhere)
    matcher = TacticMatcher(tactics, fast=fast)
    for text in ["keep it secret", "ecret", "xyz", "how old r u", "nothing", ""]:
        assert matcher.present(text) == searched(text, tactics), text
    long = normalize("so yeah " * 60 + "how old r u")
    assert TacticMatcher(EVERY[:2], fast=fast).present(long) == searched(long, EVERY[:2]) != 0


# Each text that one of these patterns finds, with others that it does not. Python and
# Hyperscan read some syntax differently ("{,2}" is a literal to Hyperscan) or cannot
# run it (lookarounds, backreferences, possessive and atomic forms): found all the same.
ODD_PATTERNS = {
    r"ab{,2}c": ["ac", "abbc", "abbbc", "a{,2}c"],
    r"(?<!no )secret(?! sauce)": ["secret", "no secret", "secret sauce", "a secret plan"],
    r"(\w+) and \1": ["salt and salt", "salt and pepper"],
    r"(?P<w>ha)(?P=w)": ["haha", "ha"],
    r"x*+y|(?>ab|a)c": ["xxy", "ac", "abc"],
    r"(?i:shout)": ["SHOUT", "shout", "shou"],
    r"costs? £\d+": ["costs £5", "cost £", "costs 5"],
    r"end\Z|^start": ["the end", "start here", "end of it", "a start"],
    r"(?:^|my )mum": ["mum", "my mum", "summum", "yummy mum"],
}


@pytest.mark.parametrize("fast", [True, False], ids=["prefilter", "pure"])
def test_patterns_that_python_and_hyperscan_read_differently_are_still_found(fast: bool) -> None:
    tactics = tuple(_tactic(f"t{i}", 0.1, 1, "test", p) for i, p in enumerate(ODD_PATTERNS))
    matcher = TacticMatcher(tactics, fast=fast)
    for texts in ODD_PATTERNS.values():
        for text in [*texts, *(f"ok {t} lol" for t in texts), "café secret"]:
            assert matcher.present(text) == searched(text, tactics), text
    assert searched("abbc", tactics) and searched("costs £5", tactics)  # the cases are live


def test_the_compiled_prefilter_is_kept_and_a_broken_copy_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tactics = (*TACTICS[:2], _tactic("odd", 0.1, 1, "test", r"a{,2}b"))
    parts = [t.parts for t in tactics]
    first = prefilter.Prefilter.build(parts)
    [kept] = (tmp_path / "watchkeeper").iterdir()
    again = prefilter.Prefilter.build(parts)  # loaded from the cache
    kept.write_bytes(b"not a database")
    rebuilt = prefilter.Prefilter.build(parts)
    texts = ["how old r u", "ab", "nothing here", "u 13?"]
    for built in (first, again, rebuilt):
        assert built is not None and built.always == 0b100  # the "{,2}" tactic
        assert [built.candidates(t) for t in texts] == [first.candidates(t) for t in texts]
    assert first.candidates("how old r u") & 1
    assert kept.read_bytes() != b"not a database"


def test_repeated_and_optional_atoms_are_unrolled_into_long_keys() -> None:
    # "so+ mature": without unrolling "o+", every word "so" would try the expression
    assert _starts("so+ mature", 6, True) == {"so mat", "soo ma", "sooo m", "soooo ", "sooooo"}
    assert {"how ol", "haw ol", "hw old", "howw o"} <= _starts("h[oa]?w+ old", 6, True)
    assert _starts("(?:t*) x", 3, True) == {"t x", "tt ", "ttt", " x"}
    assert _starts("(?:ab){2,3}c", 6, True) == {"ababab", "ababc", "abc"}  # as "(?:ab)+c"
    assert _starts("(?:^|pls )x*y", 3, True) == {_START + "xx", _START + "xy", _START + "y", "pls"}
    # forms that cannot be unrolled still cover every match
    assert "" in _starts(r"\w+ x", 3, True)
    tactic = _tactic("repeat", 0.1, 1, "test", r"so+ mature", r"(?:no+ ?one)+ else", r"(?:t*) x")
    matcher = TacticMatcher((tactic,))
    for text in ["ur sooo mature", "nooone else", "no one noone else", "tt x", " x", "so", "x"]:
        assert matcher.present(text) == searched(text, (tactic,)), text
