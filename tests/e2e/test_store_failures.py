"""A store that cannot be used, or is in use: every command says so in one line and
exits 2, at once (no command hangs on it), and a second bot on one SQLite file is
refused while the commands that read keep working."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import ROOT, SAMPLE, wk

STORE_COMMANDS = [
    ["run", "--input", os.devnull],
    ["replay", str(SAMPLE)],
    ["cases"],
    ["check", "--offline"],
    ["audit", "verify"],
    ["audit", "list"],
    ["purge"],
    ["forget", "--platform", "console", "--user", "u1"],
    ["export", "1"],
    ["deadletters"],
]
NOT_A_DATABASE = {
    "random bytes": bytes(range(256)) * 64,
    "a text file": b"these are my notes, not a database\n" * 100,
    "a truncated database": b"SQLite format 3\x00" + b"\x10\x00\x02\x02" + b"\x00" * 80,
}


def configure(tmp_path: Path, storage: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n{storage}', encoding="utf-8")
    return config


def one_line_exit_2(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", NOT_A_DATABASE)
def test_every_command_refuses_a_file_that_is_not_a_database(tmp_path: Path, kind: str) -> None:
    config = configure(tmp_path)
    database = tmp_path / "data" / "watchkeeper.db"
    database.parent.mkdir()
    database.write_bytes(NOT_A_DATABASE[kind])
    for command in STORE_COMMANDS:
        result = wk("--config", str(config), *command, cwd=tmp_path)
        if command[0] == "check":  # check prints what it looked at, then the problem
            assert result.returncode == 2 and "Traceback" not in result.stderr
            assert f"problem: {database}: not a usable SQLite database" in result.stdout
            continue
        one_line_exit_2(result, str(database), "not a usable SQLite database")
    assert database.read_bytes() == NOT_A_DATABASE[kind]  # never "repaired" by a command


def test_an_unknown_storage_scheme_is_refused(tmp_path: Path) -> None:
    config = configure(tmp_path, 'url = "postgresq://wk:hunter2@db/wk"\n')
    for command in (["cases"], ["run", "--input", os.devnull]):
        line = one_line_exit_2(wk("--config", str(config), *command, cwd=tmp_path), "postgresq")
        assert "hunter2" not in line
    check = wk("--config", str(config), "check", "--offline", cwd=tmp_path)
    assert check.returncode == 2 and "problem: storage.url: unknown scheme" in check.stdout
    assert "hunter2" not in check.stdout + check.stderr
    assert not (tmp_path / "data").exists()  # no SQLite file made instead


def test_a_data_dir_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndata_dir = "/sys/watchkeeper-data"\n', encoding="utf-8")
    check = wk("--config", str(config), "check", "--offline", cwd=tmp_path)
    assert check.returncode == 2 and "Traceback" not in check.stdout + check.stderr
    assert "problem: /sys/watchkeeper-data: cannot create the data directory" in check.stdout
    one_line_exit_2(
        wk("--config", str(config), "run", "--input", os.devnull, cwd=tmp_path),
        "/sys/watchkeeper-data",
    )


def test_a_second_bot_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    config = configure(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    first = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "run", "--input", "-"],
        cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**env, "PYTHONPATH": str(ROOT)}, text=True,
    )  # fmt: skip
    lock = tmp_path / "data" / "watchkeeper.db.lock"
    try:
        for _ in range(600):
            if lock.exists() and f"pid {first.pid}" in lock.read_text():
                break
            assert first.poll() is None, first.communicate()
            time.sleep(0.1)
        second = wk("--config", str(config), "run", "--input", os.devnull, cwd=tmp_path)
        one_line_exit_2(second, f"pid {first.pid}", "in use by a running watchkeeper")
        replay = wk("--config", str(config), "replay", str(SAMPLE), cwd=tmp_path)
        one_line_exit_2(replay, f"pid {first.pid}")
        # What reads, or makes one quick change, works while the bot runs.
        for command in (["cases"], ["audit", "verify"], ["purge"], ["deadletters"]):
            result = wk("--config", str(config), *command, cwd=tmp_path)
            assert result.returncode == 0, (command, result.stderr)
    finally:
        assert first.stdin is not None
        first.stdin.close()
        assert first.wait(60) == 0
    # Once the first has stopped, the file is free again.
    again = wk("--config", str(config), "run", "--input", os.devnull, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
