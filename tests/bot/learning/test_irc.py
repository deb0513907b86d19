"""Real busy chat as negatives: chunks of posts split into the tracker's pairs."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.learning.corpora import InputError
from bot.learning.irc import irc_dir, irc_negatives

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def write_split(path: Path, posts: list[tuple[str, str, str, list[str]]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for i, (log, author, text, mentions) in enumerate(posts):
            ts = (T0 + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            post = {"space": "s", "channel": log, "id": f"{log}:{i}", "author": author,
                    "text": text, "ts": ts, "mentions": mentions}  # fmt: skip
            stream.write(json.dumps(post) + "\n")


def test_chunks_are_full_and_stay_within_one_log(tmp_path: Path) -> None:
    posts = [("a", f"u{i % 2}", f"line {i}", []) for i in range(8)]
    posts += [("b", f"v{i % 2}", f"line {i}", []) for i in range(3)]
    split = tmp_path / "train.jsonl.gz"
    write_split(split, posts)
    # each chunk starts a fresh tracker: its first line addresses no one and is carried
    # into the pair its author then joins; log b's three lines are not a full chunk
    found = irc_negatives(split, timedelta(seconds=300), size=4)
    assert [[line.text for line in c.messages] for c in found] == [
        ["line 0", "line 1", "line 2", "line 3"],
        ["line 4", "line 5", "line 6", "line 7"],
    ]
    every_other = irc_negatives(split, timedelta(seconds=300), every=2, size=4)
    assert [c.messages[0].text for c in every_other] == ["line 0"]


def test_a_chunk_becomes_the_pairs_the_tracker_makes(tmp_path: Path) -> None:
    posts = [
        ("log1", "ann", "anyone know grub", []), ("log1", "bob", "ann: reinstall it", ["ann"]),
        ("log1", "ann", "bob: how", ["bob"]), ("log1", "cy", "hi all", []),
        ("log1", "dee", "cy: hey", ["cy"]), ("log1", "bob", "ann: sudo grub-install", ["ann"]),
    ]  # fmt: skip
    split = tmp_path / "train.jsonl.gz"
    write_split(split, posts)
    found = irc_negatives(split, timedelta(seconds=300), size=6)
    # "anyone know grub" addresses no one and opens ann's pair with bob; "hi all" opens
    # cy's with dee, still too short to keep
    assert [(sorted(c.participants), len(c.messages)) for c in found] == [(["ann", "bob"], 4)]
    assert all(c.label == "benign" and c.suspect is None for c in found)


def test_a_broken_split_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "train.jsonl.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="cannot read"):
        irc_negatives(bad, timedelta(seconds=300))


def test_the_corpus_directory_comes_from_the_option_or_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("WATCHKEEPER_IRC_DIR", raising=False)
    assert irc_dir(None) is None
    monkeypatch.setenv("WATCHKEEPER_IRC_DIR", "/somewhere")
    assert irc_dir(None) == Path("/somewhere")
    assert irc_dir("/given") == Path("/given")
