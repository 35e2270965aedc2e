"""Per-replicate random streams, drawn in windows of days.

Replicate ``r`` of a run with root seed ``s`` at design point ``point`` draws only from its
own generator, ``PCG64(SeedSequence(s, spawn_key=(point, r)))``. Draws are made once per
window of days, one numpy call per replicate per window (none for replicates whose
numbers no longer matter), into a block of uniforms with a fixed number of columns per day
(set by the scenario). Every later transformation
(normal deviates, Poisson counts, logit choices) is elementwise, so replicate ``r``'s path
is bit-identical whether it runs alone, in a batch of any size, in any chunk, on any worker.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

#: Most days drawn per call. Larger windows mean fewer Python-level calls per replicate;
#: the window also shrinks (to 8 days at least) so a block stays near 16 MB; with very many
#: replicates in one model the 8-day floor governs (100,000 replicates: about 45 MB).
WINDOW_DAYS_MAX = 400
#: Replicates whose numbers of a day are turned column-major together (see
#: :meth:`ReplicateStreams.day`): a few tens of kilobytes, which stay in cache.
TRANSPOSE_REPLICATES = 512


def box_muller(u: NDArray) -> NDArray:
    """Standard normal deviates from pairs of uniforms (Box and Muller 1958).

    Rows are used in pairs ``(u1, u2)``: ``z1 = sqrt(-2 ln(1 - u1)) cos(2 pi u2)``,
    ``z2 = sqrt(-2 ln(1 - u1)) sin(2 pi u2)``, the sine and cosine taken in single
    precision; ``1 - u1`` keeps the logarithm finite for ``u1 = 0``. An odd last row is
    paired with itself. Elementwise, so the same for a replicate alone or in a batch.
    """
    rows = u.shape[0]
    out = np.empty_like(u)
    for k in range(0, rows, 2):
        u1, u2 = u[k], u[k + 1] if k + 1 < rows else u[k]
        radius = np.sqrt(-2.0 * np.log1p(-u1))
        # The angle's sine and cosine in single precision: ten times faster here (numpy
        # vectorises float32 trigonometry) and far finer than the noise needs.
        angle = (2.0 * np.pi * u2).astype(np.float32)
        out[k] = radius * np.cos(angle)
        if k + 1 < rows:
            out[k + 1] = radius * np.sin(angle)
    return out


# SeedSequence's constants (O'Neill's seed_seq alternative, as in numpy.random).
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_MASK = np.uint64(0xFFFFFFFF)
_POOL = 4


def seed_words(seed: int, point: int, replicates: NDArray) -> NDArray | None:
    """``SeedSequence(seed, spawn_key=(point, r)).generate_state(4, uint64)`` for many r.

    The same hashing as numpy's :class:`~numpy.random.SeedSequence`, done for all
    replicates at once with array arithmetic instead of one object per replicate (which
    costs about 30 microseconds each). ``tests/test_streams.py`` checks the words against
    numpy's for many seeds, points and replicates.

    Returns:
        The words, shape ``(len(replicates), 4)``, or None when an input is outside what
        this shortcut covers (a seed of more than 128 bits, a point or replicate of more
        than 32 bits); callers then use numpy's SeedSequence.
    """
    reps = np.asarray(replicates, dtype=np.uint64)
    if not 0 <= seed < 2**128 or not 0 <= point < 2**32 or (reps.size and reps.max() >= 2**32):
        return None
    run = [(seed >> (32 * k)) & 0xFFFFFFFF for k in range(_POOL)]
    n = reps.size
    entropy = [np.full(n, w, np.uint64) for w in run] + [np.full(n, point, np.uint64), reps]
    const = _INIT_A

    def hashmix(value: NDArray) -> NDArray:
        nonlocal const
        value = value ^ np.uint64(const)
        const = (const * _MULT_A) & 0xFFFFFFFF
        value = (value * np.uint64(const)) & _MASK
        return value ^ (value >> np.uint64(16))

    def mix(x: NDArray, y: NDArray) -> NDArray:
        out = (((x * np.uint64(_MIX_L)) & _MASK) - ((y * np.uint64(_MIX_R)) & _MASK)) & _MASK
        return out ^ (out >> np.uint64(16))

    pool = [hashmix(entropy[i]) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, len(entropy)):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    const = _INIT_B
    halves = []
    for i in range(2 * _POOL):
        value = pool[i % _POOL] ^ np.uint64(const)
        const = (const * _MULT_B) & 0xFFFFFFFF
        value = (value * np.uint64(const)) & _MASK
        halves.append(value ^ (value >> np.uint64(16)))
    return np.stack([halves[2 * k] | (halves[2 * k + 1] << np.uint64(32))
                     for k in range(_POOL)], axis=1)


class _Seeded(np.random.bit_generator.ISeedSequence):
    """A seed sequence whose state words were computed already (see :func:`seed_words`)."""

    def __init__(self, words: NDArray):
        self.words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> NDArray:
        """The precomputed words (PCG64 asks for exactly 4 ``uint64``)."""
        if n_words != _POOL or np.dtype(dtype) != np.dtype(np.uint64):
            raise ValueError("precomputed seed words serve PCG64 only")
        return self.words


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (restoring its state after).

    Tens of thousands of new generator objects (none of them in reference cycles) would
    otherwise set off full collections over every live object: 50 ms at 10,000 replicates.
    (The engine also pauses it while a share of replicates steps; see
    :func:`sim.engine.ensemble.run_replicates`.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def replicate_seed_sequence(seed: int, point: int, replicate: int) -> np.random.SeedSequence:
    """The seed of one replicate's stream: ``SeedSequence(seed, spawn_key=(point, replicate))``.

    Every random number replicate ``replicate`` of design point ``point`` (0 for a plain
    run) of a run with root seed ``seed`` draws comes from
    ``Generator(PCG64(replicate_seed_sequence(seed, point, replicate)))``
    (:func:`replicate_generators`), whatever the batch, chunk or worker it ran in.
    """
    return np.random.SeedSequence(int(seed), spawn_key=(int(point), int(replicate)))


def replicate_generators(seed: int, point: int, first: int, n: int
                         ) -> list[np.random.Generator]:
    """``Generator(PCG64(SeedSequence(seed, spawn_key=(point, first + r))))``, r < n."""
    words = seed_words(seed, point, np.arange(first, first + n, dtype=np.uint64))
    with collector_paused():
        if words is None:
            return [np.random.Generator(np.random.PCG64(
                np.random.SeedSequence(seed, spawn_key=(point, first + r))))
                for r in range(n)]
        return [np.random.Generator(np.random.PCG64(_Seeded(w))) for w in words]


class ReplicateStreams:
    """Uniform draws for replicates ``first .. first + n - 1`` of one design point.

    Args:
        seed: Root seed of the run.
        point: Design-point index (0 for a single scenario run).
        first: Global index of the first replicate held here.
        n: Number of replicates.
        columns: Uniforms per replicate per day.
        normal_columns: How many of the leading columns are turned into standard normals.
        window: Days drawn per call (default: as many as fit in about 16 MB, at most 400).
        days: Days the run will ask for, so a window is not longer than the run.

    Day ``t``, column ``c`` of a replicate is always number ``t * columns + c`` of its
    stream, whatever the window: consecutive draws from a generator continue one sequence.
    """

    def __init__(self, seed: int, point: int, first: int, n: int, columns: int,
                 normal_columns: int = 0, window: int | None = None, days: int | None = None):
        self.seed, self.point, self.first, self.n = int(seed), int(point), int(first), int(n)
        if window is None:
            # A block of about 16 MB: few calls per replicate, and the day-by-day gathers
            # stay in cache.
            window = int(max(8, min(WINDOW_DAYS_MAX, (16 << 20) // max(1, 8 * n * columns))))
            if days is not None:
                window = min(window, days)
        self.columns, self.normal_columns, self.window = columns, normal_columns, window
        self._start = -1
        self._block = np.empty((n, window, columns))
        self._generators = replicate_generators(self.seed, self.point, self.first, n)
        # Each generator's bound draw method and its row of the block, made once (as many
        # new tuples as generators, so the collector is paused here too).
        with collector_paused():
            self._fills = [(g.random, row) for g, row in zip(self._generators, self._block,
                                                               strict=True)]

    def _draw(self, start: int, needed: NDArray | None) -> None:
        # Day-major, replicate, column: each generator writes its window as rows of one
        # day's columns; a day is then one contiguous (n, columns) slab.
        if needed is None or np.count_nonzero(needed) == needed.size:
            for fill, row in self._fills:
                fill(out=row)
        else:
            fills = self._fills
            for k in np.flatnonzero(needed).tolist():
                fill, row = fills[k]
                fill(out=row)
        self._start = start

    def day(self, day: int, needed: NDArray | None = None
            ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The uniforms ``(columns, n)`` and normals ``(normal_columns, n)`` of a day.

        Days must be asked for in order (each window is drawn once).

        Args:
            day: Day index.
            needed: Per replicate, whether its numbers still matter (default: all). A
                replicate once not needed must never be needed again: a new window is not
                drawn for it, and its columns keep numbers of an earlier window.
        """
        start = day - day % self.window
        if start != self._start:
            if start != (0 if self._start < 0 else self._start + self.window):
                raise ValueError("days must be drawn in order, from day 0")
            self._draw(start, needed)
        # Column-major, replicate-minor: every row used in the day's arithmetic is contiguous.
        # Copied a block of replicates at a time: a column at a time, the reads stride
        # through the whole window (a few kilobytes apart, which the cache serves badly).
        today = self._block[:, day - self._start, :]
        uniform = np.empty((self.columns, self.n))
        for lo in range(0, self.n, TRANSPOSE_REPLICATES):
            hi = lo + TRANSPOSE_REPLICATES
            uniform[:, lo:hi] = today[lo:hi].T
        return uniform, box_muller(uniform[: self.normal_columns])
