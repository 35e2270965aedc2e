"""Writing result folders safely: one atomic folder writer, manifests, checksums, versions.

Every folder dipsim writes (a run's results folder, a comparison, a tornado chart, a sweep's
results folder, a sweep's ``analysis/``) is written by :func:`write_folder`: its files go
into a hidden temporary folder beside the destination, are flushed to disk, and the folder
is renamed into place in one step, so a folder either is complete or does not exist.
Single files that change in place (a sweep's shards and manifest) are written by
:func:`write_file_atomic` (a temporary file, flushed, then renamed).

**Temporary folders and the one staleness rule.** A temporary folder is made under
:data:`CREATING_PREFIX`, locked (``flock`` on the folder itself), then renamed to
:data:`PARTIAL_PREFIX`, so every ``.partial-*`` folder has held its writer's lock from the
start. The kernel releases the lock when the writer dies, however it dies. A temporary
folder is therefore *abandoned* when no process holds its lock; a ``.creating-*`` folder,
which has no lock for the microseconds between being made and being locked, must in
addition be older than :data:`STALE_AFTER_SECONDS`. :func:`clean_stale_partials` removes
abandoned folders, and :func:`write_folder` calls it on its parent before every write.
Where a file system has no locks, no folder is ever treated as abandoned (leftovers stay,
hidden: their names start with a dot and they have no manifest until complete).

**Manifests.** A folder's ``manifest.json`` says what made it; :func:`file_checksums`
gives the SHA-256 of its files for the manifest, and :func:`verify_folder` checks a folder
against them. :func:`versions` is the one list of library versions every manifest records.

Standard library only (no numpy, no pandas), so any layer may import it cheaply.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: stale temporary folders are then kept
    fcntl = None

#: Prefix of the temporary folder a folder is written into (locked by its writer).
PARTIAL_PREFIX = ".partial-"
#: A folder is made under this prefix, locked, then renamed to :data:`PARTIAL_PREFIX`, so
#: every ``.partial-*`` folder has had its lock from the start.
CREATING_PREFIX = ".creating-"
#: A ``.creating-*`` folder younger than this is never cleaned (its writer may be between
#: making it and locking it, a matter of microseconds).
STALE_AFTER_SECONDS = 60.0
#: Suffix of the temporary file :func:`write_file_atomic` writes before its rename.
TMP_SUFFIX = ".tmp"
#: The file that says what made a folder.
MANIFEST = "manifest.json"
#: The libraries whose versions every manifest records (besides Python).
LIBRARIES: tuple[str, ...] = (
    "dipsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib",
    "PyYAML", "typer", "SALib", "dask", "distributed", "pyabc")


# ------------------------------------------------------------------------ manifests


def versions() -> dict[str, str]:
    """The installed version of each of :data:`LIBRARIES` (``"not installed"`` if absent)."""
    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file directly in ``folder``, by name, in name order."""
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()}


def finite(data: Any) -> Any:
    """``data`` with every float that is not finite (NaN, infinity) replaced by None.

    Goes through dicts, lists and tuples (tuples become lists); numpy scalars and arrays are
    turned into Python numbers and lists first, so they are checked too.
    """
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    if hasattr(data, "tolist") and not isinstance(data, str | bytes):  # numpy values
        return finite(data.tolist())
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def json_text(data: Any) -> str:
    """``data`` as strict JSON text (indented, one trailing newline).

    Every file dipsim writes as JSON goes through here. JSON has no NaN or infinity
    (Python's ``json`` writes them as bare ``NaN``, which ``JSON.parse`` and strict readers
    refuse): a value that is not a finite number is written as ``null``. Values JSON cannot
    hold (dates, paths) are written as their text.
    """
    return json.dumps(finite(data), indent=2, default=str, allow_nan=False) + "\n"


def verify_folder(folder: str | Path) -> list[str]:
    """Check a folder against the checksums (``files``) in its manifest.

    Returns:
        What is wrong (a missing or unreadable manifest, a file missing or whose SHA-256
        differs from the manifest's); empty if the folder is complete and intact.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{folder / MANIFEST}: missing or unreadable ({exc})"]
    problems = []
    for name, digest in files.items():
        p = folder / name
        if p.name != name or not p.is_file():
            problems.append(f"{p}: missing")
        elif sha256_file(p) != digest:
            problems.append(f"{p}: contents differ from the manifest")
    return problems


# ------------------------------------------------------------------------ atomic files


def write_file_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through a temporary file in the same folder, then rename it into place.

    ``write(tmp)`` writes the temporary file (named ``.<name>.<pid>.tmp``); it is flushed
    to disk and renamed over ``path``, so readers see the old file or the new one, never a
    part. If anything fails the temporary file is removed.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON (see :func:`json_text`) with :func:`write_file_atomic`."""
    write_file_atomic(path, lambda p: p.write_text(json_text(data), encoding="utf-8"))


def clean_temporary_files(folder: Path) -> None:
    """Remove the temporary files :func:`write_file_atomic` left in ``folder`` when killed.

    Only call this while no one else writes into ``folder`` (hold its lock).
    """
    for p in folder.glob(f".*{TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()


# ----------------------------------------------------------------------- atomic folders


def resolve_parent_refs(path: str | Path) -> Path:
    """``path`` with any ``..`` resolved before anything is created.

    ``mkdir(parents=True)`` on ``runs/x/../d`` would make ``runs/x`` on the way to
    ``runs/d`` and leave it behind. A path with ``..`` is resolved the way the system
    would (symbolic links first, so ``link/..`` is the link target's parent), which makes
    it absolute; any other path is returned as it is.
    """
    path = Path(path)
    return path.resolve() if ".." in path.parts else path


def write_folder(parent: str | Path, write: Callable[[Path], object], name: str | None = None,
                 *, replace: bool = False) -> Path:
    """Create ``parent/<name>/`` atomically, filled by ``write(folder)``.

    The files are written into a locked temporary folder beside the destination (see the
    module docstring for its names and when it counts as abandoned), flushed to disk with
    the folder itself, and the folder is renamed into place only when complete. Temporary
    folders abandoned in ``parent`` are removed first. If anything fails, the temporary
    folder is removed and nothing else is left.

    Args:
        parent: The folder to create the new folder in (made if missing).
        write: Fills the (empty) temporary folder.
        name: The new folder's name. None: a UTC timestamp (``20251231T120000Z``), and if
            that is taken ``-2``, ``-3``, ... is appended, so a folder never overwrites an
            earlier one. A name: a folder that is written once (its name says what it
            holds, like a sweep's hash): if it already exists, before or by the time of
            the rename, it is left as it is and returned (the first writer wins), unless
            ``replace``.
        replace: With a ``name``: the new folder takes the place of an existing one, which
            is moved aside and removed (readers see the old folder, then, for a moment,
            none, then the new one).

    Returns:
        The folder (for a named folder that existed, the existing one).

    Raises:
        OSError: The folder cannot be written (no permission, disk full); the error names
            ``parent`` if it named no file. Nothing is left behind but ``parent`` itself.
    """
    parent = resolve_parent_refs(parent)
    if replace and name is None:
        raise ValueError("replace needs a name")
    if name is not None and not replace and os.path.lexists(parent / name):
        return parent / name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale_partials(parent)
        tmp, lock = _locked_partial(parent)
    except OSError as exc:
        raise _with_filename(exc, parent) from None
    try:
        write(tmp)
        _sync_folder(tmp)
        os.chmod(tmp, 0o755)
        dest = _rename_into_place(tmp, parent, name, replace)
        _fsync_dir(parent)
        return dest
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _with_filename(exc, parent) from exc
        raise
    finally:
        os.close(lock)


def _rename_into_place(tmp: Path, parent: Path, name: str | None, replace: bool) -> Path:
    """Rename a complete temporary folder to its name (see :func:`write_folder`)."""
    if name is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        for k in range(1, 1000):
            dest = parent / (stamp if k == 1 else f"{stamp}-{k}")
            if os.path.lexists(dest):
                continue
            try:
                os.rename(tmp, dest)
            except OSError as exc:
                # Another writer took the name between the check and the rename (a
                # non-empty folder cannot be replaced): try the next name.
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue
                raise
            return dest
        raise FileExistsError(errno.EEXIST, "no free folder name", str(parent))
    dest = parent / name
    for _ in range(100):
        if replace and os.path.lexists(dest):
            # Moved aside under a temporary name nobody locks: if we die before removing
            # it, the next writer's cleaning does.
            aside = parent / f"{PARTIAL_PREFIX}replaced-{name}-{os.getpid()}-{time.time_ns()}"
            with contextlib.suppress(FileNotFoundError):  # another writer moved it first
                os.rename(dest, aside)
                shutil.rmtree(aside, ignore_errors=True)
        try:
            os.rename(tmp, dest)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            if not replace:  # another writer made it first: theirs is kept
                shutil.rmtree(tmp, ignore_errors=True)
                return dest
            continue
        return dest
    raise FileExistsError(errno.EEXIST, "the folder keeps being replaced", str(dest))


def _with_filename(exc: OSError, where: Path) -> OSError:
    """The error with the folder being written as its file name, if it named none."""
    if getattr(exc, "filename", None):
        return exc
    reason = exc.strerror or str(exc)
    return OSError(exc.errno, reason, str(where))


def _lock(fd: int) -> bool:
    """Take an exclusive lock without waiting; False if another process holds it."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: never treat a folder as abandoned
        return False
    return True


def _locked_partial(parent: Path) -> tuple[Path, int]:
    """Make a temporary folder in ``parent`` and lock it for as long as this process lives.

    The lock (``flock`` on the folder itself) is released by the kernel when the process
    dies, however it dies, which is how a later writer tells an abandoned folder from one
    still being written.
    """
    made = Path(tempfile.mkdtemp(prefix=CREATING_PREFIX, dir=parent))
    fd = os.open(made, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _lock(fd)
        tmp = parent / (PARTIAL_PREFIX + made.name.removeprefix(CREATING_PREFIX))
        os.rename(made, tmp)
    except BaseException:
        os.close(fd)
        shutil.rmtree(made, ignore_errors=True)
        raise
    return tmp, fd


def clean_stale_partials(parent: str | Path) -> list[Path]:
    """Remove the temporary folders that killed writers left in ``parent``.

    The staleness rule of the module docstring: a ``.partial-*`` folder is removed only if
    no process holds its lock, so a folder being written by a live process is left alone;
    a ``.creating-*`` folder also has to be older than :data:`STALE_AFTER_SECONDS`.

    Returns:
        The folders removed.
    """
    removed = []
    now = time.time()
    parent = Path(parent)
    candidates = [(p, 0.0) for p in parent.glob(PARTIAL_PREFIX + "*")] + [
        (p, STALE_AFTER_SECONDS) for p in parent.glob(CREATING_PREFIX + "*")]
    for p, min_age in candidates:
        try:
            st = p.lstat()
            if not stat.S_ISDIR(st.st_mode) or now - st.st_mtime < min_age:
                continue
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                         | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if _lock(fd):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        finally:
            os.close(fd)
    return removed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Flush every file under ``folder`` to disk, then each folder, deepest first.

    Without this a crash of the machine (not just of dipsim) shortly after the rename
    could leave a complete-looking folder with empty files.
    """
    for p in folder.iterdir():
        if p.is_dir() and not p.is_symlink():
            _sync_folder(p)
        elif p.is_file():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)
