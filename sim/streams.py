"""Per-replicate random streams, drawn in windows of days.

Replicate ``r`` of a run with root seed ``s`` at design point ``point`` draws only from its
own generator, ``PCG64(SeedSequence(s, spawn_key=(point, r)))``. Draws are made once per
window of days, one numpy call per replicate per window, into a block of uniforms with a
fixed number of columns per day (set by the scenario). Every later transformation
(normal deviates, Poisson counts, logit choices) is elementwise, so replicate ``r``'s path
is bit-identical whether it runs alone, in a batch of any size, in any chunk, on any worker.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

#: Days drawn per call. Larger windows mean fewer Python-level calls per replicate.
WINDOW_DAYS = 64


class ReplicateStreams:
    """Uniform draws for replicates ``first .. first + n - 1`` of one design point.

    Args:
        seed: Root seed of the run.
        point: Design-point index (0 for a single scenario run).
        first: Global index of the first replicate held here.
        n: Number of replicates.
        columns: Uniforms per replicate per day.
        normal_columns: How many of the leading columns are turned into standard normals.
        window: Days drawn per call.
    """

    def __init__(self, seed: int, point: int, first: int, n: int, columns: int,
                 normal_columns: int = 0, window: int = WINDOW_DAYS):
        self.seed, self.point, self.first, self.n = int(seed), int(point), int(first), int(n)
        self.columns, self.normal_columns, self.window = columns, normal_columns, window
        self._generators = [
            np.random.Generator(np.random.PCG64(
                np.random.SeedSequence(self.seed, spawn_key=(self.point, self.first + r))))
            for r in range(n)]
        self._start = -1
        self._uniform: NDArray[np.float64] | None = None
        self._normal: NDArray[np.float64] | None = None
        self._block = np.empty((n, window, columns))

    def _draw(self, start: int) -> None:
        block = self._block
        for r, g in enumerate(self._generators):
            g.random(out=block[r])
        # Day-major, column-major, replicate-minor: every slice used per day is contiguous.
        self._uniform = np.ascontiguousarray(block.transpose(1, 2, 0))
        self._normal = ndtri(self._uniform[:, : self.normal_columns, :])
        self._start = start

    def day(self, day: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The uniforms ``(columns, n)`` and normals ``(normal_columns, n)`` of a day.

        Days must be asked for in order (each window is drawn once).
        """
        start = day - day % self.window
        if start != self._start:
            if start != (0 if self._start < 0 else self._start + self.window):
                raise ValueError("days must be drawn in order, from day 0")
            self._draw(start)
        i = day - self._start
        assert self._uniform is not None and self._normal is not None
        return self._uniform[i], self._normal[i]
