"""The window keeps its messages as columns and gives back the observations added."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.config import Settings
from bot.models import AgeBand, Message, Participant
from bot.scoring import load_scorer
from bot.scoring.base import evidence
from bot.scoring.observation import Detail, Observation
from bot.scoring.rules import RuleScorer
from bot.scoring.signals import HITS, WORDING
from bot.scoring.state import ConversationState
from bot.scoring.window import Window

T0 = datetime(2025, 1, 1, tzinfo=UTC)
SCORER = RuleScorer()


def plain(seq: int, author: str = "a", ts: datetime = T0, **fields: object) -> Observation:
    values: dict = {"hits": (), "is_question": False, "text_sum": 0} | fields
    return Observation(seq, f"m{seq}", author, ts + timedelta(seconds=seq), **values)


def play(lines: list[tuple[str, str]], window: int = 200) -> ConversationState:
    state = ConversationState(max_messages=window)
    for i, (author, text) in enumerate(lines):
        message = Message("t", "s", "c", f"m{i}", Participant(author, "", AgeBand.UNKNOWN), text,
                          T0 + timedelta(minutes=i), is_dm=True)  # fmt: skip
        state.add(SCORER.observe(message, state))
    return state


def test_the_window_gives_back_what_was_added() -> None:
    window = Window()
    added = [
        plain(0, is_question=True, text_sum=-1_234_567),
        plain(1, author="b", continues_turn=True, text_sum=2_500_000),
        plain(2, hits=(HITS["secrecy"],), detail=Detail("dont tell", "c", "https://x/2")),
        plain(3, detail=Detail("13", age_answer=13)),
        plain(4, text_sum=7),
    ]
    for observation in added:
        window.append(observation)
    assert list(window) == added
    assert window[-1] == added[-1] and window[1:3] == added[1:3]
    assert window.notables() == added[2:4]
    assert window.quoted(2) == ("m2", "dont tell") and window.quoted(4) == ("m4", "")
    assert window.notable(2).hits == (HITS["secrecy"],) and window.notable(4) is None
    assert window.notable(3).detail == Detail("13", age_answer=13) and window.notable(3).hits == ()
    assert window.observation(3) == added[3] and window.observation(5) is None
    with pytest.raises(IndexError):
        window[5]


@pytest.mark.parametrize(
    "quote",
    [
        "plain words",
        "café au lait",
        "see you there 🙂",
        "a long line cut here…",
        "\ud83d alone",
        "",
    ],
)
def test_a_quote_comes_back_as_it_was_given(quote: str) -> None:
    """Quotes are kept as UTF-8: any text, even a lone surrogate, comes back unchanged."""
    window = Window()
    window.append(plain(0, hits=(HITS["secrecy"],), detail=Detail(quote, "c")))
    window.append(plain(1))
    assert window.quoted(0) == ("m0", quote)
    assert window[0].detail == Detail(quote, "c")
    window.pop_oldest()
    assert window.quoted(0) is None


def test_times_come_back_as_the_same_instant() -> None:
    window = Window()
    naive = datetime(2025, 1, 1, 12, 30, 0, 123456)
    elsewhere = datetime(2025, 1, 1, 14, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    window.append(plain(0, ts=naive - timedelta(seconds=0)))
    window.append(plain(1, ts=elsewhere - timedelta(seconds=1)))
    assert window[0].ts == naive and window[0].ts.tzinfo is None
    assert window[1].ts == elsewhere


def test_messages_leave_from_the_front_and_numbering_goes_on() -> None:
    window = Window()
    for seq in range(40, 60):
        window.append(plain(seq, hits=(HITS["gifts"],)) if seq % 7 == 0 else plain(seq))
    for _ in range(5):
        window.pop_oldest()
    assert [o.seq for o in window] == list(range(45, 60))
    assert [o.seq for o in window.notables()] == [49, 56]
    assert window.observation(49) == plain(49, hits=(HITS["gifts"],))  # signals, no detail
    assert list(window.signalling_since(50)) == ["a"]
    assert window.next_seq == 60
    with pytest.raises(ValueError):
        window.append(plain(61))  # 60 comes next
    with pytest.raises(ValueError):
        window.start_at(0)  # only an empty window is renumbered
    while len(window):
        window.pop_oldest()
    assert window.next_seq == 60 and not window.notables()
    window.start_at(7)
    window.append(plain(7))
    assert window.observation(7) == plain(7)


@pytest.mark.parametrize("size", [3, 16, 17, 40])
def test_holds_exactly_the_ids_in_the_window(size: int) -> None:
    window = Window()
    for seq in range(size):
        window.append(plain(seq, author=f"m{seq + 1}"))  # an author named like a message
    assert all(window.holds(f"m{seq}") for seq in range(size))
    assert not window.holds(f"m{size}")
    window.pop_oldest()
    window.append(plain(size))
    assert not window.holds("m0") and window.holds(f"m{size}")


def test_the_state_reads_totals_and_evidence_from_the_columns() -> None:
    lines = [("a", "hey"), ("b", "hi"), ("a", "dont tell anyone we talk"), ("b", "how old r u?"),
             ("a", "13"), ("b", "ok"), ("a", "send me a selfie")]  # fmt: skip
    state = play(lines, window=4)
    assert [o.message_id for o in state.observations] == ["m3", "m4", "m5", "m6"]
    assert state.first_author == "b"
    assert state.authors["a"].messages == 2 and state.authors["b"].questions == 1
    assert state.authors["a"].count("minor_disclosure") == 1  # "13" answered the question
    assert "secrecy" not in state.authors["a"].tactic_seqs  # left with its message
    assert [o.message_id for o in state.notables()] == ["m3", "m4", "m6"]
    assert state.signalling(4) == ["b", "a"]
    for last in range(6):  # the authors with a signal among the last messages, in order
        recent = state.observations[-last:] if last else []
        assert state.signalling(last) == list(dict.fromkeys(o.author_id for o in recent if o.hits))


def test_a_band_given_once_holds_after_its_author_left_and_came_back() -> None:
    state = ConversationState(max_messages=2)
    first = Message("t", "s", "c", "m0", Participant("a", "", AgeBand.MINOR), "hi", T0, is_dm=True)
    state.add(SCORER.observe(first, state), AgeBand.MINOR)
    for i in (1, 2):
        later = Message("t", "s", "c", f"m{i}", Participant("b", "", AgeBand.UNKNOWN), "yo",
                        T0 + timedelta(seconds=i), is_dm=True)  # fmt: skip
        state.add(SCORER.observe(later, state))
    assert "a" not in state.authors and state.minors == 0
    assert state.age_of("a") == (False, True)
    again = Message("t", "s", "c", "m3", Participant("a", "", AgeBand.UNKNOWN), "back",
                    T0 + timedelta(seconds=3), is_dm=True)  # fmt: skip
    state.add(SCORER.observe(again, state))
    assert state.age_of("a") == (False, True) and state.minors == 1


def test_strongly_worded_lines_are_kept_apart_and_still_counted() -> None:
    scorer = load_scorer(Settings())
    state = ConversationState(max_messages=3)
    lines = [("a", "hey"), ("b", "cool need team play"), ("a", "ok"), ("b", "hm")]
    for i, (author, text) in enumerate(lines[:3]):
        message = Message("t", "s", "c", f"m{i}", Participant(author, "", AgeBand.UNKNOWN), text,
                          T0 + timedelta(minutes=i), is_dm=True)  # fmt: skip
        state.add(scorer.observe(message, state))
    worded = state.authors["b"]
    assert [h.name for h in state.observations[1].hits] == [WORDING]
    assert worded.count(WORDING) == 1 and worded.distinct() == [WORDING]
    assert not worded.tactic_seqs and WORDING not in state.signal_counts
    shown = evidence(state, "b")
    assert [(s.name, s.message_id, s.quote) for s in shown] == [(WORDING, "m1", lines[1][1])]
    state.evict_oldest()
    state.evict_oldest()
    assert "b" not in state.authors and not evidence(state, "a")
