"""``audit head`` and ``audit verify --expect`` as an admin uses them: a head noted
earlier proves that no entry was cut off since; an edited case fails verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.test_cli import SAMPLE, wk


def test_head_expect_and_an_edited_case(tmp_path: Path) -> None:
    assert wk("replay", str(SAMPLE), cwd=tmp_path).returncode == 0
    head = wk("audit", "head", cwd=tmp_path)
    assert head.returncode == 0 and len(head.stdout.strip()) == 64
    noted = head.stdout.strip()
    ok = wk("audit", "verify", "--expect", noted, cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(f"head {noted}"), ok.stdout

    database = tmp_path / "data" / "watchkeeper.db"
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM audit WHERE id = (SELECT MAX(id) FROM audit)")
    cut = wk("audit", "verify", "--expect", noted, cwd=tmp_path)
    assert cut.returncode == 1
    assert f"problem: the head {noted} is no longer in the chain" in cut.stdout

    with sqlite3.connect(database) as db:
        db.execute("UPDATE cases SET suspect_id = 'someone-else' WHERE id = 1")
    edited = wk("audit", "verify", cwd=tmp_path)
    assert edited.returncode == 1 and "problem: case id 1 differs" in edited.stdout
