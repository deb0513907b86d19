"""A small Discord world for the adapter's end-to-end tests: two guilds, their people and
roles, a running watchkeeper (real discord.py, real Runtime, SQLite in tmp_path)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http

from adapters.discord.adapter import DiscordAdapter
from bot.config import Settings
from bot.models import Case, ConversationKey
from bot.runtime import Runtime
from tests.conftest import make_settings
from tests.e2e.fakes.discord_api import (
    FakeDiscord,
    Perm,
    category,
    member,
    overwrite,
    role,
    text_channel,
    thread,
)

TIMEOUT = 8.0

GUILD = 700_000_000_000_000_001
COMMUNITY = 700_000_000_000_000_010  # category
GENERAL = 700_000_000_000_000_011
GAMES = 700_000_000_000_000_012
HELP_THREAD = 700_000_000_000_000_013  # thread in GENERAL
STAFF = 700_000_000_000_000_020  # category
MODS = 700_000_000_000_000_021  # the moderator channel
MODS_NEW = 700_000_000_000_000_022
MOD_ROLE = 700_000_000_000_000_030
MINOR_ROLE = 700_000_000_000_000_031
ADULT_ROLE = 700_000_000_000_000_032

GUILD2 = 710_000_000_000_000_001
LOBBY2 = 710_000_000_000_000_011
MODS2 = 710_000_000_000_000_021

OWNER = 600_000_000_000_000_001
MOD = 600_000_000_000_000_002
ROBIN = 600_000_000_000_000_003  # adult role
KIT = 600_000_000_000_000_004  # minor role
DANA = 600_000_000_000_000_005
LEE = 600_000_000_000_000_006
SAM = 600_000_000_000_000_007  # minor role; also in GUILD2
OWNER2 = 610_000_000_000_000_001

BOT_NEEDS = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.EMBED_LINKS


def populate(fake: FakeDiscord) -> None:
    staff_only = [
        overwrite(GUILD, deny=Perm.VIEW_CHANNEL),
        overwrite(MOD_ROLE, allow=Perm.VIEW_CHANNEL),
        overwrite(fake.bot_id, allow=BOT_NEEDS, member=True),
    ]
    fake.add_guild(
        GUILD,
        owner_id=OWNER,
        name="Block Builders",
        channels=[
            category(COMMUNITY, "community"),
            text_channel(GENERAL, "general", parent_id=COMMUNITY),
            text_channel(GAMES, "games", parent_id=COMMUNITY),
            category(STAFF, "staff", permission_overwrites=staff_only),
            text_channel(MODS, "mod-alerts", parent_id=STAFF, permission_overwrites=staff_only),
            text_channel(MODS_NEW, "mod-queue", parent_id=STAFF, permission_overwrites=staff_only),
        ],
        threads=[thread(HELP_THREAD, "help", GENERAL, owner_id=DANA)],
        roles=[
            role(MOD_ROLE, "Moderator", permissions=Perm.MANAGE_MESSAGES | Perm.KICK_MEMBERS),
            role(MINOR_ROLE, "Under 18"),
            role(ADULT_ROLE, "18+"),
        ],
        members=[
            member(OWNER, "owner"),
            member(MOD, "morgan", roles=[MOD_ROLE]),
            member(ROBIN, "robin", roles=[ADULT_ROLE]),
            member(KIT, "kit", roles=[MINOR_ROLE]),
            member(DANA, "dana"),
            member(LEE, "lee"),
            member(SAM, "sam", roles=[MINOR_ROLE]),
        ],
    )
    fake.add_guild(
        GUILD2,
        owner_id=OWNER2,
        name="Speedrunners",
        channels=[
            text_channel(LOBBY2, "lobby"),
            text_channel(
                MODS2,
                "mods",
                permission_overwrites=[
                    overwrite(GUILD2, deny=Perm.VIEW_CHANNEL),
                    overwrite(fake.bot_id, allow=BOT_NEEDS, member=True),
                ],
            ),
        ],
        members=[member(OWNER2, "owner2"), member(SAM, "sam")],
    )


def discord_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    discord_section: dict[str, Any] = {
        "token": fake.token,
        "api_base_url": fake.api_base,
        "gateway_url": fake.gateway_url,
        "guilds": [
            {
                "id": GUILD,
                "moderator_channel": MODS,
                "moderator_roles": [MOD_ROLE],
                "minor_roles": [MINOR_ROLE],
                "adult_roles": [ADULT_ROLE],
                "regions": ["US"],
            },
            {"id": GUILD2, "moderator_channel": MODS2},
        ],
    }
    discord_section.update(overrides)
    return make_settings(tmp_path, discord=discord_section)


@contextlib.contextmanager
def restored_endpoints() -> Any:
    """The adapter sets discord.py's endpoints process-wide; put them back afterwards."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[DiscordAdapter]:
    """A connected watchkeeper: a fresh Runtime and client on ``settings``' database."""
    runtime = Runtime(settings)
    async with runtime:
        adapter = DiscordAdapter(
            runtime, guild_ready_timeout=0.05, identify_delay=False, dm_quiet_seconds=0.05
        )
        task = asyncio.create_task(adapter.run())
        ready = asyncio.create_task(adapter.ready.wait())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()
                raise AssertionError("the adapter stopped before it was ready")
            assert done, "the adapter never became ready"
            yield adapter
        finally:
            ready.cancel()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def settle(adapter: DiscordAdapter) -> None:
    """Wait until every message sent so far is in the engine and every alert delivered."""
    store = adapter.engine.store
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        await asyncio.sleep(0.05)  # let queued gateway events reach on_message
        await adapter.engine.flush()
        await adapter.runtime.worker.deliver_due()
        pending, _ = await store.outbox_backlog()
        if pending == 0:
            return
        assert loop.time() < deadline, f"{pending} alert(s) still waiting"


async def seen(adapter: DiscordAdapter, a: int, b: int, message_id: int) -> None:
    """Wait until the engine has taken ``message_id`` into the conversation of a and b."""
    key = str(ConversationKey.pair("discord", str(GUILD), str(a), str(b)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        await adapter.engine.flush()
        window = await adapter.engine.store.load_window(key, 500)
        if str(message_id) in {m.message.message_id for m in window}:
            return
        assert loop.time() < deadline, f"message {message_id} never reached {key}"
        await asyncio.sleep(0.02)


async def say(
    fake: FakeDiscord, lines: Sequence[tuple[int, str] | tuple[int, str, int]],
    channel: int = GENERAL, guild: int = GUILD,
) -> list[int]:  # fmt: skip
    """Post ``(author, text[, index of the line replied to])`` lines; returns message ids."""
    ids: list[int] = []
    for line in lines:
        author, text = line[0], line[1]
        reply_to = ids[line[2]] if len(line) == 3 else None
        ids.append(await fake.send_message_create(guild, channel, author, text, reply_to=reply_to))
        await asyncio.sleep(0.01)
    return ids


async def cases(adapter: DiscordAdapter, guild: int = GUILD) -> list[Case]:
    return await adapter.engine.store.list_cases("discord", str(guild))


def not_in(fake: FakeDiscord, allowed: set[int]) -> list[dict]:
    """Messages the bot posted anywhere but ``allowed`` channels."""
    return [m for m in fake.posted() if int(m["channel_id"]) not in allowed]


def embed_text(message: dict) -> str:
    """Everything an alert's embed shows, as one string."""
    parts = []
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


# A grooming pattern between an adult-role member and a minor-role member, spread
# through ordinary chatter (indices refer to earlier lines, for replies).
GROOMING: list[tuple[int, str] | tuple[int, str, int]] = [
    (DANA, "anyone up for the build contest this weekend?"),
    (LEE, "yes!! what's the theme", 0),
    (KIT, "does anyone know how to get past the nether fortress lol"),
    (ROBIN, "oh i can help with that, use fire resistance potions", 2),
    (DANA, "castles i think, team of 3"),
    (ROBIN, f"<@{KIT}> you're really good at this game for your age. how old r u?"),
    (KIT, "im 13", 5),
    (ROBIN, "wow ur so mature for 13 honestly, not like other kids here", 6),
    (LEE, "did everyone finish the science worksheet"),
    (ROBIN, f"<@{KIT}> just dont tell anyone ok, this is just between us"),
    (KIT, "ok", 9),
    (ROBIN, f"<@{KIT}> are your parents strict? do they check your phone?"),
    (KIT, "kinda, my mom sometimes looks", 11),
    (ROBIN, "add me on snap instead, its more private there", 12),
    (DANA, "ok team: me, lee and sam for castles"),
    (ROBIN, f"<@{KIT}> send me a selfie so i know its you"),
    (KIT, "idk", 15),
    (ROBIN, "come on just one pic, dont you trust me?", 16),
]

ORDINARY: list[tuple[int, str] | tuple[int, str, int]] = [
    (DANA, "anyone up for the build contest this weekend?"),
    (ROBIN, "count me in, what's the theme?", 0),
    (KIT, "can i join too? i'm good at redstone"),
    (ROBIN, "sure, we need someone for the redstone doors", 2),
    (KIT, "nice, i'll bring the piston designs", 3),
    (LEE, "castles i think, teams of 3"),
    (ROBIN, f"<@{KIT}> great, see you saturday at the event"),
    (KIT, "see you there, gg", 6),
    (DANA, "reminder: the server event starts at 7pm saturday"),
]
