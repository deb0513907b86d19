"""The collector settings a scoring process runs with (``bot/heap.py``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import heap


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_the_startup_heap_and_collects_young_objects_less_often(
    restored: None,
) -> None:
    kept = [[n] for n in range(1000)]  # loaded at startup, kept for the process's life
    middle, old = gc.get_threshold()[1:]
    heap.settle()
    assert gc.get_threshold() == (heap.YOUNG_EVERY, middle, old)
    assert gc.get_freeze_count() >= len(kept)


def test_cycles_made_after_settling_are_still_collected(restored: None) -> None:
    heap.settle()
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
