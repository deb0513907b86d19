"""No member's words and no SQL parameters in the logs, at any level: ``--debug``
included (a debug log is what gets pasted into a bug report)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import wk

MARKER = "marmalade-lantern-5521"


def test_debug_logs_carry_no_message_text(tmp_path: Path) -> None:
    stream = tmp_path / "stream.jsonl"
    lines = [
        ("u1", "adult", f"hey {MARKER} how old r u"),
        ("u2", "minor", f"13 {MARKER}"),
        ("u1", "adult", f"dont tell ur parents {MARKER} ok"),
    ]
    stream.write_text(
        "".join(
            json.dumps({"space": "s", "channel": "dm", "is_dm": True, "id": f"m{i}",
                        "author": user, "age_band": band, "text": text,
                        "ts": f"2025-03-01T18:0{i}:00Z"}) + "\n"
            for i, (user, band, text) in enumerate(lines)
        ),
        encoding="utf-8",
    )  # fmt: skip
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    result = wk("--config", str(config), "--debug", "run", "--input", str(stream), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" in result.stderr  # debug logging was on
    assert "skipped" not in result.stderr.lower()  # every line was read and scored
    assert MARKER not in result.stderr
    assert "INSERT INTO" not in result.stderr  # no SQL with its parameters either
