"""A run keeps the heap it starts with out of full collections, and gives it back."""

from __future__ import annotations

import gc

from mapsync.engine.runner.heap import frozen_heap


def test_the_heap_is_frozen_while_a_run_lasts_and_given_back_at_its_end() -> None:
    gc.unfreeze()
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 0
    assert gc.get_freeze_count() == 0


def test_overlapping_runs_freeze_once_and_the_last_to_end_gives_the_heap_back() -> None:
    gc.unfreeze()
    with frozen_heap():
        frozen = gc.get_freeze_count()
        made_during_the_run = [[n] for n in range(1000)]
        with frozen_heap():  # a second run starting while the first runs
            assert gc.get_freeze_count() <= frozen  # what the first run made stays young
        assert gc.get_freeze_count() > 0  # the first run is still going
        assert len(made_during_the_run) == 1000
    assert gc.get_freeze_count() == 0
