"""The terminal adapter's rendering: a case's card once, then one line per change."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from adapters.console import ConsoleSink
from bot.models import (
    Action,
    AgeBand,
    Case,
    CaseKind,
    CaseState,
    Decision,
    Level,
    Participant,
    Signal,
)

NOW = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


def a_case(**changes: object) -> Case:
    case = Case(
        id=7,
        number=3,
        platform="console",
        space_id="demo",
        kind=CaseKind.RISK,
        conversation="console:demo:pair:u1|u2",
        suspect_id="u1",
        level=Level.WATCH,
        score=0.61,
        state=CaseState.OPEN,
        created_at=NOW,
        updated_at=NOW,
        participants=[
            Participant("u1", "Sam", AgeBand.ADULT),
            Participant("u2", "", AgeBand.MINOR),
        ],
        signals=[Signal("age_probe", 1.0, "m2", "how old r u?", "u1")],
    )
    return replace(case, **changes)


async def test_the_card_once_then_one_line_per_update() -> None:
    out = io.StringIO()
    sink = ConsoleSink(out, colour=False)
    await sink.post(a_case(), "key-1")
    card = out.getvalue()
    assert card.startswith("== [WATCH] Case 3:") and len(card.splitlines()) > 4

    secrecy = Signal("secrecy", 1.0, "m5", "dont tell ur mom", "u1")
    upgraded = a_case(level=Level.HIGH, score=0.86, signals=[*a_case().signals, secrecy])
    await sink.update(upgraded, "console-7")
    acknowledged = replace(
        upgraded,
        state=CaseState.ACKNOWLEDGED,
        decisions=[Decision(7, Action.ACKNOWLEDGE, "mod1", "Alex", NOW)],
    )
    await sink.update(acknowledged, "console-7")
    await sink.update(acknowledged, "console-7")  # nothing new to show: nothing printed
    lines = out.getvalue().removeprefix(card).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("-- case 3: watch -> high; score 0.61 -> 0.86; new: ")
    assert "secre" in lines[0]
    assert lines[1] == "-- case 3: acknowledged (by Alex, 2025-03-01 18:00 UTC)"
    assert sink.cases_shown == 1


async def test_a_case_from_an_earlier_run_is_shown_whole_once() -> None:
    out = io.StringIO()
    sink = ConsoleSink(out, colour=False)
    await sink.update(a_case(), "console-7")
    await sink.update(a_case(score=0.7), "console-7")
    text = out.getvalue()
    assert text.count("== [WATCH] Case 3:") == 1
    assert text.splitlines()[-1] == "-- case 3: score 0.61 -> 0.70"
