"""The one decision path: space check, state machine, records, evidence on escalation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.decisions import Actor, CaseNotHere, decide
from bot.engine import Engine
from bot.lifecycle import TransitionRefused
from bot.models import Action, Case, CaseState
from bot.scoring.rules import RuleScorer
from bot.store.sqlite import sqlite_store
from tests.conftest import make_settings, message, person

ADULT = person("u1", "adult", "Robin")
CHILD = person("u2", "minor", "Kit")
LINES = [
    (ADULT, "hey, you're really good at this game for your age. how old r u?"),
    (CHILD, "im 13"),
    (ADULT, "just dont tell anyone ok, this is just between us"),
    (ADULT, "add me on snap instead, its more private there"),
]
MOD = Actor("mod1", "Mo")


async def opened(tmp_path: Path) -> tuple[Engine, Case]:
    # The configuration names the shipped model; the running engine uses the rules.
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for i, (who, text) in enumerate(LINES):
        await engine.ingest(message(who, text, at=i * 30, dm=True, channel="d1"))
    await engine.flush()
    (case,) = await store.list_cases()
    return engine, case


async def test_a_case_of_another_space_is_not_found_and_nothing_changes(tmp_path: Path) -> None:
    engine, case = await opened(tmp_path)
    for platform, space in (("test", "elsewhere"), ("slack", case.space_id)):
        with pytest.raises(CaseNotHere):
            await decide(engine, platform, space, case.id, Action.DISMISS, MOD)
    with pytest.raises(CaseNotHere):
        await decide(engine, case.platform, case.space_id, 999, Action.DISMISS, MOD)
    after = await engine.store.get_case(case.id)
    await engine.store.close()
    assert after is not None and after.state is CaseState.OPEN and after.decisions == []


async def test_stale_actions_are_refused_with_one_line(tmp_path: Path) -> None:
    engine, case = await opened(tmp_path)
    where = (engine, case.platform, case.space_id, case.id)
    await decide(*where, Action.DISMISS, MOD)
    with pytest.raises(TransitionRefused, match=r"Case \d+ is dismissed: .*reopen it first"):
        await decide(*where, Action.ACKNOWLEDGE, Actor("mod2"))
    await decide(*where, Action.REOPEN, MOD, "looked again")
    outcome = await decide(*where, Action.ACKNOWLEDGE, Actor("mod2", "Sam"))
    with pytest.raises(TransitionRefused, match="already acknowledged"):
        await decide(*where, Action.ACKNOWLEDGE, MOD)
    entries = await engine.store.audit_entries("decision")
    await engine.store.close()
    assert outcome.case.state is CaseState.ACKNOWLEDGED
    assert [d.action for d in outcome.case.decisions] == [
        Action.DISMISS, Action.REOPEN, Action.ACKNOWLEDGE
    ]  # fmt: skip
    assert [e.detail["state"] for e in entries] == ["dismissed", "open", "acknowledged"]
    assert entries[1].detail["reason"] == "looked again"


async def test_notes_and_claims_record_who_without_moving_the_case_on(tmp_path: Path) -> None:
    engine, case = await opened(tmp_path)
    where = (engine, case.platform, case.space_id, case.id)
    claimed = await decide(*where, Action.CLAIM, MOD)
    noted = await decide(*where, Action.NOTE, Actor("mod2", "Sam"), "  asked Kit's parent  ")
    await engine.store.close()
    assert claimed.case.state is CaseState.ACKNOWLEDGED  # "I'm on it" acknowledges
    assert noted.case.state is CaseState.ACKNOWLEDGED
    assert noted.case.decisions[-1].reason == "asked Kit's parent"


async def test_escalation_writes_the_package_with_the_running_scorer(tmp_path: Path) -> None:
    engine, case = await opened(tmp_path)
    outcome = await decide(
        engine, case.platform, case.space_id, case.id, Action.ESCALATE, MOD, "to NCMEC"
    )
    await engine.store.close()
    assert outcome.case.state is CaseState.ESCALATED and outcome.case.hold_until is not None
    assert outcome.package is not None
    transcript = json.loads((outcome.package.path / "transcript.json").read_text())
    assert transcript["scorer"] == RuleScorer().name
    decisions = json.loads((outcome.package.path / "decisions.json").read_text())
    assert [(d["action"], d["state_after"]) for d in decisions] == [("escalate", "escalated")]
