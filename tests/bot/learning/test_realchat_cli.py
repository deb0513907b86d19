"""``watchkeeper alert-rate`` and ``evaluate-grouping`` as a user runs them."""

import json
import os
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.learning.test_alert_rate import APPROACH, SMALL_TALK, write_log

ROOT = Path(__file__).parents[3]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_"):
            monkeypatch.delenv(name)
    return tmp_path


def test_alert_rate_reports_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_log(tmp_path / "log.jsonl.gz", {"busy": SMALL_TALK * 10 + APPROACH})
    assert main(["alert-rate", str(path), "--json", "--show"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["messages"] == 50 and report["chunks"] == 1
    assert report["alerts"] == len(report["alert_list"]) == 1
    assert report["alert_list"][0]["suspect"] == "u1"
    assert report["alerts_per_1000_messages"] == 20.0


def test_evaluate_grouping_reports_link_precision_and_recall(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "log.jsonl"
    lines = [
        {"channel": "c", "id": "1", "author": "a", "text": "anyone around", "gold_parents": []},
        {"channel": "c", "id": "2", "author": "b", "text": "yes", "gold_parents": ["1"]},
        {"channel": "c", "id": "3", "author": "a", "text": "b: great", "mentions": ["b"]},
    ]
    for i, line in enumerate(lines):
        line["ts"] = f"2025-03-01T18:00:0{i}Z"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["evaluate-grouping", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["annotated_lines"] == 2 and report["correct_links"] == 1
    assert report["precision"] == 1.0 and report["recall"] == 1.0
    assert main(["evaluate-grouping", str(path), "--pair-gap", "0"]) == 2


@pytest.mark.parametrize("command", ["alert-rate", "evaluate-grouping"])
def test_a_conversation_file_is_refused_in_one_line(
    command: str, capsys: pytest.CaptureFixture
) -> None:
    assert main([command, str(ROOT / "tests" / "data" / "sample.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "Conversation JSONL" in err and len(err.strip().splitlines()) == 1
    assert main([command, "missing.jsonl"]) == 2
