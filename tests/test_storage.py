"""The one atomic folder writer, its staleness rule, atomic files, checksums and versions."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from sim.output import storage
from sim.output.storage import (
    CREATING_PREFIX,
    LIBRARIES,
    PARTIAL_PREFIX,
    STALE_AFTER_SECONDS,
    clean_stale_partials,
    file_checksums,
    verify_folder,
    versions,
    write_file_atomic,
    write_folder,
)
from tests.conftest import ROOT


def hidden(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith((PARTIAL_PREFIX, CREATING_PREFIX))]


def fill(text: str):
    def write(folder: Path) -> None:
        assert folder.name.startswith(PARTIAL_PREFIX) and list(folder.iterdir()) == []
        (folder / "a.txt").write_text(text)
        (folder / "sub").mkdir()
        (folder / "sub" / "b.txt").write_text(text * 2)
    return write


# ------------------------------------------------------------------------ the writer


def test_timestamped_folders_are_complete_and_never_overwrite(tmp_path, monkeypatch):
    # The clock stands still, so the second folder is made in the same second as the
    # first however busy the machine (a second boundary between them would give it a
    # timestamp of its own).
    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2025, 12, 31, 12, 0, 0, tzinfo=tz)

    monkeypatch.setattr(storage, "dt", types.SimpleNamespace(datetime=Frozen, UTC=dt.UTC))
    parent = tmp_path / "results" / "scn"
    first = write_folder(parent, fill("one"))
    second = write_folder(parent, fill("two"))
    assert (first.name, second.name) == ("20251231T120000Z", "20251231T120000Z-2")
    assert (first / "a.txt").read_text() == "one"
    assert (second / "sub" / "b.txt").read_text() == "twotwo"
    assert hidden(parent) == []
    assert first.stat().st_mode & 0o777 == 0o755


def test_a_named_folder_is_written_once_and_the_first_writer_wins(tmp_path):
    made = write_folder(tmp_path, fill("first"), name="abc123")
    assert made == tmp_path / "abc123"

    def never(folder: Path) -> None:
        raise AssertionError("an existing named folder is not written again")

    assert write_folder(tmp_path, never, name="abc123") == made
    assert (made / "a.txt").read_text() == "first"


def test_a_named_folder_made_by_another_writer_meanwhile_is_kept(tmp_path):
    def race(folder: Path) -> None:
        fill("mine")(folder)
        other = tmp_path / "abc123"  # another process renames its folder in first
        other.mkdir()
        (other / "a.txt").write_text("theirs")

    assert write_folder(tmp_path, race, name="abc123") == tmp_path / "abc123"
    assert (tmp_path / "abc123" / "a.txt").read_text() == "theirs"
    assert hidden(tmp_path) == []


def test_replace_swaps_in_the_new_folder_and_leaves_nothing_else(tmp_path):
    write_folder(tmp_path, fill("old"), name="analysis")
    (tmp_path / "analysis" / "stale.txt").write_text("from the old analysis")
    new = write_folder(tmp_path, fill("new"), name="analysis", replace=True)
    assert (new / "a.txt").read_text() == "new" and not (new / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]
    with pytest.raises(ValueError, match="replace needs a name"):
        write_folder(tmp_path, fill("x"), replace=True)


def test_a_failed_write_leaves_only_the_parent_and_names_it(tmp_path):
    parent = tmp_path / "out"

    def full(folder: Path) -> None:
        (folder / "a.txt").write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space") as info:
        write_folder(parent, full)
    assert info.value.filename == str(parent)
    assert list(parent.iterdir()) == []

    def interrupted(folder: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder(parent, interrupted, name="x")
    assert list(parent.iterdir()) == []


# ------------------------------------------------------------------- the staleness rule


def test_the_staleness_rule_lock_free_partials_and_old_lock_free_creating_folders(tmp_path):
    abandoned = tmp_path / f"{PARTIAL_PREFIX}abandoned"
    live = tmp_path / f"{PARTIAL_PREFIX}live"
    young = tmp_path / f"{CREATING_PREFIX}young"
    old = tmp_path / f"{CREATING_PREFIX}old"
    old_locked = tmp_path / f"{CREATING_PREFIX}old-locked"
    visible = tmp_path / "20250101T000000Z"
    for p in (abandoned, live, young, old, old_locked, visible):
        p.mkdir()
    (abandoned / "runs.parquet").write_bytes(b"PAR1 truncated")
    long_ago = time.time() - STALE_AFTER_SECONDS - 1
    for p in (old, old_locked):
        os.utime(p, (long_ago, long_ago))
    fds = [os.open(p, os.O_RDONLY) for p in (live, old_locked)]
    try:
        for fd in fds:
            fcntl.flock(fd, fcntl.LOCK_EX)  # writers still at work hold these locks
        assert sorted(clean_stale_partials(tmp_path)) == sorted([abandoned, old])
    finally:
        for fd in fds:
            os.close(fd)
    assert live.exists() and young.exists() and old_locked.exists() and visible.exists()
    # Once their writers are gone (locks released), all but the young one are stale.
    assert sorted(clean_stale_partials(tmp_path)) == sorted([live, old_locked])
    assert young.exists() and visible.exists()


def test_a_writer_killed_mid_write_leaves_a_hidden_folder_the_next_writer_removes(tmp_path):
    parent = tmp_path / "parent"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from sim.output.storage import write_folder

        def slow(folder):
            (folder / "half.txt").write_text("half")
            print("writing", flush=True)
            time.sleep(60)

        write_folder(Path({str(parent)!r}), slow, name="abc")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        (left,) = hidden(parent)
        assert left.name.startswith(PARTIAL_PREFIX)
        # While the writer lives, its folder is not stale.
        assert clean_stale_partials(parent) == [] and left.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert left.exists() and not (parent / "abc").exists()
    made = write_folder(parent, fill("next"), name="abc")
    assert not left.exists() and hidden(parent) == [] and (made / "a.txt").exists()


def test_every_folder_dipsim_writes_goes_through_the_one_writer():
    """No other module makes temporary folders or knows their prefixes."""
    offenders = []
    for p in sorted((ROOT / "sim").rglob("*.py")):
        if p.name == "storage.py" and p.parent.name == "output":
            continue
        text = p.read_text(encoding="utf-8")
        for needle in ("mkdtemp", "TemporaryDirectory", '".creating-', '".partial-',
                       "os.rename(", "os.replace("):
            if needle in text:
                offenders.append(f"{p.relative_to(ROOT)}: {needle}")
    assert offenders == []


@pytest.mark.slow
def test_results_and_sweep_folders_are_made_by_the_writer(tmp_path, monkeypatch):
    import sim
    from sim.experiments.sweep import run_sweep

    made: list[Path] = []
    real = storage._locked_partial

    def recording(parent: Path):
        made.append(parent)
        return real(parent)

    monkeypatch.setattr(storage, "_locked_partial", recording)
    folder = sim.run(ROOT / "tests" / "data" / "corpus-base.yaml", runs=2, seed=1).save(
        tmp_path / "runs", charts=False)
    assert made == [folder.parent] and verify_folder(folder) == []
    sweep = run_sweep(ROOT / "tests" / "data" / "sweeps" / "grid.yaml", out=tmp_path / "sw",
                      workers=1)
    assert made[1:] == [sweep.folder.parent]
    # One library list in both manifests.
    run_libraries = json.loads((folder / "manifest.json").read_text())["libraries"]
    sweep_versions = json.loads((sweep.folder / "manifest.json").read_text())["versions"]
    assert list(run_libraries) == list(LIBRARIES) == [k for k in sweep_versions if k != "python"]


# -------------------------------------------------------------- files and manifests


def test_an_atomic_file_is_the_old_or_the_new_never_a_part(tmp_path):
    path = tmp_path / "manifest.json"
    write_file_atomic(path, lambda p: p.write_text("old"))

    def failing(p: Path) -> None:
        p.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        write_file_atomic(path, failing)
    assert path.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["manifest.json"]


def test_checksums_find_a_changed_or_missing_file(tmp_path):
    folder = write_folder(tmp_path, fill("x"), name="f")
    sums = file_checksums(folder)
    assert list(sums) == ["a.txt"]  # files directly in the folder
    (folder / "manifest.json").write_text(json.dumps({"files": sums}))
    assert verify_folder(folder) == []
    (folder / "a.txt").write_text("y")
    assert verify_folder(folder) == [f"{folder / 'a.txt'}: contents differ from the manifest"]
    (folder / "a.txt").unlink()
    assert verify_folder(folder) == [f"{folder / 'a.txt'}: missing"]
    (folder / "manifest.json").unlink()
    assert "missing or unreadable" in verify_folder(folder)[0]


def test_versions_lists_every_library_once():
    v = versions()
    assert list(v) == list(LIBRARIES) and len(set(LIBRARIES)) == len(LIBRARIES)
    assert v["dipsim"] == sim_version() and v["numpy"][0].isdigit()


def sim_version() -> str:
    import sim

    return sim.__version__
