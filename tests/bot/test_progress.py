"""The progress line: in place on a terminal, plain lines elsewhere only when asked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import progress as progress_module
from bot.progress import Progress


class Terminal(io.StringIO):
    """Standard error as a terminal would be: the same writes, ``isatty()`` true."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_rewritten_then_erased() -> None:
    stream = Terminal()
    with Progress("evaluate", stream=stream) as progress:
        items = list(progress.track(range(3), "scoring", 3))
    assert items == [0, 1, 2]
    text = stream.getvalue()
    assert "\n" not in text  # one line, redrawn with carriage returns
    assert text.startswith("\revaluate: scoring 0/3 (0%)")
    assert "\revaluate: scoring 3/3 (100%)" in text
    assert text.endswith("\r" + " " * len("evaluate: scoring 3/3 (100%)") + "\r")


def test_elsewhere_silent_unless_always(monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = io.StringIO()
    list(Progress("evaluate", stream=quiet).track(range(500), "scoring", 500))
    assert quiet.getvalue() == ""

    monkeypatch.setattr(progress_module, "LOG_EVERY", 3600.0)
    log = io.StringIO()
    progress = Progress("bench", stream=log, always=True)
    list(progress.track(range(500), "throughput", 500))
    progress.stage("memory", 0)
    progress.finish()
    assert log.getvalue().splitlines() == [
        "bench: throughput 0/500 (0%)",
        "bench: throughput 500/500 (100%)",
        "bench: memory",
    ]


def test_silent_shows_nothing_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    quiet = Progress.silent()
    list(quiet.track(range(10), "x", 10))
    quiet.finish()
    assert stream.getvalue() == ""


def test_evaluate_shows_progress_on_a_terminal_for_large_inputs(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main
    from bot.commands import scoring

    sample = Path(__file__).parents[1] / "data" / "sample.jsonl"
    conversations = len(sample.read_text().splitlines())
    monkeypatch.chdir(tmp_path)
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    assert main(["evaluate", str(sample)]) == 0
    assert stream.getvalue() == ""  # a small input: done before a progress line helps
    monkeypatch.setattr(scoring, "PROGRESS_FROM", conversations)
    assert main(["evaluate", str(sample)]) == 0
    shown = stream.getvalue()
    assert f"\rsample.jsonl: scoring conversations {conversations}/{conversations}" in shown
    assert shown.endswith("\r")  # erased before the metrics
    assert "precision" in capsys.readouterr().out
