"""Configuration: a TOML file, overridden by ``WATCHKEEPER_<SECTION>__<KEY>`` variables
from the environment, ``.env`` or secret files (``bot.config_sources``).

Loaded once, in ``cli.py``, and passed down; nothing reads configuration at import
time. Every problem is reported as one line naming the key, or the variable, at fault.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config_sources import (
    CONFIG_VARIABLE,
    Sources,
    VariablesSource,
    dotenv_variables,
    locating_variable,
    secret_file_variables,
    secrets_dir,
)
from bot.errors import ConfigError
from bot.models import Level

DEFAULT_CONFIG_FILE = Path("config.toml")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class StorageConfig(Section):
    data_dir: Path = Path("./data")
    url: str = ""
    """Empty: SQLite at ``data_dir/watchkeeper.db``. ``postgresql://...``: PostgreSQL."""
    password: SecretStr | None = None
    """The PostgreSQL password, apart from the URL: any character works, and a secret
    file can hold it. It wins over a password written in the URL."""
    window_messages: int = Field(200, ge=10, le=5000)
    """How many recent messages of a conversation are kept (text and scoring state)."""
    window_days: float = Field(14, gt=0)
    """Messages older than this leave the window and are purged."""
    case_retention_days: float = Field(90, gt=0)
    """Closed and dismissed cases are deleted this long after their last change."""
    hold_days: float = Field(365, gt=0)
    """Escalated cases are kept at least this long (US preservation period)."""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "watchkeeper.db"


class Thresholds(Section):
    watch: float = Field(0.5, ge=0, le=1)
    high: float = Field(0.8, ge=0, le=1)
    critical: float = Field(0.93, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.watch <= self.high <= self.critical:
            raise ValueError("thresholds must satisfy watch <= high <= critical")
        return self

    def level_for(self, probability: float) -> Level:
        if probability >= self.critical:
            return Level.CRITICAL
        if probability >= self.high:
            return Level.HIGH
        if probability >= self.watch:
            return Level.WATCH
        return Level.NONE


class DetectionConfig(Section):
    scorer: Literal["model", "rules"] = "model"
    """``model``: the shipped learned model. ``rules``: the signal rules alone."""
    model_path: Path | None = None
    """A model trained with ``watchkeeper train``; empty uses the shipped one."""
    thresholds: Thresholds = Thresholds()
    alert_level: Literal["watch", "high", "critical"] = "watch"
    """The lowest level that alerts moderators."""
    min_messages: int = Field(3, ge=1)
    """No alert before a conversation has this many messages."""
    pair_gap_seconds: float = Field(300, gt=0)
    """In a channel, a message with no reply or mention is paired only with someone
    who spoke within this many seconds (``bot/tracker.py`` says whom)."""

    @property
    def alert_threshold(self) -> float:
        return getattr(self.thresholds, self.alert_level)


class AlertsConfig(Section):
    cooldown_minutes: float = Field(60, ge=0)
    """After a case closes, the same conversation opens no new case for this long."""
    flood_limit: int = Field(5, ge=1)
    """At most this many new cases per space per flood window; the rest go in a digest."""
    flood_window_minutes: float = Field(10, gt=0)
    renotify_minutes: float = Field(30, gt=0)
    """An open high or critical case nobody acknowledged for this long pings the moderator
    role once, as a reply to its alert."""
    stale_days: float = Field(7, gt=0)
    """An acknowledged case nobody touched for this long is flagged by ``check`` and
    re-surfaced (a reply to its alert) once per lapse."""


class WatchConfig(Section):
    disabled_spaces: list[str] = []
    """Spaces (guild ids, workspace ids) that are never watched."""
    excluded_channels: list[str] = []
    """Channels never watched, in any space."""
    watch_dms: bool = True


class ConsoleConfig(Section):
    input: str = ""
    """Where ``watchkeeper run`` reads messages when no platform is configured: a
    JSONL path, or ``-`` for standard input. Empty: ``run`` needs a platform or
    ``--input``, so a bot whose token is missing stops with a reason, not silently."""
    color: bool = True


class DiscordGuildConfig(Section):
    id: int
    moderator_channel: int
    moderator_roles: list[int] = []
    minor_roles: list[int] = []
    adult_roles: list[int] = []
    excluded_channels: list[int] = []
    regions: list[str] = []
    """Where escalation links point (US, UK, CA, AU, ...); empty: the global default."""


class DiscordConfig(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = ""
    """Empty: the gateway Discord names at login. Set it to use a gateway proxy."""
    shard_count: int | None = Field(None, ge=1)
    shard_ids: list[int] | None = None
    guilds: list[DiscordGuildConfig] = []

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.token.get_secret_value())

    @model_validator(mode="after")
    def _shards(self) -> DiscordConfig:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count")
            bad = [s for s in self.shard_ids if not 0 <= s < self.shard_count]
            if bad:
                raise ValueError(f"shard_ids {bad} are outside 0..{self.shard_count - 1}")
        return self


class SlackConfig(Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "0.0.0.0"
    http_port: int = Field(3000, ge=1, le=65535)
    api_base_url: str = "https://slack.com/api/"
    moderator_channel: str = ""
    moderator_users: list[str] = []
    moderator_usergroup: str = ""
    minor_users: list[str] = []
    adult_users: list[str] = []
    minor_usergroup: str = ""
    adult_usergroup: str = ""
    excluded_channels: list[str] = []
    regions: list[str] = []

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.bot_token.get_secret_value())

    @model_validator(mode="after")
    def _complete(self) -> SlackConfig:
        if not self.enabled:
            return self
        if not self.moderator_channel:
            raise ValueError("moderator_channel is required when slack.bot_token is set")
        if self.mode == "socket" and not (self.app_token and self.app_token.get_secret_value()):
            raise ValueError('app_token (xapp-...) is required when mode = "socket"')
        if self.mode == "http" and not (
            self.signing_secret and self.signing_secret.get_secret_value()
        ):
            raise ValueError('signing_secret is required when mode = "http"')
        return self


class EscalationConfig(Section):
    regions: list[str] = ["GLOBAL"]
    """Default regions for escalation links, when a space names none."""
    links_file: Path | None = None
    """A JSON file that replaces the shipped escalation links."""


class LearningConfig(Section):
    use_moderator_decisions: bool = False
    """Let ``watchkeeper train --from-store`` learn from dismissed/confirmed cases."""


class HttpConfig(Section):
    """The HTTP ingest API (``adapters/http/app.py``) for platforms that post their own
    messages, and the operations endpoints (``/metrics``, ``/healthz``, ``/readyz``)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    webhook_url: str = ""
    """Where alerts for the API's spaces are POSTed, signed with ``webhook_secret``."""
    webhook_secret: SecretStr | None = None
    max_body_bytes: int = Field(1_000_000, ge=1024)
    body_timeout_seconds: float = Field(10.0, gt=0, le=600)
    """A request body must arrive within this time (a stalled upload is cut with 408)."""
    rate_limit_per_minute: int = Field(6000, ge=1)
    """Per API key and process: messages ingested plus other requests."""
    batch_max: int = Field(500, ge=1, le=10_000)
    """At most this many messages in one ``POST /v1/messages``."""
    ops_port: int | None = Field(None, ge=1, le=65535)
    """When the API is off: serve only the operations endpoints on this port."""

    @model_validator(mode="after")
    def _webhook(self) -> HttpConfig:
        if self.enabled and not self.webhook_url:
            raise ValueError("webhook_url is required when http.enabled = true")
        if self.webhook_url and not (
            self.webhook_secret and self.webhook_secret.get_secret_value()
        ):
            raise ValueError("webhook_secret is required with webhook_url (alerts are signed)")
        return self


class LoggingConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WATCHKEEPER_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    storage: StorageConfig = StorageConfig()
    detection: DetectionConfig = DetectionConfig()
    alerts: AlertsConfig = AlertsConfig()
    watch: WatchConfig = WatchConfig()
    console: ConsoleConfig = ConsoleConfig()
    discord: DiscordConfig = DiscordConfig()
    slack: SlackConfig = SlackConfig()
    escalation: EscalationConfig = EscalationConfig()
    learning: LearningConfig = LearningConfig()
    http: HttpConfig = HttpConfig()
    logging: LoggingConfig = LoggingConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the other sources override them.
        return (
            env_settings,
            VariablesSource(settings_cls, dotenv_variables()),
            VariablesSource(settings_cls, secret_file_variables(secrets_dir())),
            init_settings,
        )

    @property
    def enabled_platforms(self) -> list[str]:
        return [name for name in ("discord", "slack", "http") if getattr(self, name).enabled]


def resolve_config_path(explicit: str | None) -> Path | None:
    """``--config``, else ``$WATCHKEEPER_CONFIG`` (environment or ``.env``), else
    ``./config.toml`` if present."""
    if explicit:
        return Path(explicit)
    from_env = locating_variable(CONFIG_VARIABLE)
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_config(path: Path | None) -> Settings:
    """Read and validate the configuration, or raise ``ConfigError``."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{path}: no such file"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ConfigError([f"{path}: cannot read the file ({reason})"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{path}: not valid TOML ({exc})"]) from None
    try:
        return Settings(**data)
    except ValidationError as exc:
        sources = Sources(path, data)
        raise ConfigError([_describe(error, sources) for error in exc.errors()]) from None


def _describe(error: Any, sources: Sources) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{sources.origin(tuple(error['loc']))}: {message}"
