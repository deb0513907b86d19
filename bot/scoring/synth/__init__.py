"""Synthetic training / dev corpus for the grooming detector.

`python -m bot.scoring.synth.generate --out-dir bot/data/corpus --seed 7` writes
Conversation JSONL (see DESIGN.md "Interchange formats").  Messages of grooming
conversations carry an optional `tactics` list (names in `phrases.TACTICS`) for
early-detection evaluation; each conversation carries an optional `scenario`.
"""

from bot.scoring.synth.phrases import TACTICS

__all__ = ["TACTICS"]
