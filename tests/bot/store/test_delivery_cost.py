"""What delivering an alert costs the store, counted by the database driver itself."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utcnow
from bot.models import Level
from bot.store import SqlStore
from tests.bot.store.test_backends import new_case
from tests.bot.store.test_inbox_batches import statement_log


async def test_a_claim_is_one_update_and_an_update_recorded_in_one_statement(
    store: SqlStore,
) -> None:
    """A job is claimed by an ``UPDATE ... RETURNING`` (not an update and a read
    back), and an update's delivery is recorded in one statement, outside any
    transaction; a post's, with its message id on the case, in one transaction."""
    opened = await store.open_case(new_case())
    await store.update_case_risk(opened.case.id, Level.CRITICAL, 0.97, [], [], [])
    log = await statement_log(store)
    later = utcnow() + timedelta(seconds=1)

    (post,) = await store.claim_deliveries("w", later, ["console"])
    claimed = [s for s in log if "outbox" in s and not s.startswith(("BEGIN", "COMMIT"))]
    assert len(claimed) == 2 and "RETURNING" in claimed[1], log  # the heads, the claim
    await store.mark_delivered(post, "alert-1", later)
    stored = await store.get_case(opened.case.id)
    assert stored is not None and stored.platform_message_id == "alert-1"

    (update,) = await store.claim_deliveries("w", later, ["console"])
    assert update.kind == "update" and update.lead.attempts == 0
    log.clear()
    await store.mark_delivered(update, "alert-1", later, rendered=later)
    assert len(log) == 1 and log[0].startswith("UPDATE outbox"), log
    assert await store.last_rendered(opened.case.id) == later
    assert await store.claim_deliveries("w", later, ["console"]) == []
