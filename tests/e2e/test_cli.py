"""The `watchkeeper` command as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "data" / "sample.jsonl"
STREAM = ROOT / "bot" / "data" / "samples" / "stream.jsonl"
CONTRACT = {"id", "score", "alert", "level", "alert_at", "suspect", "signals", "peak", "peak_level"}


def wk(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin, capture_output=True,
        text=True, timeout=120, env={**env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def test_score_json_contract(tmp_path: Path) -> None:
    result = wk("score", str(SAMPLE), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    ids = [json.loads(line)["id"] for line in SAMPLE.read_text().splitlines()]
    assert [r["id"] for r in rows] == ids  # one per conversation, in input order
    for row in rows:
        assert set(row) == CONTRACT
        assert 0.0 <= row["score"] <= 1.0
        assert isinstance(row["alert"], bool) and isinstance(row["signals"], list)
        assert row["alert"] == (row["alert_at"] is not None)
        assert row["score"] <= row["peak"] <= 1.0
        assert row["peak_level"] in ("none", "watch", "high", "critical")
        if row["alert"]:  # the first crossing: the peak reached the alert level
            assert row["peak_level"] != "none"
    by_id = {r["id"]: r for r in rows}
    assert by_id["g1"]["alert"] and by_id["g1"]["suspect"] == "u11"


def test_evaluate_prints_the_metrics(tmp_path: Path) -> None:
    table = wk("evaluate", str(SAMPLE), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    for name in ("precision", "recall", "F1", "F0.5", "ROC-AUC", "median alert position"):
        assert name in table.stdout
    as_json = json.loads(wk("evaluate", str(SAMPLE), "--json", cwd=tmp_path).stdout)
    assert {"precision", "recall", "f1", "f05", "roc_auc", "latency_f1",
            "median_alert_position"} <= set(as_json)  # fmt: skip


def test_evaluate_reads_every_jsonl_file_of_a_directory(tmp_path: Path) -> None:
    lines = SAMPLE.read_text().splitlines()
    folder = tmp_path / "sets"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(lines[:2]) + "\n")
    (folder / "b.jsonl").write_text("\n".join(lines[2:]) + "\n")
    (folder / "notes.txt").write_text("not a conversation")
    whole = json.loads(wk("evaluate", str(SAMPLE), "--json", cwd=tmp_path).stdout)
    split = wk("evaluate", str(folder), "--json", cwd=tmp_path)
    assert split.returncode == 0, split.stderr
    assert json.loads(split.stdout) == whole


def test_evaluate_plot_writes_a_png(tmp_path: Path) -> None:
    plot = tmp_path / "eval.png"
    result = wk("evaluate", str(SAMPLE), "--plot", str(plot), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_reads_directories_and_weighted_files(tmp_path: Path) -> None:
    lines = (ROOT / "bot" / "learning" / "corpus" / "train.jsonl").read_text().splitlines()
    grooming = [line for line in lines if '"label":"grooming"' in line]
    benign = [line for line in lines if '"label":"benign"' in line]
    generated = tmp_path / "generated"
    generated.mkdir()
    (generated / "a.jsonl").write_text("\n".join(grooming[:40] + benign[:80]) + "\n")
    written = tmp_path / "written.jsonl"
    written.write_text("\n".join(grooming[40:60] + benign[80:120]) + "\n")
    out = tmp_path / "model"
    result = wk("train", str(generated), "--weighted", "4", str(written), "--out", str(out),
                cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "training on 180 conversations (60 grooming)" in result.stderr
    assert (out / "model.json.gz").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weighted", "heavy", "x.jsonl"], "--weighted: 'heavy' is not a positive number"),
        (["--weighted", "0", "x.jsonl"], "--weighted: '0' is not a positive number"),
        (["empty_dir"], "empty_dir: no .jsonl files in this directory"),
        (["x.jsonl", "--dev", "nope.jsonl"], "nope.jsonl: no such file"),
        (["x.jsonl", "--dev", "unlabelled.jsonl"],
         "--dev unlabelled.jsonl: no labelled conversations to measure against"),
        (["x.jsonl", "--dev", str(STREAM)], f"{STREAM}: this is message JSONL"),
        (["x.jsonl", "--out", "x.jsonl"], "--out x.jsonl: is a file, not a directory"),
    ],
)  # fmt: skip
def test_train_input_mistakes_are_one_line_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "x.jsonl").write_text(SAMPLE.read_text())
    unlabelled = [{**json.loads(line), "label": None} for line in SAMPLE.read_text().splitlines()]
    (tmp_path / "unlabelled.jsonl").write_text("\n".join(map(json.dumps, unlabelled)) + "\n")
    result = wk("train", *args, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()  # found before training: nothing else said
    assert line.startswith(f"watchkeeper: {message}")
    assert not (tmp_path / "data" / "model").exists()


def test_train_warns_on_tiny_data(tmp_path: Path) -> None:
    result = wk("train", str(SAMPLE), "--out", str(tmp_path / "model"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: only 2 grooming and 4 benign conversations" in result.stderr
    assert (tmp_path / "model" / "model.json.gz").is_file()


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = SAMPLE.read_text().splitlines()
    bad.write_text("\n".join([good[0], "{not json", '{"id": "x", "messages": 3}', good[1]]) + "\n")
    result = wk("score", str(bad), "--json", cwd=tmp_path)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 2
    assert f"{bad}:2: skipped" in result.stderr and f"{bad}:3: skipped" in result.stderr


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = wk("score", "nope.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[detection]\nmin_messages = -3\n")
    result = wk("check", "--offline", cwd=tmp_path)
    assert result.returncode == 2
    assert "detection.min_messages" in result.stderr and "Traceback" not in result.stderr


def test_replay_alerts_once_and_not_again_after_restart(tmp_path: Path) -> None:
    first = wk("replay", str(SAMPLE), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    db = tmp_path / "data" / "watchkeeper.db"
    with sqlite3.connect(db) as conn:
        cases = conn.execute("SELECT conversation, suspect_id FROM cases ORDER BY id").fetchall()
        pending = conn.execute("SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0]
    assert sorted(s for _, s in cases) == ["u11", "u21"]  # the two grooming conversations
    assert pending == 0
    assert first.stdout.count("possible grooming") >= 2
    second = wk("replay", str(SAMPLE), cwd=tmp_path)
    assert second.returncode == 0
    assert "possible grooming" not in second.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == len(cases)


def test_run_reads_a_stream_and_the_heartbeat_is_healthy(tmp_path: Path) -> None:
    result = wk("run", "--input", str(STREAM), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Case 1" in result.stdout and "Robin (u100)" in result.stdout
    assert wk("health", cwd=tmp_path).returncode == 0
    # On the terminal the cards are the output: no routine log lines between them,
    # unless the admin asks for them.
    assert " INFO " not in result.stderr, result.stderr
    (tmp_path / "watchkeeper.toml").write_text(
        '[logging]\nlevel = "INFO"\n[storage]\ndata_dir = "again"\n'
    )
    chosen = wk("--config", "watchkeeper.toml", "run", "--input", str(STREAM), cwd=tmp_path)
    assert " INFO bot.outbox: delivered" in chosen.stderr, chosen.stderr


@pytest.mark.parametrize("line", ["not json", '{"text": "no author"}', '{"author": "a"}'])
def test_run_skips_bad_stream_lines(tmp_path: Path, line: str) -> None:
    result = wk(
        "run", "--input", "-", cwd=tmp_path, stdin=line + '\n{"author": "a", "text": "hi"}\n'
    )
    assert result.returncode == 0
    assert "stdin:1: skipped" in result.stderr


def test_run_with_nothing_to_watch_says_what_to_configure(tmp_path: Path) -> None:
    result = wk("run", cwd=tmp_path, stdin='{"author": "a", "text": "hi"}\n')
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("watchkeeper: nothing to watch:")
    assert "WATCHKEEPER_DISCORD__TOKEN" in line and "--input" in line
    assert not (tmp_path / "data").exists()  # stopped before opening anything


def test_run_names_a_misspelt_variable(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WATCHKEEPER_DISCORD_TOKEN=not-a-real-token\n")
    result = wk("run", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "WATCHKEEPER_DISCORD_TOKEN set nothing" in line


def test_quiet_on_a_closed_pipe(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    for command in (["score", str(SAMPLE)], ["evaluate", str(SAMPLE)]):
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *command], cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env={**env, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the first line (`| head -0`)
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, stderr
        assert stderr == ""


def test_bench_reports_every_figure(tmp_path: Path) -> None:
    result = wk("bench", "--json", "--messages", "400", "--conversations", "40",
                "--repetitions", "2", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in ("messages_per_second", "p50_ms", "p99_ms", "peak_rss_mb", "bytes_per_conversation",
                "cost_ratio_200_vs_10", "cpu_us_per_message"):  # fmt: skip
        assert isinstance(figures[key], int | float) and figures[key] > 0
    assert figures["p50_ms"] <= figures["p99_ms"]
    assert figures["repetitions"] == 2
    low, high = figures["spread"]["messages_per_second"]
    assert low <= figures["messages_per_second"] <= high
    assert set(figures["stages_us"]) == {"normalise", "signals", "features", "model", "store"}
    assert all(us > 0 for us in figures["stages_us"].values())
    # Not a terminal, and still a sign of life for each stage (CI logs, containers).
    assert "bench: throughput, messages 0/400 (0%)" in result.stderr.splitlines()
    assert "bench: memory per conversation" in result.stderr.splitlines()


def test_score_table_has_a_header_row(tmp_path: Path) -> None:
    result = wk("score", str(SAMPLE), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split("\t") == ["id", "score", "level", "alert", "suspect", "signals"]
    assert len(rows) == len(SAMPLE.read_text().splitlines())
    assert all(len(row.split("\t")) == 6 for row in rows)


@pytest.mark.parametrize("command", ["score", "evaluate", "replay", "train"])
def test_message_jsonl_is_recognised_in_one_line(tmp_path: Path, command: str) -> None:
    result = wk(command, str(STREAM), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "this is message JSONL" in line and "run --input" in line
    assert result.stdout == ""


def test_run_shows_each_case_once_and_sums_up(tmp_path: Path) -> None:
    result = wk("run", "--input", str(STREAM), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    cards = [line for line in result.stdout.splitlines() if line.startswith("== [")]
    changes = [line for line in result.stdout.splitlines() if line.startswith("-- case ")]
    assert len(cards) == 1  # one case, one card
    assert changes and all(line.startswith("-- case 1: ") for line in changes)
    assert len(result.stdout.splitlines()) <= 12 + len(changes)
    with sqlite3.connect(tmp_path / "data" / "watchkeeper.db") as conn:
        (conversations,) = conn.execute(
            "SELECT COUNT(DISTINCT conversation) FROM messages"
        ).fetchone()
        (cases,) = conn.execute("SELECT COUNT(*) FROM cases").fetchone()
    messages = len(STREAM.read_text().splitlines())
    assert result.stderr.splitlines()[-1] == (
        f"watchkeeper: end of {STREAM}: {messages} messages, {conversations} conversations, "
        f"{cases} case(s)"
    )
