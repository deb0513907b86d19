"""Three ``watchkeeper run`` processes share one PostgreSQL store behind a round-robin
"load balancer": every alert reaches the platform's webhook exactly once, and the
cases are the ones a single process opens from the same messages.

Each space's messages are spread over all the processes (the worst case for a load
balancer), and halfway through one process is stopped with SIGTERM, so its spaces
move to the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.http.payloads import MessageIn
from bot.clock import utcnow
from bot.engine import Engine
from bot.scoring import load_scorer
from bot.store import inbox
from bot.store.apikeys import create_key
from bot.store.postgres import postgres_store
from bot.store.sqlite import sqlite_store
from tests import pg
from tests.adapters.test_http_api import GROOMING, free_port
from tests.conftest import make_settings
from tests.e2e.fakes.webhook import FakeWebhook

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECRET = "multi-process-secret"
READY_SECONDS = 120
"""How long a process may take to answer /readyz (imports, scorer, store) on a busy machine."""
SPACES = [f"world-{n}" for n in range(6)]
BENIGN = [
    ({"id": "u3", "name": "Sam", "age_band": "minor"}, "anyone up for the build contest"),
    ({"id": "u4", "name": "Dana", "age_band": "minor"}, "yes whats the theme"),
    ({"id": "u3", "name": "Sam", "age_band": "minor"}, "castles, teams of 3"),
    ({"id": "u4", "name": "Dana", "age_band": "minor"}, "nice, count me in"),
]


def conversation(space: str) -> list[dict[str, Any]]:
    """A grooming approach in a DM and an ordinary chat in a channel, interleaved."""
    out = []
    for i, (author, text) in enumerate(GROOMING):
        out.append(
            {
                "space": space,
                "channel": "dm-1",
                "id": f"g{i}",
                "author": author,
                "text": text,
                "ts": 1_740_000_000 + i * 60,
                "dm": True,
            }
        )
        author, text = BENIGN[i % len(BENIGN)]
        out.append(
            {
                "space": space,
                "channel": "general",
                "id": f"b{i}",
                "author": author,
                "text": text,
                "ts": 1_740_000_000 + i * 60 + 30,
            }
        )
    return out


def write_config(path: Path, url: str, port: int, webhook: str) -> Path:
    path.mkdir(parents=True)
    config = path / "config.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{path / "data"}"\nurl = "{url}"\n\n'
        f'[http]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\n'
        f'webhook_url = "{webhook}"\nwebhook_secret = "{SECRET}"\n\n'
        '[logging]\nlevel = "INFO"\n',
        encoding="utf-8",
    )
    return config


async def single_process_cases(tmp_path: Path) -> set[tuple[str, str, str | None, int]]:
    """What one process opens from the same messages, in the same order per space."""
    settings = make_settings(tmp_path / "single")
    store = sqlite_store(tmp_path / "single.db")
    await store.open()
    engine = Engine(settings, store, load_scorer(settings))
    for space in SPACES:
        for item in conversation(space):
            await engine.ingest(MessageIn.model_validate(item).to_message(utcnow()))
    await engine.flush()
    cases = await store.list_cases()
    await store.close()
    return {(c.space_id, c.conversation, c.suspect_id, c.number) for c in cases}


async def wait_ready(session: aiohttp.ClientSession, base: str, process: Any) -> None:
    # A deadline, not a count of tries: on a loaded machine a try itself takes long.
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"{base} exited with {process.returncode}")
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(base + "/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{base} never became ready")


async def test_three_processes_deliver_every_alert_once(tmp_path: Path) -> None:
    expected = await single_process_cases(tmp_path)
    assert len(expected) == len(SPACES)  # one case per grooming DM, none for the chat

    async with pg.fresh_schema() as (url, schema):
        store = postgres_store(url, schema=schema)
        await store.open()
        _, key = await create_key(store, SPACES)
        webhook = await FakeWebhook(SECRET).start()
        ports = [free_port() for _ in range(3)]
        processes = []
        for n, port in enumerate(ports):
            config = write_config(tmp_path / f"p{n}", pg.schema_url(url, schema), port, webhook.url)
            log = (tmp_path / f"p{n}.log").open("w")
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "--config",
                    str(config),
                    "run",
                    stdout=log,
                    stderr=log,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            )
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        headers = {"Authorization": f"Bearer {key}"}
        try:
            async with aiohttp.ClientSession(headers=headers) as session:
                await asyncio.gather(
                    *(wait_ready(session, b, p) for b, p in zip(bases, processes, strict=True))
                )

                async def send(space: str, items: list[dict[str, Any]], live: list[str]) -> None:
                    for i, item in enumerate(items):
                        base = live[(i + SPACES.index(space)) % len(live)]
                        async with session.post(base + "/v1/messages", json=item) as response:
                            assert response.status == 202, await response.text()

                half = len(conversation(SPACES[0])) // 2
                await asyncio.gather(*(send(s, conversation(s)[:half], bases) for s in SPACES))
                processes[2].send_signal(signal.SIGTERM)  # graceful: its spaces move on
                assert await asyncio.wait_for(processes[2].wait(), 30) == 0
                await asyncio.gather(*(send(s, conversation(s)[half:], bases[:2]) for s in SPACES))

                opened = await webhook.wait_for("case.opened", len(SPACES), within=60)
                for _ in range(100):  # let any straggler (a duplicate) arrive
                    if await inbox.depth(store) == 0 and (await store.outbox_backlog())[0] == 0:
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 30)
            await webhook.stop()

        cases = await store.list_cases()
        backlog, _ = await store.outbox_backlog()
        audit_intact = await store.verify_audit()
        await store.close()

    assert all(r.signed for r in webhook.received)
    deliveries = [r.delivery for r in webhook.received]
    assert len(deliveries) == len(set(deliveries)), "a delivery arrived twice"
    posted = [r.event["case"]["id"] for r in webhook.events("case.opened")]
    assert sorted(posted) == sorted(c.id for c in cases) and len(opened) == len(SPACES)
    assert {(c.space_id, c.conversation, c.suspect_id, c.number) for c in cases} == expected
    assert backlog == 0, "an alert was left undelivered (or held by a cut-off send)"
    assert audit_intact == (True, None)
