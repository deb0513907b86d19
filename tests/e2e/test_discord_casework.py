"""A case from alert to closure on Discord, with the real discord.py against the fake:
claim, note (a modal), close with an outcome, reopen, confirm; moderators only; stale
presses refused; the suspect's earlier cases named on a new alert."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.config import Settings
from bot.models import Action, CaseState, Level
from bot.reminders import queue_due
from tests.e2e.fakes.discord_api import FakeDiscord

from .discord_world import (
    GROOMING,
    GUILD,
    KIT,
    MOD,
    MOD_ROLE,
    MODS,
    OWNER,
    ROBIN,
    SAM,
    cases,
    custom_ids,
    discord_settings,
    embed_text,
    not_in,
    populate,
    restored_endpoints,
    running,
    say,
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


async def press(fake: FakeDiscord, user: int, code: str, case_id: int) -> dict:
    interaction = await fake.send_button_press(GUILD, MODS, user, f"wk:{code}:{case_id}")
    return await fake.wait_for_interaction_response(interaction.id)


async def test_a_case_goes_from_alert_to_closure_in_chat(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await say(fake, GROOMING)
        await settle(bot)
        [case] = await cases(bot)
        [alert] = fake.posted(MODS)
        store = bot.engine.store

        # Members cannot claim, nor even open the note dialog.
        for code in ("clm", "note", "clt"):
            reply = await press(fake, KIT, code, case.id)
            assert reply["type"] == 4 and reply["ephemeral"]
            assert "Only this server's moderators" in reply["data"]["content"]

        # "I'm on it": one click, shown on the alert; the case counts as acknowledged.
        reply = await press(fake, MOD, "clm", case.id)
        assert reply["type"] == 7
        assert f"On it: <@{MOD}> since <t:" in embed_text(alert)
        assert f"wk:ack:{case.id}" not in custom_ids(alert)

        # A note: a modal, within Discord's limits (the fake checks them), then recorded.
        opened = await fake.send_button_press(GUILD, MODS, MOD, f"wk:note:{case.id}")
        await fake.wait_for_interaction_response(opened.id)
        modal = fake.modal_shown(opened.id)
        assert modal is not None and modal["title"] == f"Note on case {case.number}"
        submitted = await fake.send_modal_submit(
            opened.id, {"wk_note_text": "spoke with Kit's parent, they are aware"}
        )
        reply = await fake.wait_for_interaction_response(submitted.id)
        assert reply["type"] == 7  # the alert itself shows the note
        assert "“spoke with Kit's parent, they are aware”" in embed_text(alert)

        # Another moderator can still act: the owner closes it, action taken.
        reply = await press(fake, OWNER, "clt", case.id)
        assert reply["type"] == 7
        closed = await store.get_case(case.id)
        assert closed is not None and closed.state is CaseState.CLOSED
        assert [(d.action, d.actor_id) for d in closed.decisions] == [
            (Action.CLAIM, str(MOD)), (Action.NOTE, str(MOD)), (Action.CLOSE, str(OWNER))
        ]  # fmt: skip
        assert closed.decisions[-1].reason == "Action taken"
        assert custom_ids(alert) == [f"wk:reo:{case.id}", f"wk:note:{case.id}"]
        assert "On it" not in embed_text(alert)

        # A stale press (an old copy of the alert, a second moderator) is refused.
        stale = await fake.send_button_press(GUILD, MODS, MOD, f"wk:esc:{case.id}")
        [answer] = await fake.wait_for(
            lambda: [f for f in fake.followups if f["interaction_id"] == stale.id]
        )
        assert answer["ephemeral"]
        assert "is closed: cannot escalate it (reopen it first)" in answer["json"]["content"]
        # Reopen, then confirm: every state is reachable from the alert.
        assert (await press(fake, MOD, "reo", case.id))["type"] == 7
        assert (await press(fake, MOD, "cnf", case.id))["type"] == 7
        await settle(bot)
        final = await store.get_case(case.id)
        assert final is not None and final.state is CaseState.CONFIRMED
        entries = await store.audit_entries("decision")
        assert [e.detail["state"] for e in entries] == [
            "acknowledged", "acknowledged", "closed", "open", "confirmed"
        ]  # fmt: skip

    assert len(fake.posted(MODS)) == 1  # all of it on the one alert, edited in place


async def test_a_second_alert_about_the_same_person_names_the_first(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await say(fake, GROOMING)
        await settle(bot)
        [first] = await cases(bot)
        reply = await press(fake, MOD, "dis", first.id)
        assert reply["type"] == 7
        await say(fake, [(a if a != KIT else SAM, t.replace(str(KIT), str(SAM)), *r)
                         for a, t, *r in GROOMING])  # fmt: skip
        await settle(bot)
        second = (await cases(bot))[-1]

    assert second.id != first.id and second.suspect_id == str(ROBIN)
    alerts = fake.posted(MODS)
    text = embed_text(alerts[-1])
    assert f"Earlier cases about this member: case {first.number} (" in text
    assert f"): dismissed, opened {first.created_at:%Y-%m-%d}" in text
    assert "Account created: <t:" in text  # Discord ids carry the account's age
    assert "Earlier cases" not in embed_text(alerts[0])


async def test_an_unanswered_alert_pings_the_moderator_role_once_as_a_reply(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with running(settings) as bot:
        await say(fake, GROOMING)
        await settle(bot)
        [case] = await cases(bot)
        [alert] = fake.posted(MODS)
        assert case.level.rank >= Level.HIGH.rank
        store = bot.engine.store
        assert await queue_due(store, settings) == 0  # not yet
        # Time passes: the case was opened renotify_minutes + 1 ago, and nobody answered.
        waited = (settings.alerts.renotify_minutes + 1) * 60
        await store.driver.execute(
            "UPDATE cases SET created_at = created_at - ? WHERE id = ?", (waited, case.id)
        )
        assert await queue_due(store, settings) == 1
        await settle(bot)
        assert await queue_due(store, settings, utcnow() + timedelta(hours=1)) == 0  # once
        await settle(bot)

    alert_then, reply = fake.posted(MODS)
    assert alert_then["id"] == alert["id"]
    assert reply["message_reference"]["message_id"] == alert["id"]
    assert reply["content"].startswith(f"<@&{MOD_ROLE}> Case {case.number} (")
    assert reply["mention_roles"] == [str(MOD_ROLE)]  # the role, and nobody else
    assert reply["mentions"] == [] and not reply["mention_everyone"]
    assert not_in(fake, {MODS}) == []  # never anywhere else
