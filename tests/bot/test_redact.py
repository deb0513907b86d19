"""Credentials never leave a URL that is printed, logged or audited."""

from __future__ import annotations

import pytest

from bot.redact import redact_url, redact_urls


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://wk:hunter2@db:5432/wk", "postgresql://wk:***@db:5432/wk"),
        ("postgresql://db/wk?password=hunter2&sslmode=require",
         "postgresql://db/wk?password=***&sslmode=require"),
        ("https://hooks.example.com/services/T0/B0/aB3dE5gH7jK9mN1p", "https://hooks.example.com/services/T0/B0/***"),
        ("https://x.example/hook?access_token=abc&v=2", "https://x.example/hook?access_token=***&v=2"),
        ("http://127.0.0.1:9/unreachable", "http://127.0.0.1:9/unreachable"),
        ("sqlite:///data/watchkeeper.db", "sqlite:///data/watchkeeper.db"),
        ("not a url", "not a url"),
    ],
)  # fmt: skip
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_urls_walks_json() -> None:
    value = {"a": ["postgresql://u:p4ss@h/db", 3], "b": {"c": "plain"}}
    assert redact_urls(value) == {"a": ["postgresql://u:***@h/db", 3], "b": {"c": "plain"}}
