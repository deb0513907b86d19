"""The core never imports a platform library: adapters translate, bot/ decides."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

ROOT = Path(__file__).parents[2]


def test_bot_package_imports_no_platform_library() -> None:
    modules = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'slack_bolt', 'slack_sdk'))\n"  # noqa: E501
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert len(modules) > 20
    assert result.stdout.strip() == ""
