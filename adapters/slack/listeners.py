"""bolt listeners: messages in, moderator buttons and ``/watchkeeper`` commands.

Each listener translates a Slack payload, calls the core (``Engine``,
``Moderation``) and answers privately: button and command answers are ephemeral,
alerts only ever go to the moderator channel through the outbox. Moderator rights
are checked here, on the server, for every press and every moderator command.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import (
    ACTION_ID,
    NOTE_BLOCK,
    NOTE_CALLBACK,
    NOTE_INPUT,
    note_view,
    parse_action_id,
    parse_case_id,
)
from adapters.slack.people import Directory, RecentIds
from adapters.slack.translate import PLATFORM, Incoming, incoming, parse_mentions, to_message
from bot import hotline
from bot.alerts import escalation_for
from bot.clock import from_epoch, utcnow
from bot.decisions import Actor, CaseNotHere, TransitionRefused, decide
from bot.evidence import package_note
from bot.inbox import InboxConsumer
from bot.models import Action, Case, EvidenceRef, Message, Participant
from bot.moderation import REPORT_THANKS, Moderation, privacy_notice
from bot.runtime import Runtime
from bot.store import inbox as queue
from bot.store.interactions import first_time, interaction_key

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/watchkeeper status` · `exclude #channel` · `include #channel` · "
    "`threshold watch|high|critical` · `privacy` · `report what worries you`"
)
NOT_A_MODERATOR = "Only this community's moderators can do that. Nothing was changed."
NOT_THIS_WORKSPACE = "This case does not belong to this workspace."
REPORT_SHORTCUT = "wk_report_message"
"""The callback id of the "Report to moderators" message shortcut (slack_manifest.yml)."""
MODERATOR_COMMANDS = ("status", "exclude", "include", "threshold")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>|^([CG][A-Z0-9]{5,})$")
_BARE_CHANNEL_ID = re.compile(r"\b([CG](?=[A-Z0-9]*\d)[A-Z0-9]{5,})\b")


def mrkdwn(text: str) -> str:
    """Core answers are written with ``**bold**``; Slack's bold is ``*bold*``."""
    return _BARE_CHANNEL_ID.sub(r"<#\1>", text.replace("**", "*"))


class SlackListeners:
    """The state listeners share: the runtime, who is who, and events already seen."""

    def __init__(
        self, runtime: Runtime, directory: Directory, inbox: InboxConsumer | None = None
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.config = runtime.settings.slack
        self.engine = runtime.engine
        self.moderation = Moderation(runtime.engine)
        self.directory = directory
        self.seen_events = RecentIds()
        self.inbox = inbox
        """Set when several HTTP workers share the workspace's events: messages go to the
        store's inbox and the holder of the workspace's lease scores them."""
        self._loaded_spaces: set[str] = set()

    def register(self, app: AsyncApp) -> None:
        app.event("message")(self.on_message)
        app.action(ACTION_ID)(self.on_button)
        app.view(NOTE_CALLBACK)(self.on_note)
        app.shortcut(REPORT_SHORTCUT)(self.on_report_shortcut)
        app.command("/watchkeeper")(self.on_command)

    async def ensure_space(self, team_id: str) -> None:
        """Apply a workspace's stored settings (exclusions, threshold) once."""
        if team_id and team_id not in self._loaded_spaces:
            await self.moderation.load_space(PLATFORM, team_id, self.config.excluded_channels)
            self._loaded_spaces.add(team_id)

    # -- messages ----------------------------------------------------------------------

    async def on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any,
                         client: AsyncWebClient) -> None:  # fmt: skip
        event_id = body.get("event_id")
        if not self.seen_events.first_time(event_id):
            log.debug("event %s redelivered: already handled", event_id)
            return
        try:
            await self.handle_message(event, context.team_id or body.get("team_id") or "",
                                      context.bot_user_id, client)  # fmt: skip
        except Exception:
            self.seen_events.forget(event_id)
            raise

    async def handle_message(self, event: dict[str, Any], team_id: str, bot_user_id: str | None,
                             client: AsyncWebClient) -> None:  # fmt: skip
        item = incoming(event, bot_user_id)
        if item is None or item.channel == self.config.moderator_channel:
            return  # the moderators' own discussion of a case is never scored
        await self.ensure_space(team_id)
        if item.is_dm_to_app:
            if not item.is_edit:
                await self._report_from_dm(item, team_id, client)
            return
        band = await self.directory.age_band(item.user)
        await self.submit(to_message(item, team_id, band))

    async def submit(self, message: Message) -> None:
        """Score here, or store in the inbox for the process that scores the workspace
        (before the event is acknowledged: an acknowledged message is never lost)."""
        if self.inbox is None:
            await self.engine.ingest(message)
            return
        await queue.put(self.engine.store, [message], utcnow())
        self.inbox.notify({(message.platform, message.space_id)})

    async def _report_from_dm(self, item: Incoming, team_id: str, client: AsyncWebClient) -> None:
        """A member wrote to the app: their words go to the moderators as a report."""
        reporter = Participant(item.user, item.display_name,
                               await self.directory.age_band(item.user))  # fmt: skip
        case = await self.moderation.report(PLATFORM, team_id, reporter, item.text,
                                            _about(item.text, item.user))  # fmt: skip
        log.info("case %d: a member reported a concern by direct message", case.number)
        try:
            await client.chat_postMessage(channel=item.channel, text=REPORT_THANKS)
        except SlackApiError as exc:  # the report is stored: a failed thank-you must not redo it
            log.warning("could not thank the reporter of case %d: %s", case.number,
                        exc.response.get("error"))  # fmt: skip

    async def on_report_shortcut(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """A message's "..." menu > Report to moderators: the message, its author and a
        link to it go privately to the moderators as a report, like a DM to the app."""
        await ack()
        user = body.get("user") or {}
        reporter_id = str(user.get("id") or "")
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        author, ts = str(message.get("user") or ""), str(message.get("ts") or "")
        await self.ensure_space(team_id)
        reporter = Participant(reporter_id, str(user.get("name") or ""),
                               await self.directory.age_band(reporter_id))  # fmt: skip
        about = Participant(author, "", await self.directory.age_band(author)) if author else None
        words = " ".join(str(message.get("text") or "").split())[:1000] or "(no text)"
        evidence = [EvidenceRef(ts, channel, author, from_epoch(float(ts)))] if ts else []
        text = f"Reported this message: “{words}”"
        case = await self.engine.report(PLATFORM, team_id, reporter, text, about, evidence)
        log.info("case %d: a member reported a message with the shortcut", case.number)
        await _private(respond, REPORT_THANKS)

    # -- buttons -----------------------------------------------------------------------

    async def on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any],
                        respond: Any, client: AsyncWebClient) -> None:  # fmt: skip
        await ack()
        press = parse_action_id(action.get("action_id", ""))
        if press is None or not await self._first_time(body, action.get("action_ts")):
            return
        user = body.get("user") or {}
        user_id = str(user.get("id") or "")
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        if not await self.directory.is_moderator(user_id):
            log.info("refused a %s press on case id %d by a non-moderator", press.action,
                     press.case_id)  # fmt: skip
            await _private(respond, NOT_A_MODERATOR)
            return
        if press.action is Action.NOTE:
            await self._open_note(press.case_id, team_id, str(body.get("trigger_id")), respond,
                                  client)  # fmt: skip
            return
        name = str(user.get("name") or user.get("username") or user_id)
        await self.apply(press.action, press.case_id, team_id, Actor(user_id, name),
                         press.reason, respond)  # fmt: skip

    async def _first_time(self, body: dict[str, Any], *identifiers: object) -> bool:
        """Is this interaction new? A signed payload captured and sent again within its
        signature's lifetime carries the same ``trigger_id``: it is not applied twice."""
        key = interaction_key(body.get("trigger_id"), *identifiers)
        if await first_time(self.engine.store, PLATFORM, key, utcnow()):
            return True
        log.warning("slack: an interaction arrived again (replayed?); not applied twice")
        return False

    async def _open_note(self, case_id: int, team_id: str, trigger_id: str, respond: Any,
                         client: AsyncWebClient) -> None:  # fmt: skip
        case = await self.engine.store.get_case(case_id)
        if case is None or case.platform != PLATFORM or case.space_id != team_id:
            await _private(respond, NOT_THIS_WORKSPACE)
            return
        await client.views_open(trigger_id=trigger_id, view=note_view(case.number, case.id))

    async def on_note(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The note dialog was submitted: recorded like a decision; a refusal shows in
        the dialog itself (there is no other private place to say it)."""
        user = body.get("user") or {}
        user_id = str(user.get("id") or "")
        team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get(NOTE_BLOCK) or {}).get(NOTE_INPUT) or {}).get("value") or "")
        refusal = None
        if not await self.directory.is_moderator(user_id):
            refusal = NOT_A_MODERATOR
        elif not text.strip():
            refusal = "Write the note first."
        elif not await self._first_time(body, view.get("id"), view.get("hash")):
            await ack()  # a replayed submission: the note is already recorded
            return
        else:
            actor = Actor(user_id, str(user.get("name") or user.get("username") or user_id))
            case_id = parse_case_id(str(view.get("private_metadata") or ""))
            try:
                await decide(self.engine, PLATFORM, team_id, case_id, Action.NOTE, actor, text)
            except CaseNotHere:
                refusal = NOT_THIS_WORKSPACE
            except TransitionRefused as exc:
                refusal = str(exc)
        if refusal is None:
            await ack()
        else:
            await ack(response_action="errors", errors={NOTE_BLOCK: refusal})

    async def apply(self, action: Action, case_id: int, team_id: str, actor: Actor,
                    reason: str, respond: Any) -> None:  # fmt: skip
        """Decide through the core and answer the moderator privately; the alert itself
        is edited by the outbox (the decision queued its update)."""
        try:
            outcome = await decide(self.engine, PLATFORM, team_id, case_id, action, actor, reason)
        except CaseNotHere:
            await _private(respond, NOT_THIS_WORKSPACE)
            return
        except TransitionRefused as exc:
            await _private(respond, str(exc))
            return
        case = outcome.case
        if action is not Action.ESCALATE:
            answer = f"Case {case.number}: {case.state.value}. The alert shows who did what, when."
            await _private(respond, answer)
            return
        await _private(respond, self._escalation_advice(case))
        escalation = escalation_for(case, self.settings, self.config.regions)
        fields = await hotline.for_case(self.engine.store, case, escalation, outcome.package)
        await _private(
            respond,
            f"{package_note(case, outcome.package)}\n\n*Hotline report*, filled from the case "
            f"(you file it; watchkeeper sends nothing):\n```{hotline.as_text(fields)}```",
        )

    def _escalation_advice(self, case: Case) -> str:
        escalation = escalation_for(case, self.settings, self.config.regions)
        lines = [f"*Case {case.number} escalated.* Report it to:"]
        lines += [f"• <{link.url}|{link.name}>" for link in escalation.links if link.url]
        if escalation.hold_until is not None:
            lines.append(f"The case and its messages are on hold until "
                         f"{escalation.hold_until:%Y-%m-%d} (UTC): retention will not "
                         f"delete them.")  # fmt: skip
        if escalation.emergency:
            lines.append(f":rotating_light: {escalation.emergency}")
        return "\n".join(lines)

    # -- /watchkeeper ------------------------------------------------------------------

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        answer = await self.run_command(command)
        await respond(text=mrkdwn(answer), response_type="ephemeral")

    async def run_command(self, command: dict[str, Any]) -> str:
        sub, _, rest = str(command.get("text") or "").strip().partition(" ")
        sub, rest = sub.lower(), rest.strip()
        user_id = str(command.get("user_id") or "")
        team_id = str(command.get("team_id") or "")
        await self.ensure_space(team_id)
        if sub == "privacy":
            return privacy_notice("workspace", self.settings.storage.window_days,
                                  self.settings.watch.watch_dms)  # fmt: skip
        if sub == "report":
            if not rest:
                return "Tell us what worries you: `/watchkeeper report what happened, and who`."
            reporter = Participant(user_id, str(command.get("user_name") or ""),
                                   await self.directory.age_band(user_id))  # fmt: skip
            await self.moderation.report(PLATFORM, team_id, reporter, rest,
                                         _about(rest, user_id))  # fmt: skip
            return REPORT_THANKS
        if sub not in MODERATOR_COMMANDS:
            return USAGE if sub in ("", "help") else f"Unknown command `{sub}`. {USAGE}"
        if not await self.directory.is_moderator(user_id):
            return NOT_A_MODERATOR
        if sub == "status":
            return await self.moderation.status(PLATFORM, team_id)
        if sub == "threshold":
            return await self.moderation.set_threshold(PLATFORM, team_id, rest, user_id)
        channel = _channel_arg(rest, str(command.get("channel_id") or ""))
        if channel is None:
            return f"Name the channel with #, for example `/watchkeeper {sub} #general`."
        if sub == "exclude":
            return await self.moderation.exclude(PLATFORM, team_id, channel, user_id)
        return await self.moderation.include(PLATFORM, team_id, channel, user_id)


async def _private(respond: Any, text: str) -> None:
    await respond(text=text, response_type="ephemeral", replace_original=False)


def _about(text: str, reporter_id: str) -> Participant | None:
    """The first person a report mentions (other than the reporter), if any."""
    others = [m for m in parse_mentions(text) if m != reporter_id]
    return Participant(others[0]) if others else None


def _channel_arg(text: str, current: str) -> str | None:
    """``<#C…|name>`` (Slack escapes #channel so), a bare id, or the current channel."""
    if not text:
        return current or None
    match = _CHANNEL.search(text.split()[0])
    return (match.group(1) or match.group(2)) if match else None
