"""Evidence packages: what moderators hand to a platform or a hotline, and can prove intact.

A package is a directory:

- ``transcript.json``: the case and every stored message of its conversation (ids,
  authors, age bands, timestamps, links back to the platform, text), each with the
  signals it showed and the risk *after* it. The risk is recomputed by replaying the
  stored window through the configured scorer, the same incremental state the engine
  uses (without the cross-conversation reach of the live tracker).
- ``transcript.html``: the same, readable in any browser, with a heat strip of the
  risk per message; everything escaped, no script, no external assets.
- ``decisions.json``: the moderators' decisions (who, what, when, why).
- ``manifest.json``: the SHA-256 and size of every other file, and the audit chain's
  head when the package was written. Its own hash is written to the audit log at
  export, so ``watchkeeper verify`` can also vouch for the manifest when it runs next
  to the bot's store.
- ``manifest.sig``: HMAC-SHA256 of ``manifest.json`` with the audit key
  (``bot/store/auditkey.py``): whoever rewrites a file and the manifest to match cannot
  sign it; ``verify`` checks it wherever the key is (the bot's host).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import __version__, lifecycle
from bot.clock import isoformat, utcnow
from bot.config import Settings
from bot.evidence_html import render_html
from bot.models import Case, Participant
from bot.scoring import Scorer, load_scorer
from bot.scoring.state import ConversationState
from bot.store import SqlStore
from bot.store.base import StoredMessage

FORMAT = "watchkeeper-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
EXPORT_KIND = "evidence_exported"

log = logging.getLogger(__name__)


class EvidenceError(Exception):
    """A package cannot be written or read where asked (one line for the user)."""


@dataclass(frozen=True, slots=True)
class Package:
    path: Path
    files: dict[str, str]
    """File name -> SHA-256 of its bytes."""
    manifest_sha256: str


@dataclass(slots=True)
class Verification:
    problems: list[str] = field(default_factory=list)
    files: int = 0
    case: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""
    signature_checked: bool = False
    """The manifest's signature was checked (and matched, unless a problem says not)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def case_record(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "platform": case.platform,
        "space_id": case.space_id,
        "kind": case.kind.value,
        "state": case.state.value,
        "level": case.level.value,
        "score": round(case.score, 4),
        "suspect_id": case.suspect_id,
        "conversation": case.conversation,
        "created_at": isoformat(case.created_at),
        "updated_at": isoformat(case.updated_at),
        "hold_until": isoformat(case.hold_until) if case.hold_until else None,
        "summary": case.summary,
        "participants": [_person(p) for p in case.participants],
        "signals": [
            {
                "name": s.name,
                "weight": s.weight,
                "message_id": s.message_id,
                "quote": s.quote,
                "author_id": s.author_id,
            }
            for s in case.signals
        ],
        "evidence": [
            {
                "message_id": e.message_id,
                "channel_id": e.channel_id,
                "author_id": e.author_id,
                "ts": isoformat(e.ts),
                "link": e.link,
            }
            for e in case.evidence
        ],
    }


def _person(p: Participant) -> dict[str, Any]:
    return {"user_id": p.user_id, "display_name": p.display_name, "age_band": p.age_band.value}


def transcript(
    case: Case, messages: list[StoredMessage], settings: Settings, scorer: Scorer
) -> dict[str, Any]:
    """The case and its messages, each with its signals and the risk after it."""
    state = ConversationState(max_messages=settings.storage.window_messages)
    thresholds = settings.detection.thresholds
    rows = []
    for index, stored in enumerate(messages, start=1):
        m = stored.message
        observation = scorer.observe(m, state)
        state.add(observation, m.author.age_band)
        risk = scorer.risk(state)
        rows.append(
            {
                "index": index,
                "message_id": m.message_id,
                "channel_id": m.channel_id,
                "thread_id": m.thread_id,
                "author": _person(m.author),
                "ts": isoformat(m.ts),
                "text": m.text,
                "link": m.link,
                "reply_to": m.reply_to,
                "is_dm": m.is_dm,
                "signals": [hit.name for hit in observation.hits],
                "risk_after": round(risk.probability, 4),
                "level_after": thresholds.level_for(risk.probability).value,
            }
        )
    return {
        "format": FORMAT,
        "case": case_record(case),
        "scorer": scorer.name,
        "risk_note": "risk_after is recomputed by replaying the stored messages through the "
        "configured scorer; the live score also counted the suspect's other contacts.",
        "messages": rows,
    }


def decisions_record(case: Case) -> list[dict[str, Any]]:
    states = lifecycle.replay(case.decisions)
    return [
        {
            "action": d.action.value,
            "state_after": state.value,
            "actor_id": d.actor_id,
            "actor_name": d.actor_name,
            "at": isoformat(d.at),
            "reason": d.reason,
        }
        for d, state in zip(case.decisions, states, strict=True)
    ]


def default_dir(settings: Settings, case: Case, now: datetime) -> Path:
    space = re.sub(r"[^A-Za-z0-9_.-]", "_", case.space_id)
    name = f"{case.platform}-{space}-case-{case.number}-{now:%Y%m%dT%H%M%SZ}"
    return settings.storage.data_dir / "evidence" / name


def signature(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def write_package(
    out: Path, files: dict[str, bytes], manifest: dict[str, Any], key: bytes | None = None
) -> Package:
    """Write the files, then the manifest of their hashes (last: a package without a
    manifest is visibly unfinished), signed with ``key``."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EvidenceError(f"{out}: exists and is not an empty directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        hashes = {}
        for name, data in files.items():
            (out / name).write_bytes(data)
            hashes[name] = sha256(data)
        manifest["files"] = {
            name: {"sha256": hashes[name], "bytes": len(data)} for name, data in files.items()
        }
        body = _json(manifest)
        (out / MANIFEST).write_bytes(body)
        if key is not None:
            (out / SIGNATURE).write_text(signature(key, body) + "\n", encoding="ascii")
    except OSError as exc:
        raise EvidenceError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return Package(out, hashes, sha256(body))


async def export_case(
    store: SqlStore,
    settings: Settings,
    case: Case,
    out: Path | None = None,
    actor: str = "watchkeeper",
    scorer: Scorer | None = None,
) -> Package:
    """Write ``case``'s evidence package (to ``out``, or under ``data_dir/evidence``) and
    audit the export. Adapters call this when a moderator escalates."""
    now = utcnow()
    messages = await store.conversation_messages(case.conversation)
    active = scorer or load_scorer(settings)
    record = await asyncio.to_thread(transcript, case, messages, settings, active)
    files = {
        "transcript.json": _json(record),
        "transcript.html": render_html(record, decisions_record(case), now).encode(),
        "decisions.json": _json(decisions_record(case)),
    }
    manifest = {
        "format": FORMAT,
        "created_at": isoformat(now),
        "created_by": actor,
        "tool": f"watchkeeper {__version__}",
        "case": {
            "platform": case.platform,
            "space_id": case.space_id,
            "number": case.number,
            "id": case.id,
        },
        "audit_head": await store.audit_head(),
    }
    target = out or default_dir(settings, case, now)
    key = store.audit_key.secret if store.audit_key is not None else None
    package = await asyncio.to_thread(write_package, target, files, manifest, key)
    await store.audit(
        EXPORT_KIND,
        actor,
        {
            "case_id": case.id,
            "platform": case.platform,
            "space_id": case.space_id,
            "number": case.number,
            "messages": len(messages),
            "path": str(target),
            "manifest_sha256": package.manifest_sha256,
        },
    )
    return package


async def export_on_escalate(
    store: SqlStore, settings: Settings, case: Case, actor: str, scorer: Scorer | None = None
) -> Package | None:
    """What an adapter calls when a moderator presses Escalate: the package goes under
    ``data_dir/evidence``. A failure (a full disk) is logged, never raised: the
    escalation itself is already recorded and must not be undone by it."""
    try:
        package = await export_case(store, settings, case, actor=actor, scorer=scorer)
    except Exception:
        log.exception("case %d: the evidence package could not be written", case.number)
        return None
    log.info("case %d: evidence package written to %s", case.number, package.path)
    return package


def package_note(case: Case, package: Package | None) -> str:
    """What the escalating moderator is told about the package: where it is on the bot's
    host (the files themselves never go into chat), or how an admin can write it."""
    if package is None:
        return (
            f"The evidence package for case {case.number} could not be written (see the bot's "
            f"log); the escalation is recorded. An admin can write it on the bot's host with "
            f"`watchkeeper export {case.number} --platform {case.platform} "
            f"--space {case.space_id}`."
        )
    return (
        f"Evidence package for case {case.number} (transcript, decisions, SHA-256 manifest) "
        f"written on the bot's host to `{package.path}`. "
        f"Check it with `watchkeeper verify {package.path}`."
    )


def verify(directory: Path, key: bytes | None = None) -> Verification:
    """Check every file against the manifest, and with the audit ``key`` the manifest's
    signature; name what is modified, missing or extra."""
    result = Verification()
    try:
        body = (directory / MANIFEST).read_bytes()
        manifest = json.loads(body)
        listed = manifest["files"]
        if not isinstance(listed, dict):
            raise TypeError("files")
    except FileNotFoundError:
        result.problems.append(f"{MANIFEST}: missing")
        return result
    except (OSError, ValueError, KeyError, TypeError):
        result.problems.append(f"{MANIFEST}: unreadable or not a watchkeeper manifest")
        return result
    result.manifest_sha256 = sha256(body)
    result.case = manifest.get("case", {})
    if key is not None:
        result.signature_checked = True
        try:
            signed = (directory / SIGNATURE).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            result.problems.append(f"{SIGNATURE}: missing or unreadable (the package is unsigned)")
        else:
            if not hmac.compare_digest(signed, signature(key, body)):
                result.problems.append(
                    f"{MANIFEST}: its signature does not match (rewritten, or signed with "
                    "another key)"
                )
    for name, entry in sorted(listed.items()):
        path = directory / name
        if Path(name).name != name:
            result.problems.append(f"{name}: not a plain file name")
        elif not path.is_file():
            result.problems.append(f"{name}: missing")
        elif sha256(path.read_bytes()) != entry.get("sha256"):
            result.problems.append(f"{name}: modified (SHA-256 does not match the manifest)")
        else:
            result.files += 1
    for path in sorted(directory.iterdir()):
        if path.name not in (MANIFEST, SIGNATURE) and path.name not in listed:
            result.problems.append(f"{path.name}: not in the manifest")
    return result
