"""Offline scoring groups a channel as the live bot does: ``score`` equals ``replay``."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.replay import replay
from bot.config import Settings
from bot.learning.corpora import Conversation, Line, load_conversations
from bot.learning.offline import score_conversation
from bot.models import AgeBand
from bot.scoring import load_scorer
from tests.bot.learning.test_alert_rate import APPROACH, SMALL_TALK
from tests.conftest import make_settings

ROOT = Path(__file__).parents[3]
WRITTEN_DEV = ROOT / "bot" / "learning" / "corpus" / "written_dev"
T0 = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)


def channel(talk: list[tuple[str, str, float]], context: str = "channel") -> Conversation:
    lines = [Line(author, text, T0 + timedelta(seconds=at)) for author, text, at in talk]
    authors = {author for author, _, _ in talk}
    return Conversation("c1", None, None, context, dict.fromkeys(authors, AgeBand.UNKNOWN), lines)


def test_a_channel_result_is_its_riskiest_pairs_counted_in_channel_order() -> None:
    settings = Settings()
    scorer = load_scorer(settings)
    small_talk = [(a, t, 20.0 * i) for i, (a, t) in enumerate(SMALL_TALK)]
    later = 20 * 60  # past the pairing gap: the approach starts a conversation of its own
    approach = [(a, t, later + 20.0 * i) for i, (a, t) in enumerate(APPROACH)]
    # After the silence u1's opening line addresses no one; the pair starts when u2
    # answers, and the opening line is carried into it: the pair is the whole approach.
    alone = score_conversation(channel(approach, "dm"), scorer, settings)
    assert alone.alert_at is not None and alone.alert_at > 2
    together = score_conversation(channel(small_talk + approach), scorer, settings)
    assert together.suspect == "u1"
    assert together.alert_at == len(small_talk) + alone.alert_at
    assert together.peak == alone.peak and together.length == len(small_talk) + len(approach)
    assert together.trajectory[: len(small_talk) + 1] == (0.0,) * (len(small_talk) + 1)


def test_score_and_replay_open_the_same_cases_on_channel_conversations(tmp_path: Path) -> None:
    conversations = [
        c
        for path in sorted(WRITTEN_DEV.glob("*.jsonl"))[:2]
        for c in load_conversations(path)
        if c.context == "channel"
    ]
    settings = make_settings(tmp_path)
    scorer = load_scorer(settings)
    scored = {c.id: score_conversation(c, scorer, settings) for c in conversations}
    opened = asyncio.run(replay(settings, conversations))
    replayed = {
        c.id: [(o.at, o.suspect) for o in opened if o.conversation == c.id] for c in conversations
    }
    assert sum(1 for s in scored.values() if s.alert) >= 5  # the comparison means something
    for conversation_id, result in scored.items():
        cases = replayed[conversation_id]
        assert result.alert == bool(cases), conversation_id
        if result.alert:
            assert (result.alert_at, result.suspect) in cases, conversation_id
