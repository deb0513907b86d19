"""``/watchkeeper ...`` and the "Report to moderators" message command.

What each command does lives in ``bot.moderation`` (the same for every platform);
this module parses Discord's options, checks at run time that the caller is a
moderator (``moderator_roles`` or Manage Server: hiding a command is not a check),
and answers privately. Members see only ``/report``, ``/privacy`` and the message
command; ``/watchkeeper`` is hidden from them (default member permissions).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from adapters.discord.guilds import PLATFORM
from adapters.discord.translate import jump_link, participant
from bot.models import EvidenceRef
from bot.moderation import REPORT_THANKS, privacy_notice

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "watchkeeper is not set up in this server yet, so there is no one to send this to. "
    "Please tell a moderator directly. If someone is in danger right now, call your local "
    "emergency number."
)
WatchedChannel = (
    discord.TextChannel
    | discord.CategoryChannel
    | discord.Thread
    | discord.ForumChannel
    | discord.VoiceChannel
)


def actor(interaction: discord.Interaction) -> str:
    return f"discord:{interaction.user.id}"


class WatchkeeperCommands(app_commands.Group):
    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(
            name="watchkeeper",
            description="Child-safety alerts for this server's moderators",
            guild_only=True,
            # Hidden from members (admins may show it to a moderator role in Server
            # Settings > Integrations); every subcommand still checks at run time.
            default_permissions=discord.Permissions(manage_guild=True),
        )
        self.adapter = adapter

    @app_commands.command(description="Choose the moderator channel and the roles (moderators)")
    @app_commands.describe(
        moderator_channel="Where alerts go (only moderators should see it)",
        minor_role="Members with this role are treated as minors",
        adult_role="Members with this role are treated as adults",
        moderator_role="Members with this role may act on alerts (Manage Server always may)",
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        moderator_channel: discord.TextChannel,
        minor_role: discord.Role | None = None,
        adult_role: discord.Role | None = None,
        moderator_role: discord.Role | None = None,
    ) -> None:
        if await self.adapter.require_moderator(interaction) is None:
            return
        assert interaction.guild_id is not None
        values: dict[str, object] = {"moderator_channel": str(moderator_channel.id)}
        for key, role in (("minor_roles", minor_role), ("adult_roles", adult_role),
                          ("moderator_roles", moderator_role)):  # fmt: skip
            if role is not None:
                values[key] = [str(role.id)]
        guild_id, by = interaction.guild_id, actor(interaction)
        settings = await self.adapter.guilds.save(guild_id, by, **values)
        lines = [f"Alerts now go to <#{moderator_channel.id}>."]
        for label, roles in (("Minor roles", settings.minor_roles),
                             ("Adult roles", settings.adult_roles),
                             ("Moderator roles", settings.moderator_roles)):  # fmt: skip
            lines.append(f"{label}: {' '.join(f'<@&{r}>' for r in roles) or 'none'}.")
        me = moderator_channel.guild.me
        if me is not None:
            perms = moderator_channel.permissions_for(me)
            if not (perms.view_channel and perms.send_messages and perms.embed_links):
                lines.append(
                    "**Warning:** watchkeeper cannot post there yet. Give it View Channel, "
                    "Send Messages and Embed Links in that channel."
                )
        self.adapter.wake_outbox()
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(description="What is watched, and the open cases (moderators)")
    async def status(self, interaction: discord.Interaction) -> None:
        settings = await self.adapter.require_moderator(interaction)
        if settings is None:
            return
        text = await self.adapter.moderation.status(PLATFORM, settings.space_id)
        channel = f"<#{settings.moderator_channel}>" if settings.moderator_channel else "not set"
        extra = [f"Moderator channel: {channel}."]
        hidden = self.adapter.unreadable_channels(interaction.guild)
        if hidden:
            extra.append(f"Channels watchkeeper cannot read: {' '.join(hidden[:20])}.")
        await interaction.response.send_message("\n".join([text, *extra])[:2000], ephemeral=True)

    @app_commands.command(description="Stop watching a channel or category (moderators)")
    @app_commands.describe(
        channel="The channel, thread or category to leave alone (default: this one)"
    )
    async def exclude(
        self, interaction: discord.Interaction, channel: WatchedChannel | None = None
    ) -> None:
        await self._set_watched(interaction, channel, watched=False)

    @app_commands.command(description="Watch an excluded channel or category again (moderators)")
    @app_commands.describe(
        channel="The channel, thread or category to watch again (default: this one)"
    )
    async def include(
        self, interaction: discord.Interaction, channel: WatchedChannel | None = None
    ) -> None:
        await self._set_watched(interaction, channel, watched=True)

    async def _set_watched(
        self, interaction: discord.Interaction, channel: WatchedChannel | None, watched: bool
    ) -> None:
        """``exclude`` and ``include``: the named channel, or the one the command came from."""
        settings = await self.adapter.require_moderator(interaction)
        if settings is None:
            return
        target = str(channel.id if channel is not None else interaction.channel_id)
        change = self.adapter.moderation.include if watched else self.adapter.moderation.exclude
        await change(PLATFORM, settings.space_id, target, actor(interaction))
        state = "is watched again" if watched else "is no longer watched"
        await interaction.response.send_message(f"<#{target}> {state}.", ephemeral=True)

    @app_commands.command(description="The lowest risk level that alerts (moderators)")
    @app_commands.describe(level="watch: earliest, more alerts; critical: fewest alerts")
    async def threshold(
        self, interaction: discord.Interaction, level: Literal["watch", "high", "critical"]
    ) -> None:
        settings = await self.adapter.require_moderator(interaction)
        if settings is None:
            return
        answer = await self.adapter.moderation.set_threshold(
            PLATFORM, settings.space_id, level, actor(interaction)
        )
        await interaction.response.send_message(answer, ephemeral=True)

    @app_commands.command(description="Show members what watchkeeper reads, keeps and does")
    async def privacy(self, interaction: discord.Interaction) -> None:
        await show_privacy(self.adapter, interaction)


async def show_privacy(adapter: DiscordAdapter, interaction: discord.Interaction) -> None:
    settings = adapter.settings
    notice = privacy_notice("server", settings.storage.window_days, settings.watch.watch_dms,
                            report_command="/report")  # fmt: skip
    # A moderator runs it to show members, so it is public; for anyone else, private.
    public = await adapter.is_moderator(interaction)
    await interaction.response.send_message(notice, ephemeral=not public)


def member_commands(adapter: DiscordAdapter) -> list[app_commands.Command]:
    """``/report`` and ``/privacy``: every member sees these, and only these."""

    @app_commands.command(description="Tell the moderators, privately, about something worrying")
    @app_commands.describe(
        concern="What happened (only the moderators will see this)",
        member="Who it is about, if it is about someone",
    )
    @app_commands.guild_only()
    async def report(
        interaction: discord.Interaction, concern: str, member: discord.User | None = None
    ) -> None:
        await file_report(adapter, interaction, concern, member)

    @app_commands.command(description="What watchkeeper reads, keeps and does")
    @app_commands.guild_only()
    async def privacy(interaction: discord.Interaction) -> None:
        await show_privacy(adapter, interaction)

    return [report, privacy]


async def file_report(
    adapter: DiscordAdapter,
    interaction: discord.Interaction,
    text: str,
    about: discord.abc.User | None,
    evidence: list[EvidenceRef] | None = None,
) -> None:
    """Any member may report; the answer is private and says who will see it."""
    if interaction.guild_id is None:
        await interaction.response.send_message("Use this inside a server.", ephemeral=True)
        return
    settings = await adapter.guilds.get(interaction.guild_id)
    if not settings.is_set_up:
        await interaction.response.send_message(NOT_SET_UP, ephemeral=True)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await adapter.engine.report(
        PLATFORM,
        settings.space_id,
        participant(interaction.user, settings),
        text,
        participant(about, settings) if about is not None else None,
        evidence,
    )
    await interaction.followup.send(REPORT_THANKS, ephemeral=True)


def report_message_command(adapter: DiscordAdapter) -> app_commands.ContextMenu:
    """Right-click a message > Apps > Report to moderators."""

    async def report_message(interaction: discord.Interaction, message: discord.Message) -> None:
        guild_id = interaction.guild_id or 0
        evidence = EvidenceRef(
            str(message.id),
            str(message.channel.id),
            str(message.author.id),
            message.created_at,
            jump_link(guild_id, message.channel.id, message.id),
        )
        words = " ".join(message.content.split())[:1000] or "(no text)"
        text = f"Reported this message: “{words}”"
        await file_report(adapter, interaction, text, message.author, [evidence])

    menu = app_commands.ContextMenu(name="Report to moderators", callback=report_message)
    menu.guild_only = True
    return menu


async def on_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    log.error("command %s failed", interaction.command and interaction.command.name, exc_info=error)
    text = "Sorry, that did not work. The error is in watchkeeper's log."
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)
