"""The Discord adapter end to end: the real discord.py against the fake Discord, the real
Runtime, outbox and SQLite store. Alerts reach the moderator channel and nowhere else,
once; buttons work for moderators only, and after a restart."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.discord.render import LEVEL_COLOURS
from bot.alerts import LEVEL_LABELS
from bot.clock import utcnow
from bot.config import Settings
from bot.evidence import verify
from bot.models import Action, CaseKind, CaseState, Participant
from tests.e2e.fakes.discord_api import FakeDiscord

from .discord_world import (
    GENERAL,
    GROOMING,
    GUILD,
    GUILD2,
    KIT,
    MOD,
    MODS,
    MODS2,
    ORDINARY,
    OWNER,
    OWNER2,
    ROBIN,
    TIMEOUT,
    cases,
    custom_ids,
    discord_settings,
    embed_text,
    not_in,
    populate,
    restored_endpoints,
    running,
    say,
    seen,
    settle,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    with restored_endpoints():
        async with FakeDiscord() as server:
            populate(server)
            yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return discord_settings(tmp_path, fake)


async def test_grooming_in_a_busy_channel_alerts_the_moderators_once_and_nobody_else(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await say(fake, GROOMING)
        await settle(bot)
        [case] = await cases(bot)

    [alert] = fake.posted(MODS)
    assert not_in(fake, {MODS}) == []  # nothing in #general, no DM to anyone
    assert case.kind is CaseKind.RISK and case.suspect_id == str(ROBIN)
    assert case.platform_message_id == f"{MODS}:{alert['id']}"
    [embed] = alert["embeds"]
    assert LEVEL_LABELS[case.level] in embed["title"]  # upgrades edited the one alert
    assert embed["color"] == LEVEL_COLOURS[case.level].value
    text = embed_text(alert)
    assert f"Case: {case.number}" in text and f"Score: {case.score:.2f}" in text
    assert f"<@{ROBIN}> (adult)" in text and f"<@{KIT}> (minor)" in text
    assert f"https://discord.com/channels/{GUILD}/{GENERAL}/" in text
    assert "Why it was flagged" in text
    codes = ["ack", "clm", "esc", "dis", "cnf", "clt", "cln", "note"]
    assert custom_ids(alert) == [f"wk:{code}:{case.id}" for code in codes]
    [post] = fake.requests_to("POST", f"/channels/{MODS}/messages")
    assert post.json["enforce_nonce"] and post.json["nonce"].startswith("wk-")
    assert post.json["allowed_mentions"]["parse"] == []  # quoting can never ping


async def test_an_ordinary_conversation_raises_nothing(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        ids = await say(fake, ORDINARY)
        await seen(bot, ROBIN, KIT, ids[7])  # the adult and the minor talked: it was read
        await settle(bot)
        assert await cases(bot) == []
    assert fake.posted() == []


async def test_buttons_act_for_moderators_only_and_show_who_and_when(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await say(fake, GROOMING)
        await settle(bot)
        [case] = await cases(bot)
        [alert] = fake.posted(MODS)
        store = bot.engine.store
        edits_before = len(fake.edits)

        # The suspect himself, and any other member, is refused privately; nothing changes.
        for outsider in (ROBIN, KIT):
            press = await fake.send_button_press(GUILD, MODS, outsider, f"wk:ack:{case.id}")
            reply = await fake.wait_for_interaction_response(press.id)
            assert reply["ephemeral"]
            assert "Only this server's moderators" in reply["data"]["content"]
        await settle(bot)
        unchanged = await store.get_case(case.id)
        assert unchanged is not None and unchanged.decisions == []
        assert unchanged.state is CaseState.OPEN and len(fake.edits) == edits_before

        # A moderator (by role) acknowledges: recorded, and the alert is edited in place.
        press = await fake.send_button_press(GUILD, MODS, MOD, f"wk:ack:{case.id}")
        reply = await fake.wait_for_interaction_response(press.id)
        assert reply["type"] == 7  # the alert message itself was updated
        await settle(bot)
        acknowledged = await store.get_case(case.id)
        assert acknowledged is not None and acknowledged.state is CaseState.ACKNOWLEDGED
        [decision] = acknowledged.decisions
        assert (decision.action, decision.actor_id, decision.actor_name) == (
            Action.ACKNOWLEDGE, str(MOD), "morgan"
        )  # fmt: skip
        assert utcnow() - decision.at < timedelta(minutes=1)
        assert f"Acknowledged by <@{MOD}> (morgan), <t:{int(decision.at.timestamp())}:f>" in (
            embed_text(alert)
        )

        # The owner (Manage Server) escalates: the links come privately, the alert shows it.
        # The package can take longer than Discord's 3 s: the press is deferred privately.
        press = await fake.send_button_press(GUILD, MODS, OWNER, f"wk:esc:{case.id}")
        reply = await fake.wait_for_interaction_response(press.id)
        assert reply["type"] == 5 and reply["ephemeral"]
        first, note = await fake.wait_for(
            lambda: (f := [f for f in fake.followups if f["interaction_id"] == press.id])
            and len(f) >= 2 and f
        )  # fmt: skip
        assert first["ephemeral"] and first["kind"] == "completes_deferred"
        links = first["json"]["content"]
        assert "https://dis.gd/request" in links and "https://report.cybertip.org/" in links
        assert "emergency" in links
        await settle(bot)
        escalated = await store.get_case(case.id)
        assert escalated is not None and escalated.state is CaseState.ESCALATED
        assert escalated.hold_until is not None
        assert f"on hold until {escalated.hold_until:%Y-%m-%d}" in links
        assert f"Escalated by <@{OWNER}>" in embed_text(alert)

        # The evidence package is written on the bot's host; chat gets only its path, and
        # the hotline report as a text file, privately, for the moderator to file.
        assert note["ephemeral"]
        [report] = note["files"]
        assert report["filename"] == f"hotline-case-{case.number}.txt"
        hotline = report["data"].decode()
        assert "watchkeeper has NOT sent it to anyone" in hotline
        assert f"Suspect: account id {ROBIN}" in hotline and f"Child: account id {KIT}" in hotline
        assert "stated age(s): 13" in hotline
        package = Path(re.search(r"written on the bot's host to `([^`]+)`",
                                 note["json"]["content"]).group(1))  # fmt: skip
        assert package.parent == settings.storage.data_dir / "evidence"
        checked = verify(package)
        assert checked.ok and checked.files == 3, checked.problems
        assert checked.case["number"] == case.number and checked.case["space_id"] == str(GUILD)
        assert f"Evidence manifest SHA-256: {checked.manifest_sha256}" in hotline

        # Another guild's moderators cannot act on this guild's case.
        press = await fake.send_button_press(GUILD2, MODS2, OWNER2, f"wk:dis:{case.id}")
        reply = await fake.wait_for_interaction_response(press.id)
        assert reply["ephemeral"] and "does not belong to this server" in reply["data"]["content"]
        after = await store.get_case(case.id)
        assert after is not None and after.state is CaseState.ESCALATED

    assert len(fake.posted(MODS)) == 1


async def test_buttons_keep_working_after_a_restart(fake: FakeDiscord, settings: Settings) -> None:
    async with running(settings) as bot:
        await fake.send_dm(KIT, "someone keeps asking me for pictures")
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await settle(bot)
        [case] = await cases(bot)

    async with running(settings) as bot:  # a new client and Runtime on the same database
        press = await fake.send_button_press(GUILD, MODS, MOD, f"wk:dis:{case.id}")
        reply = await fake.wait_for_interaction_response(press.id)
        assert reply["type"] == 7
        await settle(bot)
        dismissed = await bot.engine.store.get_case(case.id)
        assert dismissed is not None and dismissed.state is CaseState.DISMISSED
        assert dismissed.decisions[-1].actor_id == str(MOD)

    [alert] = fake.posted(MODS)
    assert f"Dismissed as a false positive by <@{MOD}>" in embed_text(alert)


async def test_a_429_and_a_500_are_retried_and_the_alert_arrives_once(
    fake: FakeDiscord, settings: Settings
) -> None:
    fake.fail_next("POST", f"/channels/{MODS}/messages", status=429, retry_after=0.05)
    fake.fail_next("POST", f"/channels/{MODS}/messages", status=500)
    async with running(settings) as bot:
        await fake.send_dm(KIT, "an adult here asked me to keep a secret")
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await settle(bot)
        [case] = await cases(bot)

    posts = fake.requests_to("POST", f"/channels/{MODS}/messages")
    assert [p.status for p in posts] == [429, 500, 200]
    assert len({p.json["nonce"] for p in posts}) == 1
    [alert] = fake.posted(MODS)
    assert case.platform_message_id == f"{MODS}:{alert['id']}"


async def test_a_post_retried_after_a_lost_response_is_not_shown_twice(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        reporter = Participant(str(KIT), "kit")
        await bot.engine.report("discord", str(GUILD), reporter, "please look at #general")
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await settle(bot)
        [case] = await cases(bot)
        # The outbox's job again, as after a crash between Discord's answer and the store:
        # within minutes Discord's nonce returns the first message ...
        [post] = fake.requests_to("POST", f"/channels/{MODS}/messages")
        key = post.json["nonce"]
        again = await bot.sink.post(case, key)
        # ... and later the sink finds it in the channel by the key it carries.
        found = await bot.sink.find_posted(str(GUILD), key)
        assert await bot.sink.find_posted(str(GUILD), key + "0") is None

    assert again == found == case.platform_message_id
    assert len(fake.posted(MODS)) == 1


async def test_missing_permissions_are_reported_once_and_other_guilds_keep_going(
    fake: FakeDiscord, settings: Settings
) -> None:
    fake.forbid_channel(MODS)
    owner_dm = int(fake.dm_channel(OWNER)["id"])
    async with running(settings) as bot:
        for worry in ("first worry", "second worry"):
            await bot.engine.report("discord", str(GUILD), Participant(str(KIT), "kit"), worry)
        await bot.engine.report("discord", str(GUILD2), Participant(str(OWNER2), "o"), "hi")
        await fake.wait_for_posted(MODS2, timeout=TIMEOUT)  # the other guild is unaffected
        await fake.wait_for_posted(owner_dm, timeout=TIMEOUT)
        assert fake.posted(MODS) == []

        pending, _ = await bot.engine.store.outbox_backlog()
        assert pending == 2  # waiting, not lost

        # The admin fixes the channel; at the outbox's next try (minutes later, here the
        # worker's clock moves on) the waiting alerts go out, in order.
        fake.allow_channel(MODS)
        bot.runtime.worker.clock = lambda: utcnow() + timedelta(minutes=10)
        bot.wake_outbox()
        await fake.wait_for_posted(MODS, count=2, timeout=TIMEOUT)
        await settle(bot)

    [notice] = fake.posted(owner_dm)  # once, though two alerts were refused, several times
    assert "cannot post alerts" in notice["content"] and "Send Messages" in notice["content"]
    first, second = fake.posted(MODS)
    assert "first worry" in embed_text(first) and "second worry" in embed_text(second)
    assert len(fake.posted(MODS2)) == 1


async def test_a_digest_lists_the_cases_of_a_flood_in_one_message(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        for worry in ("one", "two", "three"):
            await bot.engine.report("discord", str(GUILD), Participant(str(KIT), "kit"), worry)
        await fake.wait_for_posted(MODS, count=3, timeout=TIMEOUT)
        await settle(bot)
        listed = await cases(bot)
        message_id = await bot.sink.post_digest(str(GUILD), listed, "wk-digest-1")

    *_, digest = fake.posted(MODS)
    assert message_id == f"{MODS}:{digest['id']}"
    assert digest["components"] == []  # each case keeps its own buttons on its own alert
    text = embed_text(digest)
    assert all(f"Case {case.number}" in text for case in listed)
    assert "ref wk-digest-1" in digest["content"]
