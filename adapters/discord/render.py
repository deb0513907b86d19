"""How a case looks in Discord: an embed (its buttons are in ``buttons``), in the
moderator channel only.

The wording comes from ``bot.alerts``; this module lays it out. Members' words are
quoted with markdown and mentions escaped, and alerts are sent with no allowed
mentions, so quoting a message can never ping anyone.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import alerts
from bot.models import Action, Case, CaseKind, Decision, Level, Participant

LEVEL_COLOURS = {
    Level.CRITICAL: discord.Colour(0xC0392B),
    Level.HIGH: discord.Colour(0xE67E22),
    Level.WATCH: discord.Colour(0xF1C40F),
    Level.NONE: discord.Colour(0x95A5A6),
}
REPORT_COLOUR = discord.Colour(0x5865F2)
NO_PINGS = discord.AllowedMentions.none()

DECISION_WORDS = {
    Action.ACKNOWLEDGE: "Acknowledged",
    Action.ESCALATE: "Escalated",
    Action.DISMISS: "Dismissed as a false positive",
    Action.CONFIRM: "Confirmed",
    Action.CLOSE: "Closed",
    Action.REOPEN: "Reopened",
    Action.CLAIM: "Taken on",
    Action.NOTE: "Note",
}
MAX_PARTICIPANTS = 10
MAX_DECISIONS = 5
MAX_EVIDENCE_LINKS = 8
QUOTE_CHARS = 160


def ref_line(key: str) -> str:
    """The outbox key, in small print under the alert's first line: how an alert posted
    before a crash is found again once Discord's nonce has expired."""
    return f"-# ref {key}"


def alert_text(case: Case, key: str) -> str:
    """The message text above the embed: what a phone notification shows. Edits leave it
    alone (they change the embed), so it says nothing that goes out of date."""
    what = "report from a member" if case.kind is CaseKind.REPORT else "alert"
    return f"New watchkeeper {what}: case {case.number}\n{ref_line(key)}"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Someone's words, safe to show: no markdown, no mentions, short."""
    short = " ".join(text.split())
    if len(short) > limit:
        short = short[: limit - 1] + "…"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(short))


def who(person: Participant | None, user_id: str) -> str:
    band = person.age_band.value if person else "unknown"
    return f"<@{user_id}> ({band})" if band != "unknown" else f"<@{user_id}>"


def timestamp(decision: Decision) -> str:
    """A Discord timestamp: each moderator sees it in their own time zone."""
    return f"<t:{int(decision.at.timestamp())}:f>"


def account_age(user_id: int) -> str:
    """When a Discord account was made (its id says so): a days-old account approaching
    children is worth a moderator's notice."""
    created = discord.utils.snowflake_time(user_id)
    return f"<t:{int(created.timestamp())}:D> (<t:{int(created.timestamp())}:R>)"


def _clip(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def alert_embed(case: Case) -> discord.Embed:
    body = alerts.content(case)
    is_report = case.kind is CaseKind.REPORT
    embed = discord.Embed(
        title=_clip(body.title, 256),
        description=_clip(quote(body.summary, 1500) if is_report else body.summary, 4000),
        colour=REPORT_COLOUR if is_report else LEVEL_COLOURS[case.level],
        timestamp=case.created_at,
    )
    people = {p.user_id: p for p in case.participants}
    embed.add_field(name="Case", value=str(case.number))
    embed.add_field(name="Level", value=alerts.LEVEL_LABELS[case.level])
    if not is_report:
        embed.add_field(name="Score", value=f"{case.score:.2f}")
    if case.suspect_id:
        label = "Reported member" if is_report else "Suspect"
        embed.add_field(name=label, value=who(people.get(case.suspect_id), case.suspect_id))
    others = [p for p in case.participants if p.user_id != case.suspect_id]
    if others:
        shown = ", ".join(who(p, p.user_id) for p in others[:MAX_PARTICIPANTS])
        if len(others) > MAX_PARTICIPANTS:
            shown += f" and {len(others) - MAX_PARTICIPANTS} more"
        embed.add_field(
            name="Reported by" if is_report else "With", value=_clip(shown), inline=False
        )
    if body.reasons:
        lines = []
        for reason in body.reasons:
            jump = f" · [jump]({reason.link})" if reason.link else ""
            lines.append(
                f"**{reason.label}**: “{quote(reason.quote)}” — <@{reason.author_id}>{jump}"
            )
        embed.add_field(name="Why it was flagged", value=_clip("\n".join(lines)), inline=False)
    links = [e.link for e in case.evidence if e.link][:MAX_EVIDENCE_LINKS]
    if links:
        jumps = " · ".join(f"[message {n}]({link})" for n, link in enumerate(links, 1))
        embed.add_field(name="Messages", value=_clip(jumps), inline=False)
    if body.history:
        embed.add_field(
            name="Earlier cases about this member", value=_clip("\n".join(body.history))
        )
    if case.suspect_id and case.suspect_id.isdigit():
        embed.add_field(name="Account created", value=account_age(int(case.suspect_id)))
    if body.claimed_by is not None:
        claim = body.claimed_by
        embed.add_field(name="On it", value=f"<@{claim.actor_id}> since {timestamp(claim)}")
    if case.decisions:
        lines = [
            f"{DECISION_WORDS[d.action]} by <@{d.actor_id}> ({quote(d.actor_name, 40)}), "
            f"{timestamp(d)}" + (f": “{quote(d.reason, 200)}”" if d.reason else "")
            for d in case.decisions[-MAX_DECISIONS:]
        ]
        embed.add_field(name="Decisions", value=_clip("\n".join(lines)), inline=False)
    embed.set_footer(text=_clip(body.state_line, 2048))
    return embed


def digest_embed(cases: Sequence[Case]) -> discord.Embed:
    """Cases opened while the guild was over its alert limit: one message, no flood."""
    lines = []
    for case in cases[:25]:
        suspect = f" · suspect <@{case.suspect_id}>" if case.suspect_id else ""
        lines.append(f"**Case {case.number}**: {alerts.LEVEL_LABELS[case.level]}{suspect}")
    top = max((c.level for c in cases), key=lambda level: level.rank, default=Level.WATCH)
    return discord.Embed(
        title="More possible grooming cases",
        description=_clip(
            "These cases opened while alerts were arriving fast. "
            "Use `/watchkeeper status` to review them.\n\n" + "\n".join(lines),
            4000,
        ),
        colour=LEVEL_COLOURS[top],
    )
