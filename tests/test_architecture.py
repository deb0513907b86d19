"""The import graph keeps the house's nevers, read statically from the source.

Every import counts, wherever it sits (module top, inside a function, under
``TYPE_CHECKING``): a lazy import is still a dependency. Imports by string
(``importlib.import_module``) are the CLI's way of starting an adapter and are not
followed.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = ("discord", "slack_bolt", "slack_sdk")
CLI = ("bot.cli", "bot.commands")


@dataclass(frozen=True)
class Never:
    """Modules under ``where`` (minus ``except_in``) never import ``forbidden``."""

    where: tuple[str, ...]
    forbidden: tuple[str, ...]
    why: str
    except_in: tuple[str, ...] = ()


NEVERS = (
    Never(
        ("bot",),
        (*PLATFORM_LIBRARIES, "adapters", *CLI),
        "the core never depends on a platform, an adapter or the CLI",
        except_in=CLI,
    ),
    Never(
        ("bot.scoring",),
        ("bot.store", "bot.engine", "bot.learning"),
        "scoring is pure and per message: no store, no engine, no offline code",
    ),
    Never(("bot.engine",), ("bot.learning",), "serving never depends on offline code"),
    Never(("adapters",), CLI, "adapters are started by the CLI, never the other way round"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module name ``source`` imports (relative imports resolved)."""
    found: set[str] = set()
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # ``from bot import engine`` imports bot.engine.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def broken_nevers(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """``module: imports X (why)`` for every import that breaks a never."""
    broken = []
    for module, (source, is_package) in sorted(sources.items()):
        imported = imports(source, module, is_package)
        for never in NEVERS:
            if not within(module, never.where) or within(module, never.except_in):
                continue
            broken += [
                f"{module}: imports {name} ({never.why})"
                for name in sorted(imported)
                if within(name, never.forbidden)
            ]
    return broken


def project_sources() -> dict[str, tuple[str, bool]]:
    paths = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]
    return {
        module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in paths
    }


def test_the_source_keeps_every_never() -> None:
    sources = project_sources()
    assert "bot.engine" in sources and "adapters.console" in sources
    assert broken_nevers(sources) == []


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("bot.policy", "import discord\n", "bot.policy: imports discord"),
        ("bot.alerts", "from slack_sdk.web import WebClient\n", "imports slack_sdk.web"),
        ("bot.runtime", "def f():\n    from adapters import console\n", "imports adapters"),
        ("bot.engine", "from bot.commands.common import UsageError\n", "bot.commands.common"),
        ("bot.engine", "from bot.learning import offline\n", "imports bot.learning"),
        ("bot.scoring.model", "from bot.store import SqlStore\n", "imports bot.store"),
        ("bot.scoring.model", "from bot import engine\n", "imports bot.engine"),
        ("bot.scoring.model", "from ..learning import train\n", "imports bot.learning"),
        ("adapters.discord.adapter", "from bot.cli import main\n", "imports bot.cli"),
        (
            "bot.scoring.rules",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.engine\n",
            "imports bot.engine",
        ),
    ],
)
def test_a_broken_never_is_found(module: str, source: str, broken: str) -> None:
    found = broken_nevers({module: (source, False)})
    assert any(broken in line for line in found), found


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.commands.run", "from adapters import console\nimport discord\n"),
        ("bot.cli", "from bot.commands import COMMANDS\n"),
        ("bot.learning.feedback", "from bot.store import SqlStore\n"),
        ("adapters.discord.adapter", "import discord\nfrom bot.engine import Engine\n"),
        ("bot.policy", "import discordant\nfrom bot.errors import UsageError\n"),
    ],
)
def test_allowed_imports_pass(module: str, source: str) -> None:
    assert broken_nevers({module: (source, False)}) == []


def test_importing_the_core_loads_no_platform_library() -> None:
    """The same never, checked on what importing every core module really loads."""
    modules = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {PLATFORM_LIBRARIES!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert len(modules) > 20
    assert result.stdout.strip() == ""
