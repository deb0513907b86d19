"""A case from alert to closure on Slack, with the real slack-bolt app against the fake:
claim, note (a modal), close with an outcome, reopen, confirm; moderators only; stale
presses refused; the suspect's earlier cases named on a new alert."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
import yaml

from adapters.slack.blocks import NOTE_BLOCK, NOTE_INPUT
from adapters.slack.health import MANIFEST
from adapters.slack.listeners import REPORT_SHORTCUT
from bot.models import Action, CaseKind, CaseState
from bot.reminders import queue_due
from tests.e2e.fakes.slack_api import FakeSlack

from .slack_world import (
    ADULT,
    CHAT,
    GROOMING,
    KID,
    MOD,
    MODERATOR,
    OWNER,
    PEER,
    action_ids,
    block_text,
    populate,
    running,
    say,
    settled,
    slack_cases,
    slack_settings,
)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        populate(fake)
        yield fake


async def press(fake: FakeSlack, code: str, case_id: int, user: str, ts: str) -> str:
    envelope = await fake.send_block_action(
        f"wk_{code}:{case_id}", value=str(case_id), user_id=user, channel_id=MOD, message_ts=ts
    )
    await fake.wait_for_ack(envelope)
    return envelope


async def test_a_case_goes_from_alert_to_closure_in_chat(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        alert = (await fake.wait_for_posted(MOD))[0]
        await settled(runtime)
        [case] = await slack_cases(runtime, fake)
        ts = alert["ts"]

        # Members are refused, privately; no dialog opens for them.
        for code in ("claim", "note", "close_none"):
            await press(fake, code, case.id, KID, ts)
            assert "Only this community's moderators" in fake.ephemerals[-1]["text"]
        assert fake.views == []

        await press(fake, "claim", case.id, MODERATOR, ts)
        await settled(runtime)
        shown = block_text(fake.updates[-1])
        assert f"On it: <@{MODERATOR}>" in shown
        assert f"wk_acknowledge:{case.id}" not in action_ids(fake.updates[-1])

        # "Add note" opens a modal (the fake checks Slack's limits); its submission is
        # recorded, and a submission by a non-moderator is refused inside the dialog.
        await press(fake, "note", case.id, MODERATOR, ts)
        [opened] = fake.views
        view = opened["view"]
        assert view["title"]["text"] == f"Note on case {case.number}"
        values = {NOTE_BLOCK: {NOTE_INPUT: "asked Kit's parent to check in"}}
        refused = await fake.send_interactive(fake.build_view_submission(view, KID, values))
        ack = (await fake.wait_for_ack(refused))["payload"]
        assert ack["response_action"] == "errors"
        assert "Only this community's moderators" in ack["errors"][NOTE_BLOCK]
        taken = await fake.send_interactive(fake.build_view_submission(view, MODERATOR, values))
        assert not (await fake.wait_for_ack(taken)).get("payload")  # the dialog closes
        await settled(runtime)
        assert "asked Kit's parent to check in" in block_text(fake.updates[-1])

        # The owner closes it: no action needed. Only Reopen and Add note remain.
        await press(fake, "close_none", case.id, OWNER, ts)
        await settled(runtime)
        closed = await runtime.store.get_case(case.id)
        assert closed is not None and closed.state is CaseState.CLOSED
        assert [(d.action, d.actor_id) for d in closed.decisions] == [
            (Action.CLAIM, MODERATOR), (Action.NOTE, MODERATOR), (Action.CLOSE, OWNER)
        ]  # fmt: skip
        assert closed.decisions[-1].reason == "No action needed"
        assert action_ids(fake.updates[-1]) == [f"wk_reopen:{case.id}", f"wk_note:{case.id}"]

        # A stale press from an older rendering is refused, and changes nothing.
        await press(fake, "escalate", case.id, MODERATOR, ts)
        assert "is closed: cannot escalate it (reopen it first)" in fake.ephemerals[-1]["text"]
        await press(fake, "reopen", case.id, MODERATOR, ts)
        await press(fake, "confirm", case.id, MODERATOR, ts)
        await settled(runtime)
        final = await runtime.store.get_case(case.id)

    assert final is not None and final.state is CaseState.CONFIRMED
    assert [m["channel"] for m in fake.posted()] == [MOD]  # all on the one alert


async def test_a_second_alert_about_the_same_person_names_the_first(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        alert = (await fake.wait_for_posted(MOD))[0]
        await settled(runtime)
        [first] = await slack_cases(runtime, fake)
        await press(fake, "dismiss", first.id, MODERATOR, alert["ts"])
        await settled(runtime)
        # The same adult, the same approach, to another child.
        again = [(PEER if who == KID else who, text.replace(KID, PEER)) for who, text in GROOMING]
        await say(fake, again)
        await settled(runtime)
        cases = await slack_cases(runtime, fake)

    assert len(cases) == 2 and cases[1].suspect_id == first.suspect_id
    second = [m for m in fake.posted() if m["ts"] != alert["ts"]][-1]
    text = block_text(second)
    assert "Earlier cases about this member" in text
    assert f"case {first.number} (" in text and "): dismissed, opened" in text


async def test_an_unanswered_alert_pings_the_moderators_once_in_its_thread(fake, tmp_path):
    settings = slack_settings(tmp_path, fake)
    async with running(settings, fake) as runtime:
        await say(fake, GROOMING)
        alert = (await fake.wait_for_posted(MOD))[0]
        await settled(runtime)
        [case] = await slack_cases(runtime, fake)
        waited = (settings.alerts.renotify_minutes + 1) * 60
        await runtime.store.driver.execute(
            "UPDATE cases SET created_at = created_at - ? WHERE id = ?", (waited, case.id)
        )
        assert await queue_due(runtime.store, settings) == 1
        await settled(runtime)
        assert await queue_due(runtime.store, settings) == 0

    replies = [m for m in fake.posted() if m.get("thread_ts") == alert["ts"]]
    [reply] = replies
    assert reply["channel"] == MOD and reply["text"].startswith(f"<@{MODERATOR}> Case ")
    assert "no moderator has acknowledged it" in reply["text"]
    assert {m["channel"] for m in fake.posted()} == {MOD}


async def test_a_member_reports_a_message_with_the_shortcut(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        said = await say(fake, [(ADULT, "add me on snap instead, its more private there")])
        payload = fake.build_message_action("wk_report_message", said[0], CHAT, KID)
        await fake.wait_for_ack(await fake.send_interactive(payload))
        await settled(runtime)
        [case] = await slack_cases(runtime, fake)

    assert case.kind is CaseKind.REPORT and case.suspect_id == ADULT
    assert "add me on snap instead" in case.summary
    assert [(e.message_id, e.channel_id) for e in case.evidence] == [(said[0]["ts"], CHAT)]
    thanks = fake.ephemerals[-1]
    assert (
        thanks["user"] == KID
        and "went privately to this community's moderators" in (thanks["text"])
    )
    assert [m["channel"] for m in fake.posted()] == [MOD]  # the alert, and nothing else


def test_the_manifest_declares_the_shortcut() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", REPORT_SHORTCUT)
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80
