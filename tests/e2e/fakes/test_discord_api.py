"""End-to-end tests of the fake Discord, driving the real discord.py client against it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import io
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from tests.e2e.fakes.discord_api import (
    CallbackType,
    FakeDiscord,
    MessageFlag,
    Perm,
    category,
    member,
    role,
    text_channel,
    thread,
)

GUILD = 81_384_788_765_712_384
CATEGORY = 81_384_788_765_712_390
GENERAL = 81_384_788_765_712_391
MODLOG = 81_384_788_765_712_392
THREAD = 81_384_788_765_712_393
MOD_ROLE = 81_384_788_765_712_400
BOT_ROLE = 81_384_788_765_712_401
OWNER = 80_351_110_224_678_912
ALICE = 80_351_110_224_678_913  # moderator
BOB = 80_351_110_224_678_914  # plain member

TIMEOUT = 5.0


def base_intents(**extra: bool) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    for name, value in extra.items():
        setattr(intents, name, value)
    return intents


def populate(fake: FakeDiscord) -> None:
    fake.add_guild(
        GUILD,
        owner_id=OWNER,
        name="Watchkeeper HQ",
        channels=[
            category(CATEGORY, "moderation", position=0),
            text_channel(GENERAL, "general", position=1),
            text_channel(MODLOG, "mod-log", parent_id=CATEGORY, position=2),
            thread(THREAD, "appeals", GENERAL, owner_id=ALICE),
        ],
        roles=[
            role(MOD_ROLE, "Moderator", permissions=Perm.MANAGE_MESSAGES | Perm.KICK_MEMBERS),
            role(BOT_ROLE, "Watchkeeper", permissions=Perm.ADMINISTRATOR, managed=True),
        ],
        members=[
            member(OWNER, "owner"),
            member(ALICE, "alice", roles=[MOD_ROLE]),
            member(BOB, "bob"),
        ],
        bot_roles=[BOT_ROLE],
    )


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        populate(server)
        with server.point_discord_py():
            yield server


def make_client(cls: type[discord.Client] = discord.Client, **kwargs) -> discord.Client:
    kwargs.setdefault("intents", base_intents())
    kwargs.setdefault("guild_ready_timeout", 0.05)
    return cls(**kwargs)


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str) -> AsyncIterator[discord.Client]:
    """Start ``client`` (login + gateway) and wait for on_ready; close it afterwards."""
    async with client:
        task = asyncio.create_task(client.start(token))
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {task, ready}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            if task in done:
                task.result()  # raises what client.start raised
                raise AssertionError("client.start returned before READY")
            if not done:
                raise AssertionError("client never became ready")
            yield client
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, TIMEOUT)


@contextlib.asynccontextmanager
async def logged_in(client: discord.Client, token: str) -> AsyncIterator[discord.Client]:
    """REST only: login without opening the gateway."""
    async with client:
        await client.login(token)
        yield client


def future() -> asyncio.Future:
    return asyncio.get_running_loop().create_future()


# --------------------------------------------------------------------------- connect / READY


@pytest.mark.asyncio
async def test_login_ready_and_guild_create(fake: FakeDiscord) -> None:
    client = make_client()
    async with running(client, fake.token):
        assert client.user is not None and client.user.id == fake.bot_id
        assert client.application_id == fake.application_id

        guild = client.get_guild(GUILD)
        assert guild is not None and guild.name == "Watchkeeper HQ"
        assert guild.owner_id == OWNER
        assert {c.id for c in guild.text_channels} == {GENERAL, MODLOG}
        assert [c.id for c in guild.categories] == [CATEGORY]
        assert guild.get_channel(MODLOG).category_id == CATEGORY
        assert guild.get_thread(THREAD).parent_id == GENERAL
        assert {r.name for r in guild.roles} == {"@everyone", "Moderator", "Watchkeeper"}
        assert guild.me.get_role(BOT_ROLE) is not None
        assert guild.member_count == 4  # owner, alice, bob, bot

    [identify] = fake.identify_payloads
    assert identify["intents"] == base_intents().value
    assert "shard" not in identify
    [conn] = fake.gateway_connections
    # discord.py always asks for transport compression (zlib-stream, or zstd-stream when
    # zstandard is importable); the fake honours either.
    wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert conn.query == {"v": "10", "encoding": "json", "compress": wanted}
    assert conn.binary_frames >= 3  # HELLO, READY, GUILD_CREATE
    assert conn.heartbeats >= 1  # discord.py heartbeats right after HELLO; ACKed
    # discord.py's close() races its own reader and usually closes with 4000, not 1000
    assert conn.client_close_code in (1000, 4000)
    assert [r.path for r in fake.requests] == ["/users/@me", "/oauth2/applications/@me"]


@pytest.mark.asyncio
async def test_members_intent_gets_members_by_chunking(fake: FakeDiscord) -> None:
    client = make_client(intents=base_intents(members=True))
    async with running(client, fake.token):
        guild = client.get_guild(GUILD)
        assert guild.chunked
        alice = guild.get_member(ALICE)
        assert alice is not None and [r.id for r in alice.roles[1:]] == [MOD_ROLE]
        assert alice.guild_permissions.kick_members
    assert any(p.get("op") == 8 for p in fake.gateway_connections[0].received)


# --------------------------------------------------------------------------- messages in


@pytest.mark.asyncio
async def test_injected_message_create_reaches_on_message(fake: FakeDiscord) -> None:
    client = make_client()
    got: list[discord.Message] = []
    two = future()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id != fake.bot_id:
            got.append(message)
            if len(got) == 2:
                two.set_result(None)

    async with running(client, fake.token):
        first = await fake.send_message_create(
            GUILD, GENERAL, ALICE, f"<@{BOB}> please stop, <@&{MOD_ROLE}> fyi"
        )
        second = await fake.send_message_create(GUILD, THREAD, BOB, "sorry", reply_to=first)
        await asyncio.wait_for(two, TIMEOUT)

    msg, reply = got
    assert msg.id == first and msg.content.startswith(f"<@{BOB}> please stop")
    assert msg.guild.id == GUILD and msg.channel.id == GENERAL
    assert isinstance(msg.author, discord.Member) and msg.author.id == ALICE
    assert [r.id for r in msg.author.roles] == [GUILD, MOD_ROLE]
    assert [u.id for u in msg.mentions] == [BOB]
    assert [r.id for r in msg.role_mentions] == [MOD_ROLE]
    assert msg.created_at.tzinfo is not None

    assert reply.id == second
    assert isinstance(reply.channel, discord.Thread)
    assert reply.type is discord.MessageType.reply
    assert reply.reference.message_id == first
    assert reply.reference.resolved.content == msg.content


@pytest.mark.asyncio
async def test_message_content_is_blank_without_the_intent(fake: FakeDiscord) -> None:
    client = make_client(intents=base_intents(message_content=False))
    got: list[discord.Message] = []
    two = future()

    @client.event
    async def on_message(message: discord.Message) -> None:
        got.append(message)
        if len(got) == 2:
            two.set_result(None)

    async with running(client, fake.token):
        await fake.send_message_create(GUILD, GENERAL, BOB, "secret words")
        await fake.send_message_create(GUILD, GENERAL, BOB, f"<@{fake.bot_id}> hi")
        await asyncio.wait_for(two, TIMEOUT)
    assert [m.content for m in got] == ["", f"<@{fake.bot_id}> hi"]


@pytest.mark.asyncio
async def test_dm_in_and_out(fake: FakeDiscord) -> None:
    client = make_client()
    got = future()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id == BOB and not got.done():
            got.set_result(message)

    async with running(client, fake.token):
        mid = await fake.send_dm(BOB, "why was I muted?")
        msg = await asyncio.wait_for(got, TIMEOUT)
        assert msg.id == mid and msg.guild is None
        assert isinstance(msg.channel, discord.DMChannel)
        await msg.channel.send("A moderator will get back to you.")

        # Bot-initiated DM: POST /users/@me/channels, then a message in that channel.
        bob = await client.fetch_user(BOB)
        await bob.send("You have been warned.")

    dm_id = int(fake.dm_channel(BOB)["id"])
    assert msg.channel.id == dm_id
    assert [m["content"] for m in fake.posted(dm_id)] == [
        "A moderator will get back to you.",
        "You have been warned.",
    ]
    assert fake.requests_to("POST", "/users/@me/channels")[0].json == {"recipient_id": BOB}


# --------------------------------------------------------------------------- messages out


@pytest.mark.asyncio
async def test_send_message_is_recorded_and_echoed(fake: FakeDiscord) -> None:
    client = make_client()
    echoed = future()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id == fake.bot_id and not echoed.done():
            echoed.set_result(message)

    async with running(client, fake.token):
        channel = client.get_channel(MODLOG)
        embed = discord.Embed(title="Warned", description="bob: spam")
        sent = await channel.send(f"<@{BOB}> warned", embed=embed)
        echo = await asyncio.wait_for(echoed, TIMEOUT)
        assert echo.id == sent.id  # the bot sees its own message, like on Discord

        edited = await sent.edit(content="warned (edited)")
        assert edited.edited_at is not None
        history = [m async for m in channel.history(limit=10)]
        fetched = await channel.fetch_message(sent.id)

    [posted] = fake.posted(MODLOG)
    assert posted["id"] == str(sent.id)
    assert posted["content"] == "warned (edited)"
    assert posted["embeds"][0]["title"] == "Warned"
    assert [u["id"] for u in posted["mentions"]] == [str(BOB)]
    [edit] = fake.edits
    assert (edit["channel_id"], edit["message_id"], edit["via"]) == (MODLOG, sent.id, "rest")
    assert edit["json"]["content"] == "warned (edited)"
    [create] = fake.requests_to("POST", "/channels/{id}/messages")
    assert create.json["enforce_nonce"] is True  # discord.py always sends a random nonce
    assert [m.id for m in history] == [sent.id] and fetched.content == "warned (edited)"


@pytest.mark.asyncio
async def test_429_is_retried_by_discord_py(fake: FakeDiscord) -> None:
    fake.fail_next("POST", "/channels/{id}/messages", status=429, retry_after=0.05, times=2)
    async with logged_in(make_client(), fake.token) as client:
        msg = await client.get_partial_messageable(GENERAL).send("after the rate limit")
    assert [m["id"] for m in fake.posted(GENERAL)] == [str(msg.id)]
    statuses = [r.status for r in fake.requests_to("POST", f"/channels/{GENERAL}/messages")]
    assert statuses == [429, 429, 200]


@pytest.mark.asyncio
async def test_global_429_is_retried(fake: FakeDiscord) -> None:
    fake.fail_next("*", "/channels/{id}/messages", status=429, retry_after=0.05, is_global=True)
    async with logged_in(make_client(), fake.token) as client:
        await client.get_partial_messageable(GENERAL).send("x")
    assert len(fake.posted(GENERAL)) == 1


@pytest.mark.asyncio
async def test_500_is_retried_once(fake: FakeDiscord) -> None:
    # discord.py sleeps 1 + 2*try seconds before retrying a 5xx: this test takes ~1 s.
    fake.fail_next("POST", f"/channels/{GENERAL}/messages", status=500)
    async with logged_in(make_client(), fake.token) as client:
        await client.get_partial_messageable(GENERAL).send("x")
    assert len(fake.posted(GENERAL)) == 1
    assert [r.status for r in fake.requests_to("POST", "/channels/{id}/messages")] == [500, 200]


@pytest.mark.asyncio
async def test_missing_permissions_is_forbidden(fake: FakeDiscord) -> None:
    fake.forbid_channel(MODLOG)
    fake.block_dms(BOB)
    async with logged_in(make_client(), fake.token) as client:
        with pytest.raises(discord.Forbidden) as info:
            await client.get_partial_messageable(MODLOG).send("x")
        assert info.value.code == 50013 and info.value.status == 403
        bob = await client.fetch_user(BOB)
        with pytest.raises(discord.Forbidden) as dm_info:
            await bob.send("you're banned")
        assert dm_info.value.code == 50007
    assert fake.posted(MODLOG) == []


@pytest.mark.asyncio
async def test_enforce_nonce_returns_existing_message(fake: FakeDiscord) -> None:
    async with logged_in(make_client(), fake.token) as client:
        channel = client.get_partial_messageable(GENERAL)
        first = await channel.send("only once", nonce="case-42-notice")
        second = await channel.send("only once", nonce="case-42-notice")
        other = await channel.send("only once", nonce="case-43-notice")
    assert first.id == second.id != other.id
    assert len(fake.posted(GENERAL)) == 2
    assert len(fake.requests_to("POST", "/channels/{id}/messages")) == 3


@pytest.mark.asyncio
async def test_validation_errors(fake: FakeDiscord) -> None:
    async with logged_in(make_client(), fake.token) as client:
        channel = client.get_partial_messageable(GENERAL)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.status == 400 and too_long.value.code == 50035
        with pytest.raises(discord.NotFound) as unknown:
            await client.get_partial_messageable(12345).send("x")
        assert unknown.value.code == 10003


@pytest.mark.asyncio
async def test_unknown_routes_are_404_and_recorded(fake: FakeDiscord) -> None:
    async with logged_in(make_client(), fake.token) as client:
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/voice/regions"))
    assert [(r.method, r.path) for r in fake.unknown_requests] == [("GET", "/voice/regions")]


# --------------------------------------------------------------------------- interactions


class ModActions(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.clicks: list[discord.Interaction] = []

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success, custom_id="wk:approve")
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(interaction)
        await interaction.response.send_message("Approved.", ephemeral=True)

    @discord.ui.button(label="Dismiss", style=discord.ButtonStyle.secondary, custom_id="wk:dismiss")
    async def dismiss(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(interaction)
        await interaction.response.edit_message(content="Dismissed.", view=None)


@pytest.mark.asyncio
async def test_persistent_view_button_press(fake: FakeDiscord) -> None:
    client = make_client()
    async with running(client, fake.token):
        view = ModActions()
        client.add_view(view)  # persistent: timeout=None, every item has a custom_id

        # 1) a press on a message the fake never saw (e.g. posted before a restart)
        press = await fake.send_button_press(GUILD, MODLOG, ALICE, "wk:approve")
        response = await fake.wait_for_interaction_response(press.id)
        assert response["type"] == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
        assert response["data"]["content"] == "Approved."
        assert response["data"]["flags"] & MessageFlag.EPHEMERAL
        assert response["query"] == {"with_response": "1"}
        clicked = view.clicks[0]
        assert clicked.user.id == ALICE and clicked.guild_id == GUILD
        assert [r.id for r in clicked.user.roles] == [GUILD, MOD_ROLE]
        assert clicked.permissions.kick_members and not clicked.permissions.ban_members
        assert clicked.message.id == press.message_id

        # 2) a press on a message the bot posted with the view; it gets edited (type 7)
        posted = await client.get_channel(MODLOG).send("Report #1", view=ModActions())
        assert fake.posted(MODLOG)[0]["components"][0]["components"][0]["custom_id"] == "wk:approve"
        press2 = await fake.send_button_press(GUILD, MODLOG, ALICE, "wk:dismiss")
        assert press2.message_id == posted.id
        response2 = await fake.wait_for_interaction_response(press2.id)
        assert response2["type"] == CallbackType.UPDATE_MESSAGE

    assert fake.messages[posted.id]["content"] == "Dismissed."
    assert fake.messages[posted.id]["components"] == []
    assert fake.edits[-1]["via"] == "interaction_callback"
    # ephemeral response: not in the channel history
    assert all(m["content"] != "Approved." for m in fake.history(MODLOG))


@pytest.mark.asyncio
async def test_interaction_can_only_be_acknowledged_once(fake: FakeDiscord) -> None:
    client = make_client()
    errors: list[BaseException] = []
    done = future()

    class Twice(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="x", custom_id="wk:twice")
        async def twice(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            await interaction.response.defer()  # type 6 for components
            try:
                await interaction.response.defer()
            except discord.InteractionResponded as exc:
                errors.append(exc)
            adapter = discord.webhook.async_.async_context.get()
            try:  # bypass discord.py's own guard to see the fake's answer
                await adapter.create_interaction_response(
                    interaction.id,
                    interaction.token,
                    session=interaction._session,
                    params=discord.webhook.async_.interaction_response_params(type=6),
                )
            except discord.HTTPException as exc:
                errors.append(exc)
            done.set_result(None)

    async with running(client, fake.token):
        client.add_view(Twice())
        press = await fake.send_button_press(GUILD, GENERAL, BOB, "wk:twice")
        await asyncio.wait_for(done, TIMEOUT)
    assert press.responded_type == CallbackType.DEFERRED_UPDATE_MESSAGE
    assert isinstance(errors[0], discord.InteractionResponded)
    assert errors[1].code == 40060


def build_tree(client: discord.Client, calls: list) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    mod = app_commands.Group(name="mod", description="Moderation commands")

    @mod.command(name="warn", description="Warn a member")
    async def warn(interaction: discord.Interaction, user: discord.Member, reason: str) -> None:
        calls.append(("warn", interaction, user, reason))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"Warned {user.mention}: {reason}")
        await interaction.followup.send("Logged to #mod-log", ephemeral=True)

    @app_commands.context_menu(name="Report message")
    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        calls.append(("report", interaction, message, None))
        await interaction.response.send_message(f"Reported {message.id}", ephemeral=True)
        await interaction.edit_original_response(content=f"Reported {message.id} (case 7)")

    tree.add_command(mod, guild=discord.Object(GUILD))
    tree.add_command(report, guild=discord.Object(GUILD))
    return tree


@pytest.mark.asyncio
async def test_app_commands_sync_and_dispatch(fake: FakeDiscord) -> None:
    client = make_client()
    calls: list = []
    tree = build_tree(client, calls)
    async with running(client, fake.token):
        synced = await tree.sync(guild=discord.Object(GUILD))
        assert sorted(c.name for c in synced) == ["Report message", "mod"]
        assert all(c.guild_id == GUILD and c.id for c in synced)
        assert {c["name"] for c in fake.commands[GUILD]} == {"mod", "Report message"}
        assert fake.command_syncs[0]["guild_id"] == GUILD

        # slash command with a subcommand and a USER option (resolved member)
        inter = await fake.send_slash_command(
            GUILD, GENERAL, ALICE, "mod", subcommand="warn", options={"user": BOB, "reason": "spam"}
        )
        await fake.wait_for(lambda: len(fake.followups) == 2)

        # message context menu on a stored message
        target = await fake.send_message_create(GUILD, GENERAL, BOB, "buy cheap followers")
        report = await fake.send_message_command(GUILD, GENERAL, ALICE, "Report message", target)
        await fake.wait_for(lambda: any(e.get("interaction_id") == report.id for e in fake.edits))

    (_, warn_inter, user, reason), (_, _, message, _) = calls
    assert warn_inter.user.id == ALICE
    assert isinstance(user, discord.Member) and user.id == BOB and reason == "spam"
    assert warn_inter.command.qualified_name == "mod warn"
    data = inter.payload["data"]
    assert data["guild_id"] == str(GUILD) and data["options"][0]["type"] == 1

    (defer,) = [r for r in fake.interaction_responses if r["interaction_id"] == inter.id]
    assert defer["type"] == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert defer["ephemeral"]
    first, second = fake.followups
    # the first followup completes the deferred "thinking" message (same id, stays ephemeral)
    assert first["kind"] == "completes_deferred" and first["message_id"] == defer["message_id"]
    assert first["ephemeral"] and first["json"]["content"] == f"Warned <@{BOB}>: spam"
    assert second["kind"] == "new" and second["ephemeral"]

    assert message.id == target and message.content == "buy cheap followers"
    assert message.author.id == BOB
    (resp,) = [r for r in fake.interaction_responses if r["interaction_id"] == report.id]
    assert resp["type"] == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and resp["ephemeral"]
    assert fake.messages[resp["message_id"]]["content"] == f"Reported {target} (case 7)"


@pytest.mark.asyncio
async def test_slash_command_in_dm(fake: FakeDiscord) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    seen = future()

    @tree.command(name="appeal", description="Appeal a moderation action")
    async def appeal(interaction: discord.Interaction, case: int) -> None:
        seen.set_result((interaction, case))
        await interaction.response.send_message("Appeal received.")

    async with running(client, fake.token):
        await tree.sync()
        inter = await fake.send_slash_command(None, None, BOB, "appeal", options={"case": 7})
        interaction, case = await asyncio.wait_for(seen, TIMEOUT)
        await fake.wait_for_interaction_response(inter.id)
    assert case == 7 and interaction.guild is None and interaction.user.id == BOB
    dm_id = int(fake.dm_channel(BOB)["id"])
    assert [m["content"] for m in fake.posted(dm_id, include_interactions=True)] == [
        "Appeal received."
    ]


# --------------------------------------------------------------------------- gateway failure modes


@pytest.mark.asyncio
async def test_disallowed_intents_close_4014(fake: FakeDiscord) -> None:
    fake.allowed_privileged_intents = 0  # message_content not enabled in the "portal"
    client = make_client()
    async with client:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.start(fake.token), TIMEOUT)
        await client.close()
    assert fake.gateway_connections[0].server_close_code == 4014


@pytest.mark.asyncio
async def test_identify_rejected_with_4004(fake: FakeDiscord) -> None:
    fake.reject_next_identify(4004)
    client = make_client()
    async with client:
        with pytest.raises(discord.ConnectionClosed) as info:
            await asyncio.wait_for(client.start(fake.token), TIMEOUT)
        assert info.value.code == 4004


@pytest.mark.asyncio
async def test_bad_token_is_login_failure(fake: FakeDiscord) -> None:
    client = make_client()
    async with client:
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(client.start("not-the-token"), TIMEOUT)
    assert fake.requests[0].status == 401 and fake.gateway_connections == []


@pytest.mark.asyncio
async def test_resume_after_disconnect_replays_missed_events(fake: FakeDiscord) -> None:
    client = make_client()
    resumed = future()
    got = future()
    client.event(_set_on("on_resumed", resumed))

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.id == BOB and not got.done():
            got.set_result(message)

    async with running(client, fake.token):
        await fake.close_gateway(4000, "test disconnect")
        missed = await fake.send_message_create(GUILD, GENERAL, BOB, "sent while offline")
        await asyncio.wait_for(resumed, TIMEOUT)
        assert (await asyncio.wait_for(got, TIMEOUT)).id == missed

    first, second = fake.gateway_connections
    assert first.server_close_code == 4000
    assert second.path == "/resume"  # discord.py reconnects to resume_gateway_url
    assert second.received[1]["op"] == 6  # heartbeat, then RESUME (no new IDENTIFY)
    assert len(fake.identify_payloads) == 1


def _set_on(name: str, fut: asyncio.Future):
    async def handler(*args) -> None:
        if not fut.done():
            fut.set_result(args)

    handler.__name__ = name
    return handler


@pytest.mark.asyncio
async def test_auto_sharded_client(fake: FakeDiscord) -> None:
    shard0_guild = (1_000 << 22) | 7
    shard1_guild = (1_001 << 22) | 7
    for gid in (shard0_guild, shard1_guild):
        fake.add_guild(gid, OWNER, channels=[text_channel(gid + 1, "general")])
    fake.recommended_shards = 2

    class ShardedBot(discord.AutoShardedClient):
        async def before_identify_hook(self, shard_id, *, initial=False) -> None:
            pass  # discord.py sleeps 5 s per non-initial IDENTIFY by default

    client = make_client(ShardedBot)
    got = future()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if not got.done():
            got.set_result(message)

    async with running(client, fake.token):
        assert client.shard_count == 2
        assert client.get_guild(shard0_guild).shard_id == 0
        assert client.get_guild(shard1_guild).shard_id == 1
        await fake.send_message_create(shard1_guild, shard1_guild + 1, BOB, "hi")
        msg = await asyncio.wait_for(got, TIMEOUT)
        assert msg.guild.id == shard1_guild

    assert fake.requests_to("GET", "/gateway/bot")  # only asked when shard_count is None
    assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
    creates = [d for d in fake.dispatched if d["event"] == "GUILD_CREATE"]
    by_shard = {(d["shard"][0], int(d["data"]["id"])) for d in creates}
    assert (0, shard0_guild) in by_shard and (1, shard1_guild) in by_shard
    assert (0, shard1_guild) not in by_shard and (1, shard0_guild) not in by_shard
    [msg_event] = [d for d in fake.dispatched if d["event"] == "MESSAGE_CREATE"]
    assert msg_event["shard"] == (1, 2)


# --------------------------------------------------------------------------- moderation REST


@pytest.mark.asyncio
async def test_moderation_actions(fake: FakeDiscord) -> None:
    async with logged_in(make_client(), fake.token) as client:
        guild = await client.fetch_guild(GUILD)
        bob = await guild.fetch_member(BOB)
        await bob.timeout(datetime.timedelta(minutes=10), reason="spam links")
        await bob.add_roles(discord.Object(MOD_ROLE), reason="trusted")
        await bob.remove_roles(discord.Object(MOD_ROLE))
        await bob.kick(reason="second strike")
        with pytest.raises(discord.NotFound):
            await guild.fetch_member(BOB)
        await guild.ban(discord.Object(BOB), reason="third strike", delete_message_seconds=3600)
        ban = await guild.fetch_ban(discord.Object(BOB))
        assert ban.reason == "third strike" and ban.user.id == BOB
        await guild.unban(discord.Object(BOB))
        with pytest.raises(discord.NotFound):
            await guild.fetch_ban(discord.Object(BOB))

    [timeout] = fake.requests_to("PATCH", "/guilds/{g}/members/{u}")
    assert timeout.reason == "spam links"
    assert (
        timeout.json["communication_disabled_until"]
        > datetime.datetime.now(datetime.UTC).isoformat()
    )
    assert fake.requests_to("PUT", "/guilds/{g}/members/{u}/roles/{r}")[0].reason == "trusted"
    assert fake.requests_to("DELETE", f"/guilds/{GUILD}/members/{BOB}")[0].reason == "second strike"
    assert fake.ban_log == [
        {
            "guild_id": GUILD,
            "user_id": BOB,
            "reason": "third strike",
            "delete_message_seconds": 3600,
        }
    ]
    assert BOB not in fake.guilds[GUILD].members and fake.bans[GUILD] == {}


@pytest.mark.asyncio
async def test_enforce_permissions_mode(fake: FakeDiscord) -> None:
    fake.enforce_permissions = True
    fake.guilds[GUILD].members[fake.bot_id]["roles"] = []  # drop the admin role
    async with logged_in(make_client(), fake.token) as client:
        guild = await client.fetch_guild(GUILD)
        with pytest.raises(discord.Forbidden) as info:
            await guild.ban(discord.Object(BOB))
        assert info.value.code == 50013
        await client.get_partial_messageable(GENERAL).send("@everyone may still talk")


@pytest.mark.asyncio
async def test_deletes_reactions_and_attachments(fake: FakeDiscord) -> None:
    client = make_client()
    deleted = future()
    bulk = future()
    client.event(_set_on("on_raw_message_delete", deleted))
    client.event(_set_on("on_raw_bulk_message_delete", bulk))
    async with running(client, fake.token):
        channel = client.get_channel(GENERAL)
        spam = [await fake.send_message_create(GUILD, GENERAL, BOB, f"spam {i}") for i in range(3)]
        await channel.get_partial_message(spam[0]).add_reaction("\N{WARNING SIGN}")
        await channel.get_partial_message(spam[0]).delete()
        (raw,) = await asyncio.wait_for(deleted, TIMEOUT)
        assert raw.message_id == spam[0] and raw.guild_id == GUILD
        await channel.delete_messages([discord.Object(i) for i in spam[1:]], reason="purge")
        (raw_bulk,) = await asyncio.wait_for(bulk, TIMEOUT)
        assert raw_bulk.message_ids == set(spam[1:])

        report = io.BytesIO(b"case 7 evidence")
        sent = await channel.send("evidence", file=discord.File(report, "case-7.txt"))
        assert sent.attachments[0].filename == "case-7.txt"
        assert await sent.attachments[0].read() == b"case 7 evidence"

    assert fake.reactions[0]["emoji"] == "\N{WARNING SIGN}"
    assert [d["message_id"] for d in fake.deletions] == spam
    assert fake.deletions[-1]["reason"] == "purge"
    assert [m["content"] for m in fake.history(GENERAL)] == ["evidence"]


@pytest.mark.asyncio
async def test_op7_reconnect_resumes(fake: FakeDiscord) -> None:
    client = make_client()
    resumed = future()
    client.event(_set_on("on_resumed", resumed))
    async with running(client, fake.token):
        await fake.request_reconnect()
        await asyncio.wait_for(resumed, TIMEOUT)
        await fake.wait_until_ready()
    [session] = fake.sessions.values()
    assert session.resumes == 1 and len(fake.identify_payloads) == 1
