"""Compose the synthetic corpus and write Conversation JSONL (train.jsonl, dev.jsonl).

    python -m bot.learning.synth.generate --out-dir bot/learning/corpus --seed 7

Three sources per split: grooming scripts, benign / hard-negative scripts, and real
human small talk from the `chitchat-dataset` package (used here, at generation time
only).  Dev is built only from dev phrasings (see scenarios.Banks) and dev chitchat
conversations (every conversation whose sorted index % 5 == 0), so it measures
generalisation to phrasings the model has not seen.

Ids, age-band availability, contexts, timestamps and typing noise are drawn the same
way for every label so that none of them leaks the label.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.learning.synth import noise
from bot.learning.synth.scenarios import SPLITS, Banks, Script, benign, grooming, sample_shape
from bot.scoring.lexicon import contains_sexual_term
from bot.scoring.normalize import normalize

log = logging.getLogger(__name__)

CHITCHAT_DEV_MODULUS = 5
MAX_CHITCHAT_MESSAGES = 40
DEFAULT_SIZES = {"grooming": 1600, "benign": 1600, "chitchat": 1600}
DEV_FRACTION = 0.25

# Real chat is filtered: nothing explicit, crude or identifying goes into the corpus.
# Sexual terms come from the maintained word list behind ``lexicon`` (none are written
# here); this pattern adds crude, drug and self-harm words and physical intimacy.
_CRUDE = re.compile(
    r"\b(fuck\w*|shit\w*|bitch\w*|kill myself|suicid\w*|drunk|weed|cocaine|meth|bra|"
    r"underwear|bikini|hot body|make ?out|kiss\w*|cuddl\w*|bed with|sleep with|hook ?up|"
    r"nsfw|butt|ass)\b",
    re.IGNORECASE,
)
_PII = re.compile(
    r"(https?://|www\.|\.com\b|@\w|\b\S+@\S+\.\w+|\d{3}[\s.-]?\d{3,4}[\s.-]?\d{3,4})",
    re.IGNORECASE,
)


# The chitchat volunteers were students of one university; naming it (or its town)
# would mark real chat, and so the benign label.  Replace with generic words.
_PLACES = [
    (re.compile(r"\bBYU[- ]?(I|Idaho|Hawaii)\b", re.I), "college"),
    (re.compile(r"\bBYU\b", re.I), "college"),
    (re.compile(r"\bUtah\b", re.I), "my state"),
    (re.compile(r"\b(Provo|Orem|Rexburg|Salt Lake( City)?|SLC)\b", re.I), "town"),
]


# Talk about the chat study itself (its prompts, points, leader board) or about one
# church would mark these conversations as real chat, and so as benign.
_META = re.compile(
    r"\b(prompts?|leader ?board|latter[- ]day|lds|mormons?|brigham)\b", re.IGNORECASE
)


def _usable(msgs: list[dict]) -> bool:
    """Two people who both talk, real words (not key mashing), nothing unsafe."""
    senders = [m["sender"] for m in msgs]
    if len(set(senders)) != 2 or min(senders.count(s) for s in set(senders)) < 2:
        return False
    if min(senders.count(s) for s in set(senders)) < 0.2 * len(senders):
        return False  # a monologue, not a conversation
    if any(_META.search(m["text"]) or not _clean(m["text"]) for m in msgs):
        return False
    tiny = sum(len(re.sub(r"\W", "", m["text"])) <= 2 for m in msgs)
    return tiny / len(msgs) <= 0.3


def _clean(text: str) -> bool:
    return (
        bool(text.strip())
        and not _CRUDE.search(text)
        and not contains_sexual_term(normalize(text))
        and not _PII.search(text)
    )


def _generic_places(text: str) -> str:
    for pattern, repl in _PLACES:
        text = pattern.sub(repl, text)
    return text


# ---------------------------------------------------------------------- chitchat
@functools.cache
def load_chitchat() -> dict[str, list[list[dict]]]:
    """chitchat conversations split into train/dev by sorted index (disjoint)."""
    import chitchat_dataset as ccc  # generation-time only, not a runtime dependency

    data = ccc.Dataset()
    out: dict[str, list[list[dict]]] = {"train": [], "dev": []}
    for i, key in enumerate(sorted(data)):
        msgs = [m for turn in data[key]["messages"] for m in turn]
        msgs = [
            {**m, "text": _generic_places(m["text"].strip())}
            for m in msgs
            if m.get("text", "").strip()
        ]
        if len(msgs) < 4 or not _usable(msgs):
            continue
        msgs = _split_sentences(msgs)
        if sum(len(m["text"]) for m in msgs) / len(msgs) > 45:
            continue  # essays, not chat
        out["dev" if i % CHITCHAT_DEV_MODULUS == 0 else "train"].append(msgs)
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Za-z])")


def _split_sentences(msgs: list[dict]) -> list[dict]:
    """People send long thoughts as several messages; so do the converted ones."""
    out = []
    for m in msgs:
        parts = _SENTENCE_END.split(m["text"]) if len(m["text"]) > 50 else [m["text"]]
        parts = [p for p in parts if p.strip()]
        ts = _parse_ts(m["timestamp"])
        for k, part in enumerate(parts):
            stamp = (ts + timedelta(seconds=4 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append({"sender": m["sender"], "text": part, "timestamp": stamp})
    return out


def filler_lines(convs: list[list[dict]]) -> list[str]:
    """Short real chat lines to sprinkle into generated conversations."""
    lines = {m["text"].strip() for c in convs for m in c}
    return sorted(t for t in lines if 3 <= len(t) <= 90)


def gap_pool(convs: list[list[dict]]) -> list[float]:
    """Real seconds between consecutive messages, reused for synthetic timing."""
    gaps = []
    for c in convs:
        ts = [_parse_ts(m["timestamp"]) for m in c]
        gaps += [(b - a).total_seconds() for a, b in itertools.pairwise(ts)]
    return sorted(min(1800.0, max(1.0, g)) for g in gaps)


def _parse_ts(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# -------------------------------------------------------------------- assembling
class IdMaker:
    """Opaque author ids ("u4821"), unique across the whole corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def new(self) -> str:
        while True:
            digits = self.rng.choice((4, 5, 5, 6, 6, 7))
            uid = f"u{self.rng.randrange(10 ** (digits - 1), 10**digits)}"
            if uid not in self.used:
                self.used.add(uid)
                return uid


def _start_time(rng: random.Random) -> datetime:
    day = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(910))
    hour = rng.choices(range(24), weights=[2, 1, 1, 0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 3, 3, 5,
                                           6, 6, 6, 7, 7, 6, 5, 3])[0]  # fmt: skip
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def timestamps(rng: random.Random, n: int, gaps: list[float], shape: str) -> list[str]:
    """Increasing times: real chat gaps, plus breaks of minutes to days between sessions."""
    p_break = {"early": 0.03, "fast": 0.03, "medium": 0.05, "slow": 0.07}[shape]
    t = _start_time(rng)
    out = []
    for i in range(n):
        if i:
            if rng.random() < p_break:
                if rng.random() < 0.5:
                    g = rng.uniform(1200, 3 * 3600)
                else:
                    g = rng.uniform(8 * 3600, 3 * 86400)
            else:
                g = gaps[i - 1] if gaps and len(gaps) == n - 1 else rng.choice(POOL_FALLBACK)
            t += timedelta(seconds=max(1, int(g)))
        out.append(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


POOL_FALLBACK = [2.0, 4.0, 6.0, 9.0, 15.0, 25.0, 40.0, 70.0, 120.0, 300.0]


def _bands(rng: random.Random, true: dict[str, str]) -> dict[str, str | None]:
    """About half the conversations hide both bands; some hide one."""
    r = rng.random()
    if r < 0.5:
        return {k: None for k in true}
    if r < 0.65:
        hide = rng.choice(sorted(true))
        return {k: (None if k == hide else v) for k, v in true.items()}
    return dict(true)


def _record(rng, ids: IdMaker, script: Script, gaps: list[float], channel: bool) -> dict:
    roles = {"p0": ids.new(), "p1": ids.new()}
    styles = {r: noise.random_style(rng, script.locale) for r in roles}
    bands = _bands(rng, script.bands)
    order = ["p0", "p1"]
    rng.shuffle(order)
    times = timestamps(rng, len(script.lines), [rng.choice(gaps) for _ in script.lines[1:]],
                       script.shape)  # fmt: skip
    messages = []
    for line, ts in zip(script.lines, times, strict=True):
        text = noise.apply(line.text, styles[line.role], rng, light=line.source == "chitchat")
        msg: dict = {"author": roles[line.role], "text": text, "ts": ts}
        if line.tactics:
            msg["tactics"] = sorted(set(line.tactics))
        messages.append(msg)
    return {
        "id": "",
        "label": script.label,
        "suspect": roles[script.suspect] if script.suspect else None,
        "context": "channel" if channel else "dm",
        "participants": {roles[r]: {"age_band": bands[r]} for r in order},
        "messages": messages,
        "scenario": script.scenario,
    }


def _chitchat_record(rng, ids: IdMaker, conv: list[dict], shape, n: int) -> dict:
    n = min(n, MAX_CHITCHAT_MESSAGES)

    def both(st: int) -> bool:
        return len({m["sender"] for m in conv[st : st + n]}) == 2

    starts = [st for st in range(max(1, len(conv) - n + 1)) if both(st)]
    if not starts:  # long monologue runs: end the window where the other one answers
        first = next(i for i, m in enumerate(conv) if m["sender"] != conv[0]["sender"])
        starts = [max(0, first - n + 1)]
    start = starts[0] if rng.random() < 0.7 else rng.choice(starts)
    msgs = conv[start : start + n]
    senders = sorted({m["sender"] for m in conv})
    roles = {s: ids.new() for s in senders}
    # Real chat is mostly typed carefully; give part of it the same chat-speak as the
    # generated lines so that "u" vs "you" says nothing about the label.
    restyle = rng.choices(["none", "light", "full"], weights=[3, 3, 4])[0]
    styles = {s: noise.random_style(rng) for s in senders}
    real = [_parse_ts(m["timestamp"]) for m in msgs]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(real)]
    times = timestamps(rng, len(msgs), [min(1800.0, max(1.0, g)) for g in gaps], shape.name)
    bands = _bands(rng, {s: "adult" for s in senders})
    order = list(senders)
    rng.shuffle(order)
    messages = []
    for m, ts in zip(msgs, times, strict=True):
        text = m["text"].strip()
        if restyle != "none":
            text = noise.apply(text, styles[m["sender"]], rng, light=restyle == "light")
        messages.append({"author": roles[m["sender"]], "text": text, "ts": ts})
    return {
        "id": "",
        "label": "benign",
        "suspect": None,
        "context": "channel" if rng.random() < 0.4 else "dm",
        "participants": {roles[s]: {"age_band": bands[s]} for s in order},
        "messages": messages,
        "scenario": "chitchat",
    }


def build_split(
    split: str,
    seed: int,
    sizes: dict[str, int],
    chitchat: dict[str, list[list[dict]]],
    ids: IdMaker,
) -> list[tuple[dict, Script | None]]:
    """All conversations of one split, shuffled, with their scripts (None for chitchat)."""
    rng = random.Random(f"{seed}:{split}")
    banks = Banks(split)
    convs = chitchat[split]
    filler = filler_lines(convs)
    gaps = gap_pool(convs) or POOL_FALLBACK
    out: list[tuple[dict, Script | None]] = []
    for kind, maker in (("grooming", grooming), ("benign", benign)):
        for _ in range(sizes[kind]):
            channel = rng.random() < 0.4
            script = maker(rng, banks, filler, channel)
            out.append((_record(rng, ids, script, gaps, channel), script))
    # Chitchat windows follow the same length distribution as the generated scripts:
    # draw a length, then take an unused conversation long enough for it.
    pool = list(convs)
    rng.shuffle(pool)
    for _ in range(min(sizes["chitchat"], len(pool))):
        shape, n = sample_shape(rng)
        n += 1  # generated scripts run about one message past their drawn length
        i = next((j for j, c in enumerate(pool) if len(c) >= n), 0)
        out.append((_chitchat_record(rng, ids, pool.pop(i), shape, n), None))
    rng.shuffle(out)
    prefix = "tr" if split == "train" else "dv"
    for i, (rec, _) in enumerate(out, 1):
        rec["id"] = f"{prefix}{i:05d}"
    return out


def generate(seed: int, sizes: dict[str, int], dev_fraction: float = DEV_FRACTION):
    """Both splits: {"train": [...], "dev": [...]} of (record, script) pairs."""
    chitchat = load_chitchat()
    ids = IdMaker(random.Random(f"{seed}:ids"))
    dev_sizes = {k: max(1, round(v * dev_fraction)) for k, v in sizes.items()}
    return {
        "train": build_split("train", seed, sizes, chitchat, ids),
        "dev": build_split("dev", seed, dev_sizes, chitchat, ids),
    }


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def summary(records: list[dict]) -> str:
    labels = Counter(r["label"] for r in records)
    scen = Counter(r["scenario"] for r in records)
    n_msgs = [len(r["messages"]) for r in records]
    lines = [f"  {len(records)} conversations, labels {dict(labels)}"]
    for label in sorted(labels):
        ln = sorted(len(r["messages"]) for r in records if r["label"] == label)
        lines.append(f"  {label}: median length {ln[len(ln) // 2]}, mean {sum(ln) / len(ln):.1f}")
    lines.append(f"  mean length {sum(n_msgs) / len(n_msgs):.1f}")
    lines.append("  scenarios: " + ", ".join(f"{k}={v}" for k, v in sorted(scen.items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=Path("bot/learning/corpus"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--grooming", type=int, default=DEFAULT_SIZES["grooming"])
    ap.add_argument("--benign", type=int, default=DEFAULT_SIZES["benign"])
    ap.add_argument("--chitchat", type=int, default=DEFAULT_SIZES["chitchat"])
    ap.add_argument("--dev-fraction", type=float, default=DEV_FRACTION)
    args = ap.parse_args(argv)
    sizes = {"grooming": args.grooming, "benign": args.benign, "chitchat": args.chitchat}
    splits = generate(args.seed, sizes, args.dev_fraction)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        records = [rec for rec, _ in splits[split]]
        path = args.out_dir / f"{split}.jsonl"
        write_jsonl(path, records)
        print(f"{path} ({path.stat().st_size / 1e6:.2f} MB)\n{summary(records)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
