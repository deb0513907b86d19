"""Evidence packages: complete, escaped, self-contained, and tamper-evident."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.alerts import escalation_for
from bot.engine import Engine
from bot.evidence import (
    EvidenceError,
    export_case,
    export_on_escalate,
    package_note,
    verify,
)
from bot.models import Action, Case
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore
from bot.store.sqlite import sqlite_store
from tests.conftest import make_settings, message, person

ADULT = person("u1", "adult", "Robin <b>")
CHILD = person("u2", "minor", "Kit")
LINES = [
    (ADULT, "hey, you're really good at this game for your age. how old r u?"),
    (CHILD, "im 13"),
    (ADULT, "wow ur so mature for 13 <script>alert(1)</script>"),
    (ADULT, "just dont tell anyone ok, this is just between us"),
    (ADULT, "add me on snap instead, its more private there"),
]


async def escalated_case(tmp_path: Path) -> tuple[SqlStore, Engine, Case]:
    settings = make_settings(tmp_path, detection={"scorer": "rules"})
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for i, (who, text) in enumerate(LINES):
        m = message(who, text, at=i * 30, dm=True, channel="d1")
        await engine.ingest(replace(m, link=f"https://x.test/{i}"))
    await engine.flush()
    (case,) = await store.list_cases()
    case = await engine.decide(case.id, Action.ESCALATE, "mod1", "Mo", "reported <to NCMEC>")
    return store, engine, case


async def test_export_writes_a_verifiable_package(tmp_path: Path) -> None:
    store, engine, case = await escalated_case(tmp_path)
    out = tmp_path / "pkg"
    package = await export_case(store, engine.settings, case, out, actor="mod1")
    entries = await store.audit_entries("evidence_exported")
    await store.close()

    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.json",
        "manifest.json",
        "manifest.sig",
        "transcript.html",
        "transcript.json",
    ]
    transcript = json.loads((out / "transcript.json").read_text())
    messages = transcript["messages"]
    assert [m["text"] for m in messages] == [text for _, text in LINES]
    assert messages[0]["author"] == {
        "user_id": "u1",
        "display_name": "Robin <b>",
        "age_band": "adult",
    }
    assert all(m["link"].startswith("https://x.test/") and m["message_id"] for m in messages)
    assert "secrecy" in messages[3]["signals"]
    risks = [m["risk_after"] for m in messages]
    assert risks[-1] >= 0.5 and risks[0] < risks[-1]
    assert transcript["case"]["number"] == case.number and transcript["scorer"] == "rules"
    decisions = json.loads((out / "decisions.json").read_text())
    assert decisions[0]["action"] == "escalate" and decisions[0]["reason"] == "reported <to NCMEC>"

    html = (out / "transcript.html").read_text()
    assert "<script" not in html and "&lt;script&gt;" in html and "Robin &lt;b&gt;" in html
    assert html.count('class="strip"') == 1 and html.count('href="#m') == len(LINES)
    assert "src=" not in html and "<link" not in html and "@import" not in html

    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {"transcript.json", "transcript.html", "decisions.json"}
    assert verify(out).ok
    assert entries[-1].detail["manifest_sha256"] == package.manifest_sha256
    assert entries[-1].actor == "mod1"


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (
            lambda d: (d / "transcript.html").write_text("<p>nothing to see</p>"),
            "transcript.html: modified",
        ),
        (lambda d: (d / "decisions.json").unlink(), "decisions.json: missing"),
        (lambda d: (d / "notes.txt").write_text("hi"), "notes.txt: not in the manifest"),
        (lambda d: (d / "manifest.json").unlink(), "manifest.json: missing"),
    ],
)
async def test_verify_names_what_was_changed(tmp_path: Path, damage, problem: str) -> None:
    store, engine, case = await escalated_case(tmp_path)
    await export_case(store, engine.settings, case, tmp_path / "pkg")
    await store.close()
    damage(tmp_path / "pkg")
    result = verify(tmp_path / "pkg")
    assert not result.ok and any(p.startswith(problem) for p in result.problems)


async def test_export_refuses_a_directory_in_use(tmp_path: Path) -> None:
    store, engine, case = await escalated_case(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("")
    with pytest.raises(EvidenceError, match="not an empty directory"):
        await export_case(store, engine.settings, case, tmp_path / "busy")
    package = await export_case(store, engine.settings, case)  # the default place
    await store.close()
    assert package.path.parent == engine.settings.storage.data_dir / "evidence"
    assert f"case-{case.number}-" in package.path.name


async def test_escalation_links_for_the_space_regions(tmp_path: Path) -> None:
    store, engine, case = await escalated_case(tmp_path)
    await store.close()
    us = escalation_for(case, engine.settings, ["US"])
    assert [link.name for link in us.links] == ["NCMEC CyberTipline"]
    assert "emergency" in us.emergency and us.hold_until == case.hold_until
    uk_ca = escalation_for(case, engine.settings, ["uk", "CA"])
    assert [link.name for link in uk_ca.links] == ["CEOP (National Crime Agency)", "Cybertip.ca"]
    default = escalation_for(case, engine.settings)  # escalation.regions = ["GLOBAL"]
    assert any("INHOPE" in link.name for link in default.links)
    custom = tmp_path / "links.json"
    custom.write_text(
        json.dumps(
            {
                "emergency": "Call 112.",
                "platforms": {},
                "regions": {
                    "DE": [{"name": "jugendschutz.net", "url": "https://www.jugendschutz.net/"}]
                },
            }
        )
    )
    settings = make_settings(tmp_path, escalation={"regions": ["DE"], "links_file": custom})
    local = escalation_for(case, settings)
    assert [link.name for link in local.links] == ["jugendschutz.net"]
    assert local.emergency == "Call 112."


async def test_export_on_escalate_never_raises(tmp_path: Path) -> None:
    store, engine, case = await escalated_case(tmp_path)
    package = await export_on_escalate(store, engine.settings, case, "mod1")
    assert package is not None and verify(package.path).ok
    assert f"`{package.path}`" in package_note(case, package)
    evidence = engine.settings.storage.data_dir / "evidence"
    for child in evidence.iterdir():
        shutil.rmtree(child)
    evidence.rmdir()
    evidence.write_text("not a directory")  # nowhere to write the next package
    assert await export_on_escalate(store, engine.settings, case, "mod1") is None
    failed = package_note(case, None)
    assert "could not be written" in failed
    assert f"watchkeeper export {case.number} --platform {case.platform}" in failed
    await store.close()


async def test_a_rewritten_file_and_manifest_fail_the_signature(tmp_path: Path) -> None:
    """Rewriting a file and the manifest's hashes to match passes a plain hash check;
    the manifest's signature (keyed with the audit key, not in the package) fails."""
    import hashlib

    store, engine, case = await escalated_case(tmp_path)
    out = tmp_path / "pkg"
    await export_case(store, engine.settings, case, out, actor="mod1")
    head = (await store.audit_entries())[-2].hash  # the head before the export's own entry
    assert store.audit_key is not None
    key = store.audit_key.secret
    await store.close()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["audit_head"] == head
    assert verify(out, key).ok and verify(out, key).signature_checked

    forged = (out / "decisions.json").read_bytes().replace(b"reported", b"ignored!")
    (out / "decisions.json").write_bytes(forged)
    manifest["files"]["decisions.json"]["sha256"] = hashlib.sha256(forged).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    assert verify(out).ok  # the hashes alone agree with the forgery
    result = verify(out, key)
    assert not result.ok and any("signature does not match" in p for p in result.problems)
    (out / "manifest.sig").unlink()
    assert any("unsigned" in p for p in verify(out, key).problems)
