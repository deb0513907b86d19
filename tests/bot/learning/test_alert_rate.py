import gzip
import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.learning.alert_rate import CHUNK_POSTS, measure
from bot.learning.chatlogs import irc_dir, load_chat_logs
from bot.scoring import load_scorer

APPROACH = [
    ("u1", "ooh what kind of music do u like"),
    ("u2", "pop mostly, im in 7th grade so my teacher picks lol"),
    ("u1", "ur way smarter than ur age tbh"),
    ("u2", "haha thanks"),
    ("u1", "are u home alone after school?"),
    ("u2", "sometimes till 6"),
    ("u1", "we should meet up at the mall near u, i can pick u up"),
    ("u2", "i dont know"),
    ("u1", "just dont tell ur mom, she wouldnt understand"),
    ("u2", "ok"),
]
SMALL_TALK = [
    ("u3", "anyone tried the new patch yet"),
    ("u4", "yeah the load times are way better"),
    ("u3", "nice, my save still works too"),
    ("u4", "same, took a while to download though"),
]


def write_log(path: Path, channels: dict[str, list[tuple[str, str]]]) -> Path:
    lines = []
    for channel, talk in channels.items():
        for i, (author, text) in enumerate(talk):
            ts = f"2025-03-01T18:{i // 60:02d}:{i % 60:02d}Z"
            lines.append({"channel": channel, "id": f"{channel}:{i}", "author": author,
                          "text": text, "ts": ts})  # fmt: skip
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def test_a_grooming_approach_in_a_channel_is_counted_and_small_talk_is_not(
    tmp_path: Path,
) -> None:
    benign = SMALL_TALK * 25  # 100 posts: two full chunks of 40, the rest left out
    path = write_log(tmp_path / "log.jsonl.gz", {"quiet": benign, "busy": SMALL_TALK + APPROACH})
    logs = load_chat_logs(path)
    assert [log.name for log in logs] == ["quiet", "busy"]
    settings = Settings()
    rate = measure(logs, load_scorer(settings), settings)
    assert rate.messages == 114
    assert rate.chunks == 100 // CHUNK_POSTS
    assert [(a.log, a.suspect) for a in rate.alerts] == [("busy", "u1")]
    assert rate.alerting_chunks == 0  # the approach sits in no full chunk
    assert rate.per_1000_messages == pytest.approx(1000 / 114)


def test_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"author": "a", "text": "hi", "gold_parents": "x"}\nnot json\n'
                    '{"author": "b", "text": "hello"}\n')  # fmt: skip
    errors: list[str] = []
    logs = load_chat_logs(path, errors)
    assert [m.text for m in logs[0].messages] == ["hello"]
    assert [e.split(": ")[0] for e in errors] == [f"{path}:1", f"{path}:2"]


@pytest.mark.skipif(irc_dir() is None, reason="the IRC corpus is not beside this checkout")
def test_the_irc_dev_split_loads_with_its_annotations() -> None:
    directory = irc_dir()
    assert directory is not None
    logs = load_chat_logs(directory / "dev.jsonl.gz")
    assert len(logs) == 10
    assert sum(len(log.messages) for log in logs) == 11_615
    links = [(line, p) for log in logs for line, ps in log.parents.items() for p in ps]
    assert len(links) > 1000
    # "<log>:<line>": a line answers an earlier line of its own log
    assert all(p.split(":")[0] == line.split(":")[0] for line, p in links)
    assert all(int(p.split(":")[1]) < int(line.split(":")[1]) for line, p in links)
