"""The Discord adapter: events in, alerts and moderator actions out.

One ``DiscordAdapter`` per process wires a discord.py client to a ``Runtime``: guild
messages go to ``engine.ingest``, DMs to the bot become reports, alerts reach the
moderator channel through the outbox (the sink is registered once the client is
connected, so alerts that waited through a restart go out then), and button presses
become ``engine.decide`` calls after a server-side moderator check.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.buttons import AlertButton, NoteModal, alert_view
from adapters.discord.client import apply_endpoints, explain, invite_url, make_client
from adapters.discord.commands import (
    WatchkeeperCommands,
    member_commands,
    on_command_error,
    report_message_command,
)
from adapters.discord.guilds import PLATFORM, GuildDirectory, GuildSettings
from adapters.discord.render import alert_embed
from adapters.discord.reports import QUIET_SECONDS, DirectReports
from adapters.discord.sink import DiscordAlertSink, Troubles
from adapters.discord.translate import channel_ids, is_from_a_person, role_ids, to_message
from bot import hotline
from bot.alerts import escalation_for, load_links
from bot.decisions import Actor, CaseNotHere, Outcome, TransitionRefused, decide
from bot.errors import UsageError
from bot.evidence import package_note
from bot.models import Action, Case
from bot.moderation import Moderation
from bot.runtime import Runtime

log = logging.getLogger(__name__)

NOT_A_MODERATOR = "Only this server's moderators can do that. Nothing was changed."
NOT_THIS_GUILD = "That case does not belong to this server. Nothing was changed."


class DiscordAdapter:
    def __init__(
        self,
        runtime: Runtime,
        *,
        guild_ready_timeout: float = 2.0,
        identify_delay: bool = True,
        dm_quiet_seconds: float = QUIET_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.config = runtime.settings.discord
        self.engine = runtime.engine
        self.moderation = Moderation(self.engine)
        self.guilds = GuildDirectory(self.config, self.moderation)
        self.client = make_client(
            self.config,
            self,
            guild_ready_timeout=guild_ready_timeout,
            identify_delay=identify_delay,
        )
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self.client)
        self.tree.error(on_command_error)
        self.troubles = Troubles(self.client)
        self.sink = DiscordAlertSink(self.client, self.guilds, self.troubles)
        self.reports = DirectReports(self.client, self.engine, self.guilds, dm_quiet_seconds)
        self.links = load_links(self.settings.escalation.links_file)
        self.ready = asyncio.Event()
        self._unreadable: dict[int, list[str]] = {}
        self._synced: set[int | None] = set()

    async def run(self) -> None:
        """Connect and watch until cancelled. A refused token or intent is one line."""
        token = self.config.token.get_secret_value() if self.config.token else ""
        apply_endpoints(self.config)
        try:
            async with self.client:
                try:
                    await self.client.start(token)
                finally:
                    await self.reports.close()  # while the client can still answer
        except (discord.LoginFailure, discord.PrivilegedIntentsRequired,
                discord.ConnectionClosed) as exc:  # fmt: skip
            line = explain(exc)
            if line is None:
                raise
            raise UsageError(line) from None

    # -- discord.py events ---------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.client.add_dynamic_items(AlertButton)
        self.tree.add_command(WatchkeeperCommands(self))
        self.tree.add_command(report_message_command(self))
        for command in member_commands(self):
            self.tree.add_command(command)
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        """Per configured guild (instant), else globally: never both, or members would
        see every command twice."""
        configured = self.guilds.configured_ids
        for guild_id in configured or [None]:
            await self._sync_commands_in(guild_id)

    async def _sync_commands_in(self, guild_id: int | None) -> None:
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
            self._synced.add(guild_id)
        except discord.HTTPException as exc:
            where = f"in guild {guild_id}" if guild_id else "globally"
            log.warning(
                "could not register /watchkeeper %s (%s): is the bot in it, invited with "
                "the applications.commands scope?", where, exc.text or exc.status,
            )  # fmt: skip

    async def on_ready(self) -> None:
        if not self.ready.is_set():
            self.runtime.add_sink(self.sink)
            self.ready.set()
            user = self.client.user
            log.info(
                "connected to Discord as %s, in %d guild(s); invite link: %s",
                user, len(self.client.guilds), invite_url(self.client.application_id),
            )  # fmt: skip
        self.wake_outbox()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Load the guild's settings and say once what stops it from working. A configured
        guild that invited the bot after start-up gets its commands now."""
        if guild.id in self.guilds.configured_ids and guild.id not in self._synced:
            await self._sync_commands_in(guild.id)
        settings = await self.guilds.get(guild.id)
        me = guild.me
        if me is None:
            return
        hidden = [c.mention for c in guild.text_channels if not c.permissions_for(me).view_channel]
        self._unreadable[guild.id] = hidden
        if hidden:
            log.warning("guild %s: watchkeeper cannot read %d channel(s)", guild.id, len(hidden))
        if not settings.is_set_up:
            log.warning("guild %s is not set up: a moderator runs /watchkeeper setup", guild.id)
            return
        channel = guild.get_channel(settings.moderator_channel or 0)
        if channel is not None and channel.permissions_for(guild.default_role).view_channel:
            log.warning(
                "guild %s: the moderator channel %s is visible to @everyone: deny View "
                "Channel to @everyone there (watchkeeper check says the same)",
                guild.id, channel.id,
            )  # fmt: skip
        perms = channel.permissions_for(me) if channel is not None else None
        if perms is None or not (perms.view_channel and perms.send_messages and perms.embed_links):
            await self.troubles.report(
                guild.id,
                f"post:{settings.moderator_channel}",
                f"cannot post alerts in <#{settings.moderator_channel}>: give watchkeeper View "
                "Channel, Send Messages and Embed Links there, or choose another channel with "
                "`/watchkeeper setup`.",
            )

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined guild %s", guild.id)
        await self.on_guild_available(guild)

    async def on_message(self, message: discord.Message) -> None:
        own = self.client.user
        if not is_from_a_person(message, own.id if own else None):
            return
        if message.guild is None:
            self.reports.received(message)
            return
        settings = await self.guilds.get(message.guild.id)
        if not settings.is_set_up:
            return
        where = channel_ids(message)
        if str(settings.moderator_channel) in where:
            return  # moderators quoting a case must not open another one
        if where & self.guilds.excluded(message.guild.id, self.settings.watch.excluded_channels):
            return
        item = to_message(message, settings)
        if item is not None:
            await self.engine.ingest(item)

    # -- moderators ----------------------------------------------------------------------

    async def alert_button(
        self, interaction: discord.Interaction, action: Action, case_id: int, reason: str = ""
    ) -> None:
        settings = await self.require_moderator(interaction)
        if settings is None:
            return
        user = interaction.user
        actor = Actor(str(user.id), user.display_name)
        if action is Action.ESCALATE:
            # The evidence package may take longer than Discord's 3 s: answer first.
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            outcome = await decide(
                self.engine, PLATFORM, settings.space_id, case_id, action, actor, reason
            )
        except CaseNotHere:
            await self._tell(interaction, NOT_THIS_GUILD)
            return
        except TransitionRefused as exc:
            await self._tell(interaction, str(exc))
            return
        case = outcome.case
        if action is Action.ESCALATE:
            await interaction.followup.send(self.escalation_text(case, settings), ephemeral=True)
            await interaction.followup.send(**await self.hotline_message(case, settings, outcome))
        elif interaction.message is not None:  # a button, or a modal opened from one
            await interaction.response.edit_message(embed=alert_embed(case), view=alert_view(case))
        else:
            await self._tell(interaction, f"Case {case.number}: {action.value} recorded.")

    async def open_note(self, interaction: discord.Interaction, case_id: int) -> None:
        """ "Add note": moderators only, and only on this server's cases, before the dialog."""
        settings = await self.require_moderator(interaction)
        if settings is None:
            return
        case = await self.engine.store.get_case(case_id)
        if case is None or case.platform != PLATFORM or case.space_id != settings.space_id:
            await self._tell(interaction, NOT_THIS_GUILD)
            return
        await interaction.response.send_modal(NoteModal(case.number, case.id))

    @staticmethod
    async def _tell(interaction: discord.Interaction, text: str) -> None:
        """A private answer, whether or not the interaction was answered already."""
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def hotline_message(
        self, case: Case, settings: GuildSettings, outcome: Outcome
    ) -> dict[str, Any]:
        """The package's whereabouts, and the hotline report as a text file to paste from
        (private to the moderator who escalated; the bot files nothing)."""
        escalation = escalation_for(case, self.settings, settings.regions, self.links)
        fields = await hotline.for_case(self.engine.store, case, escalation, outcome.package)
        text = hotline.as_text(fields)
        name = f"hotline-case-{case.number}.txt"
        note = (
            f"{package_note(case, outcome.package)}\n\nAttached: **{name}**, the fields a "
            "hotline report asks for, filled from the case. You file it; watchkeeper sends "
            "nothing. Also on the bot's host: `watchkeeper hotline " + str(case.number) + "`."
        )
        file = discord.File(io.BytesIO(text.encode()), filename=name)
        return {"content": note[:2000], "file": file, "ephemeral": True}

    def escalation_text(self, case: Case, settings: GuildSettings) -> str:
        escalation = escalation_for(case, self.settings, settings.regions, self.links)
        lines = [f"**Case {case.number} is escalated.** Where to report it:"]
        lines += [f"- [{link.name}](<{link.url}>)" for link in escalation.links if link.url]
        lines += ["", "Report to Discord before deleting messages or banning: they need the "
                  "message links."]  # fmt: skip
        if escalation.hold_until is not None:
            lines[-1] += (
                f" The case and its messages are on hold until "
                f"{escalation.hold_until:%Y-%m-%d} (UTC): retention will not delete them."
            )
        if escalation.emergency:
            lines += ["", f"**{escalation.emergency}**"]
        return "\n".join(lines)[:2000]

    async def require_moderator(self, interaction: discord.Interaction) -> GuildSettings | None:
        """The guild's settings if the caller is one of its moderators; otherwise a private
        refusal, and None."""
        if interaction.guild_id is None:
            await interaction.response.send_message("Use this inside a server.", ephemeral=True)
            return None
        settings = await self.guilds.get(interaction.guild_id)
        if not self._is_moderator(interaction, settings):
            log.info("guild %s: a non-moderator was refused", interaction.guild_id)
            await interaction.response.send_message(NOT_A_MODERATOR, ephemeral=True)
            return None
        return settings

    async def is_moderator(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            return False
        return self._is_moderator(interaction, await self.guilds.get(interaction.guild_id))

    @staticmethod
    def _is_moderator(interaction: discord.Interaction, settings: GuildSettings) -> bool:
        perms = interaction.permissions
        manage = perms.administrator or perms.manage_guild
        return settings.is_moderator(role_ids(interaction.user), manage)

    def unreadable_channels(self, guild: discord.Guild | None) -> list[str]:
        return self._unreadable.get(guild.id, []) if guild is not None else []

    def wake_outbox(self) -> None:
        self.engine.delivery_wakeup.set()
