"""Edges of the command line: numbers no case can have, a model file that is not one."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import pytest

from tests.e2e.test_cli import SAMPLE, wk

HUGE = "1" * 31


def test_a_case_number_past_the_store_range_is_a_usage_error(tmp_path: Path) -> None:
    assert wk("replay", str(SAMPLE), cwd=tmp_path).returncode == 0
    for command in (["case", HUGE], ["export", HUGE], ["hotline", HUGE], ["case", "0"]):
        result = wk(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "no case has the number" in lines[0], lines


def shipped_model() -> bytes:
    return resources.files("bot").joinpath("data/model.json.gz").read_bytes()


MODELS = {
    "missing": None,
    "not gzip": b"this is not a model",
    "truncated": shipped_model()[: len(shipped_model()) // 2],
    "gzip of something else": gzip.compress(b'{"format": "other"}'),
    "gzip of a list": gzip.compress(b"[1, 2]"),
}


@pytest.mark.parametrize("kind", MODELS)
def test_an_unusable_model_file_is_named_and_exits_2(tmp_path: Path, kind: str) -> None:
    model = tmp_path / "model.json.gz"
    if MODELS[kind] is not None:
        model.write_bytes(MODELS[kind])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[detection]\nmodel_path = "{model}"\n',
        encoding="utf-8",
    )
    result = wk("--config", str(config), "score", str(SAMPLE), cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and f"detection.model_path {model}" in lines[0], lines
    assert "Traceback" not in result.stderr
