"""Moderator decisions become training labels only when the admin opted in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.learning.feedback import LearningDisabled, labelled_from_store
from bot.models import Action, CaseKind, ConversationKey, Decision, Level, Participant
from bot.store import NewCase, SqlStore
from bot.store.base import StoredMessage
from tests.conftest import make_settings, message, person

ADULT, CHILD = person("u1", "adult"), person("u2", "minor")


async def decided_case(store: SqlStore, ref: str, actions: list[Action]) -> None:
    conversation = f"console:s1:dm:{ref}"
    await store.append_messages(
        [
            StoredMessage(conversation, message(ADULT, f"{ref} hi", at=0, dm=True)),
            StoredMessage(conversation, message(CHILD, f"{ref} hello", at=5, dm=True)),
        ]
    )
    case = await store.create_case(
        NewCase(
            "console",
            "s1",
            CaseKind.RISK,
            conversation,
            "u1",
            Level.HIGH,
            0.9,
            [ADULT, Participant("u2")],
            [],
            [],
        )
    )
    for i, action in enumerate(actions):
        at = utcnow() + timedelta(seconds=i)
        await store.record_decision(Decision(case.id, action, "mod", "Mod", at), 365)


async def test_off_by_default(store: SqlStore, tmp_path: Path) -> None:
    with pytest.raises(LearningDisabled, match="use_moderator_decisions = true"):
        await labelled_from_store(store, make_settings(tmp_path))


async def test_decisions_become_labels(store: SqlStore, tmp_path: Path) -> None:
    await decided_case(store, "d1", [Action.DISMISS])
    await decided_case(store, "d2", [Action.ACKNOWLEDGE, Action.CONFIRM])
    await decided_case(store, "d3", [Action.ESCALATE, Action.CLOSE])
    await decided_case(store, "d4", [Action.ESCALATE, Action.DISMISS])  # changed their mind
    await decided_case(store, "d5", [Action.ACKNOWLEDGE])  # no label yet
    settings = make_settings(tmp_path, learning={"use_moderator_decisions": True})
    examples = await labelled_from_store(store, settings)
    assert [(c.id, c.label) for c in examples] == [
        ("console:s1:case-1", "benign"),
        ("console:s1:case-2", "grooming"),
        ("console:s1:case-3", "grooming"),
        ("console:s1:case-4", "benign"),
    ]
    first = examples[0]
    assert first.context == "dm" and first.suspect == "u1"
    assert [(line.author, line.text) for line in first.messages] == [
        ("u1", "d1 hi"),
        ("u2", "d1 hello"),
    ]
    assert first.participants["u2"].value == "minor"


@pytest.mark.parametrize("space", ["s1", "team:1"])  # a space id may hold a ":"
async def test_a_pair_window_is_grouped_again_as_the_bot_grouped_it(
    store: SqlStore, tmp_path: Path, space: str
) -> None:
    from bot.learning.offline import LiveGrouping, track_pairs
    from bot.scoring import load_scorer

    conversation = str(ConversationKey.pair("console", space, "u1", "u2"))
    talk = [(ADULT, "hi", 0), (CHILD, "hey", 5), (ADULT, "still there?", 7200), (CHILD, "ya", 9000)]
    await store.append_messages(
        [
            StoredMessage(conversation, message(who, text, at=at, space=space))
            for who, text, at in talk
        ]
    )
    case = await store.create_case(
        NewCase("console", space, CaseKind.RISK, conversation, "u1", Level.HIGH, 0.9,
                [ADULT, CHILD], [], [])
    )  # fmt: skip
    await store.record_decision(Decision(case.id, Action.DISMISS, "mod", "Mod", utcnow()), 365)
    settings = make_settings(tmp_path, learning={"use_moderator_decisions": True})
    (example,) = await labelled_from_store(store, settings)
    assert example.context == "channel"
    tracks = track_pairs(LiveGrouping(load_scorer(settings), settings), example.to_messages())
    assert [len(t.scores) for t in tracks.values()] == [len(talk)]  # hours apart, still one
