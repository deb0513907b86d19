from datetime import timedelta
from pathlib import Path

import pytest

from bot.learning.chatlogs import ChatLog, irc_dir, load_chat_logs
from bot.learning.linking import link_scores
from bot.models import Message
from tests.conftest import message, person

GAP = timedelta(minutes=5)


def test_links_are_scored_against_the_annotations() -> None:
    a, b, c, d, e = (person(name) for name in "abcde")
    lines = [
        message(a, "anyone used the new editor", at=0, message_id="1"),  # no one yet
        message(b, "yes, it is fast", at=10, message_id="2"),  # -> a: right; carries 1
        message(c, "hello all", at=20, message_id="3"),  # -> b: wrong, starts its own
        message(a, "b: does it do themes", at=30, mentions=("b",), message_id="4"),  # right
        message(a, "also plugins?", at=40, message_id="5"),  # -> b, answers no one else
        message(d, "anyone around", at=2000, message_id="6"),  # no one: silence before
        message(e, "me, late", at=4000, message_id="7"),  # no one: 6 is past the gap
    ]
    parents = {"2": ("1",), "3": (), "4": ("2",), "5": ("4",), "7": ("6",)}
    scores = link_scores([ChatLog("x", lines, parents)], GAP)
    assert (scores.annotated, scores.paired, scores.correct, scores.answering) == (5, 4, 2, 3)
    assert scores.precision == 0.5 and scores.recall == 2 / 3
    assert (scores.openings, scores.carried) == (2, 1)  # 1 reached a's pair with b; 6 none


def previous_speaker_links(log: ChatLog) -> tuple[int, int]:
    """Baseline: a mention, else the latest other speaker within the gap."""
    authors = {m.message_id: m.author.user_id for m in log.messages}
    paired = correct = 0
    earlier: list[Message] = []
    for m in log.messages:
        me = m.author.user_id
        partner = next((x for x in m.mentions if x != me), None)
        other = next((e for e in reversed(earlier) if e.author.user_id != me), None)
        if partner is None and other is not None and m.ts - other.ts <= GAP:
            partner = other.author.user_id
        if m.message_id in log.parents and partner is not None:
            paired += 1
            correct += partner in {authors.get(p) for p in log.parents[m.message_id]}
        earlier.append(m)
    return paired, correct


@pytest.mark.skipif(irc_dir() is None, reason="the IRC corpus is not beside this checkout")
def test_on_real_irc_the_tracker_beats_answering_the_previous_speaker() -> None:
    directory = irc_dir()
    assert directory is not None
    logs = load_chat_logs(Path(directory) / "dev.jsonl.gz")
    scores = link_scores(logs, GAP)
    baseline = [previous_speaker_links(log) for log in logs]
    paired, correct = sum(p for p, _ in baseline), sum(c for _, c in baseline)
    assert scores.precision is not None and scores.recall is not None
    assert scores.precision > correct / paired
    assert scores.recall > correct / scores.answering
