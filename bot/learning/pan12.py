"""Loader for the PAN 2012 sexual predator identification corpus (users bring their own).

The corpus is XML: ``<conversations><conversation id="..."><message line="1">
<author>...</author><time>HH:MM</time><text>...</text></message>...``, plus a text
file of predator author ids, one per line. A conversation in which a listed author
writes is labelled grooming, with that author as the suspect; the others benign.
Nothing from PAN12 is ever committed to this repository.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.learning.corpora import Conversation, InputError, Line

_DAY = datetime(2012, 1, 1, tzinfo=UTC)


def read_predator_ids(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def iter_pan12(xml_path: Path, predators: set[str]) -> Iterator[Conversation]:
    """Stream conversations from a PAN12 XML file without loading it whole."""
    try:
        for _, element in ET.iterparse(xml_path, events=("end",)):
            if element.tag != "conversation":
                continue
            yield _conversation(element, predators)
            element.clear()
    except ET.ParseError as exc:
        raise InputError(f"{xml_path}: not valid PAN12 XML ({exc})") from None


def _conversation(element: ET.Element, predators: set[str]) -> Conversation:
    lines: list[Line] = []
    for index, message in enumerate(element.iter("message")):
        author = (message.findtext("author") or "unknown").strip()
        text = message.findtext("text") or ""
        lines.append(Line(author, text, _time(message.findtext("time"), index)))
    authors = list(dict.fromkeys(line.author for line in lines))
    suspects = [a for a in authors if a in predators]
    return Conversation(
        id=element.get("id") or f"pan12-{len(lines)}",
        label="grooming" if suspects else "benign",
        suspect=suspects[0] if suspects else None,
        context="dm",
        participants={},
        messages=lines,
    )


def _time(value: str | None, index: int) -> datetime:
    """PAN12 gives only HH:MM; keep the order by adding the message index in seconds."""
    try:
        hours, minutes = (int(part) for part in (value or "").strip().split(":")[:2])
        return _DAY + timedelta(hours=hours, minutes=minutes, seconds=index)
    except ValueError:
        return _DAY + timedelta(seconds=30 * index)
