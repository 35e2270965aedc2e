"""Per-replicate random streams: the same numbers as numpy's SeedSequence, faster."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.counts import count_true
from sim.engine.streams import ReplicateStreams, box_muller, replicate_generators, seed_words


def numpy_words(seed, point, r):
    return np.random.SeedSequence(seed, spawn_key=(point, r)).generate_state(4, np.uint64)


@settings(max_examples=200, deadline=None)
@given(seed=st.one_of(st.integers(0, 2**32), st.integers(0, 2**63 - 1),
                      st.integers(0, 2**128 - 1)),
       point=st.integers(0, 2**32 - 1), first=st.integers(0, 2**32 - 20))
def test_seed_words_equal_numpys_seed_sequence(seed, point, first):
    reps = np.arange(first, first + 5, dtype=np.uint64)
    words = seed_words(seed, point, reps)
    for k, r in enumerate(reps):
        assert np.array_equal(words[k], numpy_words(seed, point, int(r)))


def test_generators_draw_what_numpy_would():
    ours = replicate_generators(20250902, 3, 10, 4)
    for k, g in enumerate(ours):
        ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
            20250902, spawn_key=(3, 10 + k))))
        assert np.array_equal(g.random(50), ref.random(50))


def test_inputs_beyond_the_shortcut_fall_back_to_numpy():
    assert seed_words(2**130, 0, np.arange(2)) is None
    g = replicate_generators(2**130, 0, 0, 1)[0]
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence(2**130,
                                                                     spawn_key=(0, 0))))
    assert g.random() == ref.random()


@pytest.mark.parametrize("window", [3, 8, 50])
def test_a_day_is_the_same_numbers_whatever_the_window(window):
    a = ReplicateStreams(5, 0, 0, 3, columns=4, normal_columns=2, window=window)
    b = ReplicateStreams(5, 0, 0, 3, columns=4, normal_columns=2, window=7)
    for day in range(20):
        ua, za = a.day(day)
        ub, zb = b.day(day)
        assert np.array_equal(ua, ub) and np.array_equal(za, zb)
    if window < 15:  # going back to a window already drawn is refused
        with pytest.raises(ValueError, match="in order"):
            a.day(5)


def test_replicates_no_longer_needed_are_not_drawn_and_the_rest_are_unchanged():
    full = ReplicateStreams(5, 0, 0, 4, columns=3, window=4)
    part = ReplicateStreams(5, 0, 0, 4, columns=3, window=4)
    needed = np.ones(4, bool)
    drawn = []
    for day in range(12):
        if day == 5:
            needed[[1, 3]] = False  # decided on day 5: the window from day 8 is not drawn
        uf, _ = full.day(day)
        up, _ = part.day(day, needed)
        drawn.append(uf)
        assert np.array_equal(up[:, needed], uf[:, needed])
        if day >= 8:  # the same day of the window before (days 4-7), not new numbers
            assert np.array_equal(up[:, ~needed], drawn[day - 4][:, ~needed])
            assert not np.array_equal(up[:, ~needed], uf[:, ~needed])


def test_box_muller_gives_standard_normals():
    u = np.random.default_rng(1).random((2, 200_000))
    z = box_muller(u)
    assert np.abs(z.mean(axis=1)).max() < 0.01
    assert np.abs(z.std(axis=1) - 1).max() < 0.01
    assert abs(np.corrcoef(z)[0, 1]) < 0.01
    # Elementwise: a replicate's deviates do not depend on the batch around it.
    assert np.array_equal(box_muller(u[:, 7:8])[:, 0], z[:, 7])


def test_count_true_counts_along_the_first_axis_in_the_smallest_safe_type():
    """count_true(mask) == mask.sum(axis=0); uint8 up to 255 rows, int32 beyond (300 rows
    all True count 300, which uint8 could not hold)."""
    rng = np.random.default_rng(5)
    mask = rng.random((7, 11)) < 0.4
    counts = count_true(mask)
    assert counts.dtype == np.uint8
    np.testing.assert_array_equal(counts, mask.sum(axis=0))
    full = np.ones((300, 3), bool)
    assert count_true(full).dtype == np.int32
    np.testing.assert_array_equal(count_true(full), [300, 300, 300])
    np.testing.assert_array_equal(count_true(np.ones((255, 2), bool)), [255, 255])
