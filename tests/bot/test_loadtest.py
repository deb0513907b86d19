"""How often the load test looks at the inboxes while they empty."""

from bot.loadtest import POLL_MAX, POLL_MIN, poll_after


def test_it_looks_about_four_times_per_the_time_the_rest_should_take() -> None:
    # 4,000 scored in 2 s (2,000/s): 2,000 left take 1 s, so a look every 0.25 s.
    assert poll_after(2_000, 6_000, 2.0) == 0.25


def test_near_the_end_it_looks_often_and_never_sleeps_long() -> None:
    assert poll_after(10, 6_000, 2.0) == POLL_MIN
    assert poll_after(100_000, 101_000, 2.0) == POLL_MAX


def test_before_anything_was_scored_it_looks_at_the_shortest_interval() -> None:
    assert poll_after(6_000, 6_000, 2.0) == POLL_MIN
    assert poll_after(0, 0, 0.0) == POLL_MIN
