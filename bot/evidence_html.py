"""The readable page of an evidence package: one self-contained, escaped HTML file.

It must open years later, offline, in whatever browser an investigator has: inline
CSS only, no script, no fonts or images from anywhere. Every value from chat is
escaped, and only ``http(s)`` links become links (never ``javascript:``).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from bot.alerts import SIGNAL_LABELS
from bot.clock import isoformat

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:64em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;
padding:.35em .5em;vertical-align:top;text-align:left}th{background:#f4f4f4}
.strip{display:flex;height:28px;border:1px solid #999;margin:.5em 0}
.strip a{flex:1;display:block}.meta td:first-child{width:11em;color:#555}
.risk{font-variant-numeric:tabular-nums;white-space:nowrap}.sig{color:#8a1c1c}
.small{color:#666;font-size:.9em}.text{white-space:pre-wrap;word-break:break-word}
"""


def heat(probability: float) -> str:
    """Green (no risk) through amber to red (certain), as an HSL colour."""
    hue = round(120 * (1 - max(0.0, min(1.0, probability))))
    return f"hsl({hue},75%,45%)"


def _link(url: str | None, label: str) -> str:
    if url and url.lower().startswith(("https://", "http://")):
        return f'<a href="{escape(url)}" rel="noreferrer">{escape(label)}</a>'
    return escape(label)


def _signal_names(names: list[str]) -> str:
    return ", ".join(escape(SIGNAL_LABELS.get(n, n)) for n in names)


def render_html(record: dict[str, Any], decisions: list[dict[str, Any]], now: datetime) -> str:
    case = record["case"]
    messages = record["messages"]
    title = f"Case {case['number']} ({case['platform']} {case['space_id']})"
    meta = [
        ("State", case["state"]),
        ("Level / score", f"{case['level']} / {case['score']:.2f}"),
        ("Suspect", case["suspect_id"] or "unknown"),
        ("Conversation", case["conversation"]),
        ("Opened", case["created_at"]),
        ("On hold until", case["hold_until"] or "not on hold"),
        ("Exported", isoformat(now)),
        ("Scorer", record["scorer"]),
    ]
    if case["summary"]:
        meta.append(("Report", case["summary"]))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>watchkeeper evidence: {escape(title)}</h1>",
        '<table class="meta">',
        *(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in meta),
        "</table>",
        "<h2>Participants</h2><ul>",
        *(
            f"<li>{escape(p['display_name'] or p['user_id'])} ({escape(p['user_id'])}), "
            f"age band {escape(p['age_band'])}</li>"
            for p in case["participants"]
        ),
        "</ul>",
    ]
    parts += _strip(messages)
    parts += _messages(messages)
    parts += _decisions(decisions)
    parts.append(
        f'<p class="small">{escape(record["risk_note"])} The SHA-256 of this file is in '
        "manifest.json.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def _strip(messages: list[dict[str, Any]]) -> list[str]:
    if not messages:
        return ["<h2>Risk after each message</h2><p>No messages are stored for this case.</p>"]
    cells = [
        f'<a href="#m{m["index"]}" title="message {m["index"]}: risk {m["risk_after"]:.2f}" '
        f'style="background:{heat(m["risk_after"])}"></a>'
        for m in messages
    ]
    return [
        "<h2>Risk after each message</h2>",
        '<div class="strip" role="img" aria-label="risk per message, green low, red high">',
        *cells,
        "</div>",
        '<p class="small">Each band is one message, oldest on the left; click to jump.</p>',
    ]


def _messages(messages: list[dict[str, Any]]) -> list[str]:
    if not messages:
        return []
    rows = []
    for m in messages:
        author = m["author"]
        who = f"{author['display_name'] or author['user_id']} ({author['user_id']})"
        band = "" if author["age_band"] == "unknown" else f", {author['age_band']}"
        sigs = _signal_names(m["signals"])
        rows.append(
            f'<tr id="m{m["index"]}"><td>{m["index"]}</td>'
            f'<td class="small">{_link(m["link"], m["ts"])}<br>{escape(m["message_id"])}</td>'
            f"<td>{escape(who)}{escape(band)}</td>"
            f'<td class="text">{escape(m["text"])}'
            + (f'<div class="sig">{sigs}</div>' if sigs else "")
            + f'</td><td class="risk"><span style="color:{heat(m["risk_after"])}">&#9632;</span> '
            f"{m['risk_after']:.2f} {escape(m['level_after'])}</td></tr>"
        )
    return [
        "<h2>Messages</h2><table><tr><th>#</th><th>When / id</th><th>Author</th>"
        "<th>Message and signals</th><th>Risk after</th></tr>",
        *rows,
        "</table>",
    ]


def _decisions(decisions: list[dict[str, Any]]) -> list[str]:
    if not decisions:
        return ["<h2>Decisions</h2><p>No moderator decision yet.</p>"]
    rows = [
        f"<tr><td>{escape(d['at'])}</td><td>{escape(d['action'])}</td>"
        f"<td>{escape(d['actor_name'] or d['actor_id'])} ({escape(d['actor_id'])})</td>"
        f"<td>{escape(d['reason'])}</td></tr>"
        for d in decisions
    ]
    return [
        "<h2>Decisions</h2><table><tr><th>When</th><th>Action</th><th>By</th><th>Reason</th></tr>",
        *rows,
        "</table>",
    ]
