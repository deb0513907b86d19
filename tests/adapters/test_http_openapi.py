"""The served API keeps the promises of its OpenAPI document (``/v1/openapi.json``).

Schemathesis generates requests from the document (valid and invalid ones) and checks
every answer: never a server error, only documented status codes and content types,
bodies that match the documented schemas. It runs against a real ``watchkeeper run``
process on 127.0.0.1, with a small example budget to stay fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from bot.store.apikeys import create_key
from bot.store.sqlite import sqlite_store
from tests.adapters.test_http_api import free_port

LOGS: dict[str, Path] = {}
EXAMPLES = 30
"""Per operation, for valid and for invalid requests: enough to reach every documented
status, few enough to stay fast."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("openapi")

    async def make_key() -> str:
        async with sqlite_store(root / "data" / "watchkeeper.db") as store:
            return (await create_key(store, ["a"]))[1]

    key = asyncio.run(make_key())
    port = free_port()
    config = root / "config.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{root / "data"}"\n\n'
        f"[http]\nenabled = true\nport = {port}\nrate_limit_per_minute = 1000000\n"
        f"max_body_bytes = 65536\nbatch_max = 20\n"
        'webhook_url = "http://127.0.0.1:9/unreachable"\nwebhook_secret = "s"\n',
        encoding="utf-8",
    )
    LOGS[f"http://127.0.0.1:{port}"] = root / "server.log"
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # A deadline, not a count of tries: on a loaded machine a try itself takes long.
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            assert process.poll() is None, (root / "server.log").read_text()
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.1)
        yield base, key
    finally:
        process.terminate()
        assert process.wait(30) == 0


def test_the_api_matches_its_document(server: tuple[str, str]) -> None:
    base, key = server
    api = schemathesis.openapi.from_url(base + "/v1/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 3
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            if response.status_code == 413:
                # The size limit is checked before the content: a documented refusal.
                assert response.json()["error"]["code"] == "too_large"
                return
            case.validate_response(response)

        check()


def test_the_document_is_served_without_a_key(server: tuple[str, str]) -> None:
    base, _ = server
    with urllib.request.urlopen(base + "/v1/openapi.json", timeout=5) as response:
        assert response.status == 200
        assert b'"openapi": "3.1.0"' in response.read()


def test_no_request_made_the_server_fail(server: tuple[str, str]) -> None:
    """Whatever the requests above were, the server logged no unexpected error."""
    base, _ = server
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200
    log = Path(LOGS[base]).read_text(encoding="utf-8")
    assert "unexpected error" not in log and "Traceback" not in log, log[-3000:]
