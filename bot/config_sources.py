"""Where settings come from, in order of precedence, and which one set a given key.

1. the environment: ``WATCHKEEPER_<SECTION>__<KEY>``;
2. ``.env`` in the working directory (same names);
3. secret files: one file per variable name in the secrets directory (``/run/secrets``
   by default, where Docker and Kubernetes mount secrets; ``WATCHKEEPER_SECRETS_DIR``
   names another; a missing directory is fine), so tokens and the database password
   stay out of ``docker inspect``;
4. the TOML file (``--config``, ``$WATCHKEEPER_CONFIG`` or ``./config.toml``).

The ``.env`` file and the secret files are read exactly like the environment, so a
name means the same thing wherever it is written. When a value is wrong, ``origin``
names the place it came from, so the admin edits the right one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel
from pydantic_settings import BaseSettings, EnvSettingsSource

ENV_PREFIX = "WATCHKEEPER_"
DOTENV_FILE = Path(".env")
DEFAULT_SECRETS_DIR = Path("/run/secrets")
SECRETS_DIR_VARIABLE = "WATCHKEEPER_SECRETS_DIR"
CONFIG_VARIABLE = "WATCHKEEPER_CONFIG"
NOT_SETTINGS = {CONFIG_VARIABLE, SECRETS_DIR_VARIABLE}
"""Variables with the prefix that choose where settings are, rather than being one."""


def _ours(variables: Mapping[str, str | None]) -> dict[str, str]:
    """The ``WATCHKEEPER_`` variables (names upper-cased), without the locating ones."""
    found = {}
    for name, value in variables.items():
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and upper not in NOT_SETTINGS and value is not None:
            found[upper] = value
    return found


def environment_variables() -> dict[str, str]:
    return _ours(os.environ)


def _dotenv_all() -> dict[str, str | None]:
    """Every variable of ``.env``; an unreadable file reads as empty (``check`` names
    the sources it used, so a file that set nothing is noticed)."""
    if not DOTENV_FILE.is_file():
        return {}
    try:
        return dict(dotenv_values(DOTENV_FILE, encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def dotenv_variables() -> dict[str, str]:
    return _ours(_dotenv_all())


def locating_variable(name: str) -> str | None:
    """``WATCHKEEPER_CONFIG`` or ``WATCHKEEPER_SECRETS_DIR``: environment, then ``.env``."""
    if os.environ.get(name):
        return os.environ[name]
    for key, value in _dotenv_all().items():
        if key.upper() == name and value:
            return value
    return None


def secrets_dir() -> Path:
    chosen = locating_variable(SECRETS_DIR_VARIABLE)
    return Path(chosen) if chosen else DEFAULT_SECRETS_DIR


def secret_files(directory: Path) -> dict[str, Path]:
    """The files of ``directory`` named ``WATCHKEEPER_...`` (any case), by upper-cased name."""
    if not directory.is_dir():
        return {}
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return {}
    return {
        entry.name.upper(): entry
        for entry in entries
        if entry.name.upper().startswith(ENV_PREFIX)
        and entry.name.upper() not in NOT_SETTINGS
        and entry.is_file()
    }


def secret_file_variables(directory: Path) -> dict[str, str]:
    """One variable per secret file; surrounding whitespace, such as the newline an
    editor adds, is not part of the secret."""
    found: dict[str, str] = {}
    for name, path in secret_files(directory).items():
        try:
            found[name] = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue  # unreadable: the setting stays unset, and ``check`` shows it
    return found


class VariablesSource(EnvSettingsSource):
    """Reads settings from a mapping of variables exactly as from the environment."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        self._variables = dict(variables)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self._variables.items()}


@dataclass
class Sources:
    """What was read, kept to describe the configuration and to trace a bad value."""

    file: Path | None
    file_data: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=environment_variables)
    dotenv: dict[str, str] = field(default_factory=dotenv_variables)
    secrets_dir: Path = field(default_factory=secrets_dir)

    @property
    def secrets(self) -> dict[str, Path]:
        return secret_files(self.secrets_dir)

    def summary(self) -> str:
        """One line: the file used, and the other places that set something."""
        first = f"config file: {self.file}" if self.file else "no config file: defaults"
        others = []
        if self.environment:
            others.append(f"{len(self.environment)} environment variable(s)")
        if self.dotenv:
            others.append(f"{len(self.dotenv)} from {DOTENV_FILE}")
        secrets = self.secrets
        if secrets:
            others.append(f"{len(secrets)} secret file(s) in {self.secrets_dir}")
        if not self.file:
            return f"{first} and environment" + (f" ({', '.join(others)})" if others else "")
        return first + (f"; also {', '.join(others)}" if others else "")

    def unknown(self, model: type[BaseModel]) -> list[str]:
        """Variables, wherever they are set, that name no setting."""
        names = dict.fromkeys([*self.environment, *self.dotenv, *self.secrets])
        return unknown_names(list(names), model)

    def origin(self, loc: tuple[Any, ...]) -> str:
        """Where the value at ``loc`` (a validation error's location) came from."""
        parts = [str(part) for part in loc]
        secrets = self.secrets
        for end in range(len(parts), 0, -1):
            name = ENV_PREFIX + "__".join(parts[:end]).upper()
            if name in self.environment:
                return f"environment variable {name}"
            if name in self.dotenv:
                return f"{DOTENV_FILE}: {name}"
            if name in secrets:
                return f"secret file {secrets[name]}"
        where = ".".join(parts) or "(top level)"
        if self.file is not None and _has(self.file_data, parts):
            return f"{self.file}: {where}"
        prefix = ENV_PREFIX + "__".join(parts).upper() + "__" if parts else ENV_PREFIX
        named = sorted(
            n for n in (*self.environment, *self.dotenv, *secrets) if n.startswith(prefix)
        )
        if named:
            return f"{where} (set by {', '.join(named)})"
        return f"{self.file}: {where}" if self.file else where


def _has(data: Any, parts: list[str]) -> bool:
    """Whether the file sets the key at ``parts`` (or a table above a list item)."""
    for part in parts:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False
    return True


def unknown_names(names: list[str], model: type[BaseModel]) -> list[str]:
    """The variables among ``names`` that set no key of ``model`` (a misspelt
    ``WATCHKEEPER_DISCORD_TOKEN`` is otherwise ignored without a word)."""
    return [name for name in names if not _is_key(name, model)]


def _is_key(name: str, model: type[BaseModel]) -> bool:
    parts = name.removeprefix(ENV_PREFIX).lower().split("__")
    current: Any = model
    for part in parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return False
        field_info = current.model_fields.get(part)
        if field_info is None:
            return False
        current = field_info.annotation
    return True
