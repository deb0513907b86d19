"""A hotline report ready to paste: what a CyberTipline or CEOP form asks, from the case.

The fields follow what those forms ask of a reporting platform (incident time range,
where it happened, the suspect's and the child's accounts with names and stated ages,
the message links, a short factual description, the preserved evidence), filled from
the case, its stored messages and its evidence package. A moderator reads it, checks
it and files it: watchkeeper never sends it anywhere. Facts only: the tactics found,
each with its quote, never an interpretation beyond the detector's own labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.alerts import SIGNAL_LABELS, Escalation
from bot.clock import isoformat
from bot.models import AgeBand, Case, CaseKind, Participant
from bot.store.base import StoredMessage

if TYPE_CHECKING:
    from bot.evidence import Package
    from bot.store import SqlStore

FILED_BY_YOU = (
    "Prepared by watchkeeper for a moderator to file. watchkeeper has NOT sent it to "
    "anyone: you file it, on the hotline's own form, after checking every field."
)
_STATED_AGE = re.compile(
    r"\b(?:i'?m|im|i am|am)\s+(?:only\s+|just\s+|turning\s+)?(\d{1,2})\b"
    r"(?!\s*(?:min|mins|minutes|h|hrs|hours|am|pm|%|k|x|th|st|nd|rd|:|\.\d))"
    r"|\b(\d{1,2})\s*(?:yo|y/o|yrs? old|years? old)\b",
    re.IGNORECASE,
)
MAX_QUOTES = 8


@dataclass(frozen=True, slots=True)
class Person:
    account_id: str
    name: str
    age_band: str
    stated_ages: tuple[int, ...]


def stated_ages(messages: list[StoredMessage], user_id: str) -> tuple[int, ...]:
    """Ages a person gave for themselves in their own messages ("im 13"), in order."""
    found: list[int] = []
    for stored in messages:
        if stored.message.author.user_id != user_id:
            continue
        for match in _STATED_AGE.finditer(stored.message.text):
            age = int(match.group(1) or match.group(2))
            if 5 <= age <= 99 and age not in found:
                found.append(age)
    return tuple(found)


def _person(p: Participant, messages: list[StoredMessage]) -> Person:
    return Person(p.user_id, p.display_name, p.age_band.value, stated_ages(messages, p.user_id))


async def for_case(
    store: SqlStore, case: Case, escalation: Escalation, package: Package | None = None
) -> dict[str, Any]:
    """The report of a stored case. Without ``package``, the newest package exported for
    the case (the audit log records each export) is named, if there is one."""
    messages = await store.conversation_messages(case.conversation)
    if package is not None:
        written = {"path": str(package.path), "manifest_sha256": package.manifest_sha256}
    else:
        written = await latest_package(store, case)
    return report(case, messages, escalation, written)


async def latest_package(store: SqlStore, case: Case) -> dict[str, str] | None:
    from bot.evidence import EXPORT_KIND  # loads the scorer: only when asked

    for entry in reversed(await store.audit_entries(EXPORT_KIND)):
        if entry.detail.get("case_id") == case.id:
            return {
                "path": entry.detail["path"],
                "manifest_sha256": entry.detail["manifest_sha256"],
            }
    return None


def report(
    case: Case,
    messages: list[StoredMessage],
    escalation: Escalation,
    package: dict[str, str] | None,
) -> dict[str, Any]:
    """The report's fields. ``package`` is the evidence package's ``path`` and
    ``manifest_sha256`` (None when none was written yet)."""
    people = {p.user_id: p for p in case.participants}
    for stored in messages:
        people.setdefault(stored.message.author.user_id, stored.message.author)
    suspect = people.get(case.suspect_id or "")
    others = [p for uid, p in people.items() if uid != case.suspect_id]
    children = [p for p in others if p.age_band is AgeBand.MINOR] or others
    times = [s.message.ts for s in messages] or [e.ts for e in case.evidence] or [case.created_at]
    links = [e.link for e in case.evidence if e.link]
    links += [s.message.link for s in messages if s.message.link and s.message.link not in links]
    return {
        "notice": FILED_BY_YOU,
        "case": {"number": case.number, "state": case.state.value, "kind": case.kind.value},
        "incident": {"first": isoformat(min(times)), "last": isoformat(max(times))},
        "platform": case.platform,
        "space": case.space_id,
        "suspect": _as_dict(_person(suspect, messages)) if suspect else None,
        "children": [_as_dict(_person(p, messages)) for p in children],
        "message_urls": links,
        "summary": summary(case),
        "evidence_package": package,
        "where_to_file": [{"name": link.name, "url": link.url} for link in escalation.links],
        "hold_until": isoformat(escalation.hold_until) if escalation.hold_until else None,
    }


def _as_dict(person: Person) -> dict[str, Any]:
    return {
        "account_id": person.account_id,
        "name": person.name,
        "age_band": person.age_band,
        "stated_ages": list(person.stated_ages),
    }


def summary(case: Case) -> list[str]:
    """What happened, as facts: each warning sign with its quote, who wrote it and when,
    in the order it happened."""
    when = {e.message_id: e.ts for e in case.evidence}
    lines = []
    if case.kind is CaseKind.REPORT and case.summary:
        lines.append(f"A member reported: “{case.summary}”")
    signals = sorted(case.signals, key=lambda s: when.get(s.message_id) or case.created_at)
    for signal in signals[:MAX_QUOTES]:
        at = when.get(signal.message_id)
        stamp = f" at {isoformat(at)}" if at else ""
        label = SIGNAL_LABELS.get(signal.name, signal.name)
        lines.append(f"{label}: “{signal.quote}” (account {signal.author_id}{stamp})")
    return lines


def as_text(fields: dict[str, Any]) -> str:
    """The same fields as plain text a moderator pastes, one per line."""
    incident = fields["incident"]
    out = [
        f"HOTLINE REPORT — case {fields['case']['number']} ({fields['case']['state']})",
        fields["notice"],
        "",
        f"Incident date/time (UTC): {incident['first']} to {incident['last']}",
        f"Platform: {fields['platform']}",
        f"Community / space id: {fields['space']}",
    ]
    out += _people("Suspect", [fields["suspect"]] if fields["suspect"] else [])
    out += _people("Child", fields["children"])
    out.append("Message URLs:")
    out += [f"  {url}" for url in fields["message_urls"]] or ["  (none recorded)"]
    out.append("Summary of what was seen (quotes from the messages):")
    out += [f"  - {line}" for line in fields["summary"]] or ["  (no warning signs recorded)"]
    package = fields["evidence_package"]
    if package:
        out.append(f"Evidence package (on the bot's host): {package['path']}")
        out.append(f"Evidence manifest SHA-256: {package['manifest_sha256']}")
    else:
        out.append("Evidence package: not written yet (watchkeeper export CASE)")
    if fields["hold_until"]:
        out.append(f"Data on hold until: {fields['hold_until']}")
    out.append("Where to file:")
    out += [f"  {link['name']}: {link['url']}" for link in fields["where_to_file"]]
    return "\n".join(out)


def _people(role: str, people: list[dict[str, Any]]) -> list[str]:
    if not people:
        return [f"{role}: unknown"]
    lines = []
    for p in people:
        ages = ", ".join(str(a) for a in p["stated_ages"]) or "none stated"
        name = p["name"] or "(no name)"
        lines.append(
            f"{role}: account id {p['account_id']}, name {name}, "
            f"age band {p['age_band']}, stated age(s): {ages}"
        )
    return lines
