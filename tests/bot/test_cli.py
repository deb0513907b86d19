"""The ``watchkeeper`` command line: global options, and what ``check`` says first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import build_parser, main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WATCHKEEPER_SECRETS_DIR", str(tmp_path / "secrets"))
    for name in list(os.environ):
        if name.startswith("WATCHKEEPER_") and name != "WATCHKEEPER_SECRETS_DIR":
            monkeypatch.delenv(name)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "a.toml", "--debug", "run"],
        ["run", "--config", "a.toml", "--debug"],
        ["--debug", "run", "--config", "a.toml"],
        ["audit", "verify", "--config", "a.toml", "--debug"],
    ],
)
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.config == "a.toml"
    assert args.debug is True


def test_an_option_before_the_command_is_kept_when_not_repeated() -> None:
    args = build_parser().parse_args(["--config", "a.toml", "check"])
    assert args.config == "a.toml" and args.debug is False
    args = build_parser().parse_args(["check"])
    assert args.config is None and args.debug is False


def test_check_names_the_config_file_first(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "wk.toml").write_text('[storage]\ndata_dir = "d"\n')
    assert main(["check", "--offline", "--config", "wk.toml"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "config file: wk.toml"


def test_check_says_when_there_is_no_config_file(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_STORAGE__DATA_DIR", str(workdir / "d"))
    assert main(["check", "--offline"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("no config file: defaults and environment")
    assert "1 environment variable" in first


def test_check_names_the_file_before_its_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "config.toml").write_text("[detection]\nmin_messages = 0\n")
    assert main(["check", "--offline"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "config file: config.toml"
    assert "config.toml: detection.min_messages:" in captured.err


def test_check_warns_of_a_variable_that_sets_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_STORAGE__DATA_DIR", str(workdir / "d"))
    monkeypatch.setenv("WATCHKEEPER_DISCORD_TOKEN", "not-a-real-token")
    assert main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "warning: WATCHKEEPER_DISCORD_TOKEN sets nothing" in out
    assert "WATCHKEEPER_STORAGE__DATA_DIR" not in out
    assert "not-a-real-token" not in out
