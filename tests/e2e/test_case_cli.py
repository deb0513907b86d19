"""The case, evidence, retention and audit commands as an admin runs them: real processes,
a real SQLite file; exit 0 when all is well, 1 when something is wrong at run time
(a tampered package or audit log), 2 for a usage or input mistake, one line each."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.models import Action, Decision
from bot.store.sqlite import sqlite_store

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "data" / "sample.jsonl"


def wk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(ROOT), "WATCHKEEPER_DETECTION__SCORER": "rules"},
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two replays (prefixes a and b), each conversation in a space of its own
    (``a/g1``...): the same case numbers in every space; case 1 of ``a/g1`` escalated."""
    cwd = tmp_path_factory.mktemp("wk")
    for space in ("a", "b"):
        result = wk("replay", str(SAMPLE), "--space", space, cwd=cwd)
        assert result.returncode == 0, result.stderr

    async def escalate() -> None:
        async with sqlite_store(cwd / "data" / "watchkeeper.db") as store:
            case = await store.case_by_number("console", "a/g1", 1)
            assert case is not None
            decision = Decision(case.id, Action.ESCALATE, "mod1", "Mo", utcnow(), "to NCMEC")
            await store.record_decision(decision, hold_days=365)

    asyncio.run(escalate())
    return cwd


def test_cases_table_and_json(home: Path) -> None:
    table = wk("cases", cwd=home)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["CASE", "PLATFORM", "SPACE", "STATE"] and len(lines) == 5
    assert "escalate by Mo" in table.stdout
    rows = json.loads(wk("cases", "--json", "--space", "a/g1", cwd=home).stdout)
    assert [(r["number"], r["space_id"]) for r in rows] == [(1, "a/g1")]
    assert rows[0]["decisions"][0]["action"] == "escalate"
    still_open = json.loads(wk("cases", "--open", "--json", cwd=home).stdout)
    assert len(still_open) == 4
    (newest,) = json.loads(wk("cases", "--limit", "1", "--json", cwd=home).stdout)
    assert (newest["space_id"], newest["number"]) == ("b/g2", 1)


def test_case_details_and_ambiguity(home: Path) -> None:
    one_line_error(wk("case", "1", cwd=home), 2, "case 1 exists in 4 spaces")
    one_line_error(wk("case", "9", "--space", "a/g1", cwd=home), 2, "no case 9 in a/g1")
    shown = wk("case", "1", "--space", "a/g1", cwd=home)
    assert shown.returncode == 0, shown.stderr
    assert "State: escalated, on hold until" in shown.stdout
    assert "escalate by Mo (mod1): to NCMEC" in shown.stdout
    assert "post: sent" in shown.stdout and "Where to report:" in shown.stdout
    record = json.loads(
        wk("case", "1", "--space", "a/g1", "--platform", "console", "--json", cwd=home).stdout
    )
    assert record["state"] == "escalated" and record["deliveries"][0]["state"] == "sent"


def test_one_persons_cases(home: Path) -> None:
    rows = json.loads(wk("cases", "--user", "u11", "--json", cwd=home).stdout)
    assert sorted((r["space_id"], r["suspect_id"]) for r in rows) == [
        ("a/g1", "u11"), ("b/g1", "u11")
    ]  # fmt: skip
    child = json.loads(wk("cases", "--user", "u12", "--space", "b/g1", "--json", cwd=home).stdout)
    assert [r["space_id"] for r in child] == ["b/g1"]  # a party, not the suspect
    assert wk("cases", "--user", "nobody", cwd=home).stdout.strip() == "no cases"


def test_hotline_report_text_and_json(home: Path) -> None:
    one_line_error(wk("hotline", "1", cwd=home), 2, "case 1 exists in 4 spaces")
    text = wk("hotline", "1", "--space", "a/g1", cwd=home)
    assert text.returncode == 0, text.stderr
    assert "watchkeeper has NOT sent it to anyone: you file it" in text.stdout
    assert "Incident date/time (UTC): 2025-03-01T17:00:40" in text.stdout
    assert "Platform: console" in text.stdout and "Community / space id: a/g1" in text.stdout
    fields = json.loads(wk("hotline", "1", "--space", "a/g1", "--json", cwd=home).stdout)
    assert fields["suspect"]["account_id"] == "u11"
    assert [c["account_id"] for c in fields["children"]] == ["u12"]
    assert fields["children"][0]["age_band"] == "minor"
    assert fields["summary"] and all("“" in line for line in fields["summary"])
    assert any("cybertip" in link["url"] for link in fields["where_to_file"])
    assert fields["hold_until"] is not None  # escalated: on hold


def test_export_and_verify(home: Path) -> None:
    out = home / "pkg"
    exported = wk("export", "1", "--space", "a/g1", "--out", str(out), cwd=home)
    assert exported.returncode == 0, exported.stderr
    good = wk("verify", str(out), cwd=home)
    assert good.returncode == 0 and "ok: 3 file(s)" in good.stdout
    assert "recorded at export in audit entry" in good.stdout
    one_line_error(
        wk("export", "1", "--space", "a/g1", "--out", str(out), cwd=home), 2, "not an empty"
    )
    transcript = out / "transcript.json"
    record = json.loads(transcript.read_text())
    record["messages"][0]["text"] = "something else"
    transcript.write_text(json.dumps(record, indent=2) + "\n")
    bad = wk("verify", str(out), cwd=home)
    assert bad.returncode == 1 and "transcript.json: modified" in bad.stdout
    one_line_error(wk("verify", str(home / "nope"), cwd=home), 2, "not a directory")


def test_purge_forget_and_the_audit_log(home: Path) -> None:
    purged = wk("purge", cwd=home)
    assert purged.returncode == 0 and purged.stdout.startswith("deleted ")
    # u11 is the suspect of open and escalated cases: refused, naming them, unless forced.
    refused = wk("forget", "--platform", "console", "--user", "u11", cwd=home)
    one_line_error(refused, 2, "not forgetting console user u11: they are party to open or held")
    assert "case 1 (console a/g1, escalated)" in refused.stderr and "--force" in refused.stderr
    one_line_error(
        wk("forget", "--platform", "discrod", "--user", "u11", cwd=home), 2,
        "unknown platform 'discrod': use one of console, discord, slack",
    )  # fmt: skip

    def kept() -> tuple[int, int]:
        with sqlite3.connect(home / "data" / "watchkeeper.db") as db:
            (messages,) = db.execute("SELECT COUNT(*) FROM messages WHERE author_id = 'u11'")
            (forgets,) = db.execute("SELECT COUNT(*) FROM audit WHERE kind = 'forget'")
        return messages[0], forgets[0]

    before = kept()
    assert before[0] > 0
    dry = wk("forget", "--platform", "console", "--user", "u11", "--force", "--dry-run", cwd=home)
    assert dry.returncode == 0, dry.stderr
    assert "(dry run: nothing was changed)" in dry.stdout and "would delete" in dry.stdout
    assert kept() == before
    forgot = wk("forget", "--platform", "console", "--user", "u11", "--force", cwd=home)
    assert forgot.returncode == 0, forgot.stderr
    assert "on hold until" in forgot.stdout and "case 1 (console a/g1, escalated)" in forgot.stdout
    one_line_error(wk("forget", "--platform", "console", "--user", " ", cwd=home), 2, "empty")

    listed = wk("audit", "list", cwd=home)
    assert listed.returncode == 0
    entries = json.loads(wk("audit", "list", "--json", cwd=home).stdout)
    kinds = {e["kind"] for e in entries}
    assert {
        "config_file",
        "case_opened",
        "decision",
        "evidence_exported",
        "purge",
        "forget",
    } <= kinds
    verified = wk("audit", "verify", cwd=home)
    assert verified.returncode == 0
    assert verified.stdout.strip().endswith(f"hash chain intact; head {entries[-1]['hash']}")

    victim = entries[2]["id"]
    with sqlite3.connect(home / "data" / "watchkeeper.db") as db:
        db.execute("UPDATE audit SET detail = ? WHERE id = ?", ('{"edited":true}', victim))
    broken = wk("audit", "verify", cwd=home)
    assert broken.returncode == 1
    assert broken.stdout.splitlines()[0] == (
        f"problem: audit chain broken at entry {victim}: it or an entry before it was "
        "altered, or written without the key"
    )


def test_commands_without_a_store_are_usage_errors(tmp_path: Path) -> None:
    for args in (("cases",), ("case", "1"), ("audit", "verify"), ("purge",)):
        one_line_error(wk(*args, cwd=tmp_path), 2, "no watchkeeper store at")
    assert not (tmp_path / "data").exists()  # looking does not create a store
    assert wk("forget", "--platform", "console", cwd=tmp_path).returncode == 2


def test_check_reports_an_alert_stuck_in_the_outbox(tmp_path: Path) -> None:
    assert wk("replay", str(SAMPLE), cwd=tmp_path).returncode == 0
    an_hour_ago = utcnow().timestamp() - 3600
    with sqlite3.connect(tmp_path / "data" / "watchkeeper.db") as db:
        db.execute(
            "INSERT INTO outbox (case_id, platform, space_id, kind, next_attempt_at, created_at) "
            "SELECT id, 'discord', space_id, 'post', ?, ? FROM cases LIMIT 1",
            (an_hour_ago, an_hour_ago),
        )
    result = wk("check", "--offline", cwd=tmp_path)
    assert result.returncode == 1
    assert "1 alert(s) waiting for delivery, oldest for 60 minutes" in result.stdout
