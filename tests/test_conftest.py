"""What tests/conftest.py sets up for every test process."""

from __future__ import annotations

import gc

from tests.conftest import GC_THRESHOLDS


def test_the_collected_modules_are_frozen_out_of_the_garbage_collectors_walks():
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.isenabled()
