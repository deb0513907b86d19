"""Direct messages to the bot become reports for the moderators of the sender's server,
and the sender is told, privately, who will see it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.reports import CHOOSE, NO_SHARED_SERVER
from bot.config import Settings
from bot.models import AgeBand, CaseKind
from bot.moderation import REPORT_THANKS
from tests.e2e.fakes.discord_api import FakeDiscord

from .discord_world import (
    GUILD,
    GUILD2,
    KIT,
    MODS,
    MODS2,
    SAM,
    TIMEOUT,
    cases,
    discord_settings,
    embed_text,
    not_in,
    populate,
    restored_endpoints,
    running,
    settle,
)

STRANGER = 620_000_000_000_000_001


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    with restored_endpoints():
        async with FakeDiscord() as server:
            populate(server)
            server.add_user(STRANGER, "stranger")
            yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return discord_settings(tmp_path, fake)


def dm(fake: FakeDiscord, user: int) -> int:
    return int(fake.dm_channel(user)["id"])


async def test_messages_in_a_row_are_one_report_and_the_sender_is_answered(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await fake.send_dm(KIT, "hi")
        await fake.send_dm(KIT, "an adult in general keeps asking me for pictures")
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await fake.wait_for_posted(dm(fake, KIT), timeout=TIMEOUT)
        await settle(bot)
        [case] = await cases(bot)

    assert case.kind is CaseKind.REPORT
    assert [(p.user_id, p.age_band) for p in case.participants] == [(str(KIT), AgeBand.MINOR)]
    [alert] = fake.posted(MODS)
    assert "hi / an adult in general keeps asking me for pictures" in embed_text(alert)
    assert "report from a member" in alert["content"]
    [answer] = fake.posted(dm(fake, KIT))
    assert answer["content"] == REPORT_THANKS
    assert not_in(fake, {MODS, dm(fake, KIT)}) == []


async def test_a_member_of_two_servers_chooses_which_moderators_see_it(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await fake.send_dm(SAM, "someone is pressuring me to send photos")
        [question] = await fake.wait_for_posted(dm(fake, SAM), timeout=TIMEOUT)
        assert question["content"] == CHOOSE
        [select] = question["components"][0]["components"]
        assert {o["value"] for o in select["options"]} == {str(GUILD), str(GUILD2)}

        choice = await fake.send_component_interaction(
            None, None, SAM, select["custom_id"], component_type=3, values=[str(GUILD2)]
        )
        reply = await fake.wait_for_interaction_response(choice.id)
        assert reply["type"] == 7 and reply["data"]["content"] == REPORT_THANKS
        await fake.wait_for_posted(MODS2, timeout=TIMEOUT)
        await settle(bot)
        assert await cases(bot, GUILD) == []
        [case] = await cases(bot, GUILD2)

    assert case.kind is CaseKind.REPORT
    assert fake.posted(MODS) == []
    assert "pressuring me" in embed_text(fake.posted(MODS2)[0])


async def test_someone_who_shares_no_watched_server_is_told_so(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await fake.send_dm(STRANGER, "hello?")
        [answer] = await fake.wait_for_posted(dm(fake, STRANGER), timeout=TIMEOUT)
        await settle(bot)
        assert await cases(bot) == [] and await cases(bot, GUILD2) == []
    assert answer["content"] == NO_SHARED_SERVER
    assert not_in(fake, {dm(fake, STRANGER)}) == []
