"""Configuration changes reach the audit log, once per change, without secrets."""

from __future__ import annotations

from pathlib import Path

from bot.audit import audit_config, config_snapshot
from bot.store import SqlStore
from tests.conftest import make_settings


async def test_config_changes_are_audited_once(store: SqlStore, tmp_path: Path) -> None:
    first = make_settings(tmp_path)
    assert await audit_config(store, first)
    assert not await audit_config(store, first)  # a restart with the same file
    changed = make_settings(tmp_path, alerts={"flood_limit": 9}, detection={"min_messages": 4})
    assert await audit_config(store, changed)
    entries = await store.audit_entries("config_file")
    assert [e.detail["changed"] for e in entries] == [
        ["(first start)"],
        ["alerts.flood_limit", "detection.min_messages"],
    ]
    assert await store.verify_audit() == (True, None)


def test_the_snapshot_hides_secrets(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        discord={"token": "very-secret-token"},
        storage={"url": "postgresql://wk:hunter2@db.internal:5432/wk"},
    )
    text = str(config_snapshot(settings))
    assert "very-secret-token" not in text and "hunter2" not in text
    assert "db.internal:5432/wk" in text


def test_the_snapshot_hides_credentials_in_every_url(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        storage={"url": "postgresql://db.internal/wk?user=wk&password=hunter2"},
        http={
            "webhook_url": "https://ops:pa55word@hooks.example.com/in/Tk3x9QmZ0aLp77Wq?token=s3",
            "webhook_secret": "s",
        },
    )
    text = str(config_snapshot(settings))
    for secret in ("hunter2", "pa55word", "Tk3x9QmZ0aLp77Wq", "token=s3"):
        assert secret not in text, secret
    assert "db.internal/wk" in text and "hooks.example.com/in/" in text
