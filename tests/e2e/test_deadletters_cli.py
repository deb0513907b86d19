"""``watchkeeper deadletters`` and ``check`` show what the inbox set aside."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.engine import Engine
from bot.inbox import InboxConsumer
from bot.scoring.rules import RuleScorer
from bot.store.sqlite import sqlite_store
from tests.bot.store.test_deadletters import poison_bodies, put_raw
from tests.conftest import make_settings
from tests.e2e.test_cli import wk


async def leave_poison(tmp_path: Path) -> int:
    settings = make_settings(tmp_path)
    async with sqlite_store(settings.storage.sqlite_path) as store:
        for body in poison_bodies().values():
            await put_raw(store, body)
        await InboxConsumer(store, Engine(settings, store, RuleScorer()), orphan_after=0).step()
    return len(poison_bodies())


def test_deadletters_lists_them_and_check_fails(tmp_path: Path) -> None:
    count = asyncio.run(leave_poison(tmp_path))
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n')

    listed = wk("--config", str(config), "deadletters", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == count and all(r["reason"].startswith("unreadable") for r in rows)
    assert all("body" not in r for r in rows)  # a member's message only when asked
    with_body = wk("--config", str(config), "deadletters", "--body", "--limit", "2", cwd=tmp_path)
    assert with_body.returncode == 0 and f"{count} message(s) set aside" in with_body.stdout

    check = wk("--config", str(config), "check", "--offline", cwd=tmp_path)
    assert check.returncode == 1
    assert f"problem: {count} message(s) could not be scored" in check.stdout
