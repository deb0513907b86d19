"""A fake Slack (Web API + Socket Mode websocket + response_url) for end-to-end tests.

The real ``slack_sdk`` / ``slack_bolt`` clients are pointed at it on 127.0.0.1; nothing is mocked
on the client side.  Typical use::

    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
        app = AsyncApp(client=client, signing_secret="unused-in-socket-mode")
        handler = AsyncSocketModeHandler(app, app_token=fake.app_token)
        await handler.connect_async()
        await fake.wait_for_connection()
        envelope_id = await fake.send_event({"type": "message", "channel": "C1", ...})
        await fake.wait_for_ack(envelope_id)
        ...
        await handler.close_async()

Everything recorded is plain dicts/lists so tests can assert on them directly.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import hashlib
import hmac
import inspect
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

__all__ = ["DEFAULT_SCOPES", "ApiError", "FakeSlack"]

DEFAULT_SCOPES: list[str] = [
    "chat:write",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "im:write",
    "users:read",
    "usergroups:read",
    "commands",
]

# Methods an app-level (xapp-) token may call; every other method answers not_allowed_token_type.
_APP_TOKEN_METHODS = {"apps.connections.open"}

PERMALINK_HOST = "https://fake.slack.test"


class ApiError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _maybe_json(value: Any) -> Any:
    """Form-encoded bodies carry blocks/metadata/view as JSON strings; JSON bodies as objects."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith(("{", "[")):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError:
                return value
    return value


def _ts_key(ts: Any) -> tuple[int, int]:
    """Exact ordering key for a Slack ts ("1700000000.000100"), avoiding float rounding."""
    whole, _, frac = str(ts).partition(".")
    return int(whole or 0), int((frac + "000000")[:6])


def _public(message: dict) -> dict:
    """A stored message as the Web API shows it (internal ``_`` keys and ``channel`` removed)."""
    return {
        k: copy.deepcopy(v) for k, v in message.items() if not k.startswith("_") and k != "channel"
    }


class FakeSlack:
    """An aiohttp server imitating the parts of Slack that watchkeeper uses."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake",
        app_token: str = "xapp-1-fake-app-token",
        team_id: str = "T0FAKE",
        team_domain: str = "fake-team",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "watchkeeper",
        api_app_id: str = "A0FAKE",
        verification_token: str = "fake-verification-token",
        scopes: list[str] | None = None,
        auto_create_channels: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.auto_create_channels = auto_create_channels
        self.host = host
        self._requested_port = port
        self.port: int | None = None

        # token -> {"kind": "bot"|"user"|"app", "user_id": str|None, "scopes": list[str]}
        self._tokens: dict[str, dict[str, Any]] = {}
        self._revoked: set[str] = set()
        self.add_token(bot_token, kind="bot", user_id=bot_user_id, scopes=scopes)
        self.add_token(app_token, kind="app", scopes=["connections:write"])

        # fixtures
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.add_user(bot_user_id, bot_name, is_bot=True)

        # message store: channel -> list of message dicts (oldest first)
        self._history: dict[str, list[dict]] = {}
        self._last_us = 0  # last ts handed out, in integer microseconds

        # records
        self.calls: list[dict] = []
        self.unknown_calls: list[dict] = []
        self._posted: list[dict] = []
        self.updates: list[dict] = []
        self.deletes: list[dict] = []
        self.ephemerals: list[dict] = []
        self.responses: list[dict] = []
        self.views: list[dict] = []
        self.acks: list[dict] = []
        self.socket_messages: list[dict] = []
        self.envelopes: dict[str, dict] = {}
        self.connections_opened = 0

        self._failures: dict[str, list[dict]] = {}
        self._failures_after: dict[str, list[dict]] = {}
        self._methods: dict[str, Callable[..., Any]] = {}
        self._register_builtin_methods()
        self._tickets: set[str] = set()
        self._triggers: dict[str, bool] = {}  # trigger_id -> used
        self._response_urls: dict[str, dict] = {}  # id -> context
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Event()
        self._counter = itertools.count(1)

        self._app = web.Application()
        self._app.router.add_route("*", "/api/{method}", self._handle_api)
        self._app.router.add_get("/socket", self._handle_socket)
        self._app.router.add_post("/response/{rid}", self._handle_response_url)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlack:
        if self._runner is not None:
            return self
        self._changed = asyncio.Event()
        self._runner = web.AppRunner(self._app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Pass as ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ configuration

    def add_token(
        self,
        token: str,
        *,
        kind: str = "bot",
        user_id: str | None = None,
        scopes: list[str] | None = None,
    ) -> None:
        """Register another accepted token (kind: bot, user or app)."""
        if kind not in ("bot", "user", "app"):
            raise ValueError(f"unknown token kind {kind!r}")
        self._tokens[token] = {
            "kind": kind,
            "user_id": user_id,
            "scopes": list(DEFAULT_SCOPES if scopes is None else scopes),
        }

    def revoke_token(self, token: str) -> None:
        """Later calls with this token answer ``token_revoked``."""
        self._revoked.add(token)

    def set_scopes(self, scopes: list[str], token: str | None = None) -> None:
        """Scopes of the bot token (or ``token``): sent as ``x-oauth-scopes`` and enforced."""
        self._tokens[token or self.bot_token]["scopes"] = list(scopes)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        status 429 answers ``{"ok": false, "error": "ratelimited"}`` with a ``Retry-After`` header;
        5xx answers ``internal_error`` / ``service_unavailable``; status 200 with ``error`` answers
        that Slack API error, e.g. ``fail_next("chat.update", 200, error="message_not_found")``.
        """
        if error is None:
            error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "internal_error")
        self._failures.setdefault(method, []).extend(
            {"status": status, "retry_after": retry_after, "error": error} for _ in range(times)
        )

    def fail_after_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method``, then answer them with an error.

        Imitates a response lost after Slack acted (a 5xx or gateway timeout after the
        message was posted): the effect is recorded, the client sees a failure.
        """
        error = "service_unavailable" if status == 503 else "internal_error"
        self._failures_after.setdefault(method, []).extend(
            {"status": status, "error": error} for _ in range(times)
        )

    def register_method(self, method: str, handler: Callable[..., Any]) -> None:
        """Add or replace a Web API method.

        ``handler(params: dict, auth: dict)`` returns (or awaits to) a dict merged into
        ``{"ok": true}``; raise :class:`ApiError` to fail.  ``auth``: kind, user_id, scopes, token.
        """
        self._methods[method] = handler

    def add_user(
        self,
        user_id: str,
        name: str,
        is_admin: bool = False,
        is_bot: bool = False,
        *,
        is_owner: bool = False,
        real_name: str | None = None,
        deleted: bool = False,
        **profile: Any,
    ) -> dict:
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name or name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "Etc/UTC",
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name or name,
                "display_name": name,
                "team": self.team_id,
                **({"bot_id": self.bot_id} if user_id == self.bot_user_id else {}),
                **profile,
            },
        }
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        is_private: bool = False,
        is_im: bool = False,
        *,
        is_member: bool = True,
        is_archived: bool = False,
        user: str | None = None,
    ) -> dict:
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private and not is_im,
            "is_group": is_private and not is_im,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_private or is_im,
            "is_archived": is_archived,
            "is_general": False,
            "is_member": is_member,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": int(time.time()),
            "creator": self.bot_user_id,
            "context_team_id": self.team_id,
        }
        if is_im:
            channel["user"] = user
            channel.pop("name")
        self.channels[channel_id] = channel
        self._history.setdefault(channel_id, [])
        return channel

    def add_usergroup(self, usergroup_id: str, users: list[str]) -> None:
        self.usergroups[usergroup_id] = list(users)

    def add_message(
        self,
        channel: str,
        text: str,
        user: str | None = None,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
        metadata: dict | None = None,
        **extra: Any,
    ) -> dict:
        """Seed channel history with a message (not recorded as posted by the app)."""
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, **extra}
        if metadata is not None:
            message["metadata"] = metadata
        if thread_ts:
            message["thread_ts"] = thread_ts
        return self._store(channel, message, ts=ts)

    def reset_records(self) -> None:
        """Forget calls, posts, acks... (fixtures and history stay)."""
        for record in (
            self.calls,
            self.unknown_calls,
            self._posted,
            self.updates,
            self.deletes,
            self.ephemerals,
            self.responses,
            self.views,
            self.acks,
            self.socket_messages,
        ):
            record.clear()
        self.envelopes.clear()

    # ------------------------------------------------------------------ inspection

    def posted(self, channel: str | None = None) -> list[dict]:
        """Messages the app posted (chat.postMessage or in_channel response_url), oldest first.

        Each is the live stored dict: channel, ts, text, blocks?, metadata?, thread_ts?, and
        ``_params`` (the raw call arguments).  chat.update edits show here too.
        """
        return [m for m in self._posted if channel is None or m["channel"] == channel]

    def history(self, channel: str) -> list[dict]:
        """Everything stored for a channel (seeded and posted), oldest first."""
        return list(self._history.get(channel, []))

    def calls_to(self, method: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method]

    def ack_for(self, envelope_id: str) -> dict | None:
        return next((a for a in self.acks if a["envelope_id"] == envelope_id), None)

    def unacked(self) -> list[str]:
        """Envelope ids sent over Socket Mode that the client has not acked (yet)."""
        acked = {a["envelope_id"] for a in self.acks}
        return [e for e in self.envelopes if e not in acked]

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "condition",
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever the fake records something)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"FakeSlack: timed out after {timeout}s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: self.ack_for(envelope_id), timeout, f"ack of envelope {envelope_id}"
        )

    async def wait_for_posted(
        self,
        channel: str | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ):
        return await self.wait_for(
            lambda: (p := self.posted(channel)) and len(p) >= count and p,
            timeout,
            f"{count} message(s) posted to {channel or 'any channel'}",
        )

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict]:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: (c := self.calls_to(method)) and len(c) >= count and c,
            timeout,
            f"{count} call(s) to {method}",
        )

    async def wait_for_connection(self, timeout: float = 5.0) -> web.WebSocketResponse:  # noqa: ASYNC109
        return await self.wait_for(self._live_socket, timeout, "a Socket Mode connection")

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ HTTP-mode helpers

    @staticmethod
    def signed_request_headers(
        body: str | bytes,
        signing_secret: str,
        timestamp: int | str | None = None,
        *,
        content_type: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> dict[str, str]:
        """Headers Slack sends with an HTTP request: v0 HMAC-SHA256 of ``v0:{ts}:{body}``."""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        ts = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new(
            signing_secret.encode("utf-8"), f"v0:{ts}:{body}".encode(), hashlib.sha256
        ).hexdigest()
        headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
        if content_type is None:
            content_type = (
                "application/json"
                if body.lstrip().startswith("{")
                else "application/x-www-form-urlencoded"
            )
        headers["Content-Type"] = content_type
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return headers

    @staticmethod
    def http_body(kind: str, payload: dict) -> str:
        """Encode a payload as Slack does over HTTP.

        kind "event": JSON; "interactive": form ``payload=<json>``; "command": form fields.
        """
        if kind == "event":
            return json.dumps(payload)
        if kind == "interactive":
            return urlencode({"payload": json.dumps(payload)})
        if kind == "command":
            return urlencode(
                {k: str(v).lower() if isinstance(v, bool) else v for k, v in payload.items()}
            )
        raise ValueError(f"unknown kind {kind!r}")

    async def post_to_app(
        self,
        url: str,
        kind: str,
        payload: dict | str,
        signing_secret: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> tuple[int, str]:
        """POST an event/interactive/command payload to an app's HTTP endpoint, signed.

        ``signature`` overrides the computed one (to test bad signatures).  Returns (status, body).
        """
        body = payload if isinstance(payload, str) else self.http_body(kind, payload)
        headers = self.signed_request_headers(
            body, signing_secret, timestamp, retry_num=retry_num, retry_reason=retry_reason
        )
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body.encode("utf-8"), headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    # ------------------------------------------------------------------ payload builders

    def new_trigger_id(self) -> str:
        trigger_id = f"{next(self._counter)}.{secrets.token_hex(6)}"
        self._triggers[trigger_id] = False
        return trigger_id

    def new_response_url(
        self,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        rid = secrets.token_hex(8)
        self._response_urls[rid] = {
            "channel": channel_id,
            "user": user_id,
            "message_ts": message_ts,
        }
        return f"{self.base_url}/response/{rid}"

    def build_event_callback(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
    ) -> dict:
        """The ``event_callback`` body Slack sends (over HTTP, or as a Socket Mode payload)."""
        event = dict(event)
        if event.get("type") == "message" or "ts" in event:
            event.setdefault("ts", self._next_ts())
        if "ts" in event:
            event.setdefault("event_ts", event["ts"])
        channel = self.channels.get(event.get("channel", ""))
        if event.get("type") == "message" and channel is not None:
            event.setdefault("channel_type", self._channel_type(channel))
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": event_time or int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def build_block_actions(
        self,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str = "watchkeeper_actions",
        user_id: str = "U0MOD",
        channel_id: str = "C0MOD",
        message_ts: str | None = None,
        action_type: str = "button",
    ) -> dict:
        """A ``block_actions`` payload for a button press on ``message_ts`` in ``channel_id``."""
        stored = self._find_message(channel_id, message_ts) if message_ts else None
        message = (
            _public(stored)
            if stored
            else {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": "",
                "ts": message_ts or self._next_ts(),
            }
        )
        user = self.users.get(user_id, {"name": user_id})
        channel = self.channels.get(channel_id, {"name": channel_id.lower()})
        action = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user["name"],
                "name": user["name"],
                "team_id": self.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": self.new_trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel.get("name", channel_id)},
            "message": message,
            "state": {"values": {}},
            "response_url": self.new_response_url(channel_id, user_id, message["ts"]),
            "actions": [action],
        }

    def build_view_submission(self, view: dict, user_id: str, values: dict[str, dict]) -> dict:
        """A person submitted an opened modal: ``values`` is block_id -> action_id -> the
        typed text, returned as Slack returns a plain_text_input's state."""
        user = self.users.get(user_id, {"name": user_id})
        state = {
            block: {action: {"type": "plain_text_input", "value": text}
                    for action, text in inputs.items()}
            for block, inputs in values.items()
        }  # fmt: skip
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {
                "id": user_id,
                "username": user["name"],
                "name": user["name"],
                "team_id": self.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.new_trigger_id(),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def build_message_action(
        self, callback_id: str, message: dict, channel_id: str, user_id: str
    ) -> dict:
        """A person used a message shortcut (the "..." menu of a message)."""
        user = self.users.get(user_id, {"name": user_id})
        channel = self.channels.get(channel_id, {"name": channel_id.lower()})
        return {
            "type": "message_action",
            "callback_id": callback_id,
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": {
                "id": user_id,
                "username": user["name"],
                "name": user["name"],
                "team_id": self.team_id,
            },
            "channel": {"id": channel_id, "name": channel.get("name", channel_id)},
            "is_enterprise_install": False,
            "enterprise": None,
            "message_ts": message["ts"],
            "message": message,
            "trigger_id": self.new_trigger_id(),
            "response_url": self.new_response_url(channel_id, user_id),
        }

    def build_slash_command(
        self,
        command: str = "/watchkeeper",
        text: str = "",
        user_id: str = "U0MOD",
        channel_id: str = "C0MOD",
    ) -> dict:
        user = self.users.get(user_id, {"name": user_id})
        channel = self.channels.get(channel_id, {"name": channel_id.lower()})
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel.get("name", "directmessage"),
            "user_id": user_id,
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(channel_id, user_id),
            "trigger_id": self.new_trigger_id(),
        }

    # ------------------------------------------------------------------ Socket Mode

    def _live_socket(self) -> web.WebSocketResponse | None:
        for ws in reversed(self._sockets):
            if not ws.closed:
                return ws
        return None

    async def send_envelope(self, envelope: dict, timeout: float = 5.0) -> str:  # noqa: ASYNC109
        """Send a raw Socket Mode message to the newest open connection."""
        ws = await self.wait_for_connection(timeout)
        if "envelope_id" in envelope:
            self.envelopes[envelope["envelope_id"]] = envelope
        await ws.send_str(json.dumps(envelope))
        return envelope.get("envelope_id", "")

    async def send_event(
        self,
        event: dict,
        event_id: str | None = None,
        retry_num: int | None = None,
        *,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> str:
        """Deliver an Events API event over Socket Mode; returns the envelope id.

        First deliveries carry ``retry_attempt: 0, retry_reason: ""`` as Slack does; pass
        ``retry_num=1, retry_reason="timeout"`` (and the same ``event_id``) for a redelivery.
        """
        payload = self.build_event_callback(event, event_id=event_id)
        envelope = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": retry_num or 0,
            "retry_reason": retry_reason
            if retry_reason is not None
            else ("timeout" if retry_num else ""),
        }
        return await self.send_envelope(envelope)

    async def redeliver(self, envelope_id: str, retry_reason: str = "timeout") -> str:
        """Resend an events_api envelope as Slack retries: same event_id, new envelope id."""
        old = self.envelopes[envelope_id]
        envelope = {
            **old,
            "envelope_id": str(uuid.uuid4()),
            "retry_attempt": int(old.get("retry_attempt") or 0) + 1,
            "retry_reason": retry_reason,
        }
        return await self.send_envelope(envelope)

    async def send_interactive(self, payload: dict, *, envelope_id: str | None = None) -> str:
        """Deliver an interactivity payload (block_actions, view_submission...) over Socket Mode."""
        payload = dict(payload)
        payload.setdefault("token", self.verification_token)
        payload.setdefault("api_app_id", self.api_app_id)
        payload.setdefault("team", {"id": self.team_id, "domain": self.team_domain})
        if payload.get("type") in ("block_actions", "message_action", "shortcut"):
            payload.setdefault("trigger_id", self.new_trigger_id())
            if "response_url" not in payload and payload.get("type") != "shortcut":
                channel_id = (payload.get("channel") or {}).get("id")
                user_id = (payload.get("user") or {}).get("id")
                ts = (payload.get("message") or {}).get("ts")
                payload["response_url"] = self.new_response_url(channel_id, user_id, ts)
        envelope = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": "interactive",
            "accepts_response_payload": payload.get("type") in ("view_submission",),
        }
        return await self.send_envelope(envelope)

    async def send_block_action(self, action_id: str, **kwargs: Any) -> str:
        """``send_interactive(build_block_actions(action_id, **kwargs))``."""
        return await self.send_interactive(self.build_block_actions(action_id, **kwargs))

    async def send_slash_command(
        self,
        command: str = "/watchkeeper",
        text: str = "",
        user_id: str = "U0MOD",
        channel_id: str = "C0MOD",
        *,
        envelope_id: str | None = None,
    ) -> str:
        envelope = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": self.build_slash_command(command, text, user_id, channel_id),
            "type": "slash_commands",
            "accepts_response_payload": True,
        }
        return await self.send_envelope(envelope)

    async def send_message(
        self, channel: str, user: str, text: str, *, event_id: str | None = None, **extra: Any
    ) -> tuple[str, dict]:
        """A user posts ``text``: store it in history and deliver the ``message`` event.

        Returns (envelope_id, stored message).
        """
        message = self.add_message(channel, text, user, **extra)
        event = {**_public(message), "channel": channel}
        return await self.send_event(event, event_id=event_id), message

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does before rotating connections."""
        await self.send_envelope(
            {
                "type": "disconnect",
                "reason": reason,
                "debug_info": {"host": "fake-slack"},
            }
        )

    async def close_sockets(self) -> None:
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        self._sockets.clear()

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": sum(1 for s in self._sockets if not s.closed),
                    "debug_info": {
                        "host": "fake-slack",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.api_app_id},
                }
            )
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    data = {"raw": msg.data}
                record = {"received_at": time.time(), "data": data}
                self.socket_messages.append(record)
                if isinstance(data, dict) and "envelope_id" in data:
                    self.acks.append(
                        {
                            "envelope_id": data["envelope_id"],
                            "payload": data.get("payload"),
                            "received_at": record["received_at"],
                        }
                    )
                self._notify()
        finally:
            if ws in self._sockets and ws.closed:
                self._sockets.remove(ws)
            self._notify()
        return ws

    # ------------------------------------------------------------------ response_url

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        context = self._response_urls.get(rid)
        if context is None:
            return web.Response(status=404, text="no_such_response_url")
        raw = await request.text()
        try:
            body = json.loads(raw) if raw.strip().startswith("{") else dict(await request.post())
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        body = {k: _maybe_json(v) for k, v in body.items()}
        record = {"url": str(request.url), "body": body, **context}
        self.responses.append(record)
        channel, ts = context["channel"], context["message_ts"]
        if _truthy(body.get("delete_original")):
            message = self._find_message(channel, ts)
            if message is not None:
                self._delete(channel, message, via="response_url")
        elif _truthy(body.get("replace_original")):
            message = self._find_message(channel, ts)
            if message is None:
                self.responses.pop()
                return web.Response(status=404, text="message_not_found")
            self._apply_update(channel, message, body, via="response_url")
        elif body.get("response_type") == "in_channel" and channel:
            self._post(channel, body, token_kind="bot", via="response_url")
        else:
            self.ephemerals.append(
                {
                    "channel": channel,
                    "user": context["user"],
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "via": "response_url",
                    "body": body,
                }
            )
        self._notify()
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ Web API plumbing

    async def _parse_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                raw = await request.text()
                if raw.strip():
                    body = json.loads(raw)
                    if isinstance(body, dict):
                        params.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        params[key] = value
        for key in ("blocks", "metadata", "attachments", "view"):
            if key in params:
                params[key] = _maybe_json(params[key])
        return params

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._parse_params(request)
        except (json.JSONDecodeError, ValueError):
            return web.json_response({"ok": False, "error": "invalid_json"})
        token = None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        body_token = params.pop("token", None)
        token = token or body_token
        call = {
            "method": method,
            "params": params,
            "token": token,
            "http_method": request.method,
            "time": time.time(),
        }
        self.calls.append(call)
        status, body, headers = await self._dispatch(method, params, token)
        call["status"] = status
        call["ok"] = body.get("ok", False)
        call["error"] = body.get("error")
        self._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _dispatch(
        self, method: str, params: dict, token: str | None
    ) -> tuple[int, dict, dict[str, str]]:
        headers: dict[str, str] = {}
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            if failure["status"] == 429 and failure["retry_after"] is not None:
                headers["Retry-After"] = str(failure["retry_after"])
            return failure["status"], {"ok": False, "error": failure["error"]}, headers
        handler = self._methods.get(method)
        if handler is None:
            self.unknown_calls.append({"method": method, "params": params})
            return 200, {"ok": False, "error": "unknown_method"}, headers
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, headers
        if token in self._revoked:
            return 200, {"ok": False, "error": "token_revoked"}, headers
        info = self._tokens.get(token)
        if info is None:
            return 200, {"ok": False, "error": "invalid_auth"}, headers
        auth = {**info, "token": token}
        if info["kind"] != "app":
            headers["x-oauth-scopes"] = ",".join(info["scopes"])
        if (info["kind"] == "app") != (method in _APP_TOKEN_METHODS):
            return 200, {"ok": False, "error": "not_allowed_token_type"}, headers
        try:
            result = handler(params, auth)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as e:
            return e.status, {"ok": False, "error": e.error, **e.extra}, headers
        after = self._failures_after.get(method)
        if after:
            failure = after.pop(0)
            return failure["status"], {"ok": False, "error": failure["error"]}, headers
        return 200, {"ok": True, **(result or {})}, headers

    @staticmethod
    def _require(auth: dict, *scopes: str) -> None:
        """Fail with missing_scope unless one of ``scopes`` was granted."""
        if not any(s in auth["scopes"] for s in scopes):
            raise ApiError(
                "missing_scope", needed=",".join(scopes), provided=",".join(auth["scopes"])
            )

    @staticmethod
    def _arg(params: dict, name: str) -> Any:
        value = params.get(name)
        if value in (None, ""):
            raise ApiError("invalid_arguments", response_metadata={"messages": [f"missing {name}"]})
        return value

    def _next_ts(self) -> str:
        now_us = max(time.time_ns() // 1000, self._last_us + 1)
        self._last_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def _channel_type(self, channel: dict) -> str:
        if channel.get("is_im"):
            return "im"
        if channel.get("is_mpim"):
            return "mpim"
        return "group" if channel.get("is_private") else "channel"

    def _scope_prefix(self, channel: dict) -> str:
        return {"im": "im", "mpim": "mpim", "group": "groups", "channel": "channels"}[
            self._channel_type(channel)
        ]

    def _open_dm(self, user_id: str) -> dict:
        dm_id = "D" + user_id.lstrip("UW")
        if dm_id not in self.channels:
            self.add_channel(dm_id, "", is_im=True, user=user_id)
        return self.channels[dm_id]

    def _resolve_channel(self, channel_id: str, *, create: bool) -> dict:
        """Channel for an id (or a user id, which means the DM with that user)."""
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_id[:1] in ("U", "W") and channel_id in self.users:
            return self._open_dm(channel_id)
        if create and self.auto_create_channels and not channel_id.startswith("#"):
            return self.add_channel(channel_id, channel_id.lower())
        raise ApiError("channel_not_found")

    def _find_message(self, channel: str | None, ts: str | None) -> dict | None:
        if not channel or not ts:
            return None
        return next((m for m in self._history.get(channel, []) if m["ts"] == ts), None)

    def _store(self, channel: str, message: dict, *, ts: str | None = None) -> dict:
        message = {k: v for k, v in message.items() if v is not None}
        message["ts"] = ts or self._next_ts()
        message["channel"] = channel
        history = self._history.setdefault(channel, [])
        history.append(message)
        history.sort(key=lambda m: _ts_key(m["ts"]))
        self._notify()
        return message

    def _check_metadata(self, metadata: Any) -> dict | None:
        if metadata is None or metadata == "":
            return None
        if not isinstance(metadata, dict):
            raise ApiError("invalid_metadata_format")
        if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
            raise ApiError("invalid_metadata_schema")
        payload = metadata.get("event_payload", {})
        if not isinstance(payload, dict):
            raise ApiError("invalid_metadata_schema")
        return {"event_type": metadata["event_type"], "event_payload": payload}

    def _post(
        self, channel: str, params: dict, *, token_kind: str, via: str = "chat.postMessage"
    ) -> dict:
        text = params.get("text")
        blocks = params.get("blocks")
        attachments = params.get("attachments")
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        message: dict[str, Any] = {"type": "message", "text": text or ""}
        if token_kind == "bot":
            message.update(user=self.bot_user_id, bot_id=self.bot_id, app_id=self.api_app_id)
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = attachments
        metadata = self._check_metadata(params.get("metadata"))
        if metadata is not None:
            message["metadata"] = metadata
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        message["team"] = self.team_id
        message["_params"] = params
        message["_via"] = via
        stored = self._store(channel, message)
        self._posted.append(stored)
        return stored

    def _apply_update(self, channel: str, message: dict, params: dict, *, via: str) -> None:
        before = _public(message)
        for key in ("text", "blocks", "attachments"):
            if key in params and params[key] is not None:
                message[key] = params[key]
        if params.get("metadata") not in (None, ""):
            message["metadata"] = self._check_metadata(params["metadata"])
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        self.updates.append(
            {
                "channel": channel,
                "ts": message["ts"],
                "text": message.get("text"),
                "blocks": message.get("blocks"),
                "metadata": message.get("metadata"),
                "before": before,
                "params": params,
                "via": via,
            }
        )
        self._notify()

    def _delete(self, channel: str, message: dict, *, via: str) -> None:
        self._history[channel].remove(message)
        message["_deleted"] = True
        self.deletes.append({"channel": channel, "ts": message["ts"], "via": via})
        self._notify()

    # ------------------------------------------------------------------ Web API methods

    def _register_builtin_methods(self) -> None:
        for name, handler in {
            "api.test": lambda p, a: {"args": p},
            "auth.test": self._m_auth_test,
            "apps.connections.open": self._m_apps_connections_open,
            "chat.postMessage": self._m_chat_post_message,
            "chat.update": self._m_chat_update,
            "chat.delete": self._m_chat_delete,
            "chat.getPermalink": self._m_chat_get_permalink,
            "chat.postEphemeral": self._m_chat_post_ephemeral,
            "conversations.history": self._m_conversations_history,
            "conversations.info": self._m_conversations_info,
            "conversations.open": self._m_conversations_open,
            "users.info": self._m_users_info,
            "usergroups.users.list": self._m_usergroups_users_list,
            "views.open": self._m_views_open,
        }.items():
            self._methods[name] = handler

    def _m_auth_test(self, params: dict, auth: dict) -> dict:
        user_id = auth["user_id"]
        user = self.users.get(user_id or "", {})
        result = {
            "url": f"https://{self.team_domain}.slack.test/",
            "team": "Fake Team",
            "user": user.get("name", user_id),
            "team_id": self.team_id,
            "user_id": user_id,
            "is_enterprise_install": False,
        }
        if auth["kind"] == "bot":
            result["bot_id"] = self.bot_id
        return result

    def _m_apps_connections_open(self, params: dict, auth: dict) -> dict:
        self._require(auth, "connections:write")
        ticket = secrets.token_hex(12)
        self._tickets.add(ticket)
        self.connections_opened += 1
        return {
            "url": f"ws://{self.host}:{self.port}/socket?ticket={ticket}&app_id={self.api_app_id}"
        }

    def _m_chat_post_message(self, params: dict, auth: dict) -> dict:
        self._require(auth, "chat:write")
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=True)
        if channel.get("is_archived"):
            raise ApiError("is_archived")
        if not channel.get("is_member"):
            public = not channel.get("is_private")
            if not (public and "chat:write.public" in auth["scopes"]):
                raise ApiError("not_in_channel")
        thread_ts = params.get("thread_ts")
        if thread_ts and self._find_message(channel["id"], str(thread_ts)) is None:
            raise ApiError("thread_not_found")
        message = self._post(channel["id"], params, token_kind=auth["kind"])
        return {"channel": channel["id"], "ts": message["ts"], "message": _public(message)}

    def _m_chat_update(self, params: dict, auth: dict) -> dict:
        self._require(auth, "chat:write")
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=False)
        ts = str(self._arg(params, "ts"))
        message = self._find_message(channel["id"], ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.get("user") != auth["user_id"]:
            raise ApiError("cant_update_message")
        self._apply_update(channel["id"], message, params, via="chat.update")
        return {
            "channel": channel["id"],
            "ts": ts,
            "text": message.get("text", ""),
            "message": _public(message),
        }

    def _m_chat_delete(self, params: dict, auth: dict) -> dict:
        self._require(auth, "chat:write")
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=False)
        ts = str(self._arg(params, "ts"))
        message = self._find_message(channel["id"], ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.get("user") != auth["user_id"]:
            raise ApiError("cant_delete_message")
        self._delete(channel["id"], message, via="chat.delete")
        return {"channel": channel["id"], "ts": ts}

    def _m_chat_get_permalink(self, params: dict, auth: dict) -> dict:
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=False)
        ts = str(self._arg(params, "message_ts"))
        if self._find_message(channel["id"], ts) is None:
            raise ApiError("message_not_found")
        return {
            "channel": channel["id"],
            "permalink": f"{PERMALINK_HOST}/archives/{channel['id']}/p{ts.replace('.', '')}",
        }

    def _m_chat_post_ephemeral(self, params: dict, auth: dict) -> dict:
        self._require(auth, "chat:write")
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=True)
        user = str(self._arg(params, "user"))
        if user not in self.users:
            raise ApiError("user_not_found")
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            raise ApiError("no_text")
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel["id"],
                "user": user,
                "text": params.get("text"),
                "blocks": params.get("blocks"),
                "thread_ts": params.get("thread_ts"),
                "ts": ts,
                "via": "chat.postEphemeral",
                "params": params,
            }
        )
        return {"message_ts": ts}

    def _m_conversations_history(self, params: dict, auth: dict) -> dict:
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=False)
        self._require(auth, f"{self._scope_prefix(channel)}:history")
        if not channel.get("is_member") and channel.get("is_private"):
            raise ApiError("channel_not_found")
        inclusive = _truthy(params.get("inclusive"))
        try:
            oldest = _ts_key(params.get("oldest") or "0")
            latest = _ts_key(params["latest"]) if params.get("latest") else None
        except ValueError:
            raise ApiError("invalid_ts_oldest") from None
        limit = int(params.get("limit") or 100)
        limit = max(1, min(limit, 999))
        with_metadata = _truthy(params.get("include_all_metadata"))

        def in_range(m: dict) -> bool:
            ts = _ts_key(m["ts"])
            lo = ts >= oldest if inclusive else ts > oldest
            hi = latest is None or (ts <= latest if inclusive else ts < latest)
            return lo and hi

        selected = [
            m
            for m in reversed(self._history.get(channel["id"], []))
            if in_range(m) and m.get("thread_ts", m["ts"]) == m["ts"]
        ]
        offset = 0
        if params.get("cursor"):
            try:
                offset = int(base64.b64decode(str(params["cursor"])).decode().split(":", 1)[1])
            except (ValueError, IndexError):
                raise ApiError("invalid_cursor") from None
        page = selected[offset : offset + limit]
        messages = []
        for m in page:
            out = _public(m)
            if not with_metadata:
                out.pop("metadata", None)
            messages.append(out)
        has_more = offset + limit < len(selected)
        result: dict[str, Any] = {
            "messages": messages,
            "has_more": has_more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if has_more:
            cursor = base64.b64encode(f"next_offset:{offset + limit}".encode()).decode()
            result["response_metadata"] = {"next_cursor": cursor}
        return result

    def _m_conversations_info(self, params: dict, auth: dict) -> dict:
        channel = self._resolve_channel(str(self._arg(params, "channel")), create=False)
        self._require(auth, f"{self._scope_prefix(channel)}:read")
        if not channel.get("is_member") and channel.get("is_private"):
            raise ApiError("channel_not_found")
        return {"channel": copy.deepcopy(channel)}

    def _m_conversations_open(self, params: dict, auth: dict) -> dict:
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if params.get("channel"):
            return {
                "channel": {"id": self._resolve_channel(str(params["channel"]), create=False)["id"]}
            }
        if not users:
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            raise ApiError("not_implemented_in_fake", detail="multi-person DMs")
        self._require(auth, "im:write")
        if users[0] not in self.users:
            raise ApiError("user_not_found")
        channel = self._open_dm(users[0])
        if _truthy(params.get("return_im")):
            return {"channel": copy.deepcopy(channel)}
        return {"channel": {"id": channel["id"]}}

    def _m_users_info(self, params: dict, auth: dict) -> dict:
        self._require(auth, "users:read")
        user = self.users.get(str(self._arg(params, "user")))
        if user is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _m_usergroups_users_list(self, params: dict, auth: dict) -> dict:
        self._require(auth, "usergroups:read")
        group = self.usergroups.get(str(self._arg(params, "usergroup")))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"users": list(group)}

    def _m_views_open(self, params: dict, auth: dict) -> dict:
        trigger_id = str(self._arg(params, "trigger_id"))
        view = self._arg(params, "view")
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments")
        if trigger_id not in self._triggers:
            raise ApiError("invalid_trigger_id")
        if self._triggers[trigger_id]:
            raise ApiError("exchanged_trigger_id")
        _check_modal(view)
        self._triggers[trigger_id] = True
        opened = {
            **view,
            "id": f"V{next(self._counter):08d}",
            "team_id": self.team_id,
            "app_id": self.api_app_id,
            "bot_id": self.bot_id,
            "hash": secrets.token_hex(6),
        }
        self.views.append({"trigger_id": trigger_id, "view": opened})
        return {"view": opened}


def _check_modal(view: dict) -> None:
    """Slack's limits on a modal view: a plain_text title of at most 24 characters, a
    submit button when it has input blocks, at most 100 blocks, private_metadata of at
    most 3000 characters and a callback_id of at most 255."""
    title = view.get("title") or {}
    blocks = view.get("blocks") or []
    inputs = [b for b in blocks if b.get("type") == "input"]
    if (
        view.get("type") != "modal"
        or title.get("type") != "plain_text"
        or not 1 <= len(title.get("text") or "") <= 24
        or (inputs and not (view.get("submit") or {}).get("text"))
        or len(blocks) > 100
        or len(view.get("private_metadata") or "") > 3000
        or len(view.get("callback_id") or "") > 255
        or any(not b.get("label") or not b.get("element") for b in inputs)
    ):
        raise ApiError("invalid_arguments")
