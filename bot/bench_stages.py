"""Where a message's time goes, stage by stage (``watchkeeper bench``).

Each stage of the per-message path is timed over the load that the throughput runs
replay, as serving runs it: normalising the text, detecting signals (and a bare
age), features (the rest of reading the message into its conversation: the text
model's contribution, the turn it continues, the running totals; then every
author's conversation features, which the model reads straight into its logit, and
the probability), the model (the rest of the scorer's risk: calibration, the
one-sign cap, the riskiest author) and the store (writing the windows in the engine's
batches, and reading every conversation's window back as after a restart). What the
sum leaves out of the cost per message is the engine's own work (routing, policy,
reach, buffering, a score's reasons when it alerts, cases) and the event loop.
"""

from __future__ import annotations

import time

from bot.config import Settings
from bot.engine import FLUSH_EVERY
from bot.models import Message
from bot.scoring import load_scorer
from bot.scoring import signals as sig
from bot.scoring.base import age_answer
from bot.scoring.model import ModelScorer
from bot.scoring.normalize import clear_cache, normalize
from bot.scoring.state import ConversationState
from bot.store.base import StoredMessage
from bot.store.sqlite import sqlite_store

STAGES = ("normalise", "signals", "features", "model", "store")


def _scoring_stages(settings: Settings, load: list[Message]) -> dict[str, float]:
    scorer = load_scorer(settings)
    spent = dict.fromkeys(STAGES, 0.0)
    states: dict[str, ConversationState] = {}
    clear_cache()  # the throughput runs filled it: time the real work
    clock = time.thread_time  # processor time: what other load on the machine leaves alone
    for message in load:
        t0 = clock()
        normalized = normalize(message.text)
        t1 = clock()
        sig.detect(normalized)
        age_answer(normalized)
        t2 = clock()
        # Observing normalises again (from the cache) and detects again: the second
        # detection is taken off, so signals are counted once.
        state = states.setdefault(
            message.channel_id, ConversationState(settings.storage.window_messages)
        )
        state.add(scorer.observe(message, state), message.author.age_band)
        t3 = clock()
        if isinstance(scorer, ModelScorer):
            for author in state.authors:
                scorer.raw_probability(state, author, 0)
        t4 = clock()
        scorer.risk(state, reasons=False)  # as the engine asks it for every message
        t5 = clock()
        spent["normalise"] += t1 - t0
        spent["signals"] += t2 - t1
        spent["features"] += max(0.0, (t3 - t2) - (t2 - t1)) + (t4 - t3)
        spent["model"] += max(0.0, (t5 - t4) - (t4 - t3))
    return spent


async def _store_stage(settings: Settings, load: list[Message]) -> float:
    store = sqlite_store(settings.storage.data_dir / "stages.db")
    await store.open()
    started = time.process_time()  # with the store's thread
    for start in range(0, len(load), FLUSH_EVERY):
        batch = load[start : start + FLUSH_EVERY]
        await store.write_windows([StoredMessage(m.channel_id, m) for m in batch], [])
    conversations = list(dict.fromkeys(m.channel_id for m in load))
    await store.load_windows(conversations, settings.storage.window_messages)
    spent = time.process_time() - started
    await store.close()
    return spent


async def stage_costs(settings: Settings, load: list[Message]) -> dict[str, float]:
    """Microseconds per message spent in each of ``STAGES``."""
    spent = _scoring_stages(settings, load)
    spent["store"] = await _store_stage(settings, load)
    return {stage: round(seconds / len(load) * 1e6, 1) for stage, seconds in spent.items()}
