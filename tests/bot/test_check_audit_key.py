"""`check` says when the audit chain is not keyed (a PostgreSQL store without a
shared key), and stays quiet when it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands.check import Report, _check_store
from bot.store.auditkey import KEY_ENV
from bot.store.postgres import postgres_store
from tests import pg
from tests.conftest import make_settings


@pytest.mark.postgres
@pytest.mark.parametrize("key", [None, "k" * 64])
async def test_check_names_an_unkeyed_audit_chain(
    key: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if key is None:
        monkeypatch.delenv(KEY_ENV, raising=False)
    else:
        monkeypatch.setenv(KEY_ENV, key)
    async with pg.fresh_schema() as (url, schema):
        store = postgres_store(url, schema=schema)
        await store.open()
        try:
            await _check_store(store, Report(), make_settings(tmp_path))
        finally:
            await store.close()
    out = capsys.readouterr().out
    assert ("audit chain is not keyed" in out) is (key is None)
