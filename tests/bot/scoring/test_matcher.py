"""The tactic matcher finds exactly what searching every tactic's expression finds."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scoring.normalize import normalize
from bot.scoring.patterns import _START, TacticMatcher, _starts, _tactic
from bot.scoring.tactics import CONTEXT, TACTICS

ROOT = Path(__file__).parents[3]
EVERY = (*TACTICS, *CONTEXT)
MATCHER = TacticMatcher(EVERY)


def searched(text: str, tactics: tuple = EVERY) -> int:  # type: ignore[type-arg]
    return sum(1 << bit for bit, tactic in enumerate(tactics) if tactic.pattern.search(text))


def corpus_lines() -> list[str]:
    corpus = ROOT / "bot/learning/corpus"
    lines = []
    for path in [corpus / "dev.jsonl", *sorted((corpus / "written_dev").glob("*.jsonl"))]:
        for raw in path.read_text().splitlines():
            lines += [m["text"] for m in json.loads(raw)["messages"]]
    return lines


def test_the_matcher_agrees_with_searching_on_the_held_out_chat() -> None:
    lines = corpus_lines()
    assert len(lines) > 10_000
    texts = {normalize(line) for line in lines}
    # lines read together, as a turn is
    texts |= {normalize(" ".join(lines[i : i + 3])) for i in range(0, len(lines), 7)}
    wrong = [text for text in texts if MATCHER.present(text) != searched(text)]
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
    assert MATCHER.present(text) == searched(text)


def test_long_texts_and_patterns_that_may_start_anywhere_are_searched_whole() -> None:
    anywhere = _tactic("anywhere", 0.1, 1, "test", r".ecret", r"(?:x|y)+z")
    tactics = (*TACTICS[:3], anywhere)
    matcher = TacticMatcher(tactics)
    for text in ["keep it secret", "ecret", "xyz", "how old r u", "nothing", ""]:
        assert matcher.present(text) == searched(text, tactics), text
    long = normalize("so yeah " * 60 + "how old r u")
    assert MATCHER.present(long) == searched(long) != 0


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
