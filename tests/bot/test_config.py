from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file() -> None:
    settings = load_config(None)
    assert settings.enabled_platforms == []
    assert settings.storage.sqlite_path == Path("data/watchkeeper.db")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[detection]\nmin_messages = 7\n[slack]\nmoderator_channel = "C1"\n')
    monkeypatch.setenv("WATCHKEEPER_DETECTION__MIN_MESSAGES", "4")
    monkeypatch.setenv("WATCHKEEPER_DISCORD__TOKEN", "not-a-real-token")
    settings = load_config(path)
    assert settings.detection.min_messages == 4
    assert settings.discord.enabled
    assert "not-a-real-token" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[detection]\nbogus = 1\n", "detection.bogus: unknown key"),
        ("[detection]\nmin_messages = 'many'\n", "detection.min_messages"),
        ('[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n', "moderator_channel is required"),
        ("[[discord.guilds]]\nid = 1\n", "discord.guilds.0.moderator_channel: required key"),
        ("[detection.thresholds]\nwatch = 0.9\nhigh = 0.5\n", "watch <= high <= critical"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text))
    assert any(expected in problem for problem in raised.value.problems)


def test_cli_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[storage]\nwindow_messages = 'lots'\nunknown = 1\n")
    assert main(["--config", str(path), "check", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 2
    assert "storage.window_messages" in err and "storage.unknown: unknown key" in err


def test_missing_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "/nonexistent/wk.toml", "check", "--offline"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "config.example.toml"
    settings = load_config(example)
    assert settings.enabled_platforms == []
