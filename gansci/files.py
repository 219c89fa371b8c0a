"""Safe files for a run folder: atomic writes, an fsynced append log and the run lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gansci.errors import CheckpointError, ConfigError

LOCK = ".lock"  # run_dir/.lock: held by the process that trains into the folder
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path`` in one
    rename, so readers see the old file or the complete new one, never a part. The
    temporary name ends in ``path``'s suffix, so writers that pick a format by suffix
    (np.save, savefig) write the right one."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
        )
    except OSError as exc:  # name the file asked for, not the temporary one
        raise OSError(exc.errno, f"cannot write here ({exc.strerror})", str(path)) from None
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would outlive the rename
    try:
        yield Path(tmp)
        if Path(tmp).is_file():  # a writer may put a folder there instead (GraphML folders)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if Path(tmp).is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` atomically."""
    data = content.encode() if isinstance(content, str) else content
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def writable_parent(path: Path) -> Path | None:
    """None if ``path`` (and any folders missing above it) can be made, else the folder
    that refuses it. Tried with a nameless file, since access bits say nothing of read-only
    mounts or /proc; a folder without a write bit counts as read-only even to root."""
    folder = next(p for p in Path(path).absolute().parents if p.exists())
    if not folder.is_dir() or not folder.stat().st_mode & 0o222:
        return folder
    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError:
        return folder


def append_line(path: Path, line: str) -> None:
    """Append one line and fsync it, so a kill loses at most the line being written."""
    with path.open("a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_jsonl(path: Path) -> list[tuple[dict[str, Any], str]]:
    """(record, line) for each line of a JSON-lines log such as metrics.jsonl. A last
    line cut short by a kill is left out; a broken line before it is an error."""
    lines = [(n, line) for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip()]
    out = []
    for n, line in lines:
        try:
            out.append((json.loads(line), line))
        except json.JSONDecodeError:
            if n == lines[-1][0]:
                break
            raise CheckpointError(f"{path}: line {n} is not JSON; the log is corrupt") from None
    return out


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RunLock:
    """An exclusive ``flock`` on ``run_dir/.lock`` for as long as a run or resume writes
    into the folder; the file holds the holder's pid. A second holder is refused at once
    with an error naming that pid (the lock goes with its process, however it ends)."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOCK
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise busy_error(self.path.parent, holder(self.path.parent)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(run_dir: Path) -> str | None:
    """The pid holding ``run_dir``'s lock ("unknown" if it wrote none yet), or None when
    the folder is free; the lock file is only read, never created or changed."""
    path = Path(run_dir) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return path.read_text().strip() or "unknown"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def busy_error(run_dir: Path, pid: str | None) -> ConfigError:
    return ConfigError(
        f"{run_dir} is in use by process {pid} (it holds {run_dir / LOCK}); wait for that "
        "run or resume to end, or stop it"
    )
