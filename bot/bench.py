"""``watchkeeper bench``: the speed and memory of the full engine, measured.

A generated load (many concurrent conversations in channels and DMs, message
lengths like real chat, some conversations with warning signs) is replayed through
the engine with the default scorer and a real SQLite store in a temporary
directory. Reported: messages per second, per-message latency (p50, p99), processor time per
message, peak RSS, bytes of state per tracked conversation, the per-message cost in a
conversation whose window holds 200 messages relative to one holding 10, and where
the time goes (``bench_stages.py``). The replays are repeated: each figure is the
median, with its spread (lowest, highest), because a shared machine is noisy.
"""

from __future__ import annotations

import asyncio
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import heap
from bot.bench_stages import stage_costs
from bot.config import Settings
from bot.engine import Engine
from bot.models import AgeBand, ConversationKey, Message, Participant
from bot.progress import Progress
from bot.scoring import load_scorer
from bot.store.sqlite import sqlite_store

_WORDS = [
    "the",
    "a",
    "to",
    "and",
    "i",
    "you",
    "it",
    "is",
    "that",
    "for",
    "on",
    "was",
    "with",
    "we",
    "lol",
    "what",
    "just",
    "so",
    "my",
    "like",
    "but",
    "this",
    "have",
    "are",
    "be",
    "do",
    "not",
    "at",
    "can",
    "if",
    "about",
    "get",
    "game",
    "play",
    "school",
    "today",
    "tomorrow",
    "yeah",
    "ok",
    "haha",
    "time",
    "good",
    "new",
    "fun",
    "level",
    "team",
    "win",
    "lost",
    "match",
    "homework",
    "music",
    "song",
    "album",
    "friend",
    "weekend",
    "tonight",
    "really",
    "think",
    "know",
    "want",
    "need",
    "when",
    "where",
    "how",
    "why",
    "because",
    "maybe",
    "sure",
    "nice",
    "cool",
]
_SIGNS = (
    "how old r u", "ur so mature for ur age", "dont tell anyone we talk", "add me on snap",
    "send me a selfie", "are ur parents home", "i can buy u robux", "we should meet up",
)  # fmt: skip
_START = datetime(2025, 3, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Each figure is the median over ``repetitions`` runs; ``spread`` gives the lowest
    and highest value of the repeated figures."""

    messages: int
    conversations: int
    messages_per_second: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    bytes_per_conversation: float
    bytes_per_full_window: float
    """The same for a conversation whose window is full (the bound)."""
    cost_ratio_200_vs_10: float
    cost_10_us: float
    cost_200_us: float
    scorer: str
    repetitions: int = 1
    cpu_us_per_message: float = 0.0
    """Processor time per message (all threads): less sensitive to other load."""
    spread: dict[str, tuple[float, float]] = field(default_factory=dict)
    stages_us: dict[str, float] = field(default_factory=dict)
    """Where a message's time goes: each stage timed alone over the same load (µs)."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _text(rng: random.Random) -> str:
    length = max(1, min(60, int(rng.lognormvariate(2.0, 0.7))))  # median ~7 words
    words = [rng.choice(_WORDS) for _ in range(length)]
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_SIGNS))
    return " ".join(words)


def generate_load(count: int, conversations: int, seed: int = 1) -> list[Message]:
    """``count`` messages spread over ``conversations`` pairs, interleaved in time."""
    rng = random.Random(seed)
    pairs = []
    for i in range(conversations):
        a = Participant(f"a{i}", f"A{i}", rng.choice(list(AgeBand)))
        b = Participant(f"b{i}", f"B{i}", rng.choice(list(AgeBand)))
        pairs.append((a, b, i % 3 == 0))
    messages, last = [], {}
    for n in range(count):
        i = rng.randrange(conversations)
        a, b, is_dm = pairs[i]
        author = a if rng.random() < 0.5 else b
        message_id = f"m{n}"
        messages.append(Message(
            platform="bench", space_id=f"space{i % 20}",
            channel_id=f"dm{i}" if is_dm else f"ch{i}", message_id=message_id, author=author,
            text=_text(rng), ts=_START + timedelta(seconds=n * 0.05), is_dm=is_dm,
            reply_to=None if is_dm else last.get(i),
        ))  # fmt: skip
        last[i] = message_id
    return messages


async def _throughput(
    settings: Settings, messages: list[Message], path: Path, progress: Progress
) -> tuple[float, float, list[float]]:
    """Wall time, processor time and per-message latencies of one replay."""
    store = sqlite_store(path)
    await store.open()
    engine = Engine(settings, store, load_scorer(settings))
    heap.settle()  # as ``watchkeeper run`` does once its scorer is loaded
    latencies = []
    cpu = time.process_time()
    started = time.perf_counter()
    for message in progress.track(messages, "throughput, messages", len(messages)):
        before = time.perf_counter()
        await engine.ingest(message)
        latencies.append(time.perf_counter() - before)
        await asyncio.sleep(0)  # a live adapter awaits the network between messages
    await engine.flush()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    await store.close()
    return elapsed, cpu, latencies


async def _cost_at_windows(
    settings: Settings, windows: tuple[int, ...], repetition: int = 0, probes: int = 400
) -> list[float]:
    """Median engine cost (µs) of a message in a conversation whose window is full, for
    each window size: one engine per size, all fed the same messages, the probes
    alternated between them (in a rotating order) so that a noisy moment of the machine
    falls on every size alike instead of on whichever was measured then."""
    engines = []
    for window in windows:
        tuned = settings.model_copy(deep=True)
        tuned.storage.window_messages = window
        store = sqlite_store(tuned.storage.data_dir / f"window{window}-{repetition}.db")
        await store.open()
        engines.append(Engine(tuned, store, load_scorer(tuned)))
    rng = random.Random(repetition)
    a, b = Participant("a", "A", AgeBand.ADULT), Participant("b", "B", AgeBand.MINOR)
    texts = [_text(rng) for _ in range(max(windows) + probes)]

    def msg(n: int) -> Message:
        return Message("bench", "s", "dm", f"w{n}", a if n % 2 else b, texts[n],
                       _START + timedelta(seconds=n), is_dm=True)  # fmt: skip

    for engine in engines:  # the same conversation so far: each window is full
        for n in range(max(windows)):
            await engine.ingest(msg(n))
    timings: list[list[float]] = [[] for _ in windows]
    for n in range(max(windows), max(windows) + probes):
        message = msg(n)
        for turn in range(len(engines)):
            which = (n + turn) % len(engines)
            before = time.perf_counter()
            await engines[which].ingest(message)
            timings[which].append(time.perf_counter() - before)
    for engine in engines:
        await engine.flush()
        await engine.store.close()
    return [statistics.median(costs) * 1e6 for costs in timings]


def _bytes_per_conversation(settings: Settings, messages: list[Message]) -> float:
    """Memory the engine holds per tracked conversation (scoring window, totals, seen
    ids, participants), after ``messages``: measured with tracemalloc."""
    engine = Engine(settings, sqlite_store(settings.storage.data_dir / "unused.db"),
                    load_scorer(settings))  # fmt: skip
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for message in messages:
        engine.hold(ConversationKey.dm("bench", message.space_id, message.channel_id), message)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    # The normaliser's and the tactic matcher's caches are bounded and shared by every
    # conversation: not counted.
    shared = [
        tracemalloc.Filter(False, "*/scoring/normalize.py"),
        tracemalloc.Filter(False, "*/scoring/patterns.py"),
    ]
    after, before = after.filter_traces(shared), before.filter_traces(shared)
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown / max(engine.conversations_held, 1)


def _median_and_spread(
    runs: list[dict[str, float]],
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    spread = {
        key: (min(run[key] for run in runs), max(run[key] for run in runs)) for key in runs[0]
    }
    return medians, spread


def _one_repetition(
    settings: Settings, load: list[Message], repetition: int, progress: Progress
) -> dict[str, float]:
    path = settings.storage.data_dir / f"run{repetition}.db"
    elapsed, cpu, latencies = asyncio.run(_throughput(settings, load, path, progress))
    progress.stage("cost per message at window 10 and 200", 0)
    cost_10, cost_200 = asyncio.run(_cost_at_windows(settings, (10, 200), repetition))
    ordered = sorted(latencies)
    return {
        "messages_per_second": round(len(load) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 3),
        "cpu_us_per_message": round(cpu / len(load) * 1e6, 1),
        "cost_ratio_200_vs_10": round(cost_200 / cost_10, 3),
        "cost_10_us": round(cost_10, 1),
        "cost_200_us": round(cost_200, 1),
    }


def run_bench(
    messages: int = 20_000,
    conversations: int = 2_000,
    progress: Progress | None = None,
    repetitions: int = 3,
) -> BenchResult:
    """Measure; ``progress`` (silent by default) is told each stage as it starts."""
    progress = progress or Progress.silent()
    with tempfile.TemporaryDirectory(prefix="watchkeeper-bench-") as tmp:
        settings = Settings(storage={"data_dir": Path(tmp)})
        progress.stage("generating chat", 0)
        load = generate_load(messages, conversations)
        runs = [_one_repetition(settings, load, n, progress) for n in range(repetitions)]
        progress.stage("memory per conversation", 0)
        per_conversation = _bytes_per_conversation(settings, load)
        window = settings.storage.window_messages
        full = _bytes_per_conversation(settings, generate_load(50 * window * 2, 50, seed=2))
        progress.stage("time per stage", 0)
        stages = asyncio.run(stage_costs(settings, load))
    progress.finish()
    medians, spread = _median_and_spread(runs)
    return BenchResult(
        messages=messages,
        conversations=conversations,
        messages_per_second=medians["messages_per_second"],
        p50_ms=medians["p50_ms"],
        p99_ms=medians["p99_ms"],
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        bytes_per_conversation=round(per_conversation),
        bytes_per_full_window=round(full),
        cost_ratio_200_vs_10=medians["cost_ratio_200_vs_10"],
        cost_10_us=medians["cost_10_us"],
        cost_200_us=medians["cost_200_us"],
        scorer=load_scorer(settings).name,
        repetitions=repetitions,
        cpu_us_per_message=medians["cpu_us_per_message"],
        spread=spread,
        stages_us=stages,
    )
