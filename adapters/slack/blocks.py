"""How a case looks in Slack: Block Kit for the moderator channel, and nowhere else.

The wording comes from ``bot.alerts``; this module only lays it out. Everything a
member wrote is escaped before it goes into mrkdwn, so a quoted ``<!channel>`` or
``<@U…>`` cannot ping anyone from an alert. Buttons carry the case id in their
``action_id`` (``wk_<code>:<case id>``) and in their ``value``; an alert shows the
buttons its case's state allows (``bot.lifecycle``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import alerts, lifecycle
from bot.models import Action, Case, CaseKind, Level, Participant

LEVEL_EMOJI = {
    Level.CRITICAL: ":red_circle:",
    Level.HIGH: ":large_orange_circle:",
    Level.WATCH: ":large_yellow_circle:",
    Level.NONE: ":white_circle:",
}
BUTTONS: dict[str, tuple[Action, str, str | None, str]] = {
    "acknowledge": (Action.ACKNOWLEDGE, "Acknowledge", "primary", ""),
    "claim": (Action.CLAIM, "I'm on it", "primary", ""),
    "escalate": (Action.ESCALATE, "Escalate", "danger", ""),
    "dismiss": (Action.DISMISS, "Dismiss", None, ""),
    "confirm": (Action.CONFIRM, "Confirm", None, ""),
    "close_taken": (Action.CLOSE, "Close: action taken", None, "taken"),
    "close_none": (Action.CLOSE, "Close: no action", None, "none"),
    "reopen": (Action.REOPEN, "Reopen", None, ""),
    "note": (Action.NOTE, "Add note", None, ""),
}
"""code -> (action, label, style, close outcome), in the order the alert shows them.
The first three codes are the action names alerts have always carried."""
ACTION_ID = re.compile(r"^wk_(" + "|".join(BUTTONS) + r"):(\d{1,18})$")
"""Matches the action ids of alert buttons; bolt routes on it."""
NOTE_CALLBACK = "wk_note"
NOTE_BLOCK, NOTE_INPUT = "wk_note_block", "wk_note_text"
MAX_NOTE = 1000
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
MAX_PARTICIPANTS = 10
MAX_DECISIONS = 5


@dataclass(frozen=True, slots=True)
class Press:
    """What a button press asks for."""

    action: Action
    case_id: int
    reason: str = ""


def action_id(code: str, case_id: int) -> str:
    return f"wk_{code}:{case_id}"


def parse_case_id(text: str) -> int:
    """A case id carried in a payload (a dialog's ``private_metadata``); 0, which is no
    case, when it is not one (the store's ids are 64-bit)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def parse_action_id(value: str) -> Press | None:
    match = ACTION_ID.match(value or "")
    if not match:
        return None
    action, _, _, outcome = BUTTONS[match.group(1)]
    reason = lifecycle.close_reason(outcome) if outcome else ""
    return Press(action, int(match.group(2)), reason)


def note_view(number: int, case_id: int) -> dict[str, Any]:
    """The "Add note" dialog; the case id travels in ``private_metadata``."""
    return {
        "type": "modal",
        "callback_id": NOTE_CALLBACK,
        "private_metadata": str(case_id),
        "title": {"type": "plain_text", "text": f"Note on case {number}"[:24]},
        "submit": {"type": "plain_text", "text": "Add note"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "label": {"type": "plain_text", "text": "Note (only moderators see it)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_INPUT,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            }
        ],
    }


def escape(text: str) -> str:
    """Slack's three control characters; what remains cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """A member's words, escaped, except that a user mention stays a mention (it shows
    a name; it notifies no one outside the private moderator channel)."""
    return _ESCAPED_MENTION.sub(r"<@\1>", escape(text))


def slack_date(moment: datetime) -> str:
    """A date each moderator sees in their own time zone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def who(person: Participant | None, user_id: str) -> str:
    band = person.age_band.value if person else "unknown"
    return f"<@{user_id}> ({band})" if band != "unknown" else f"<@{user_id}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _buttons(case: Case) -> dict[str, Any]:
    allowed = set(lifecycle.allowed(case.state))
    elements: list[dict[str, Any]] = []
    for code, (action, label, style, _) in BUTTONS.items():
        if action not in allowed:
            continue
        button: dict[str, Any] = {
            "type": "button",
            "action_id": action_id(code, case.id),
            "value": str(case.id),
            "text": {"type": "plain_text", "text": label},
        }
        if style:
            button["style"] = style
        if action is Action.DISMISS:
            button["confirm"] = {
                "title": {"type": "plain_text", "text": f"Dismiss case {case.number}?"},
                "text": {"type": "plain_text", "text": "Mark this alert as a false positive."},
                "confirm": {"type": "plain_text", "text": "Dismiss"},
                "deny": {"type": "plain_text", "text": "Cancel"},
            }
        elements.append(button)
    return {"type": "actions", "block_id": f"wk_case:{case.id}", "elements": elements}


def _decisions(case: Case) -> dict[str, Any] | None:
    if not case.decisions:
        return None
    lines = [
        f"{d.action.value} by <@{d.actor_id}> · {slack_date(d.at)}"
        + (f": {escape(d.reason)}" if d.reason else "")
        for d in case.decisions[-MAX_DECISIONS:]
    ]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(lines)}]}


def case_blocks(case: Case, links: Mapping[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and the blocks of one alert; ``links`` maps message ids
    (as in ``case.evidence``) to permalinks."""
    body = alerts.content(case)
    people = {p.user_id: p for p in case.participants}
    title = f"{LEVEL_EMOJI[case.level]} {body.title}"
    fields = [f"*Level*\n{alerts.LEVEL_LABELS[case.level]}", f"*Case*\n{case.number}"]
    if case.kind is CaseKind.RISK:
        fields.append(f"*Score*\n{case.score:.2f}")
    if case.suspect_id:
        fields.append(f"*Suspect*\n{who(people.get(case.suspect_id), case.suspect_id)}")
    others = [p for p in case.participants if p.user_id != case.suspect_id]
    if others:
        label = "Reported by" if case.kind is CaseKind.REPORT else "With"
        shown = ", ".join(who(p, p.user_id) for p in others[:MAX_PARTICIPANTS])
        hidden = len(others) - MAX_PARTICIPANTS
        fields.append(f"*{label}*\n{shown}" + (f" and {hidden} more" if hidden > 0 else ""))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f[:2000]} for f in fields]},
        _section(escape(body.summary)),
    ]
    if body.reasons:
        lines = ["*Why it was flagged*"]
        for reason in body.reasons:
            link = reason.link or links.get(reason.message_id)
            jump = f" · <{link}|view message>" if link else ""
            lines.append(f"• *{escape(reason.label)}*: “{quote(reason.quote)}” "
                         f"— <@{reason.author_id}>{jump}")  # fmt: skip
        blocks.append(_section("\n".join(lines)))
    elif links:
        jumps = " · ".join(f"<{link}|message {n}>" for n, link in enumerate(links.values(), 1))
        blocks.append(_section(f"*Messages*: {jumps}"))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": body.state_line}]})
    if body.history:
        earlier = "\n".join(f"• {line}" for line in body.history)
        blocks.append(_section(f"*Earlier cases about this member*\n{earlier}"))
    if body.claimed_by is not None:
        claim = body.claimed_by
        line = f":raising_hand: On it: <@{claim.actor_id}> since {slack_date(claim.at)}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    decisions = _decisions(case)
    if decisions:
        blocks.append(decisions)
    blocks.append(_buttons(case))
    return f"{body.title} ({body.state_line})", blocks


def digest_blocks(cases: list[Case]) -> tuple[str, list[dict[str, Any]]]:
    """A compact listing for cases opened while the workspace was over its flood limit;
    each keeps its buttons so moderators can still act on it."""
    text = f"{len(cases)} more alert(s) while alerts were over the flood limit"
    blocks: list[dict[str, Any]] = [_section(f"*{text}*")]
    for case in cases[:20]:
        suspect = f", suspect <@{case.suspect_id}>" if case.suspect_id else ""
        line = f"{LEVEL_EMOJI[case.level]} *{escape(alerts.content(case).title)}*{suspect}"
        blocks.append(_section(line))
        blocks.append(_buttons(case))
    return text, blocks[:50]
