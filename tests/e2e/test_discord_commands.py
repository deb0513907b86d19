"""``/watchkeeper ...`` and "Report to moderators", driven through the real discord.py
app-command tree against the fake Discord: moderators only where it matters, stored
settings win over the file, every answer private unless meant to be shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.config import Settings
from bot.models import CaseKind
from bot.moderation import REPORT_THANKS
from tests.e2e.fakes.discord_api import FakeDiscord, InjectedInteraction

from .discord_world import (
    ADULT_ROLE,
    COMMUNITY,
    DANA,
    GAMES,
    GENERAL,
    GROOMING,
    GUILD,
    GUILD2,
    HELP_THREAD,
    KIT,
    MINOR_ROLE,
    MOD,
    MOD_ROLE,
    MODS,
    MODS_NEW,
    ROBIN,
    TIMEOUT,
    cases,
    discord_settings,
    embed_text,
    not_in,
    populate,
    restored_endpoints,
    running,
    say,
    settle,
)

REFUSED = "Only this server's moderators can do that"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    with restored_endpoints():
        async with FakeDiscord() as server:
            populate(server)
            yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return discord_settings(tmp_path, fake)


async def command(fake: FakeDiscord, user: int, sub: str, **options: object) -> InjectedInteraction:
    """``/watchkeeper <sub> <options>`` typed by ``user`` in #general."""
    return await fake.send_slash_command(
        GUILD, GENERAL, user, "watchkeeper", subcommand=sub, options=options or None
    )


async def answer(fake: FakeDiscord, interaction: InjectedInteraction) -> tuple[str, bool]:
    """The text of an interaction's answer (a deferred one's followup), and if private."""
    reply = await fake.wait_for_interaction_response(interaction.id, timeout=TIMEOUT)
    if reply["type"] == 5:
        await fake.wait_for(lambda: interaction.followup_message_ids, timeout=TIMEOUT)
        followup = next(f for f in fake.followups if f["interaction_id"] == interaction.id)
        return followup["json"]["content"], followup["ephemeral"]
    return reply["data"].get("content") or "", reply["ephemeral"]


async def test_commands_are_registered_in_each_configured_guild(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings):
        pass
    for guild in (GUILD, GUILD2):
        names = {(c["name"], c.get("type", 1)) for c in fake.commands[guild]}
        assert names == {
            ("watchkeeper", 1), ("report", 1), ("privacy", 1), ("Report to moderators", 3)
        }  # fmt: skip
        by_name = {c["name"]: c for c in fake.commands[guild]}
        subs = {o["name"] for o in by_name["watchkeeper"]["options"]}
        assert subs == {"setup", "status", "exclude", "include", "threshold", "privacy"}
        # Members do not see the moderators' commands (Manage Server by default; an admin
        # may grant a moderator role in Integrations); their own are for everyone.
        manage_guild = discord.Permissions(manage_guild=True).value
        assert by_name["watchkeeper"]["default_member_permissions"] == manage_guild
        for member_command in ("report", "privacy", "Report to moderators"):
            assert by_name[member_command]["default_member_permissions"] is None
    assert not fake.commands.get(None)  # not global too: nobody sees them twice


async def test_setup_is_for_moderators_and_wins_over_the_file_across_restarts(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        refused = await command(fake, KIT, "setup", moderator_channel=GENERAL)
        text, private = await answer(fake, refused)
        assert private and REFUSED in text
        assert await bot.engine.store.space_settings("discord", str(GUILD)) == {}

        done = await command(
            fake, MOD, "setup", moderator_channel=MODS_NEW, adult_role=ADULT_ROLE,
            minor_role=MINOR_ROLE, moderator_role=MOD_ROLE,
        )  # fmt: skip
        text, private = await answer(fake, done)
        assert private and f"Alerts now go to <#{MODS_NEW}>" in text
        assert "cannot post there" not in text

    async with running(settings) as bot:  # the file still says MODS: the store wins
        await fake.send_dm(KIT, "robin keeps messaging me")
        await fake.wait_for_posted(MODS_NEW, timeout=TIMEOUT)
        await settle(bot)
    assert fake.posted(MODS) == []
    assert len(fake.posted(MODS_NEW)) == 1


async def test_excluded_categories_and_threads_are_not_watched_until_included(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        text, private = await answer(fake, await command(fake, DANA, "exclude", channel=GAMES))
        assert private and REFUSED in text

        text, private = await answer(fake, await command(fake, MOD, "exclude", channel=COMMUNITY))
        assert private and f"<#{COMMUNITY}> is no longer watched" in text
        stored = await bot.engine.store.space_settings("discord", str(GUILD))
        assert stored["excluded_channels"] == [str(COMMUNITY)]

        await say(fake, GROOMING, channel=HELP_THREAD)  # a thread of #general, in the category
        text, _ = await answer(fake, await command(fake, MOD, "include", channel=COMMUNITY))
        assert f"<#{COMMUNITY}> is watched again" in text

        await say(fake, GROOMING, channel=GAMES)
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await settle(bot)
        [case] = await cases(bot)

        # Without a channel: the one the command is typed in.
        text, _ = await answer(fake, await command(fake, MOD, "exclude"))
        assert f"<#{GENERAL}> is no longer watched" in text
        assert bot.guilds.excluded(GUILD, []) == {str(GENERAL)}

    # The one alert cites only what was said after the category was watched again.
    assert {e.channel_id for e in case.evidence} == {str(GAMES)}
    assert str(HELP_THREAD) not in embed_text(fake.posted(MODS)[0])


async def test_threshold_status_and_privacy(fake: FakeDiscord, settings: Settings) -> None:
    async with running(settings) as bot:
        text, private = await answer(fake, await command(fake, KIT, "threshold", level="watch"))
        assert private and REFUSED in text

        text, private = await answer(fake, await command(fake, MOD, "threshold", level="critical"))
        assert private and "critical" in text
        assert bot.engine.policy.alert_level_for("discord", str(GUILD)).value == "critical"

        text, private = await answer(fake, await command(fake, MOD, "status"))
        assert private and "**critical**" in text and "Open cases: 0" in text
        assert f"Moderator channel: <#{MODS}>" in text
        text, private = await answer(fake, await command(fake, KIT, "status"))
        assert private and REFUSED in text

        # Anyone may read the notice; a moderator's copy is public, to show the members.
        members_own = await fake.send_slash_command(GUILD, GENERAL, KIT, "privacy")
        text, private = await answer(fake, members_own)
        assert private and "It cannot see private messages between two members" in text
        assert "use `/report`" in text
        text, private = await answer(fake, await command(fake, MOD, "privacy"))
        assert not private and "watchkeeper" in text


async def test_members_report_privately_by_command_and_from_a_message(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        report = await fake.send_slash_command(
            GUILD, GENERAL, DANA, "report",
            options={"concern": "robin keeps asking kit for photos", "member": ROBIN},
        )  # fmt: skip
        text, private = await answer(fake, report)
        assert private and text == REPORT_THANKS

        target = await fake.send_message_create(GUILD, GENERAL, ROBIN, "add me on snap kit")
        menu = await fake.send_message_command(GUILD, GENERAL, KIT, "Report to moderators", target)
        text, private = await answer(fake, menu)
        assert private and text == REPORT_THANKS

        await fake.wait_for_posted(MODS, count=2, timeout=TIMEOUT)
        await settle(bot)
        by_command, by_menu = await cases(bot)

    assert by_command.kind is by_menu.kind is CaseKind.REPORT
    assert by_command.suspect_id == by_menu.suspect_id == str(ROBIN)
    first, second = (embed_text(m) for m in fake.posted(MODS))
    assert "robin keeps asking kit for photos" in first
    assert f"Reported member: <@{ROBIN}>" in first and f"Reported by: <@{DANA}>" in first
    assert "add me on snap kit" in second and f"<@{KIT}> (minor)" in second
    assert f"https://discord.com/channels/{GUILD}/{GENERAL}/{target}" in second
    assert not_in(fake, {MODS}) == []  # the answers were ephemeral: nothing in #general
