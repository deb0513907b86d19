"""The garbage collector, set for a process that scores for a long time.

Scoring allocates many short-lived objects (a message, its normalised text, its
signals, the rows written for it), and the process keeps a large heap for its life
(the model, the pattern tables, up to ``MAX_HOT_CONVERSATIONS`` conversations).
With CPython's defaults a young collection runs every 700 net allocations and every
few hundred thousand a full one walks the whole heap: together about 10 - 25 µs per
message in ``watchkeeper bench`` (a full collection alone pauses the process for
tens of milliseconds). Collecting the young generation every ``YOUNG_EVERY``
allocations instead lets most temporary objects die by reference count first, and
freezing what startup loaded keeps full collections from walking it again: about
2 - 4 µs per message. Cycles are still collected; a process holds a little more
garbage between collections.
"""

from __future__ import annotations

import gc

YOUNG_EVERY = 10_000


def settle() -> None:
    """Call once the process has loaded what it keeps (the scorer, the adapters): the
    heap so far is left out of later collections, and young ones run less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_EVERY, middle, old)
