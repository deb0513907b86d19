"""The hotline report: filled from the case, its messages and its evidence package."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot import hotline
from bot.alerts import escalation_for
from bot.clock import isoformat
from bot.decisions import Actor, decide
from bot.engine import Engine
from bot.models import Action
from bot.scoring.rules import RuleScorer
from bot.store.base import StoredMessage
from bot.store.sqlite import sqlite_store
from tests.conftest import make_settings, message, person

ADULT = person("u1", "adult", "Robin")
CHILD = person("u2", "minor", "Kit")
LINES = [
    (ADULT, "hey, you're really good at this game for your age. how old r u?"),
    (CHILD, "im 13, turning 14 in may"),
    (ADULT, "cool im 25. just dont tell anyone ok, this is just between us"),
    (ADULT, "add me on snap instead, its more private there"),
    (CHILD, "ok brb in 5 min, im 2 levels from the boss"),
]


def test_stated_ages_are_what_a_person_says_of_themselves() -> None:
    said = [StoredMessage("c", message(who, text)) for who, text in LINES]
    assert hotline.stated_ages(said, "u2") == (13,)  # not "5 min", not "2 levels"
    assert hotline.stated_ages(said, "u1") == (25,)


async def test_report_after_escalation_names_people_links_quotes_and_package(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for i, (who, text) in enumerate(LINES):
        m = message(who, text, at=i * 60, dm=True, channel="d1")
        await engine.ingest(replace(m, link=f"https://chat.test/m{i}"))
    await engine.flush()
    (case,) = await store.list_cases()
    outcome = await decide(engine, case.platform, case.space_id, case.id, Action.ESCALATE,
                           Actor("mod1", "Mo"))  # fmt: skip
    fields = await hotline.for_case(store, outcome.case, escalation_for(outcome.case, settings))
    await store.close()

    assert outcome.package is not None
    assert fields["evidence_package"] == {
        "path": str(outcome.package.path),
        "manifest_sha256": outcome.package.manifest_sha256,
    }  # fmt: skip  (found through the audit log's export entry)
    assert fields["suspect"] == {
        "account_id": "u1", "name": "Robin", "age_band": "adult", "stated_ages": [25]
    }  # fmt: skip
    assert fields["children"] == [
        {"account_id": "u2", "name": "Kit", "age_band": "minor", "stated_ages": [13]}
    ]
    times = [message(who, text, at=i * 60).ts for i, (who, text) in enumerate(LINES)]
    assert fields["incident"] == {"first": isoformat(times[0]), "last": isoformat(times[-1])}
    assert set(fields["message_urls"]) == {f"https://chat.test/m{i}" for i in range(5)}
    secrecy = [line for line in fields["summary"] if "just dont tell anyone ok" in line]
    assert secrecy and secrecy[0].endswith("(account u1 at 2025-03-01T18:02:00Z)")
    assert fields["summary"][0].endswith("at 2025-03-01T18:00:00Z)")  # in the order it happened
    text = hotline.as_text(fields)
    assert "watchkeeper has NOT sent it to anyone" in text
    assert f"Evidence manifest SHA-256: {outcome.package.manifest_sha256}" in text
    assert "Suspect: account id u1, name Robin, age band adult, stated age(s): 25" in text
