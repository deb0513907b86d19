"""Operations endpoints: ``/healthz`` (alive), ``/readyz`` (can work), ``/metrics``.

Served by the ingest API's server, or on their own (``[http] ops_port``) when only
Discord or Slack run. They need no key: bind them to an internal address.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from adapters.http.errors import json_errors
from bot import metrics
from bot.runtime import Runtime
from bot.store import deadletters
from bot.store import inbox as queue

log = logging.getLogger(__name__)

READY_TIMEOUT = 2.0
RUNTIME_KEY = web.AppKey("runtime", Runtime)
READY_KEY = web.AppKey("ready", dict)


async def healthz(request: web.Request) -> web.Response:
    """The process answers: its event loop is not stuck."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The process can take work: it is not shutting down, its background tasks
    (scoring, delivery) run and its store answers."""
    if not request.app[READY_KEY].get("ready", False):
        return web.json_response(
            {"status": "unavailable", "reason": "not started or stopping"}, status=503
        )
    runtime = request.app[RUNTIME_KEY]
    if runtime.down:
        name, why = next(iter(runtime.down.items()))
        return web.json_response(
            {"status": "unavailable", "reason": f"task {name} {why}"}, status=503
        )
    store = runtime.store
    try:
        await asyncio.wait_for(store.driver.fetch("SELECT 1"), timeout=READY_TIMEOUT)
    except Exception as exc:  # any failure of the store means "not ready", with why
        log.warning("readyz: store check failed: %s", exc)
        return web.json_response(
            {"status": "unavailable", "reason": f"store: {type(exc).__name__}"}, status=503
        )
    return web.json_response({"status": "ready"})


async def metrics_view(request: web.Request) -> web.Response:
    store = request.app[RUNTIME_KEY].store
    try:
        outbox, _ = await asyncio.wait_for(store.outbox_backlog(), timeout=READY_TIMEOUT)
        inbox = await asyncio.wait_for(queue.depth(store), timeout=READY_TIMEOUT)
        metrics.set_depths(outbox, inbox)
        metrics.set_dead_letters(await asyncio.wait_for(deadletters.count(store), READY_TIMEOUT))
    except Exception as exc:  # the counters are still worth serving without the depths
        log.warning("metrics: could not read queue depths: %s", exc)
    body, content_type = metrics.exposition()
    response = web.Response(body=body)
    response.content_type = content_type.split(";")[0]
    response.charset = "utf-8"
    return response


def add_routes(app: web.Application, runtime: Runtime, ready: dict[str, bool]) -> None:
    app[RUNTIME_KEY] = runtime
    app[READY_KEY] = ready
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)


async def serve_ops(runtime: Runtime, host: str, port: int) -> None:
    """Only the operations endpoints, until cancelled."""
    metrics.enable()
    ready = {"ready": True}
    app = web.Application(middlewares=[json_errors])
    add_routes(app, runtime, ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("operations endpoints on http://%s:%d", host, port)
    try:
        await asyncio.Event().wait()
    finally:
        ready["ready"] = False
        await runner.cleanup()
