"""The runtime's supervision: a background task that fails is reported down (in the
heartbeat that ``watchkeeper health`` reads, and on ``/readyz``) and restarted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bot.cli import main
from bot.runtime import Runtime
from tests.adapters.test_http_api import free_port
from tests.conftest import make_settings


async def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


async def test_a_failing_task_is_reported_down_and_restarted(
    tmp_path: Path, capsys: object
) -> None:
    from adapters.http.ops import serve_ops

    settings = make_settings(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndata_dir = "{settings.storage.data_dir}"\n')
    runs = 0
    release = asyncio.Event()

    async def scoring() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise ValueError("a message nobody could score")
        await release.wait()

    port = free_port()
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as session:
        ops = asyncio.create_task(serve_ops(runtime, "127.0.0.1", port))
        await wait_until(lambda: (settings.storage.data_dir / "heartbeat").exists())
        assert main(["--config", str(config), "health"]) == 0
        task = runtime.supervise("inbox", scoring)
        await wait_until(lambda: "inbox" in runtime.down)
        assert main(["--config", str(config), "health"]) == 1
        for _ in range(100):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    body = await response.json()
                    break
            await asyncio.sleep(0.05)
        assert response.status == 503 and "inbox" in body["reason"], body
        await wait_until(lambda: runs == 2)  # restarted after its delay
        release.set()
        await task  # a run that returns is a stop, not a failure: no restart
        assert runs == 2
        ops.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ops
