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


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and no secrets directory unless a test makes one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WATCHKEEPER_SECRETS_DIR", str(tmp_path / "secrets"))
    return tmp_path


def test_a_bad_environment_variable_is_named(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(workdir, "[detection]\nmin_messages = 7\n")
    monkeypatch.setenv("WATCHKEEPER_DETECTION__MIN_MESSAGES", "many")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    (problem,) = raised.value.problems
    assert problem.startswith("environment variable WATCHKEEPER_DETECTION__MIN_MESSAGES:")
    assert "config.toml" not in problem


def test_dotenv_in_the_working_directory_is_read(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text(
        "POSTGRES_PASSWORD=for-compose-only\n"
        "WATCHKEEPER_DETECTION__MIN_MESSAGES=5\n"
        "WATCHKEEPER_ALERTS__FLOOD_LIMIT=lots\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_config(None)
    assert raised.value.problems == [
        ".env: WATCHKEEPER_ALERTS__FLOOD_LIMIT: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]
    (workdir / ".env").write_text("WATCHKEEPER_DETECTION__MIN_MESSAGES=5\n")
    assert load_config(None).detection.min_messages == 5
    monkeypatch.setenv("WATCHKEEPER_DETECTION__MIN_MESSAGES", "6")  # the environment wins
    assert load_config(None).detection.min_messages == 6


def test_dotenv_can_name_the_config_file(workdir: Path) -> None:
    from bot.config import resolve_config_path

    (workdir / "wk.toml").write_text("[detection]\nmin_messages = 9\n")
    (workdir / ".env").write_text("WATCHKEEPER_CONFIG=wk.toml\n")
    path = resolve_config_path(None)
    assert path == Path("wk.toml")
    assert load_config(path).detection.min_messages == 9


def test_secret_files_one_per_variable(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = workdir / "secrets"
    secrets.mkdir()
    (secrets / "watchkeeper_discord__token").write_text("from-a-secret-file\n")
    (secrets / "WATCHKEEPER_DETECTION__MIN_MESSAGES").write_text("4")
    (secrets / "unrelated").write_text("ignored")
    path = write(workdir, "[detection]\nmin_messages = 8\n")
    settings = load_config(path)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == "from-a-secret-file"
    assert settings.detection.min_messages == 4  # a secret file wins over the TOML file
    (workdir / ".env").write_text("WATCHKEEPER_DETECTION__MIN_MESSAGES=3\n")
    assert load_config(path).detection.min_messages == 3  # .env wins over a secret file
    (secrets / "WATCHKEEPER_DETECTION__MIN_MESSAGES").write_text("0")
    (workdir / ".env").unlink()
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.problems[0].startswith(
        f"secret file {secrets / 'WATCHKEEPER_DETECTION__MIN_MESSAGES'}: "
    )


def test_a_missing_secrets_directory_is_fine(workdir: Path) -> None:
    assert not (workdir / "secrets").exists()
    assert load_config(None).discord.token is None


def test_database_password_apart_from_the_url(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_STORAGE__PASSWORD", "p@ss/word")
    settings = load_config(None)
    assert settings.storage.password is not None
    assert settings.storage.password.get_secret_value() == "p@ss/word"
    assert "p@ss/word" not in repr(settings)
