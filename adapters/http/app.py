"""The HTTP ingest API: any platform posts its messages, alerts go to its webhook.

For platforms with their own chat (a game, a forum, a small social app) that can see
their DMs and want the scorer. Routes (all JSON, all under an API key except
``/v1/openapi.json`` and the operations endpoints):

- ``POST /v1/messages``: one message, or ``{"messages": [...]}`` in arrival order.
  They are stored in the inbox and answered ``202``; a process holding the space's
  lease scores them (``bot/inbox.py``), and alerts leave through the outbox to the
  configured webhook, signed (``adapters/http/webhook.py``).
- ``GET /v1/cases``: the cases of the key's spaces, and never of any other.
- ``POST /v1/cases/{id}/decisions``: a moderator's decision on one of them.

Keys are scoped to spaces (``watchkeeper apikey create --space S``). Bodies are
limited in size, keys in rate, and every error is ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

from aiohttp import web

from adapters.http import ops
from adapters.http.auth import KeyRing, RateLimiter
from adapters.http.errors import ApiError, json_errors
from adapters.http.openapi import document
from adapters.http.payloads import case_json, parse_decision, parse_messages
from adapters.http.webhook import WebhookSink
from bot import hotline, metrics
from bot.alerts import escalation_for
from bot.clock import utcnow
from bot.config import HttpConfig, Settings
from bot.decisions import Actor, CaseNotHere, TransitionRefused, decide
from bot.inbox import InboxConsumer
from bot.models import Action
from bot.redact import redact_url
from bot.runtime import Runtime
from bot.store import inbox as queue
from bot.store.apikeys import ApiKey

log = logging.getLogger(__name__)

MAX_CASES = 500
API_KEY = web.AppKey("api", object)


class IngestApi:
    """The request handlers, over one runtime and its inbox consumer."""

    def __init__(self, runtime: Runtime, consumer: InboxConsumer, config: HttpConfig) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.consumer = consumer
        self.config = config
        self.keys = KeyRing(runtime.store)
        self.limiter = RateLimiter(config.rate_limit_per_minute)

    async def _caller(self, request: web.Request) -> ApiKey:
        key = await self.keys.require(request)
        self.limiter.charge(key.key_id, 1, key.rate_limit)
        return key

    async def _body(self, request: web.Request) -> bytes:
        length = request.content_length
        if length is not None and length > self.config.max_body_bytes:
            raise ApiError(413, f"the body is larger than {self.config.max_body_bytes} bytes")
        try:  # aiohttp enforces the size limit when no length is given
            return await asyncio.wait_for(request.read(), self.config.body_timeout_seconds)
        except TimeoutError:
            raise ApiError(
                408, f"the body did not arrive within {self.config.body_timeout_seconds:g} s"
            ) from None

    async def post_messages(self, request: web.Request) -> web.Response:
        key = await self._caller(request)
        messages = parse_messages(await self._body(request), self.config.batch_max)
        refused = sorted({m.space_id for m in messages if not key.may_use(m.space_id)})
        if refused:
            raise ApiError(403, f"this key may not post to space {refused[0]!r}", "forbidden_space")
        if len(messages) > 1:
            self.limiter.charge(key.key_id, len(messages) - 1, key.rate_limit)
        await queue.put(self.store, messages, utcnow(), self.consumer.accepted)
        self.consumer.notify({(m.platform, m.space_id) for m in messages})
        return web.json_response({"accepted": len(messages)}, status=202)

    async def list_cases(self, request: web.Request) -> web.Response:
        key = await self._caller(request)
        query = request.rel_url.query
        unknown = sorted(set(query) - {"space", "state", "limit"})
        if unknown:
            raise ApiError(422, f"unknown query parameter {unknown[0]!r}")
        space = query.get("space")
        if space is not None and not key.may_use(space):
            raise ApiError(403, f"this key may not read space {space!r}", "forbidden_space")
        state = query.get("state", "all")
        if state not in ("open", "all"):
            raise ApiError(422, "state: must be 'open' or 'all'")
        try:
            limit = int(query.get("limit", "100"))
        except ValueError:
            raise ApiError(422, "limit: must be an integer") from None
        if not 1 <= limit <= MAX_CASES:
            raise ApiError(422, f"limit: must be between 1 and {MAX_CASES}")
        cases = []
        for space_id in (space,) if space is not None else key.spaces:
            cases += await self.store.list_cases(
                platform=key.platform, space_id=space_id, open_only=state == "open", limit=limit
            )
        cases.sort(key=lambda c: c.id)
        return web.json_response({"cases": [case_json(c) for c in cases[:limit]]})

    async def decide(self, request: web.Request) -> web.Response:
        key = await self._caller(request)
        decision = parse_decision(await self._body(request))
        case_id = int(request.match_info["case_id"])
        case = await self.store.get_case(case_id) if case_id < 2**63 else None
        # Someone else's case is "not found", exactly like a case that does not exist.
        if case is None or case.platform != key.platform or not key.may_use(case.space_id):
            raise ApiError(404, f"no case {case_id} in this key's spaces")
        actor = Actor(decision.actor, decision.actor_name)
        try:
            outcome = await decide(self.runtime.engine, case.platform, case.space_id, case.id,
                                   decision.as_action, actor, decision.reason)  # fmt: skip
        except CaseNotHere:
            raise ApiError(404, f"no case {case_id} in this key's spaces") from None
        except TransitionRefused as exc:
            raise ApiError(409, str(exc), "invalid_transition") from None
        body = case_json(outcome.case)
        if outcome.package is not None:
            package = outcome.package
            body["evidence_package"] = {"path": str(package.path),
                                        "manifest_sha256": package.manifest_sha256}  # fmt: skip
        if outcome.action is Action.ESCALATE:
            escalation = escalation_for(outcome.case, self.runtime.settings)
            body["hotline_report"] = await hotline.for_case(
                self.store, outcome.case, escalation, outcome.package
            )
        return web.json_response(body)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document())


def build_app(
    runtime: Runtime, consumer: InboxConsumer, config: HttpConfig, ready: dict[str, bool]
) -> web.Application:
    api = IngestApi(runtime, consumer, config)
    app = web.Application(middlewares=[json_errors], client_max_size=config.max_body_bytes)
    app[API_KEY] = api
    app.router.add_post("/v1/messages", api.post_messages)
    app.router.add_get("/v1/cases", api.list_cases)
    app.router.add_post(r"/v1/cases/{case_id:\d{1,19}}/decisions", api.decide)
    app.router.add_get("/v1/openapi.json", openapi)
    ops.add_routes(app, runtime, ready)
    return app


def webhook_sink(config: HttpConfig) -> WebhookSink:
    secret = config.webhook_secret.get_secret_value() if config.webhook_secret else ""
    return WebhookSink(config.webhook_url, secret)


async def serve(runtime: Runtime) -> None:
    """Serve the API until cancelled; then finish in-flight requests and scoring."""
    config = runtime.settings.http
    metrics.enable()
    runtime.add_sink(webhook_sink(config))
    consumer = InboxConsumer(runtime.store, runtime.engine)
    ready = {"ready": False}
    runner = web.AppRunner(
        build_app(runtime, consumer, config, ready), access_log=None, shutdown_timeout=10
    )
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    scoring = runtime.supervise("inbox", consumer.run)
    ready["ready"] = True
    log.info("HTTP API on http://%s:%d (process %s)", config.host, config.port, consumer.owner)
    try:
        await asyncio.Event().wait()
    finally:
        ready["ready"] = False
        await runner.cleanup()  # stops accepting; requests under way finish
        await consumer.stop()
        await scoring
        await consumer.release()


async def check(settings: Settings) -> list[str]:
    """``watchkeeper check``: what can be checked without sending an alert."""
    config = settings.http
    url = urlparse(config.webhook_url)
    problems = []
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(
            f"http.webhook_url {redact_url(config.webhook_url)!r} is not an http(s) URL"
        )
    print(f"http: API on {config.host}:{config.port}, alerts to {redact_url(config.webhook_url)}")
    return problems
