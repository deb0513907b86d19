"""Signals against the committed synthetic corpus: recall on annotated grooming
messages stays above a floor, and the rate at which each signal fires on benign
conversations stays below a ceiling. Both are computed here from the corpus; the
floors sit about 0.1 below what the signals measured when they were written, so a
regression (or a corpus change that needs a look) shows up as a failure.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from bot.scoring.normalize import normalize
from bot.scoring.signals import DISCLOSURES, SIGNAL_NAMES, detect

CORPUS = Path(__file__).resolve().parents[3] / "bot" / "learning" / "corpus" / "train.jsonl"

# Corpus annotation name -> the signal names that count as recognising it.
ANNOTATION_TO_SIGNALS = {
    "age_probe": {"age_probe"},
    "flattery": {"flattery"},
    "risk_assessment": {"risk_assessment"},
    "secrecy": {"secrecy"},
    "isolation": {"isolation"},
    "gifts": {"gifts"},
    "platform_move": {"platform_move"},
    "photo_request": {"photo_request"},
    "meeting": {"meeting"},
    "pressure": {"pressure", "guilt_threat"},
}

# Measured on the committed train corpus when the patterns were written, minus 0.1.
RECALL_FLOOR = {
    "age_probe": 0.74,
    "flattery": 0.70,
    "gifts": 0.79,
    "isolation": 0.76,
    "meeting": 0.74,
    "photo_request": 0.63,
    "platform_move": 0.82,
    "pressure": 0.79,
    "risk_assessment": 0.76,
    "secrecy": 0.80,
}
# Benign conversations include hard negatives (peers asking ages, parents arranging
# pickups, surprise parties); a signal may fire there, but not on a large share.
BENIGN_CEILING = 0.025
CHITCHAT_CEILING = 0.005


@cache
def _measure() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    annotated, recognised = Counter(), Counter()
    benign = chitchat = 0
    benign_hits, chitchat_hits = Counter(), Counter()
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            conversation = json.loads(line)
            is_benign = conversation.get("label") == "benign"
            is_chitchat = conversation.get("scenario") == "chitchat"
            for message in conversation["messages"]:
                tactics = message.get("tactics") or []
                if not is_benign and not tactics:
                    continue
                fired = {hit.name for hit in detect(normalize(message["text"]))}
                if is_benign:
                    benign += 1
                    benign_hits.update(fired)
                    if is_chitchat:
                        chitchat += 1
                        chitchat_hits.update(fired)
                for tactic in tactics:
                    if tactic in ANNOTATION_TO_SIGNALS:
                        annotated[tactic] += 1
                        recognised[tactic] += bool(fired & ANNOTATION_TO_SIGNALS[tactic])
    recall = {t: recognised[t] / n for t, n in annotated.items()}
    benign_rate = {s: benign_hits[s] / max(benign, 1) for s in SIGNAL_NAMES}
    chitchat_rate = {s: chitchat_hits[s] / max(chitchat, 1) for s in SIGNAL_NAMES}
    return recall, benign_rate, chitchat_rate


needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="committed corpus not present")


@needs_corpus
@pytest.mark.parametrize("annotation", sorted(RECALL_FLOOR))
def test_recall_on_annotated_messages(annotation: str) -> None:
    recall, _, _ = _measure()
    if annotation not in recall:
        pytest.skip(f"no {annotation} annotations in the corpus")
    assert recall[annotation] >= RECALL_FLOOR[annotation], recall


@needs_corpus
@pytest.mark.parametrize("signal", SIGNAL_NAMES)
def test_benign_firing_rate(signal: str) -> None:
    _, benign_rate, chitchat_rate = _measure()
    assert benign_rate[signal] <= BENIGN_CEILING, benign_rate
    if signal not in DISCLOSURES:
        assert chitchat_rate[signal] <= CHITCHAT_CEILING, chitchat_rate
