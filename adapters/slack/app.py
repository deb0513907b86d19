"""Watch a Slack workspace with slack-bolt, in Socket Mode (default) or over HTTP.

``watchkeeper run`` calls ``serve(runtime)``; ``watchkeeper check`` calls
``check(settings)``. The pieces live beside it in ``adapters/slack/``: this module wires
them into one ``AsyncApp`` and runs it until cancelled.

Socket Mode needs no public address (best for self-hosters); HTTP mode serves
``/slack/events`` for events, buttons and the slash command, and bolt rejects any
request whose signature is wrong or older than five minutes.

Slack spreads a workspace's events over all its HTTP workers. With a PostgreSQL store
(several workers behind a load balancer), HTTP mode therefore hands messages to the
store's inbox, and the process holding the workspace's lease scores them
(``bot/inbox.py``, as the HTTP API does), so one process at a time scores a workspace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.health import check_app_token, diagnose
from adapters.slack.listeners import SlackListeners
from adapters.slack.people import Directory
from adapters.slack.sink import SlackAlertSink
from bot.config import Settings, SlackConfig
from bot.inbox import InboxConsumer
from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 2
"""In-call retries on 429 (honouring Retry-After) before the outbox's own backoff."""
SERVER_ERROR_RETRIES = 2


class SlackStartError(Exception):
    """The app cannot start: the message says what to fix, in one line."""


def web_client(
    config: SlackConfig, token: str | None = None, *, repeat_on_server_error: bool = True
) -> AsyncWebClient:
    """A Web API client that retries rate limits (and, unless told not to, server and
    connection errors).

    The alert sink's client does not repeat a call after a server or connection
    error: Slack may have posted the alert before failing, and only the outbox's
    retry, which first looks for the alert's metadata, can tell.
    """
    secret = config.bot_token.get_secret_value() if config.bot_token else ""
    handlers: list[AsyncRetryHandler] = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
    ]
    if repeat_on_server_error:
        handlers += [
            AsyncConnectionErrorRetryHandler(),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ]
    return AsyncWebClient(
        token=token if token is not None else secret,
        base_url=config.api_base_url,
        retry_handlers=handlers,
    )


@dataclass(slots=True)
class SlackAdapter:
    """One running Slack app: the bolt app, its listeners and its alert sink."""

    app: AsyncApp
    listeners: SlackListeners
    sink: SlackAlertSink
    team_id: str
    inbox: InboxConsumer | None = None
    """Scores what the workers put in the inbox (HTTP mode on PostgreSQL only)."""


def submits_through_inbox(settings: Settings) -> bool:
    """HTTP workers sharing a PostgreSQL store (a load balancer in front): yes. Socket
    Mode and SQLite (one process) score messages where they arrive."""
    shared = settings.storage.url.startswith(("postgresql://", "postgres://"))
    return settings.slack.mode == "http" and shared


async def start_adapter(runtime: Runtime) -> SlackAdapter:
    """Check the tokens, build the bolt app, register the alert sink (started runtime)."""
    config = runtime.settings.slack
    client = web_client(config)
    diagnosis = await diagnose(client, config)
    if diagnosis.fatal:
        raise SlackStartError(diagnosis.problems[0])
    for problem in diagnosis.problems:
        log.error("%s", problem)
    http = config.mode == "http"
    secret = config.signing_secret.get_secret_value() if config.signing_secret else ""
    # Acknowledge only after a listener has run: if the process dies mid-way, Slack
    # delivers the event again (and the event-id check makes that harmless).
    app = AsyncApp(client=client, signing_secret=secret, request_verification_enabled=http,
                   ignoring_self_events_enabled=True, process_before_response=True)  # fmt: skip
    inbox = None
    if submits_through_inbox(runtime.settings):
        inbox = InboxConsumer(runtime.store, runtime.engine)
        log.info("slack: messages go through the inbox (process %s)", inbox.owner)
    listeners = SlackListeners(runtime, Directory(client, config), inbox)
    listeners.register(app)
    await listeners.ensure_space(diagnosis.team_id)
    sink = SlackAlertSink(web_client(config, repeat_on_server_error=False),
                          config.moderator_channel, moderator_ping(config))  # fmt: skip
    runtime.add_sink(sink)
    runtime.engine.delivery_wakeup.set()  # alerts that waited for Slack go out now
    return SlackAdapter(app, listeners, sink, diagnosis.team_id, inbox)


def moderator_ping(config: SlackConfig) -> str:
    """How a reminder mentions the moderators: their user group, else each of them."""
    if config.moderator_usergroup:
        return f"<!subteam^{config.moderator_usergroup}>"
    return " ".join(f"<@{user}>" for user in config.moderator_users)


@asynccontextmanager
async def socket_mode(app: AsyncApp, app_token: str) -> AsyncIterator[AsyncSocketModeHandler]:
    handler = AsyncSocketModeHandler(app, app_token=app_token)
    await handler.connect_async()
    log.info("slack: connected in Socket Mode")
    try:
        yield handler
    finally:
        await handler.close_async()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def well_formed_timestamp(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a request whose ``X-Slack-Request-Timestamp`` is not a number with 401,
    as bolt refuses a bad signature (bolt itself would fail on it with a 500)."""
    stamp = request.headers.get("X-Slack-Request-Timestamp")
    if stamp is not None and not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return web.json_response({"error": "invalid request timestamp"}, status=401)
    return await handler(request)


@asynccontextmanager
async def http_mode(app: AsyncApp, host: str, port: int) -> AsyncIterator[web.AppRunner]:
    web_app = app.web_app(path=EVENTS_PATH, port=port)
    web_app.middlewares.append(well_formed_timestamp)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("slack: listening on http://%s:%d%s", host, port, EVENTS_PATH)
    try:
        yield runner
    finally:
        await runner.cleanup()


@asynccontextmanager
async def scoring(runtime: Runtime, inbox: InboxConsumer | None) -> AsyncIterator[None]:
    """Run the inbox consumer, if any; on the way out finish its batch, write out what
    it scored and hand its leases back (others take the workspace over at once)."""
    if inbox is None:
        yield
        return
    task = runtime.supervise("slack-inbox", inbox.run)
    try:
        yield
    finally:
        await inbox.stop()
        await task
        await inbox.release()


async def serve(runtime: Runtime) -> None:
    """Watch the workspace until cancelled."""
    adapter = await start_adapter(runtime)
    config = runtime.settings.slack
    if config.mode == "http":
        # The server stops accepting before the consumer stops: what it stored is scored.
        async with (
            scoring(runtime, adapter.inbox),
            http_mode(adapter.app, config.http_host, config.http_port),
        ):
            await asyncio.Event().wait()
    else:
        assert config.app_token is not None  # the config requires it in socket mode
        async with socket_mode(adapter.app, config.app_token.get_secret_value()):
            await asyncio.Event().wait()


async def check(settings: Settings) -> list[str]:
    """One line per problem with the Slack setup: tokens, scopes, moderator channel."""
    config = settings.slack
    diagnosis = await diagnose(web_client(config), config)
    problems = list(diagnosis.problems)
    if config.mode == "socket" and config.app_token is not None:
        app_token = config.app_token.get_secret_value()
        problems += await check_app_token(web_client(config, token=""), app_token)
    return problems
