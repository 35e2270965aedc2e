"""Keep large numpy temporaries off the page-fault path (glibc on Linux).

Each model step allocates and frees dozens of arrays of a few hundred kilobytes. By
default glibc serves blocks above 128 KB with ``mmap`` and returns freed heap memory to
the operating system, so every step pays for fresh pages to be mapped and zeroed: about a
fifth of the run time at 10,000 replicates (measured, see ``docs/performance.md``).
Raising the mmap threshold to its maximum (32 MB on 64-bit) and the trim threshold keeps
those blocks on the heap and reused. Peak memory is unchanged; memory is returned to the
system later. Elsewhere (other C libraries, other systems) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 << 20
TRIM_THRESHOLD = 1 << 30

_done = False


def keep_temporaries_on_heap() -> bool:
    """Tune glibc's allocator once per process; returns whether it was tuned."""
    global _done  # noqa: PLW0603 - a process-wide, idempotent setting
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    _done = ok
    return ok
