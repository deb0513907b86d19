"""Placeholder until the learned model lands: reports that none is shipped."""

from __future__ import annotations


def shipped_model_available() -> bool:
    return False
