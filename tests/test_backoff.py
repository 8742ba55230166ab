import random

from dsbot.backoff import exponential_delay, jittered_delay


def test_doubles_from_base_and_stops_at_cap():
    delays = [exponential_delay(n, base=5.0, cap=60.0) for n in range(0, 7)]
    assert delays == [5.0, 5.0, 10.0, 20.0, 40.0, 60.0, 60.0]


def test_jitter_stays_within_the_exponential_delay_and_is_reproducible():
    a = [jittered_delay(n, base=0.5, cap=8.0, rng=random.Random(7)) for n in range(1, 8)]
    b = [jittered_delay(n, base=0.5, cap=8.0, rng=random.Random(7)) for n in range(1, 8)]
    assert a == b
    for n, delay in enumerate(a, start=1):
        assert 0.0 <= delay <= exponential_delay(n, base=0.5, cap=8.0)
