"""A small Slack workspace for the Slack adapter's end-to-end tests.

The fake Slack (``fakes/slack_api.py``) plays Slack; the real ``serve()`` of
``adapters.slack.app`` runs against it with a real SQLite store in ``tmp_path``.
Conversations are ordinary chat: the grooming one shows tactics (age probing,
flattery, secrecy, moving to another app, a photo request), never sexual content.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from adapters.slack.app import serve
from bot.config import Settings
from bot.models import Case
from bot.runtime import Runtime
from tests.conftest import make_settings
from tests.e2e.fakes.slack_api import FakeSlack

MOD = "C0MOD"
CHAT = "C0CHAT"
OTHER = "C0OTHER"
MODERATOR = "U0MOD"
OWNER = "U0OWNER"
ADULT = "U0ADULT"
KID = "U0KID"
PEER = "U0PEER"
MINORS_GROUP = "S0MINORS"
SIGNING_SECRET = "test-signing-secret"

GROOMING = [
    (ADULT, f"hey <@{KID}> you're really good at this game for your age. how old r u?"),
    (KID, "im 13"),
    (ADULT, "wow ur so mature for 13 honestly, not like other kids here"),
    (KID, "haha thanks"),
    (ADULT, "are your parents strict? do they check your phone?"),
    (KID, "kinda, my mom sometimes looks"),
    (ADULT, "just dont tell anyone we talk ok, this is just between us"),
    (ADULT, "add me on snap instead, its more private there"),
    (ADULT, "send me a selfie so i know its you"),
]

ORDINARY = [
    (PEER, f"<@{KID}> are you doing the build contest this weekend?"),
    (KID, "yes!! whats the theme"),
    (PEER, "castles i think, teams of 3"),
    (KID, "nice, i'm good at redstone so i can do the gates"),
    (PEER, "did you finish the science worksheet btw"),
    (KID, "nope lol its due monday"),
    (PEER, "same, see you saturday then"),
    (KID, "gg see you"),
]


def populate(fake: FakeSlack) -> None:
    fake.add_user(MODERATOR, "mod-alice")
    fake.add_user(OWNER, "owner-olga", is_owner=True)
    fake.add_user(ADULT, "stranger-eve")
    fake.add_user(KID, "kid-bob")
    fake.add_user(PEER, "peer-pat")
    fake.add_channel(MOD, "mod-alerts", is_private=True)
    fake.add_channel(CHAT, "general")
    fake.add_channel(OTHER, "random")
    fake.add_usergroup(MINORS_GROUP, [KID, PEER])


def slack_settings(tmp_path: Path, fake: FakeSlack, **slack: Any) -> Settings:
    config = {
        "bot_token": fake.bot_token,
        "app_token": fake.app_token,
        "api_base_url": fake.api_url,
        "moderator_channel": MOD,
        "moderator_users": [MODERATOR],
        "minor_usergroup": MINORS_GROUP,
        "adult_users": [ADULT],
        **slack,
    }
    return make_settings(tmp_path, slack=config)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def running(settings: Settings, fake: FakeSlack | None = None) -> AsyncIterator[Runtime]:
    """A started runtime with the Slack adapter's ``serve()`` running; Socket Mode waits
    for the connection, HTTP mode for the port to accept."""
    runtime = Runtime(settings)
    async with runtime:
        task = asyncio.create_task(serve(runtime))
        try:
            if settings.slack.mode == "socket":
                assert fake is not None
                await fake.wait_for_connection()
            else:
                await _wait_listening(settings.slack.http_port, task)
            yield runtime
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _wait_listening(port: int, task: asyncio.Task[None]) -> None:
    for _ in range(100):
        if task.done():
            task.result()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"nothing listening on port {port}")


async def say(fake: FakeSlack, lines: list[tuple[str, str]], channel: str = CHAT) -> list[dict]:
    """Post each line as its author and wait until the app has handled it (the app
    acknowledges an event after its listener ran)."""
    stored = []
    for user, text in lines:
        envelope_id, message = await fake.send_message(channel, user, text)
        await fake.wait_for_ack(envelope_id)
        stored.append(message)
    return stored


async def settled(runtime: Runtime, timeout: float = 8.0) -> None:  # noqa: ASYNC109
    """Wait until the outbox has nothing left to deliver."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pending, _ = await runtime.store.outbox_backlog()
        if not pending:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{pending} delivery job(s) still pending")
        await asyncio.sleep(0.05)


async def slack_cases(runtime: Runtime, fake: FakeSlack) -> list[Case]:
    return await runtime.store.list_cases("slack", fake.team_id, open_only=False)


def action_ids(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def block_text(message: dict) -> str:
    """Every piece of text in a message's blocks, joined (for 'is it shown' checks)."""
    parts: list[str] = []
    for block in message.get("blocks") or []:
        for key in ("text",):
            if isinstance(block.get(key), dict):
                parts.append(block[key]["text"])
        parts += [field["text"] for field in block.get("fields") or []]
        parts += [
            e.get("text", "") for e in block.get("elements") or [] if e.get("type") == "mrkdwn"
        ]
    return "\n".join(parts)
