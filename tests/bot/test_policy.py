"""What is watched, and when a risk becomes an alert (``bot/policy.py``)."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.models import Case, CaseKind, CaseState, Level, Score, Signal
from bot.policy import Policy, Verdict
from bot.spaces import SpaceSettings
from tests.conftest import T0, make_settings, message, person

ADULT = person("u1", "adult")
BOT = replace(person("b1"), is_bot=True)
SPACE = ("console", "s1")


def score(level: Level, messages: int = 5, signals: tuple[str, ...] = ("secrecy",)) -> Score:
    probability = {Level.NONE: 0.1, Level.WATCH: 0.6, Level.HIGH: 0.85, Level.CRITICAL: 0.95}
    return Score(
        probability=probability[level],
        level=level,
        suspect="u1",
        signals=tuple(Signal(name, 1.0, "m1", "...") for name in signals),
        message_count=messages,
    )


def case(level: Level, state: CaseState, updated_minutes_ago: float = 0) -> Case:
    at = T0 - timedelta(minutes=updated_minutes_ago)
    return Case(
        id=1, number=1, platform="console", space_id="s1", kind=CaseKind.RISK,
        conversation="console:s1:dm:d1", suspect_id="u1", level=level, score=0.9, state=state,
        created_at=at, updated_at=at, signals=list(score(level).signals),
    )  # fmt: skip


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return Policy(make_settings(tmp_path, alerts={"flood_limit": 2, "cooldown_minutes": 60}))


def test_bots_disabled_spaces_and_excluded_channels_are_not_watched(tmp_path: Path) -> None:
    policy = Policy(
        make_settings(tmp_path, watch={"disabled_spaces": ["s9"], "excluded_channels": ["c9"]})
    )
    assert policy.watching(message(ADULT, "hi"))
    assert not policy.watching(message(BOT, "hi"))
    assert not policy.watching(message(ADULT, "hi", space="s9"))
    assert not policy.watching(message(ADULT, "hi", channel="c9"))


def test_a_space_excludes_its_own_channels_and_threads() -> None:
    policy = Policy(make_settings(Path("unused")))
    policy.set_space("console", "s1", SpaceSettings(excluded_channels=frozenset({"c2"})))
    assert not policy.watching(message(ADULT, "hi", channel="c2"))
    in_thread = replace(message(ADULT, "hi", channel="c3"), thread_id="c2")
    assert not policy.watching(in_thread)
    assert policy.watching(message(ADULT, "hi", channel="c3"))
    assert policy.watching(message(ADULT, "hi", channel="c2", space="s2"))
    assert policy.excluded_channels("console", "s1") == {"c2"}
    assert policy.excluded_channels("console", "s2") == set()


def test_dms_follow_watch_dms(tmp_path: Path) -> None:
    assert Policy(make_settings(tmp_path)).watching(message(ADULT, "hi", dm=True))
    quiet = Policy(make_settings(tmp_path, watch={"watch_dms": False}))
    assert not quiet.watching(message(ADULT, "hi", dm=True))


def test_alerts_need_the_space_level_and_enough_messages(policy: Policy) -> None:
    assert policy.alerts_at(score(Level.WATCH), SPACE)
    assert not policy.alerts_at(score(Level.NONE), SPACE)
    assert not policy.alerts_at(score(Level.CRITICAL, messages=2), SPACE)
    policy.set_space("console", "s1", SpaceSettings(alert_level=Level.HIGH))
    assert policy.alert_level_for(*SPACE) is Level.HIGH
    assert not policy.alerts_at(score(Level.WATCH), SPACE)
    assert policy.alerts_at(score(Level.HIGH), SPACE)
    assert policy.alerts_at(score(Level.WATCH), ("console", "s2"))


def test_one_open_case_per_conversation_upgraded_or_refreshed(policy: Policy) -> None:
    open_case = case(Level.WATCH, CaseState.OPEN)
    assert policy.decide(score(Level.HIGH), open_case, SPACE, T0) is Verdict.UPGRADE
    assert policy.decide(score(Level.WATCH), open_case, SPACE, T0) is Verdict.NOTHING
    new_sign = score(Level.WATCH, signals=("secrecy", "platform_move"))
    assert policy.decide(new_sign, open_case, SPACE, T0) is Verdict.REFRESH


def test_a_closed_case_waits_out_its_cooldown(policy: Policy) -> None:
    recent = case(Level.WATCH, CaseState.CLOSED, updated_minutes_ago=30)
    assert policy.decide(score(Level.WATCH), recent, SPACE, T0) is Verdict.NOTHING
    old = case(Level.WATCH, CaseState.CLOSED, updated_minutes_ago=90)
    assert policy.decide(score(Level.WATCH), old, SPACE, T0) is Verdict.NEW


def test_a_dismissed_case_reopens_only_at_a_higher_level(policy: Policy) -> None:
    dismissed = case(Level.HIGH, CaseState.DISMISSED, updated_minutes_ago=90)
    assert policy.decide(score(Level.HIGH), dismissed, SPACE, T0) is Verdict.NOTHING
    assert policy.decide(score(Level.CRITICAL), dismissed, SPACE, T0) is Verdict.NEW


def test_past_the_flood_limit_new_cases_go_in_a_digest(policy: Policy) -> None:
    verdicts = [policy.decide(score(Level.HIGH), None, SPACE, T0) for _ in range(3)]
    assert verdicts == [Verdict.NEW, Verdict.NEW, Verdict.NEW_IN_DIGEST]
    assert policy.decide(score(Level.HIGH), None, ("console", "s2"), T0) is Verdict.NEW
    later = T0 + timedelta(minutes=11)
    assert policy.decide(score(Level.HIGH), None, SPACE, later) is Verdict.NEW


def test_forgetting_a_space_restarts_its_flood_count(policy: Policy) -> None:
    for _ in range(2):
        policy.decide(score(Level.HIGH), None, SPACE, T0)
    policy.forget_space(*SPACE)
    assert policy.decide(score(Level.HIGH), None, SPACE, T0) is Verdict.NEW
