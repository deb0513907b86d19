"""The keyed audit chain catches what someone with write access to the database does
without the key: an edited case, a deleted decision, a rewritten entry, a cut tail."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.models import Action
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore
from bot.store.audit import audit_hash
from bot.store.auditkey import KEY_FILE, AuditKeyError
from bot.store.sql import SqlStore as Store
from bot.store.sqlite import SqliteDriver, sqlite_store
from tests.bot.test_evidence import LINES
from tests.conftest import make_settings, message


async def decided_case(tmp_path: Path) -> tuple[SqlStore, int]:
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(make_settings(tmp_path, detection={"scorer": "rules"}), store, RuleScorer())
    for i, (who, text) in enumerate(LINES):
        await engine.ingest(replace(message(who, text, at=i * 30, dm=True, channel="d1")))
    await engine.flush()
    (case,) = await store.list_cases()
    await engine.decide(case.id, Action.ACKNOWLEDGE, "mod1", "Mo", "")
    await engine.decide(case.id, Action.ESCALATE, "mod1", "Mo", "reported")
    return store, case.id


async def test_the_key_file_is_made_once_with_0600(tmp_path: Path) -> None:
    store, _ = await decided_case(tmp_path)
    await store.close()
    key_file = tmp_path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert json.loads(key_file.read_text())["since"] == 1
    async with sqlite_store(tmp_path / "wk.db") as again:
        assert (await again.verify_all()).problems == []
    assert json.loads(key_file.read_text())["since"] == 1


async def test_an_intact_store_verifies(tmp_path: Path) -> None:
    store, _ = await decided_case(tmp_path)
    report = await store.verify_all(expect=await store.audit_head())
    await store.close()
    assert report.problems == [] and report.entries >= 4


async def test_an_edited_case_row_is_detected(tmp_path: Path) -> None:
    store, case_id = await decided_case(tmp_path)
    await store.driver.execute("UPDATE cases SET suspect_id = 'u2' WHERE id = ?", (case_id,))
    report = await store.verify_all()
    await store.close()
    assert [p for p in report.problems if f"case id {case_id} differs" in p]


async def test_a_deleted_decision_is_detected(tmp_path: Path) -> None:
    store, case_id = await decided_case(tmp_path)
    await store.driver.execute(
        "DELETE FROM decisions WHERE id = (SELECT MAX(id) FROM decisions WHERE case_id = ?)",
        (case_id,),
    )
    report = await store.verify_all()
    await store.close()
    assert [p for p in report.problems if f"case id {case_id} differs" in p]


async def test_a_cut_tail_fails_the_expected_head(tmp_path: Path) -> None:
    store, _ = await decided_case(tmp_path)
    head = await store.audit_head()
    await store.driver.execute("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)")
    report = await store.verify_all(expect=head)
    await store.close()
    assert any("no longer in the chain" in p for p in report.problems), report.problems
    # (the case's last decision lost its entry too: the case no longer matches either)


async def test_a_chain_recomputed_without_the_key_is_detected(tmp_path: Path) -> None:
    """Edit an entry and recompute every later hash, as one would without the key."""
    store, _ = await decided_case(tmp_path)
    rows = await store.driver.fetch("SELECT id, at, kind, actor, detail FROM audit ORDER BY id")
    prev = "0" * 64
    for id_, at, kind, actor, detail in rows:
        if kind == "decision":
            detail = detail.replace('"reported"', '"nothing to see"')
        digest = audit_hash(prev, at, kind, actor, detail)
        await store.driver.execute(
            "UPDATE audit SET detail = ?, prev_hash = ?, hash = ?, keyed = 0 WHERE id = ?",
            (detail, prev, digest, id_),
        )
        prev = digest
    intact, broken = await store.verify_audit()
    await store.close()
    assert not intact and broken == rows[0][0]


async def test_an_unkeyed_store_migrates_and_is_keyed_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "wk.db"
    async with Store(SqliteDriver(path)) as legacy:  # as an older version wrote it
        await legacy.audit("purge", "watchkeeper", {"messages": 0})
        await legacy.audit("purge", "watchkeeper", {"messages": 1})
    assert not (tmp_path / KEY_FILE).exists()
    async with sqlite_store(path) as store:
        await store.audit("purge", "watchkeeper", {"messages": 2})
        keyed = await store.driver.fetch("SELECT id, keyed FROM audit ORDER BY id")
        report = await store.verify_all()
    assert [k for _, k in keyed] == [0, 0, 1] and report.problems == []
    assert json.loads((tmp_path / KEY_FILE).read_text())["since"] == 3
    (tmp_path / KEY_FILE).unlink()
    with pytest.raises(AuditKeyError, match="audit key is missing"):
        await sqlite_store(path).open()
