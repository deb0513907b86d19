"""The Slack adapter in Socket Mode: the real slack-bolt app, served by ``serve()``,
against the fake Slack, with a real SQLite store."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.clock import utcnow
from bot.evidence import verify
from bot.models import Action, CaseKind, CaseState, Participant
from bot.runtime import Runtime
from tests.e2e.fakes.slack_api import FakeSlack

from .slack_world import (
    ADULT,
    CHAT,
    GROOMING,
    KID,
    MOD,
    MODERATOR,
    ORDINARY,
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


def alert_posts(fake: FakeSlack) -> list[dict]:
    return [m for m in fake.posted() if (m.get("metadata") or {}).get("event_type")]


async def test_grooming_conversation_raises_one_alert_in_the_moderator_channel_only(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        said = await say(fake, GROOMING)
        await fake.wait_for_posted(MOD)
        await settled(runtime)
        cases = await slack_cases(runtime, fake)

    assert len(cases) == 1
    case = cases[0]
    assert (case.kind, case.suspect_id, case.space_id) == (CaseKind.RISK, ADULT, fake.team_id)
    assert [m["channel"] for m in fake.posted()] == [MOD]  # nothing anywhere else
    assert fake.ephemerals == []
    alert = fake.posted(MOD)[0]
    assert alert["metadata"] == {
        "event_type": "watchkeeper_alert",
        "event_payload": {"case_id": case.id, "key": alert["metadata"]["event_payload"]["key"]},
    }
    assert case.platform_message_id == f"{MOD}:{alert['ts']}"
    # upgrades (watch -> high -> critical) edited the same message in place
    assert all(u["channel"] == MOD and u["ts"] == alert["ts"] for u in fake.updates)
    shown = block_text(alert)
    assert f"Case {case.number}" in shown
    assert f"<@{ADULT}> (adult)" in shown and f"<@{KID}> (minor)" in shown
    assert "Why it was flagged" in shown and "mature for 13" in shown
    assert f"&lt;@{KID}&gt;" not in shown  # a quoted mention stays a mention, not markup
    codes = ["acknowledge", "claim", "escalate", "dismiss", "confirm", "close_taken",
             "close_none", "note"]  # fmt: skip
    assert action_ids(alert) == [f"wk_{code}:{case.id}" for code in codes]
    # permalinks: asked for only for the cited messages, each once, and shown
    asked = [c["params"]["message_ts"] for c in fake.calls_to("chat.getPermalink")]
    assert asked and len(asked) == len(set(asked)) < len(said)
    assert f"https://fake.slack.test/archives/{CHAT}/p" in shown


async def test_ordinary_conversation_raises_no_alert(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, ORDINARY)
        await settled(runtime)
        assert await slack_cases(runtime, fake) == []
    assert fake.posted() == []
    assert fake.calls_to("chat.getPermalink") == []


async def test_non_moderator_press_is_refused_and_a_moderators_is_recorded(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        alert = (await fake.wait_for_posted(MOD))[0]
        await settled(runtime)
        case = (await slack_cases(runtime, fake))[0]
        updates_before = len(fake.updates)

        refused = await fake.send_block_action(
            f"wk_dismiss:{case.id}", value=str(case.id), user_id=KID, channel_id=MOD,
            message_ts=alert["ts"],
        )  # fmt: skip
        await fake.wait_for_ack(refused)
        await settled(runtime)
        unchanged = await runtime.store.get_case(case.id)
        assert unchanged is not None
        assert (unchanged.state, unchanged.decisions) == (CaseState.OPEN, [])
        assert len(fake.updates) == updates_before
        refusal = fake.ephemerals[-1]
        assert refusal["user"] == KID and "Only this community's moderators" in refusal["text"]

        pressed = await fake.send_block_action(
            f"wk_acknowledge:{case.id}", value=str(case.id), user_id=MODERATOR, channel_id=MOD,
            message_ts=alert["ts"],
        )  # fmt: skip
        await fake.wait_for_ack(pressed)
        await settled(runtime)
        decided = await runtime.store.get_case(case.id)

    assert decided is not None and decided.state is CaseState.ACKNOWLEDGED
    [decision] = decided.decisions
    assert (decision.action, decision.actor_id, decision.actor_name) == (
        Action.ACKNOWLEDGE, MODERATOR, "mod-alice",
    )  # fmt: skip
    assert decision.at is not None
    edited = fake.updates[-1]
    assert edited["ts"] == alert["ts"] and edited["via"] == "chat.update"
    assert f"acknowledge by <@{MODERATOR}>" in block_text(edited)
    assert "State: acknowledged (by mod-alice" in block_text(edited)
    assert fake.ephemerals[-1]["user"] == MODERATOR
    assert [m["channel"] for m in fake.posted()] == [MOD]


async def test_workspace_owner_may_escalate_and_gets_the_escalation_links(fake, tmp_path):
    settings = slack_settings(tmp_path, fake, regions=["UK"])
    async with running(settings, fake) as runtime:
        await say(fake, GROOMING)
        alert = (await fake.wait_for_posted(MOD))[0]
        await settled(runtime)
        case = (await slack_cases(runtime, fake))[0]
        pressed = await fake.send_block_action(
            f"wk_escalate:{case.id}", value=str(case.id), user_id=OWNER, channel_id=MOD,
            message_ts=alert["ts"],
        )  # fmt: skip
        await fake.wait_for_ack(pressed)
        await settled(runtime)
        escalated = await runtime.store.get_case(case.id)

    assert escalated is not None and escalated.state is CaseState.ESCALATED
    assert escalated.decisions[-1].actor_id == OWNER
    advice, note = fake.ephemerals[-2:]
    assert advice["user"] == OWNER
    assert "https://www.ceop.police.uk/" in advice["text"]
    assert "https://slack.com/help/requests/new" in advice["text"]
    assert "emergency" in advice["text"]
    assert escalated.hold_until is not None
    assert f"on hold until {escalated.hold_until:%Y-%m-%d}" in advice["text"]
    assert action_ids(fake.updates[-1])  # still open (escalated): buttons remain
    # The evidence package is written on the bot's host; chat gets only its path.
    assert note["user"] == OWNER and not [c for c in fake.calls if c["method"].startswith("files.")]
    package = Path(re.search(r"written on the bot's host to `([^`]+)`", note["text"]).group(1))
    assert package.parent == settings.storage.data_dir / "evidence"
    checked = verify(package)
    assert checked.ok and checked.files == 3, checked.problems
    assert checked.case["number"] == case.number and checked.case["space_id"] == fake.team_id
    # With it, the hotline report to paste, privately: the moderator files it.
    assert "watchkeeper has NOT sent it to anyone" in note["text"]
    assert f"Suspect: account id {ADULT}" in note["text"]
    assert f"Evidence manifest SHA-256: {checked.manifest_sha256}" in note["text"]


async def test_press_from_another_workspace_changes_nothing(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        await settled(runtime)
        case = (await slack_cases(runtime, fake))[0]
        payload = fake.build_block_actions(f"wk_dismiss:{case.id}", user_id=MODERATOR)
        payload["team"] = {"id": "T0ELSEWHERE", "domain": "elsewhere"}
        await fake.wait_for_ack(await fake.send_interactive(payload))
        unchanged = await runtime.store.get_case(case.id)
    assert unchanged is not None and unchanged.state is CaseState.OPEN
    assert "does not belong" in fake.ephemerals[-1]["text"]


async def test_dm_to_the_app_becomes_a_report(fake, tmp_path):
    fake.add_channel("D0KID", "", is_im=True, user=KID)
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        envelope, _ = await fake.send_message(
            "D0KID", KID, f"<@{ADULT}> keeps asking me to add them on snap and not tell my mom"
        )
        await fake.wait_for_ack(envelope)
        await settled(runtime)
        cases = await slack_cases(runtime, fake)

    [case] = cases
    assert (case.kind, case.suspect_id) == (CaseKind.REPORT, ADULT)
    assert "add them on snap" in case.summary
    report = fake.posted(MOD)
    assert len(report) == 1 and "reported a concern" in block_text(report[0])
    thanks = fake.posted("D0KID")
    assert len(thanks) == 1
    assert "moderators" in thanks[0]["text"] and "nobody else" in thanks[0]["text"]
    assert {m["channel"] for m in fake.posted()} == {MOD, "D0KID"}


async def test_rate_limited_alert_is_retried_and_arrives_once(fake, tmp_path):
    # three 429s: more than the client's own retries, so the outbox retries too
    fake.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        await fake.wait_for_posted(MOD, timeout=10)
        await settled(runtime, timeout=10)
        cases = await slack_cases(runtime, fake)
    statuses = [c["status"] for c in fake.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 429, 200]
    assert len(fake.posted(MOD)) == 1
    assert cases[0].platform_message_id == f"{MOD}:{fake.posted(MOD)[0]['ts']}"


async def test_alert_posted_before_a_lost_response_is_not_posted_twice(fake, tmp_path):
    fake.fail_after_next("chat.postMessage", status=500)
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING)
        await settled(runtime, timeout=10)
        case = (await slack_cases(runtime, fake))[0]
    assert len(alert_posts(fake)) == 1
    assert fake.calls_to("conversations.history")  # the retry looked before posting
    assert case.platform_message_id == f"{MOD}:{fake.posted(MOD)[0]['ts']}"


async def test_alert_posted_by_a_crashed_process_is_found_not_reposted(fake, tmp_path):
    settings = slack_settings(tmp_path, fake)
    earlier = Runtime(settings)
    await earlier.store.open()
    report = await earlier.engine.report("slack", fake.team_id, Participant(KID), "worried")
    [claim] = await earlier.store.claim_deliveries("dead-process", utcnow(), ["slack"])
    # ...it posted the alert, then died before recording that it had.
    posted = fake.add_message(
        MOD, "Case 1: a member reported a concern", fake.bot_user_id,
        metadata={"event_type": "watchkeeper_alert",
                  "event_payload": {"case_id": report.id, "key": claim.key}},
    )  # fmt: skip
    await earlier.store.close()

    async with running(settings, fake) as runtime:
        await settled(runtime)
        case = await runtime.store.get_case(report.id)
    assert fake.posted() == []
    assert case is not None and case.platform_message_id == f"{MOD}:{posted['ts']}"


async def test_redelivered_event_is_processed_once(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        fake.add_channel("D0KID", "", is_im=True, user=KID)
        first, _ = await fake.send_message("D0KID", KID, "someone is bothering me", event_id="Ev1")
        await fake.wait_for_ack(first)
        again = await fake.redeliver(first)
        await fake.wait_for_ack(again)
        await settled(runtime)
        cases = await slack_cases(runtime, fake)
    assert len(cases) == 1
    assert len(fake.posted("D0KID")) == 1 and len(fake.posted(MOD)) == 1


async def test_edits_are_scored_and_unchanged_edits_ignored(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        said = await say(fake, GROOMING[:4])
        original = said[2]
        edited_at = f"{time.time():.6f}"
        for new_text in (original["text"], "just dont tell anyone we talk ok"):
            envelope = await fake.send_event({
                "type": "message", "subtype": "message_changed", "channel": CHAT,
                "message": {"type": "message", "user": ADULT, "text": new_text,
                            "ts": original["ts"], "edited": {"user": ADULT, "ts": edited_at}},
                "previous_message": {"type": "message", "user": ADULT, "text": original["text"],
                                     "ts": original["ts"]},
            })  # fmt: skip
            await fake.wait_for_ack(envelope)
        await runtime.engine.flush()
        window = await runtime.store.load_window(f"slack:{fake.team_id}:pair:{ADULT}|{KID}", 50)
    ids = [stored.message.message_id for stored in window]
    assert ids == [m["ts"] for m in said] + [f"{original['ts']}~edit-{edited_at}"]


async def test_bots_and_the_moderator_channel_are_not_watched(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, GROOMING, channel=MOD)  # moderators quoting a case
        bot = await fake.send_event({"type": "message", "channel": CHAT, "bot_id": "B0OTHER",
                                     "subtype": "bot_message", "text": "how old r u?"})  # fmt: skip
        await fake.wait_for_ack(bot)
        await runtime.engine.flush()
        assert await runtime.store.load_window(f"slack:{fake.team_id}:pair:{ADULT}|{KID}", 50) == []
        assert await slack_cases(runtime, fake) == []


async def test_slash_commands(fake, tmp_path):
    async def command(text: str, user: str, channel: str = CHAT) -> str:
        before = len(fake.ephemerals)
        await fake.wait_for_ack(await fake.send_slash_command(text=text, user_id=user,
                                                              channel_id=channel))  # fmt: skip
        await fake.wait_for(lambda: len(fake.ephemerals) > before)
        answer = fake.ephemerals[-1]
        assert answer["user"] == user and answer["via"] == "response_url"
        return answer["text"]

    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        assert "moderators" in await command("status", KID)
        assert "Open cases: 0" in await command("status", MODERATOR)
        assert "moderators" in await command(f"exclude <#{CHAT}|general>", PEER)
        assert await runtime.store.space_settings("slack", fake.team_id) == {}
        excluded = await command(f"exclude <#{CHAT}|general>", MODERATOR)
        assert f"<#{CHAT}> is no longer watched" in excluded
        assert "moderators" in await command("threshold high", ADULT)
        assert "*high*" in await command("threshold high", MODERATOR)
        privacy = await command("privacy", KID)
        assert "cannot see private messages between two members" in privacy
        assert "**" not in privacy
        assert "moderators" in await command(f"report <@{ADULT}> asked my age", KID)

        await say(fake, GROOMING)  # in the excluded channel: nothing
        await settled(runtime)
        cases = await slack_cases(runtime, fake)
        assert [c.kind for c in cases] == [CaseKind.REPORT]
        assert cases[0].suspect_id == ADULT
        stored = await runtime.store.space_settings("slack", fake.team_id)

    assert stored["excluded_channels"] == [CHAT]
    assert stored["alert_level"] == "high"
    assert [m["channel"] for m in fake.posted()] == [MOD]


async def test_peers_group_membership_sets_age_bands(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake), fake) as runtime:
        await say(fake, ORDINARY[:3])
        await runtime.engine.flush()
        window = await runtime.store.load_window(f"slack:{fake.team_id}:pair:{KID}|{PEER}", 50)
    bands = {s.message.author.user_id: s.message.author.age_band.value for s in window}
    assert bands == {KID: "minor", PEER: "minor"}
    assert len(fake.calls_to("usergroups.users.list")) == 1  # cached, not per message


async def test_channels_excluded_in_the_config_are_not_watched(fake, tmp_path):
    async with running(slack_settings(tmp_path, fake, excluded_channels=[CHAT]), fake) as runtime:
        await say(fake, GROOMING)
        await settled(runtime)
        assert await slack_cases(runtime, fake) == []
    assert fake.posted() == []
