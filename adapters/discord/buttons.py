"""An alert's buttons on Discord, and the note dialog.

Each button is a ``DynamicItem`` whose custom id carries what it does and the case id
(``wk:clt:12`` closes case id 12 with "action taken"): registered once at startup,
they work on every alert ever posted, across restarts. An alert shows the buttons
its case's state allows (``bot.lifecycle``), so what a moderator sees is what they
can do; a stale press (two moderators at once) is still refused by the core. "Add
note" opens a modal; its text becomes the note, recorded like any decision.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot import lifecycle
from bot.models import Action, Case

MAX_NOTE = 1000


BUTTONS: dict[str, tuple[Action, str, discord.ButtonStyle, str]] = {
    "ack": (Action.ACKNOWLEDGE, "Acknowledge", discord.ButtonStyle.primary, ""),
    "clm": (Action.CLAIM, "I'm on it", discord.ButtonStyle.primary, ""),
    "esc": (Action.ESCALATE, "Escalate", discord.ButtonStyle.danger, ""),
    "dis": (Action.DISMISS, "Dismiss (false positive)", discord.ButtonStyle.secondary, ""),
    "cnf": (Action.CONFIRM, "Confirm", discord.ButtonStyle.secondary, ""),
    "clt": (Action.CLOSE, "Close: action taken", discord.ButtonStyle.success, "taken"),
    "cln": (Action.CLOSE, "Close: no action", discord.ButtonStyle.secondary, "none"),
    "reo": (Action.REOPEN, "Reopen", discord.ButtonStyle.secondary, ""),
    "note": (Action.NOTE, "Add note", discord.ButtonStyle.secondary, ""),
}
"""code -> (action, label, style, close outcome), in the order the alert shows them."""
_TEMPLATE = r"wk:(?P<code>" + "|".join(BUTTONS) + r"):(?P<case>\d+)"


class AlertHandler(Protocol):
    """What the adapter does with a press (``DiscordAdapter``)."""

    async def alert_button(
        self, interaction: discord.Interaction, action: Action, case_id: int, reason: str = ""
    ) -> None: ...

    async def open_note(self, interaction: discord.Interaction, case_id: int) -> None: ...


def custom_id(code: str, case_id: int) -> str:
    return f"wk:{code}:{case_id}"


def codes_for(case: Case) -> list[str]:
    allowed = set(lifecycle.allowed(case.state))
    return [code for code, (action, *_) in BUTTONS.items() if action in allowed]


class AlertButton(discord.ui.DynamicItem[discord.ui.Button], template=_TEMPLATE):
    """One of an alert's buttons; the press is handled by the client's adapter."""

    def __init__(self, code: str, case_id: int) -> None:
        action, label, style, outcome = BUTTONS[code]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=custom_id(code, case_id))
        )
        self.code, self.action, self.outcome, self.case_id = code, action, outcome, case_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> AlertButton:
        return cls(match["code"], int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: AlertHandler = interaction.client.adapter  # type: ignore[attr-defined]
        if self.action is Action.NOTE:
            await handler.open_note(interaction, self.case_id)
            return
        reason = lifecycle.close_reason(self.outcome) if self.outcome else ""
        await handler.alert_button(interaction, self.action, self.case_id, reason)


class NoteModal(discord.ui.Modal):
    """ "Add note": one paragraph, recorded on the case with who and when."""

    text: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
        label="Note (only moderators see it)",
        style=discord.TextStyle.paragraph,
        max_length=MAX_NOTE,
        custom_id="wk_note_text",
    )

    def __init__(self, number: int, case_id: int) -> None:
        super().__init__(title=f"Note on case {number}", custom_id=f"wk:note-modal:{case_id}")
        self.case_id = case_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        handler: AlertHandler = interaction.client.adapter  # type: ignore[attr-defined]
        await handler.alert_button(interaction, Action.NOTE, self.case_id, self.text.value)


def alert_view(case: Case) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for code in codes_for(case):
        view.add_item(AlertButton(code, case.id))
    return view
