"""Lines typed in quick succession by one author are read as one turn."""

from datetime import UTC, datetime, timedelta

from bot.learning.corpora import Conversation, Line
from bot.learning.obfuscate import split_lines
from bot.models import AgeBand, Message, Participant
from bot.scoring.normalize import normalize
from bot.scoring.rules import RuleScorer
from bot.scoring.state import TURN_GAP, ConversationState

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SCORER = RuleScorer()


def play(lines: list[tuple[str, str, float]]) -> ConversationState:
    state = ConversationState()
    for i, (author, text, seconds) in enumerate(lines):
        message = Message("t", "s", "c", f"m{i}", Participant(author, "", AgeBand.UNKNOWN), text,
                          T0 + timedelta(seconds=seconds), is_dm=True)  # fmt: skip
        state.add(SCORER.observe(message, state))
    return state


def test_a_phrase_split_across_quick_lines_is_found_on_the_line_that_completes_it() -> None:
    state = play([("a", "hey", 0), ("a", "dont", 30), ("a", "tell anyone", 33), ("b", "ok", 40)])
    secrecy = [o for o in state.observations if any(h.name == "secrecy" for h in o.hits)]
    assert [o.message_id for o in secrecy] == ["m2"]
    assert secrecy[0].quote == "dont / tell anyone"
    assert state.authors["a"].messages == 3
    assert state.authors["a"].turns == 2  # "hey", then "dont" + "tell anyone"


def test_lines_far_apart_or_from_someone_else_are_separate_turns() -> None:
    slow = play([("a", "dont", 0), ("a", "tell anyone", TURN_GAP.total_seconds() + 5)])
    assert not any(o.hits for o in slow.observations)
    interrupted = play([("a", "dont", 0), ("b", "what", 2), ("a", "tell anyone", 4)])
    assert not any(o.hits for o in interrupted.observations)


def test_a_sign_found_in_one_line_is_not_counted_again_by_the_next() -> None:
    state = play([("a", "dont tell anyone", 0), ("a", "ok?", 3), ("a", "promise", 6)])
    assert state.authors["a"].count("secrecy") == 1


def test_emoji_and_stray_symbols_inside_a_phrase_do_not_break_it() -> None:
    assert normalize("dont 🙃 tell anyone") == "dont tell anyone"
    assert normalize("dont * tell ~ anyone :)") == "dont tell anyone :)"
    assert normalize("ur so cute <3 lol") == "ur so cute <3 lol"
    assert normalize("how old r u ?") == "how old r u ?"


def test_split_lines_keeps_the_words_order_and_time() -> None:
    lines = [Line("a", "one two three four five six seven", T0),
             Line("b", "ok", T0 + timedelta(seconds=60))]  # fmt: skip
    split = split_lines(Conversation("c", "benign", None, "dm", {}, lines))
    texts = [line.text for line in split.messages]
    assert " ".join(texts[:-1]) == lines[0].text
    assert all(2 <= len(t.split()) <= 4 for t in texts[:-2])
    times = [line.ts for line in split.messages]
    assert times == sorted(times) and times[-1] == lines[1].ts
