"""``--out``: the results root a command writes under, checked before any work."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sim.scenario.errors import InputError


def check_out(out: Path, *inside: str) -> Path:
    """``--out`` checked before any work: a folder that can be made and written.

    Every command that writes results calls this before it simulates, so a bad ``--out``
    is reported in a second (exit code 2), not after the whole run. ``..`` in the path is
    resolved first, so ``runs/x/../d`` never makes a stray ``runs/x``.

    Args:
        out: The ``--out`` option.
        inside: Subfolders the command will write under it (``caribbean-2025``).

    Returns:
        The folder to pass on (``out`` with ``..`` resolved).

    Raises:
        InputError: ``out`` is a file, or a folder that cannot be written.
    """
    from sim.output.storage import resolve_parent_refs  # noqa: PLC0415

    out = resolve_parent_refs(out)
    if out.exists() and not out.is_dir():
        raise InputError.single("--out", f"{out} exists and is not a folder")
    try:
        check_writable(out.joinpath(*inside))
    except OSError as exc:
        raise InputError.single("--out", f"cannot write results ({exc.filename}): "
                                f"{exc.strerror}") from None
    return out


def check_writable(folder: Path) -> None:
    """Fail before a long run, not after it, if ``folder`` cannot be made and written.

    Looks at the nearest existing ancestor and creates nothing, so a run that fails or is
    interrupted later leaves no trace. (A full disk can only be found by writing; the
    results folder is written atomically, so that fails cleanly too.)

    Raises:
        OSError: The folder is under a file, or its nearest existing ancestor is not
            writable (permissions, a read-only file system).
    """
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(existing).f_flag & os.ST_RDONLY)
        code = errno.EROFS if read_only else errno.EACCES
        raise PermissionError(code, os.strerror(code), str(existing))
