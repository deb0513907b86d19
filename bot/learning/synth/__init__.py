"""Synthetic training / dev corpus for the grooming detector.

`python -m bot.learning.synth.generate --out-dir bot/learning/corpus --seed 7` writes
Conversation JSONL (see the README, "Formats").  Messages of grooming
conversations carry an optional `tactics` list (names in `phrases.TACTICS`) for
early-detection evaluation; each conversation carries an optional `scenario`.
"""

from bot.learning.synth.phrases import TACTICS

__all__ = ["TACTICS"]
