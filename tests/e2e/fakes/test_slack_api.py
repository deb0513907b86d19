"""The fake Slack driven by the real slack-bolt AsyncApp / slack-sdk clients (nothing mocked)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.e2e.fakes.slack_api import FakeSlack

SIGNING_SECRET = "fake-signing-secret"
MOD_CHANNEL = "C0MOD"
CHAT_CHANNEL = "C0CHAT"


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U0MOD", "mod-alice", is_admin=True)
        fake.add_user("U0KID", "kid-bob")
        fake.add_user("U0ADULT", "stranger-eve")
        fake.add_channel(MOD_CHANNEL, "mod-alerts", is_private=True)
        fake.add_channel(CHAT_CHANNEL, "general")
        fake.add_usergroup("S0MODS", ["U0MOD"])
        yield fake


def web_client(fake: FakeSlack, token: str | None = None, **kwargs) -> AsyncWebClient:
    return AsyncWebClient(
        token=fake.bot_token if token is None else token, base_url=fake.api_url, **kwargs
    )


def retrying_client(fake: FakeSlack) -> AsyncWebClient:
    return web_client(
        fake,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


@contextlib.asynccontextmanager
async def socket_mode(fake: FakeSlack, app: AsyncApp) -> AsyncIterator[AsyncSocketModeHandler]:
    handler = AsyncSocketModeHandler(app, app_token=fake.app_token, ping_interval=1)
    await handler.connect_async()
    try:
        await fake.wait_for_connection()
        yield handler
    finally:
        await handler.close_async()


def socket_app(client: AsyncWebClient) -> AsyncApp:
    # Socket Mode requests are never signature-checked, so no signing secret is needed;
    # AsyncApp calls auth.test lazily (first request) through `client`.
    return AsyncApp(client=client, signing_secret="", request_verification_enabled=False)


# ---------------------------------------------------------------------------- Socket Mode


@pytest.mark.asyncio
async def test_message_event_reaches_listener_once_is_acked_and_reply_is_posted(fake):
    app = socket_app(web_client(fake))
    seen: list[dict] = []
    retry_headers: list[str | None] = []

    @app.event("message")
    async def on_message(event, client, context, request):
        seen.append(event)
        retry_headers.append(request.headers.get("x-slack-retry-num", [None])[0])
        assert context.bot_user_id == fake.bot_user_id
        await client.chat_postMessage(
            channel=MOD_CHANNEL,
            text=f"flagged message {event['ts']}",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*flagged*"}}],
            metadata={
                "event_type": "watchkeeper_alert",
                "event_payload": {"source_ts": event["ts"], "channel": event["channel"]},
            },
        )

    async with socket_mode(fake, app):
        envelope_id, stored = await fake.send_message(CHAT_CHANNEL, "U0ADULT", "hi there")
        ack = await fake.wait_for_ack(envelope_id)
        posted = await fake.wait_for_posted(MOD_CHANNEL)
        await asyncio.sleep(0.2)  # give a duplicate delivery the chance to show up

    assert ack == {"envelope_id": envelope_id, "payload": None, "received_at": ack["received_at"]}
    assert len(seen) == 1
    assert seen[0]["text"] == "hi there"
    assert seen[0]["channel"] == CHAT_CHANNEL
    assert seen[0]["channel_type"] == "channel"
    assert seen[0]["ts"] == stored["ts"]
    # Socket Mode first deliveries carry retry_attempt 0, which bolt turns into the header "0"
    assert retry_headers == ["0"]

    assert len(posted) == 1
    msg = posted[0]
    assert msg["text"] == f"flagged message {stored['ts']}"
    assert msg["blocks"][0]["text"]["text"] == "*flagged*"
    assert msg["metadata"] == {
        "event_type": "watchkeeper_alert",
        "event_payload": {"source_ts": stored["ts"], "channel": CHAT_CHANNEL},
    }
    assert msg["user"] == fake.bot_user_id
    # apps.connections.open used the app token; auth.test (bolt's lazy authorize) the bot token
    assert [c["token"] for c in fake.calls_to("apps.connections.open")] == [fake.app_token]
    assert [c["token"] for c in fake.calls_to("auth.test")] == [fake.bot_token]
    assert fake.unacked() == []


@pytest.mark.asyncio
async def test_bolt_does_not_dedupe_redelivered_events(fake):
    """Slack retries an event with the same event_id; bolt hands every delivery to listeners."""
    app = socket_app(web_client(fake))
    deliveries: list[tuple[str, str]] = []

    @app.event("message")
    async def on_message(body, request):
        deliveries.append((body["event_id"], request.headers["x-slack-retry-num"][0]))

    async with socket_mode(fake, app):
        first = await fake.send_event(
            {"type": "message", "channel": CHAT_CHANNEL, "user": "U0KID", "text": "hello"},
            event_id="Ev0DUP",
        )
        await fake.wait_for_ack(first)
        second = await fake.redeliver(first, retry_reason="timeout")
        await fake.wait_for_ack(second)
        await fake.wait_for(lambda: len(deliveries) == 2)

    assert deliveries == [("Ev0DUP", "0"), ("Ev0DUP", "1")]
    assert fake.envelopes[second]["retry_reason"] == "timeout"


@pytest.mark.asyncio
async def test_bot_own_messages_are_ignored_by_bolt(fake):
    app = socket_app(web_client(fake))
    seen: list[dict] = []

    @app.event("message")
    async def on_message(event):
        seen.append(event)

    async with socket_mode(fake, app):
        own = await fake.send_event(
            {
                "type": "message",
                "channel": CHAT_CHANNEL,
                "user": fake.bot_user_id,
                "bot_id": fake.bot_id,
                "text": "my own alert",
            }
        )
        other = await fake.send_event(
            {"type": "message", "channel": CHAT_CHANNEL, "user": "U0KID", "text": "hey"}
        )
        await fake.wait_for_ack(other)
        await fake.wait_for(lambda: seen)

    assert [e["text"] for e in seen] == ["hey"]
    assert fake.ack_for(own) is not None  # still acked, so Slack would not retry it


@pytest.mark.asyncio
async def test_rate_limited_post_from_listener_is_retried_and_posted_once(fake):
    app = socket_app(retrying_client(fake))
    errors: list[Exception] = []

    @app.event("message")
    async def on_message(event, client):
        try:
            await client.chat_postMessage(channel=MOD_CHANNEL, text="alert")
        except Exception as e:  # pragma: no cover - surfaced by the assertion below
            errors.append(e)

    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    async with socket_mode(fake, app):
        started = time.monotonic()
        await fake.send_event({"type": "message", "channel": CHAT_CHANNEL, "user": "U0KID"})
        await fake.wait_for_posted(MOD_CHANNEL, timeout=6)
        elapsed = time.monotonic() - started

    assert errors == []
    assert [m["text"] for m in fake.posted(MOD_CHANNEL)] == ["alert"]
    attempts = fake.calls_to("chat.postMessage")
    assert [c["status"] for c in attempts] == [429, 200]
    assert elapsed >= 1.0  # Retry-After was honoured


@pytest.mark.asyncio
async def test_server_errors_are_retried_by_server_error_handler(fake):
    client = retrying_client(fake)
    fake.fail_next("chat.postMessage", status=500)
    response = await client.chat_postMessage(channel=MOD_CHANNEL, text="after a 500")
    assert response["ok"] is True
    assert [c["status"] for c in fake.calls_to("chat.postMessage")] == [500, 200]

    fake.fail_next("chat.postMessage", status=503)
    await client.chat_postMessage(channel=MOD_CHANNEL, text="after a 503")
    assert [m["text"] for m in fake.posted(MOD_CHANNEL)] == ["after a 500", "after a 503"]


@pytest.mark.asyncio
async def test_without_retry_handlers_errors_surface_as_slack_api_error(fake):
    client = web_client(fake)  # default handlers retry connection errors only
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        await client.chat_postMessage(channel=MOD_CHANNEL, text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response["error"] == "ratelimited"
    assert exc.value.response.headers["Retry-After"] == "7"

    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as exc:
        await client.chat_postMessage(channel=MOD_CHANNEL, text="x")
    assert exc.value.response["error"] == "channel_not_found"
    assert fake.posted() == []


@pytest.mark.asyncio
async def test_block_action_reaches_action_listener_and_replies_are_recorded(fake):
    client = web_client(fake)
    alert = await client.chat_postMessage(
        channel=MOD_CHANNEL,
        text="possible grooming pattern",
        blocks=[
            {
                "type": "actions",
                "block_id": "alert_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "wk_dismiss",
                        "value": "case-1",
                        "text": {"type": "plain_text", "text": "Dismiss"},
                    }
                ],
            }
        ],
    )
    app = socket_app(client)
    pressed: list[dict] = []

    @app.action("wk_dismiss")
    async def on_dismiss(ack, body, action, respond, client):
        await ack()
        pressed.append(action)
        await respond(text="Dismissed.", replace_original=False)
        await respond(text="Resolved by <@U0MOD>", replace_original=True)
        await client.chat_postEphemeral(
            channel=body["channel"]["id"], user=body["user"]["id"], text="Thanks!"
        )

    async with socket_mode(fake, app):
        envelope_id = await fake.send_block_action(
            "wk_dismiss",
            value="case-1",
            block_id="alert_actions",
            user_id="U0MOD",
            channel_id=MOD_CHANNEL,
            message_ts=alert["ts"],
        )
        ack = await fake.wait_for_ack(envelope_id)
        await fake.wait_for(lambda: len(fake.ephemerals) == 2)

    assert ack["payload"] is None
    assert pressed == [
        {
            "type": "button",
            "action_id": "wk_dismiss",
            "block_id": "alert_actions",
            "value": "case-1",
            "action_ts": pressed[0]["action_ts"],
            "text": {"type": "plain_text", "text": "wk_dismiss", "emoji": True},
        }
    ]
    via_response_url, via_api = fake.ephemerals
    assert via_response_url["via"] == "response_url"
    assert via_response_url["text"] == "Dismissed."
    assert via_response_url["user"] == "U0MOD"
    assert via_api["via"] == "chat.postEphemeral"
    assert (via_api["channel"], via_api["user"], via_api["text"]) == (
        MOD_CHANNEL,
        "U0MOD",
        "Thanks!",
    )
    assert [r["body"]["text"] for r in fake.responses] == ["Dismissed.", "Resolved by <@U0MOD>"]
    # replace_original through the response_url edited the alert in place
    assert [u["via"] for u in fake.updates] == ["response_url"]
    assert fake.posted(MOD_CHANNEL)[0]["text"] == "Resolved by <@U0MOD>"


@pytest.mark.asyncio
async def test_slash_command_reaches_command_listener(fake):
    app = socket_app(web_client(fake))
    commands: list[dict] = []

    @app.command("/watchkeeper")
    async def on_command(ack, command, respond):
        commands.append(command)
        await ack(text=f"watchkeeper: {command['text']} ok")
        await respond(text="details follow", response_type="ephemeral")

    async with socket_mode(fake, app):
        envelope_id = await fake.send_slash_command(
            "/watchkeeper", text="status", user_id="U0MOD", channel_id=MOD_CHANNEL
        )
        ack = await fake.wait_for_ack(envelope_id)
        await fake.wait_for(lambda: fake.responses)

    assert len(commands) == 1
    assert (commands[0]["command"], commands[0]["text"]) == ("/watchkeeper", "status")
    assert commands[0]["user_id"] == "U0MOD"
    assert ack["payload"] == {"text": "watchkeeper: status ok"}
    assert fake.responses[0]["body"]["text"] == "details follow"


@pytest.mark.asyncio
async def test_unhandled_request_is_not_acked_by_bolt(fake):
    app = socket_app(web_client(fake))

    async with socket_mode(fake, app):
        envelope_id = await fake.send_slash_command("/unknown", text="x")
        await fake.wait_for_call("auth.test")
        await asyncio.sleep(0.3)

    # bolt answers 404 internally and sends no ack, so real Slack would show a timeout / retry
    assert fake.unacked() == [envelope_id]


@pytest.mark.asyncio
async def test_client_reconnects_after_disconnect(fake):
    app = socket_app(web_client(fake))
    seen: list[str] = []

    @app.event("message")
    async def on_message(event):
        seen.append(event["text"])

    async with socket_mode(fake, app):
        await fake.send_disconnect()
        await fake.wait_for(lambda: fake.connections_opened == 2)
        await fake.wait_for_connection()
        envelope_id = await fake.send_event(
            {"type": "message", "channel": CHAT_CHANNEL, "user": "U0KID", "text": "after"}
        )
        await fake.wait_for_ack(envelope_id)

    assert seen == ["after"]


# ---------------------------------------------------------------------------- Web API


@pytest.mark.asyncio
async def test_auth_failures_and_scopes(fake):
    with pytest.raises(SlackApiError) as exc:
        await web_client(fake, token="xoxb-wrong").auth_test()
    assert exc.value.response["error"] == "invalid_auth"

    with pytest.raises(SlackApiError) as exc:
        await web_client(fake, token="").auth_test()
    assert exc.value.response["error"] == "not_authed"

    with pytest.raises(SlackApiError) as exc:
        await web_client(fake, token=fake.app_token).auth_test()
    assert exc.value.response["error"] == "not_allowed_token_type"

    fake.set_scopes(["chat:write", "users:read"])
    client = web_client(fake)
    auth = await client.auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == ("U0BOT", "T0FAKE", "B0BOT")
    assert auth.headers["x-oauth-scopes"] == "chat:write,users:read"

    with pytest.raises(SlackApiError) as exc:
        await client.conversations_history(channel=MOD_CHANNEL)
    assert exc.value.response["error"] == "missing_scope"
    assert exc.value.response["needed"] == "groups:history"

    fake.revoke_token(fake.bot_token)
    with pytest.raises(SlackApiError) as exc:
        await client.auth_test()
    assert exc.value.response["error"] == "token_revoked"


@pytest.mark.asyncio
async def test_history_metadata_permalink_and_update(fake):
    client = web_client(fake)
    fake.add_message(MOD_CHANNEL, "older human note", "U0MOD")
    alert = await client.chat_postMessage(
        channel=MOD_CHANNEL,
        text="alert",
        metadata={"event_type": "watchkeeper_alert", "event_payload": {"case": "c-1"}},
    )
    assert alert["message"]["metadata"]["event_payload"] == {"case": "c-1"}

    plain = await client.conversations_history(channel=MOD_CHANNEL, limit=10)
    assert [m["text"] for m in plain["messages"]] == ["alert", "older human note"]
    assert "metadata" not in plain["messages"][0]

    full = await client.conversations_history(
        channel=MOD_CHANNEL, include_all_metadata=True, oldest="0", limit=1
    )
    assert full["messages"][0]["metadata"]["event_type"] == "watchkeeper_alert"
    assert full["has_more"] is True
    page2 = await client.conversations_history(
        channel=MOD_CHANNEL, cursor=full["response_metadata"]["next_cursor"], limit=1
    )
    assert [m["text"] for m in page2["messages"]] == ["older human note"]

    newer = await client.conversations_history(channel=MOD_CHANNEL, oldest=alert["ts"])
    assert newer["messages"] == []

    link = await client.chat_getPermalink(channel=MOD_CHANNEL, message_ts=alert["ts"])
    expected = f"https://fake.slack.test/archives/{MOD_CHANNEL}/p{alert['ts'].replace('.', '')}"
    assert link["permalink"] == expected

    updated = await client.chat_update(channel=MOD_CHANNEL, ts=alert["ts"], text="alert (handled)")
    assert updated["text"] == "alert (handled)"
    assert fake.updates[0]["before"]["text"] == "alert"
    assert fake.posted(MOD_CHANNEL)[0]["text"] == "alert (handled)"

    with pytest.raises(SlackApiError) as exc:
        await client.chat_update(channel=MOD_CHANNEL, ts="1.000001", text="x")
    assert exc.value.response["error"] == "message_not_found"


@pytest.mark.asyncio
async def test_form_encoded_calls_and_lookups(fake):
    async with aiohttp.ClientSession() as session:
        resp = await session.post(
            fake.api_url + "chat.postMessage",
            data={
                "token": fake.bot_token,
                "channel": CHAT_CHANNEL,
                "text": "form post",
                "metadata": json.dumps({"event_type": "t", "event_payload": {"a": 1}}),
            },
        )
        body = await resp.json()
    assert body["ok"] is True
    assert fake.posted(CHAT_CHANNEL)[0]["metadata"] == {
        "event_type": "t",
        "event_payload": {"a": 1},
    }

    client = web_client(fake)
    user = (await client.users_info(user="U0MOD"))["user"]
    assert (user["is_admin"], user["is_bot"], user["is_owner"]) == (True, False, False)
    assert user["profile"]["display_name"] == "mod-alice"
    assert (await client.users_info(user="U0BOT"))["user"]["is_bot"] is True

    info = await client.conversations_info(channel=MOD_CHANNEL)
    assert info["channel"]["is_private"] is True
    assert (await client.usergroups_users_list(usergroup="S0MODS"))["users"] == ["U0MOD"]
    dm = await client.conversations_open(users="U0MOD")
    posted_dm = await client.chat_postMessage(channel=dm["channel"]["id"], text="psst")
    assert posted_dm["channel"] == dm["channel"]["id"]

    for call, error in [
        (client.users_info(user="U0NOPE"), "user_not_found"),
        (client.conversations_info(channel="C0NOPE"), "channel_not_found"),
        (client.usergroups_users_list(usergroup="S0NOPE"), "no_such_subteam"),
        (client.api_call("reactions.add", params={"name": "eyes"}), "unknown_method"),
    ]:
        with pytest.raises(SlackApiError) as exc:
            await call
        assert exc.value.response["error"] == error
    assert fake.unknown_calls == [{"method": "reactions.add", "params": {"name": "eyes"}}]


@pytest.mark.asyncio
async def test_views_open_needs_a_fresh_trigger(fake):
    client = web_client(fake)
    trigger = fake.new_trigger_id()
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Case"}, "blocks": []}
    opened = await client.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["id"].startswith("V")
    assert fake.views[0]["view"]["title"]["text"] == "Case"
    with pytest.raises(SlackApiError) as exc:
        await client.views_open(trigger_id=trigger, view=view)
    assert exc.value.response["error"] == "exchanged_trigger_id"


# ---------------------------------------------------------------------------- HTTP mode


@contextlib.asynccontextmanager
async def http_app(app: AsyncApp) -> AsyncIterator[str]:
    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_http_mode_signatures(fake):
    app = AsyncApp(client=web_client(fake), signing_secret=SIGNING_SECRET)
    seen: list[tuple[str, str | None]] = []
    commands: list[str] = []

    @app.event("message")
    async def on_message(event, request):
        seen.append((event["text"], request.headers.get("x-slack-retry-num", [None])[0]))

    @app.command("/watchkeeper")
    async def on_command(ack, command):
        commands.append(command["text"])
        await ack("ok")

    @app.action("wk_ack")
    async def on_ack(ack, respond):
        await ack()
        await respond("noted")

    event = {"type": "message", "channel": CHAT_CHANNEL, "user": "U0KID", "text": "good"}
    async with http_app(app) as url:
        body = fake.build_event_callback(event, event_id="Ev0HTTP")
        assert await fake.post_to_app(url, "event", body, SIGNING_SECRET) == (200, "")

        status, _ = await fake.post_to_app(url, "event", body, SIGNING_SECRET, retry_num=1)
        assert status == 200

        bad = await fake.post_to_app(url, "event", body, SIGNING_SECRET, signature="v0=deadbeef")
        assert bad[0] == 401
        wrong_secret = await fake.post_to_app(url, "event", body, "not-the-secret")
        assert wrong_secret[0] == 401
        stale = await fake.post_to_app(
            url, "event", body, SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60
        )
        assert stale[0] == 401

        command = fake.build_slash_command(text="status", user_id="U0MOD", channel_id=MOD_CHANNEL)
        assert await fake.post_to_app(url, "command", command, SIGNING_SECRET) == (200, "ok")

        action = fake.build_block_actions("wk_ack", user_id="U0MOD", channel_id=MOD_CHANNEL)
        assert (await fake.post_to_app(url, "interactive", action, SIGNING_SECRET))[0] == 200

        # hand-made request with the raw helper
        raw = json.dumps(fake.build_event_callback({**event, "text": "raw"}))
        headers = fake.signed_request_headers(raw, SIGNING_SECRET)
        async with aiohttp.ClientSession() as session:
            resp = await session.post(url, data=raw, headers=headers)
            assert resp.status == 200

        await fake.wait_for(lambda: len(seen) == 3 and fake.responses)

    # both deliveries of Ev0HTTP reached the listener: bolt does not dedupe HTTP retries either
    assert sorted(seen, key=str) == sorted([("good", None), ("good", "1"), ("raw", None)], key=str)
    assert commands == ["status"]
    assert fake.responses[0]["body"]["text"] == "noted"
