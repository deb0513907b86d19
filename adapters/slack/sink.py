"""The outbox's ``AlertSink`` for Slack: alerts go to the moderator channel, only there.

Idempotency: every alert is posted with message metadata
``{"event_type": "watchkeeper_alert", "event_payload": {"case_id", "key"}}``. When the
outbox retries a job that may already have reached Slack (a crash, a lost response)
it first calls ``find_posted``, which looks for that key in the moderator channel's
recent history (``include_all_metadata``); a first attempt skips the look-up.

Errors: rate limits, server errors and network errors are retryable (the outbox
backs off, honouring ``Retry-After``); anything else (channel not found, not in
channel, missing scope) is not, and the outbox keeps the job and reports it. The
sink's client repeats a call only after a 429 (Slack did nothing); after a server
or connection error the alert may exist, so only the outbox, which looks first,
tries again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.blocks import case_blocks, digest_blocks
from adapters.slack.translate import PLATFORM, source_ts
from bot.models import Case
from bot.outbox import DeliveryError

log = logging.getLogger(__name__)

METADATA_EVENT = "watchkeeper_alert"
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "service_unavailable", "fatal_error",
     "request_timeout"}
)  # fmt: skip
HISTORY_PAGES = 5
"""How many pages (of 200 messages) of the moderator channel are searched for an
earlier post: far more than the alerts a busy workspace gets while a job waits."""


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """A Slack API error as the outbox understands it."""
    response = exc.response
    error = str(response.get("error") or "unknown_error")
    status = response.status_code
    retry_after = None
    headers = response.headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if raw is not None:
        try:
            retry_after = float(raw[0] if isinstance(raw, list) else raw)
        except ValueError:
            retry_after = None
    retryable = status == 429 or status >= 500 or error in RETRYABLE_ERRORS
    return DeliveryError(f"slack: {error} (HTTP {status})", retryable, retry_after)


class SlackAlertSink:
    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, channel: str, ping: str = "") -> None:
        self.client = client
        self.channel = channel
        self.ping = ping
        """Who a reminder mentions: the moderators' user group, or the moderators."""
        self._permalinks: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def post(self, case: Case, idempotency_key: str) -> str:
        text, blocks = case_blocks(case, await self.permalinks(case))
        return await self._post(text, blocks, case.id, idempotency_key)

    async def update(self, case: Case, platform_message_id: str) -> None:
        channel, ts = self._locate(platform_message_id)
        text, blocks = case_blocks(case, await self.permalinks(case))
        await self._call(self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    async def remind(self, case: Case, platform_message_id: str, text: str, key: str) -> str:
        """A reply in the alert's thread, also shown in the moderator channel."""
        channel, ts = self._locate(platform_message_id)
        response = await self._call(
            self.client.chat_postMessage(
                channel=channel, thread_ts=ts, reply_broadcast=True,
                text=f"{self.ping} {text}".strip(), unfurl_links=False, unfurl_media=False,
            )
        )  # fmt: skip
        return f"{response['channel']}:{response['ts']}"

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        text, blocks = digest_blocks(cases)
        return await self._post(text, blocks, cases[0].id if cases else 0, idempotency_key)

    async def permalinks(self, case: Case) -> dict[str, str]:
        """Permalinks of the messages a case cites, asked for now (not per message).
        A link that cannot be had is left out: the alert still goes."""
        links: dict[str, str] = {}
        for ref in case.evidence:
            link = ref.link or await self._permalink(ref.channel_id, source_ts(ref.message_id))
            if link:
                links[ref.message_id] = link
        return links

    async def _permalink(self, channel: str, ts: str) -> str | None:
        link = self._permalinks.get((channel, ts))
        if link is not None:
            return link
        try:
            response = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            log.info("no permalink for a cited message: %s", exc.response.get("error"))
            return None
        except (TimeoutError, aiohttp.ClientError, OSError):
            return None
        link = str(response.get("permalink") or "")
        self._permalinks[(channel, ts)] = link
        if len(self._permalinks) > 2000:
            self._permalinks.popitem(last=False)
        return link

    # -- internals ---------------------------------------------------------------------

    async def _post(self, text: str, blocks: list[dict[str, Any]], case_id: int, key: str) -> str:
        response = await self._call(
            self.client.chat_postMessage(
                channel=self.channel, text=text, blocks=blocks, unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT,
                          "event_payload": {"case_id": case_id, "key": key}},
            )
        )  # fmt: skip
        return f"{response['channel']}:{response['ts']}"

    def _locate(self, platform_message_id: str) -> tuple[str, str]:
        channel, _, ts = platform_message_id.rpartition(":")
        return channel or self.channel, ts

    async def find_posted(self, space_id: str, idempotency_key: str) -> str | None:
        """The alert posted earlier under this key, found by its message metadata."""
        cursor = None
        for _ in range(HISTORY_PAGES):
            response = await self._call(
                self.client.conversations_history(
                    channel=self.channel, limit=200, include_all_metadata=True,
                    **({"cursor": cursor} if cursor else {}),
                )
            )  # fmt: skip
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == (
                    idempotency_key
                ):
                    return f"{self.channel}:{message['ts']}"
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        return None

    async def _call(self, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
        try:
            return await call
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"slack: network error: {exc}", retryable=True) from exc
