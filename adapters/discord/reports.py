"""Direct messages to the bot: a member's (or a worried child's) private way in.

Bots cannot see DMs between two members; they do get the DMs sent to them. Each
becomes a report case for the moderators of the server the sender shares with the
bot. Someone who writes several messages in a row ("hi", "someone keeps asking me
for pictures", "what do I do") is one report, not three alerts: messages are gathered
until the sender has been quiet for ``quiet_seconds``. If the sender shares several
watched servers, they choose which one; if they do not choose, every one of them
gets it, because a concern that reaches too many moderators is better than one that
reaches none.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import aiohttp
import discord

from adapters.discord.guilds import PLATFORM, GuildDirectory
from adapters.discord.translate import participant
from bot.engine import Engine
from bot.moderation import REPORT_THANKS

log = logging.getLogger(__name__)

QUIET_SECONDS = 10.0
CHOICE_SECONDS = 600.0
NO_SHARED_SERVER = (
    "I could not find a server we share where watchkeeper is set up, so I cannot pass this "
    "on. Please tell a moderator or an adult you trust. If someone is in danger right now, "
    "call your local emergency number."
)
CHOOSE = (
    "Which server is this about? Only that server's moderators will see it. If you do not "
    "choose within 10 minutes, it goes to the moderators of each of these servers."
)


@dataclass(slots=True)
class _Pending:
    user: discord.abc.User
    channel: discord.abc.Messageable
    texts: list[str] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None


class DirectReports:
    def __init__(
        self,
        client: discord.Client,
        engine: Engine,
        guilds: GuildDirectory,
        quiet_seconds: float = QUIET_SECONDS,
    ) -> None:
        self.client = client
        self.engine = engine
        self.guilds = guilds
        self.quiet_seconds = quiet_seconds
        self._pending: dict[int, _Pending] = {}
        self._filing: set[asyncio.Task[None]] = set()

    def received(self, message: discord.Message) -> None:
        user = message.author
        pending = self._pending.setdefault(user.id, _Pending(user, message.channel))
        pending.texts.append(message.content.strip() or "(sent an attachment, not shown here)")
        if pending.timer is not None:
            pending.timer.cancel()
        pending.timer = asyncio.create_task(self._when_quiet(user.id))

    async def _when_quiet(self, user_id: int) -> None:
        await asyncio.sleep(self.quiet_seconds)
        # Filing runs apart from the timer, so a new message cannot cancel it halfway.
        task = asyncio.create_task(self._file(user_id))
        self._filing.add(task)
        task.add_done_callback(self._filing.discard)

    async def close(self) -> None:
        """On shutdown: file what was gathered now rather than lose it."""
        for pending in self._pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
        if self._filing:
            await asyncio.gather(*self._filing, return_exceptions=True)
        for user_id in list(self._pending):
            await self._file(user_id)

    async def _file(self, user_id: int) -> None:
        pending = self._pending.pop(user_id, None)
        if pending is None:
            return
        text = " / ".join(pending.texts)  # the core keeps a summary on one line
        shared = await self._shared_guilds(pending.user)
        if len(shared) == 1:
            await self.report(shared[0], text)
        try:
            if not shared:
                await pending.channel.send(NO_SHARED_SERVER)
            elif len(shared) == 1:
                await pending.channel.send(REPORT_THANKS)
            else:
                await pending.channel.send(CHOOSE, view=GuildChoice(self, text, shared))
        except Exception as exc:  # a failed answer must not lose the report
            log.warning("could not answer a direct report: %s", exc)
            if len(shared) > 1:  # nobody can choose: each server's moderators get it
                for member in shared:
                    await self.report(member, text)

    async def report(self, member: discord.Member, text: str) -> None:
        settings = await self.guilds.get(member.guild.id)
        case = await self.engine.report(
            PLATFORM, settings.space_id, participant(member, settings), text
        )
        log.info("case %d opened from a direct message", case.number)

    async def _shared_guilds(self, user: discord.abc.User) -> list[discord.Member]:
        """The sender as a member of each watched server they share with the bot."""
        found = []
        for guild in self.client.guilds:
            if not (await self.guilds.get(guild.id)).is_set_up:
                continue
            member = guild.get_member(user.id)
            if member is None:
                try:
                    member = await guild.fetch_member(user.id)
                except (discord.NotFound, discord.Forbidden):
                    continue  # not a member there
                except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
                    log.warning("guild %s: cannot look up a reporter: %s", guild.id, exc)
                    continue
            if member is not None:
                found.append(member)
        return found


class GuildChoice(discord.ui.View):
    """Asks a sender who shares several servers which one the report is for."""

    def __init__(self, reports: DirectReports, text: str, shared: list[discord.Member]) -> None:
        super().__init__(timeout=CHOICE_SECONDS)
        self.reports = reports
        self.text = text
        self.shared = {m.guild.id: m for m in shared[:25]}
        self.done = False
        choice: discord.ui.Select[GuildChoice] = discord.ui.Select(
            placeholder="Choose a server",
            options=[discord.SelectOption(label=m.guild.name[:100], value=str(g))
                     for g, m in self.shared.items()],
        )  # fmt: skip
        choice.callback = self._chosen  # type: ignore[method-assign]
        self.add_item(choice)

    async def _chosen(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        member = self.shared.get(int(values[0])) if values else None
        if self.done or member is None:
            await interaction.response.defer()
            return
        self.done = True
        self.stop()
        await self.reports.report(member, self.text)
        await interaction.response.edit_message(content=REPORT_THANKS, view=None)

    async def on_timeout(self) -> None:
        if self.done:
            return
        self.done = True
        for member in self.shared.values():
            await self.reports.report(member, self.text)
