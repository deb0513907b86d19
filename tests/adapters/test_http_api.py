"""The HTTP ingest API, served for real on 127.0.0.1 over a real store, with a fake
platform webhook receiving the alerts."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.http.app import serve
from bot import loadtest
from bot.evidence import verify
from bot.runtime import Runtime
from bot.store import inbox
from bot.store.apikeys import create_key, list_keys
from tests.conftest import make_settings
from tests.e2e.fakes.webhook import FakeWebhook

SECRET = "test-webhook-secret"
ADULT = {"id": "u1", "name": "Robin", "age_band": "adult"}
CHILD = {"id": "u2", "name": "Kit", "age_band": "minor"}
GROOMING = [
    (ADULT, "you're really good at this game. how old r u?"),
    (CHILD, "im 13"),
    (ADULT, "ur so mature for ur age honestly"),
    (ADULT, "dont tell anyone we talk ok, its just between us"),
    (CHILD, "ok"),
    (ADULT, "add me on snap its more private"),
    (ADULT, "send me a selfie so i know its u"),
    (CHILD, "idk"),
    (ADULT, "come on just one pic, dont u trust me"),
]


def grooming_batch(space: str, channel: str = "dm-1", prefix: str = "m") -> dict[str, Any]:
    return {
        "messages": [
            {
                "space": space,
                "channel": channel,
                "id": f"{prefix}{i}",
                "author": author,
                "text": text,
                "ts": 1_740_000_000 + i * 60,
                "dm": True,
            }
            for i, (author, text) in enumerate(GROOMING)
        ]
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Api:
    base: str
    runtime: Runtime
    webhook: FakeWebhook
    key_a: str
    key_b: str
    session: aiohttp.ClientSession

    async def call(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
        headers = kwargs.pop("headers", {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        async with self.session.request(
            method, self.base + path, headers=headers, **kwargs
        ) as response:
            body = await response.json(content_type=None)
            return response.status, body, response.headers


StartApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def start_api(tmp_path: Path) -> AsyncIterator[StartApi]:
    stops: list[Callable[[], Awaitable[None]]] = []

    async def start(**http: Any) -> Api:
        webhook = await FakeWebhook(SECRET, fail_first=http.pop("fail_first", 0)).start()
        port = free_port()
        settings = make_settings(
            tmp_path / f"p{port}",
            http={
                "enabled": True,
                "port": port,
                "webhook_url": webhook.url,
                "webhook_secret": SECRET,
                **http,
            },
        )
        runtime = Runtime(settings)
        runtime.worker.base_backoff = 0.05  # retries in the blink of an eye, for the test
        runtime.worker.poll_seconds = 0.05
        await runtime.start()
        _, key_a = await create_key(runtime.store, ["a"])
        _, key_b = await create_key(runtime.store, ["b"])
        task = asyncio.create_task(serve(runtime))
        session = aiohttp.ClientSession()
        api = Api(f"http://127.0.0.1:{port}", runtime, webhook, key_a, key_b, session)
        for _ in range(100):
            with contextlib.suppress(aiohttp.ClientError):
                if (await api.call("GET", "/readyz"))[0] == 200:
                    break
            await asyncio.sleep(0.05)

        async def stop() -> None:
            await session.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await runtime.close()
            await webhook.stop()

        stops.append(stop)
        return api

    yield start
    for stop in stops:
        await stop()


async def wait_scored(api: Api) -> None:
    """Until the inbox is empty: every accepted message has been scored."""
    for _ in range(200):
        if await inbox.depth(api.runtime.store) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the inbox did not drain")


def error_code(body: Any) -> str:
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return str(body["error"]["code"])


async def test_requests_without_a_valid_key_are_401(start_api: StartApi) -> None:
    api = await start_api()
    status, body, headers = await api.call("GET", "/v1/cases")
    assert status == 401 and error_code(body) == "unauthorized"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    for key in ("wk_000000000000_nope", "not-a-key", api.key_a + "x"):
        status, body, _ = await api.call("POST", "/v1/messages", key, json={})
        assert status == 401 and error_code(body) == "unauthorized"


async def test_oversized_bodies_are_413(start_api: StartApi) -> None:
    api = await start_api(max_body_bytes=4096)
    big = {"space": "a", "channel": "c", "id": "1", "author": ADULT, "text": "x" * 5000}
    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=big)
    assert status == 413 and error_code(body) == "too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: aiohttp counts
        for _ in range(10):
            yield b" " * 1000

    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, data=chunks())
    assert status == 413 and error_code(body) == "too_large"


async def test_malformed_bodies_are_400_and_invalid_ones_422(start_api: StartApi) -> None:
    api = await start_api(batch_max=3)
    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, data=b"{not json")
    assert status == 400 and error_code(body) == "bad_json"
    invalid: list[Any] = [
        {"space": "a"},
        {"space": "a", "channel": "c", "id": "1", "author": {"id": "u"}, "text": 5},
        {"space": "a", "channel": "c", "id": "", "author": {"id": "u"}, "text": "hi"},
        {"messages": []},
        [1, 2],
        {**grooming_batch("a")["messages"][0], "colour": "blue"},
    ]
    for payload in invalid:
        status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=payload)
        assert status == 422 and error_code(body) == "invalid", payload
        assert body["error"]["details"][0]["field"] is not None
    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("a"))
    assert status == 422 and error_code(body) == "batch_too_large"
    status, body, _ = await api.call("GET", "/v1/cases?limit=zero", api.key_a)
    assert status == 422
    status, body, _ = await api.call(
        "POST", "/v1/cases/1/decisions", api.key_a, json={"action": "ban", "actor": "m"}
    )
    assert status == 422 and "action" in body["error"]["message"]


async def test_a_key_over_its_rate_is_429_with_retry_after(start_api: StartApi) -> None:
    api = await start_api(rate_limit_per_minute=3)
    statuses = [(await api.call("GET", "/v1/cases", api.key_a))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, body, headers = await api.call("GET", "/v1/cases", api.key_a)
    assert status == 429 and error_code(body) == "rate_limited"
    assert int(headers["Retry-After"]) >= 1
    assert (await api.call("GET", "/v1/cases", api.key_b))[0] == 200  # per key


async def test_unknown_routes_and_methods_answer_json(start_api: StartApi) -> None:
    api = await start_api()
    status, body, _ = await api.call("GET", "/v1/nothing", api.key_a)
    assert status == 404 and error_code(body) == "not_found"
    status, body, _ = await api.call("DELETE", "/v1/cases", api.key_a)
    assert status == 405 and error_code(body) == "method_not_allowed"


async def test_grooming_batch_opens_a_case_delivered_signed(start_api: StartApi) -> None:
    api = await start_api()
    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("a"))
    assert (status, body) == (202, {"accepted": len(GROOMING)})
    (opened,) = await api.webhook.wait_for("case.opened", 1)
    assert opened.signed and opened.delivery.startswith("wk-")
    case = opened.event["case"]
    assert case["space"] == "a" and case["suspect"] == "u1" and case["number"] == 1
    assert case["signals"] and case["evidence"]  # alerted early, with its reasons

    await wait_scored(api)
    status, body, _ = await api.call("GET", "/v1/cases", api.key_a)
    assert status == 200 and [c["id"] for c in body["cases"]] == [case["id"]]
    signals = {s["name"] for s in body["cases"][0]["signals"]}
    assert {"age_probe", "flattery", "secrecy"} <= signals, signals
    status, body, _ = await api.call(
        "POST",
        f"/v1/cases/{case['id']}/decisions",
        api.key_a,
        json={"action": "escalate", "actor": "mod-7", "reason": "reported to the hotline"},
    )
    assert status == 200 and body["state"] == "escalated"
    assert body["decisions"][0]["actor"] == "mod-7"
    # The same path as the chat buttons: the evidence package is written, verifiably.
    package = body["evidence_package"]
    assert verify(Path(package["path"])).manifest_sha256 == package["manifest_sha256"]
    report = body["hotline_report"]
    assert report["evidence_package"] == package and report["suspect"]["account_id"] == "u1"
    assert "NOT sent it to anyone" in report["notice"]
    # A stale decision (a second escalation) is refused, not recorded again.
    status, again, _ = await api.call(
        "POST", f"/v1/cases/{case['id']}/decisions", api.key_a,
        json={"action": "escalate", "actor": "mod-8"},
    )  # fmt: skip
    assert status == 409 and error_code(again) == "invalid_transition"
    assert "already escalated" in again["error"]["message"]
    for _ in range(100):
        updates = api.webhook.events("case.updated")
        if any(u.event["case"]["state"] == "escalated" for u in updates):
            break
        await asyncio.sleep(0.05)
    assert updates[-1].signed and updates[-1].event["case"]["state"] == "escalated"


async def test_webhook_failures_are_retried_until_delivered(start_api: StartApi) -> None:
    api = await start_api(fail_first=2)
    await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("a"))
    (opened,) = await api.webhook.wait_for("case.opened", 1)
    assert api.webhook.refused == 2 and opened.signed
    # One alert, one delivery id, on every attempt.
    assert api.webhook.refused_deliveries == [opened.delivery] * 2


async def test_delivery_ids_differ_across_installations(start_api: StartApi) -> None:
    """Two installations (or one after a database reset) both open their case 1 with
    outbox job 1: a receiver that drops repeated delivery ids must not drop either."""
    first, second = await start_api(), await start_api()
    for api in (first, second):
        await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("a"))
    (one,) = await first.webhook.wait_for("case.opened", 1)
    (two,) = await second.webhook.wait_for("case.opened", 1)
    assert one.event["case"]["id"] == two.event["case"]["id"] == 1
    assert one.delivery != two.delivery
    assert one.delivery == one.event["delivery"] and one.delivery.startswith("wk-")


async def test_a_key_never_reaches_another_space(start_api: StartApi) -> None:
    api = await start_api()
    await api.call("POST", "/v1/messages", api.key_b, json=grooming_batch("b"))
    (opened,) = await api.webhook.wait_for("case.opened", 1)
    b_case = opened.event["case"]["id"]

    status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("b"))
    assert status == 403 and error_code(body) == "forbidden_space"
    status, body, _ = await api.call("GET", "/v1/cases?space=b", api.key_a)
    assert status == 403 and error_code(body) == "forbidden_space"
    status, body, _ = await api.call("GET", "/v1/cases", api.key_a)
    assert status == 200 and body["cases"] == []
    decision = {"action": "dismiss", "actor": "intruder"}
    status, body, _ = await api.call(
        "POST", f"/v1/cases/{b_case}/decisions", api.key_a, json=decision
    )
    assert status == 404 and error_code(body) == "not_found"
    status, body, _ = await api.call("POST", "/v1/cases/999999/decisions", api.key_a, json=decision)
    assert status == 404
    status, body, _ = await api.call("GET", "/v1/cases", api.key_b)
    assert [c["id"] for c in body["cases"]] == [b_case] and body["cases"][0]["state"] == "open"


async def test_operations_endpoints(start_api: StartApi) -> None:
    api = await start_api()
    assert (await api.call("GET", "/healthz"))[1] == {"status": "ok"}
    assert (await api.call("GET", "/readyz"))[1] == {"status": "ready"}
    await api.call("POST", "/v1/messages", api.key_a, json=grooming_batch("a"))
    await api.webhook.wait_for("case.opened", 1)
    async with api.session.get(api.base + "/metrics") as response:
        text = await response.text()
    assert response.status == 200 and response.content_type == "text/plain"
    for name in (
        "watchkeeper_messages_scored_total",
        "watchkeeper_scoring_seconds_bucket",
        'watchkeeper_alerts_total{level="',
        "watchkeeper_deliveries_total",
        "watchkeeper_outbox_depth",
        "watchkeeper_http_requests_total",
    ):
        assert name in text, name


async def test_ops_server_alone_serves_health_and_metrics(tmp_path: Path) -> None:
    """A Discord- or Slack-only process: ``[http] ops_port`` without the API."""
    from adapters.http.ops import serve_ops

    settings = make_settings(tmp_path)
    port = free_port()
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as session:
        task = asyncio.create_task(serve_ops(runtime, "127.0.0.1", port))
        try:
            for _ in range(100):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                assert "watchkeeper_outbox_depth 0.0" in await response.text()
            async with session.post(f"http://127.0.0.1:{port}/v1/messages") as response:
                assert response.status == 404  # no API here
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


POISON_TIMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "1969-12-31T23:59:59Z"]


async def test_times_out_of_range_are_422_whatever_their_offset(start_api: StartApi) -> None:
    api = await start_api()
    message = grooming_batch("a")["messages"][0]
    for ts in POISON_TIMES:
        poisoned = {**message, "ts": ts}
        status, body, _ = await api.call("POST", "/v1/messages", api.key_a, json=poisoned)
        assert status == 422 and body["error"]["details"][0]["field"].startswith("ts"), ts
    assert await inbox.depth(api.runtime.store) == 0


async def test_hostile_json_is_400_or_422_never_500(start_api: StartApi) -> None:
    api = await start_api()
    message = grooming_batch("a")["messages"][0]
    hostile = {
        b"[" * 10_000 + b"]" * 10_000: 400,
        b'{"a":' * 20 + b"1" + b"}" * 20: 400,
        b'{"space": ' + b"9" * 5_001 + b"}": 400,
        b'{"space": NaN}': 400,
        b'{"space": 1e999999}': 400,
    }
    for body, expected in hostile.items():
        status, answer, _ = await api.call("POST", "/v1/messages", api.key_a, data=body)
        assert status == expected and error_code(answer) == "bad_json", body[:40]
    wrong_types: list[Any] = [
        {**message, "text": ["a", "list"]},
        {**message, "text": {"an": "object"}},
        {**message, "author": ["u1"]},
        {**message, "ts": ["2025-01-01T00:00:00Z"]},
        {**message, "mentions": "u2"},
        {"messages": {"not": "a list"}},
    ]
    for payload in wrong_types:
        status, answer, _ = await api.call("POST", "/v1/messages", api.key_a, json=payload)
        assert status == 422 and error_code(answer) == "invalid", payload
    status, answer, _ = await api.call(
        "POST", "/v1/cases/1/decisions", api.key_a, json={"action": ["dismiss"], "actor": {}}
    )
    assert status == 422


async def test_poison_in_the_inbox_is_set_aside_and_scoring_goes_on(start_api: StartApi) -> None:
    """A message that bypassed the API's validation (written into the inbox directly)
    would stop the scoring task: it is set aside and another space still alerts."""
    from tests.bot.store.test_deadletters import poison_bodies, put_raw

    api = await start_api()
    await put_raw(api.runtime.store, poison_bodies()["year 10000"], space="a")
    await put_raw(api.runtime.store, poison_bodies()["text is a list"], space="a")
    status, _, _ = await api.call("POST", "/v1/messages", api.key_b, json=grooming_batch("b"))
    assert status == 202
    (opened,) = await api.webhook.wait_for("case.opened", 1)
    assert opened.event["case"]["space"] == "b"
    await wait_scored(api)
    assert (await api.call("GET", "/readyz"))[0] == 200
    async with api.session.get(api.base + "/metrics") as response:
        text = await response.text()
    assert "watchkeeper_dead_letters_kept 2.0" in text
    assert "watchkeeper_dead_letters_total" in text  # per process: other tests count too


async def test_a_stalled_upload_is_cut_by_the_body_timeout(start_api: StartApi) -> None:
    api = await start_api(body_timeout_seconds=0.5)
    port = int(api.base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {api.key_a}\r\nContent-Type: application/json\r\n"
            'Content-Length: 1000\r\n\r\n{"space": '
        ).encode()
    )
    await writer.drain()  # ... and the rest of the body never comes
    status_line = await asyncio.wait_for(reader.readline(), timeout=60)
    writer.close()
    assert b" 408 " in status_line, status_line
    assert (await api.call("GET", "/readyz"))[0] == 200
    _, spec, _ = await api.call("GET", "/v1/openapi.json")
    for path, method in [("/v1/messages", "post"), ("/v1/cases/{case_id}/decisions", "post")]:
        assert "408" in spec["paths"][path][method]["responses"], path  # clients may rely on it


async def test_a_key_with_a_limit_of_its_own_is_held_to_it(start_api: StartApi) -> None:
    api = await start_api(rate_limit_per_minute=3)
    _, bulk = await create_key(api.runtime.store, ["a"], rate_limit=8)
    statuses = [(await api.call("GET", "/v1/cases", bulk))[0] for _ in range(8)]
    assert statuses == [200] * 8
    status, body, _ = await api.call("GET", "/v1/cases", bulk)
    assert status == 429 and "rate limit of 8 per minute" in body["error"]["message"]
    statuses = [(await api.call("GET", "/v1/cases", api.key_a))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the other keys keep the configured limit


async def test_the_load_test_measures_scoring_not_the_rate_limit(start_api: StartApi) -> None:
    """With a key of its own the load test sends everything and times the scoring;
    with an ordinary key, the API's limit refuses what is over it, and the test says
    how many requests were refused instead of counting them as scored."""
    api = await start_api(rate_limit_per_minute=100)
    store = api.runtime.store
    run = functools.partial(
        loadtest.run, [api.base], messages=300, batch=50, concurrency=2, spaces=4, time_limit=60
    )
    key, secret = await loadtest.own_key(store, spaces=4, messages=300)
    result = await run(secret)
    await loadtest.drop_key(store, key)
    assert (result.accepted, result.errors, result.rate_limited) == (300, 0, 0)
    assert result.scored_per_second is not None
    revoked = [k.revoked_at is not None for k in await list_keys(store) if k.key_id == key.key_id]
    assert revoked == [True]

    _, ordinary = await create_key(store, loadtest.space_names(4))
    limited = await run(ordinary)
    assert limited.rate_limited > 0 and limited.accepted <= 100  # the configured limit
