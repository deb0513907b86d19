"""Operational metrics, in one place, for Prometheus.

The engine and the outbox call the small hooks below. They do nothing until a
process that serves ``/metrics`` calls ``enable()``: the core never needs
``prometheus_client`` to import or to run (tests, ``score``, ``replay``), and the
counters exist once per process however many times ``enable`` is called.

No label ever carries a user, a message or a space id: only platforms, levels and
outcomes, so the metrics are safe to scrape into shared monitoring.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True, slots=True)
class _Collectors:
    registry: Any
    messages: Any
    scoring: Any
    alerts: Any
    deliveries: Any
    retries: Any
    failures: Any
    outbox_depth: Any
    inbox_depth: Any
    requests: Any
    dead_letters: Any
    dead_letters_kept: Any
    task_restarts: Any


_collectors: _Collectors | None = None


def enable() -> None:
    """Create the collectors (once); from then on the hooks count."""
    global _collectors
    if _collectors is not None:
        return
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    registry = CollectorRegistry()
    _collectors = _Collectors(
        registry=registry,
        messages=Counter(
            "watchkeeper_messages_scored", "Messages scored", ["platform"], registry=registry
        ),
        scoring=Histogram(
            "watchkeeper_scoring_seconds",
            "Time to track and score one message",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        alerts=Counter(
            "watchkeeper_alerts",
            "Cases opened or upgraded, by level",
            ["level", "verdict"],
            registry=registry,
        ),
        deliveries=Counter(
            "watchkeeper_deliveries", "Alerts delivered", ["platform", "kind"], registry=registry
        ),
        retries=Counter(
            "watchkeeper_delivery_retries",
            "Delivery attempts that failed and will be retried",
            ["platform"],
            registry=registry,
        ),
        failures=Counter(
            "watchkeeper_delivery_failures",
            "Delivery attempts that failed without a retry in sight (need attention)",
            ["platform"],
            registry=registry,
        ),
        outbox_depth=Gauge(
            "watchkeeper_outbox_depth", "Alerts waiting for delivery", registry=registry
        ),
        inbox_depth=Gauge(
            "watchkeeper_inbox_depth",
            "Messages accepted by the HTTP API and not yet scored",
            registry=registry,
        ),
        requests=Counter(
            "watchkeeper_http_requests",
            "HTTP API requests by route and status",
            ["route", "status"],
            registry=registry,
        ),
        dead_letters=Counter(
            "watchkeeper_dead_letters",
            "Messages set aside because they could not be scored",
            registry=registry,
        ),
        dead_letters_kept=Gauge(
            "watchkeeper_dead_letters_kept",
            "Messages in the dead-letter table (see `watchkeeper deadletters`)",
            registry=registry,
        ),
        task_restarts=Counter(
            "watchkeeper_task_restarts",
            "Background tasks (scoring, delivery) restarted after they failed",
            ["task"],
            registry=registry,
        ),
    )


def enabled() -> bool:
    return _collectors is not None


_UNTIMED = nullcontext()


def scoring(platform: str) -> AbstractContextManager[None]:
    """Time one message through tracking and scoring (on every message: nothing is
    made for it until ``enable``)."""
    return _UNTIMED if _collectors is None else _timed(platform)


@contextmanager
def _timed(platform: str) -> Iterator[None]:
    assert _collectors is not None
    start = time.perf_counter()
    try:
        yield
    finally:
        _collectors.scoring.observe(time.perf_counter() - start)
        _collectors.messages.labels(platform).inc()


def alert(level: str, verdict: str) -> None:
    if _collectors is not None:
        _collectors.alerts.labels(level, verdict).inc()


def delivered(platform: str, kind: str) -> None:
    if _collectors is not None:
        _collectors.deliveries.labels(platform, kind).inc()


def delivery_failed(platform: str, retryable: bool) -> None:
    if _collectors is not None:
        (_collectors.retries if retryable else _collectors.failures).labels(platform).inc()


def request(route: str, status: int) -> None:
    if _collectors is not None:
        _collectors.requests.labels(route, str(status)).inc()


def dead_letters(count: int) -> None:
    if _collectors is not None:
        _collectors.dead_letters.inc(count)


def set_dead_letters(kept: int) -> None:
    if _collectors is not None:
        _collectors.dead_letters_kept.set(kept)


def task_restarted(task: str) -> None:
    if _collectors is not None:
        _collectors.task_restarts.labels(task).inc()


def set_depths(outbox: int, inbox: int | None = None) -> None:
    if _collectors is not None:
        _collectors.outbox_depth.set(outbox)
        if inbox is not None:
            _collectors.inbox_depth.set(inbox)


def exposition() -> tuple[bytes, str]:
    """The text format for ``/metrics`` and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    enable()
    assert _collectors is not None
    return generate_latest(_collectors.registry), CONTENT_TYPE_LATEST
