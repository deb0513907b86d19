"""``check`` (and ``run``) refuse setup mistakes in one line each, exit 2, and print
no credential of any URL they show."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_cli import wk

LINKS = {
    "missing": None,
    "not JSON": "{regions: nope",
    "a list": "[1, 2]",
    "a region without urls": '{"regions": {"GLOBAL": [{"name": "x"}]}, "platforms": {}}',
}


@pytest.mark.parametrize("kind", LINKS)
def test_a_broken_escalation_links_file_is_refused(tmp_path: Path, kind: str) -> None:
    links = tmp_path / "links.json"
    if LINKS[kind] is not None:
        links.write_text(str(LINKS[kind]), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[escalation]\nlinks_file = "{links}"\n',
        encoding="utf-8",
    )
    check = wk("--config", str(config), "check", "--offline", cwd=tmp_path)
    problems = [line for line in check.stdout.splitlines() if line.startswith("problem:")]
    assert check.returncode == 2 and len(problems) == 1, check.stdout + check.stderr
    assert f"escalation.links_file {links}" in problems[0]
    run = wk("--config", str(config), "run", "--input", os.devnull, cwd=tmp_path)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert f"escalation.links_file {links}" in run.stderr


def test_check_prints_no_credentials(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        '[http]\nenabled = true\nwebhook_secret = "s"\n'
        'webhook_url = "https://ops:pa55word@hooks.example.com/in/Tk3x9QmZ0aLp77Wq?token=s3"\n',
        encoding="utf-8",
    )
    check = wk("--config", str(config), "check", cwd=tmp_path)
    output = check.stdout + check.stderr
    assert "hooks.example.com" in output
    for secret in ("pa55word", "Tk3x9QmZ0aLp77Wq", "token=s3"):
        assert secret not in output, output
