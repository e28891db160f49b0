"""Reading sources as bytes and writing them back atomically, without ever clobbering a change.

A migrated file replaces the original only through a temporary file in the same directory, renamed over
it after the original is checked to be exactly what was read: an editor saving the file meanwhile makes
the write fail for that file instead of losing the user's work. Failures are ``FileError``s with a
one-line reason the reports show as they are.

A write is never split by an interrupt: SIGINT and SIGTERM wait until the rename is done (or undone), so
a file is either what it was or wholly migrated, and no temporary file is left. Only SIGKILL (or a power
cut) can leave one, named ``.<file>.<random>.migrate-360learning.tmp``: not a ``.py`` file, so no run
ever takes it for a source. A temporary file is locked (``flock``) for as long as it is written, so
``stale_temporaries`` and ``remove_stale`` tell one a killed run left from one a running write holds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_READ_FLAGS: Final = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
_WRITE_BITS: Final = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
#: The mode of a new file before the umask, as ``open()`` would create it.
_NEW_FILE_MODE: Final = 0o666
#: How every temporary file ends: never ``.py``, and telling what left it there.
TEMPORARY_SUFFIX: Final = ".migrate-360learning.tmp"
#: Signals held while a file is written, delivered as soon as it is.
_HELD_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
#: A temporary file's name: ``.<file>.`` then ``tempfile``'s eight random characters, then the suffix.
_TEMPORARY_NAME: Final = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMPORARY_SUFFIX), re.ASCII)
#: Where ``flock`` is missing, a temporary file is stale once it is older than this (seconds).
_STALE_AFTER: Final = 600.0
#: The descriptors that hold the locks of this process's temporary files, by path.
_locks: dict[str, int] = {}

if sys.platform != "win32":
    import fcntl

    def _lock(fd: int, *, wait: bool = True) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

else:  # pragma: no cover - no flock: the age of the file tells instead

    def _lock(fd: int, *, wait: bool = True) -> bool:
        return wait or time.time() - os.fstat(fd).st_mtime > _STALE_AFTER


class FileError(Exception):
    """A file could not be read or written; the message is the one-line reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes and the metadata that tells whether it changed since."""

    data: bytes
    mtime_ns: int
    size: int
    mode: int
    inode: int
    device: int


def _reason(error: OSError, path: Path) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, PermissionError):
        return "permission denied; not readable"
    if isinstance(error, FileNotFoundError):
        return "broken symbolic link" if path.is_symlink() else "does not exist"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"cannot read: {error.strerror or error}"


def read_source(path: Path) -> Snapshot:
    """Read a regular file's bytes with the metadata ``write_atomic`` checks before replacing it."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as e:
        raise FileError(_reason(e, path)) from e
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FileError("is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise FileError("not a regular file")
        with open(fd, "rb", closefd=False) as f:
            data = f.read()
    except OSError as e:
        raise FileError(_reason(e, path)) from e
    finally:
        os.close(fd)
    return Snapshot(data, st.st_mtime_ns, st.st_size, st.st_mode, st.st_ino, st.st_dev)


def _unchanged(target: str, expected: Snapshot) -> bool:
    try:
        st = os.stat(target)
        if (st.st_size, st.st_mtime_ns) != (expected.size, expected.mtime_ns):
            return False
        with open(target, "rb") as f:
            return f.read() == expected.data
    except OSError:
        return False


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; some platforms cannot open a directory, which is harmless."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temporary(directory: str, name: str, data: bytes, mode: int) -> str:
    """Write ``data`` to a new temporary file of ``directory`` with ``mode``; return its path."""
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=TEMPORARY_SUFFIX)
    except OSError as e:
        raise FileError(f"cannot create a temporary file beside it: {e.strerror or e}") from e
    _locks[tmp] = fd  # locked until ``_discard``: no other run takes it for a killed run's
    try:
        _lock(fd)
        with open(fd, "wb", closefd=False) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            _discard(tmp)
        raise
    return tmp


def _discard(tmp: str) -> None:
    """Remove a temporary file of this process, unless it was renamed, and let go of its lock."""
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    finally:
        fd = _locks.pop(tmp, None)
        if fd is not None:
            os.close(fd)


def stale_temporaries(directories: Iterable[Path]) -> list[Path]:
    """The temporary files of this module in ``directories`` (named so, regular files), sorted: those a
    killed run left, and those a running one is writing, which ``remove_stale`` leaves alone."""
    found: list[Path] = []
    for directory in dict.fromkeys(directories):
        try:
            with os.scandir(directory) as entries:
                found.extend(
                    Path(entry.path)
                    for entry in entries
                    if _TEMPORARY_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
                )
        except OSError:
            continue
    return sorted(found)


def remove_stale(path: Path) -> bool:
    """Remove a temporary file no write holds (a killed run left it); False, removing nothing, when one
    holds it or it cannot be removed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if not _lock(fd, wait=False):
            return False
        held, now = os.fstat(fd), os.lstat(path)
        if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino):
            return False  # renamed and replaced meanwhile
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block; a signal that came meanwhile is delivered at its end.

    Python runs signal handlers in the main thread, whichever thread the signal reached, so replacing
    the handlers there holds the signals for the whole process. Elsewhere nothing is held: only the main
    thread may set handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in _HELD_SIGNALS}
    try:
        yield
    finally:
        for held, handler in previous.items():
            # None: a handler not set from Python, which Python cannot set back; the default stands in.
            signal.signal(held, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)


def write_atomic(path: Path, data: bytes, expected: Snapshot) -> None:
    """Replace the file at ``path`` (a link's target, for a symbolic link) by ``data``.

    Raises ``FileError`` when the file is read-only or no longer what ``expected`` holds.
    """
    with _uninterrupted():
        _replace(path, data, expected)


def _replace(path: Path, data: bytes, expected: Snapshot) -> None:
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except OSError as e:
        raise FileError(_reason(e, path)) from e
    # Both checks: ``os.access`` sees ACLs and read-only mounts, the mode bits what a superuser ignores.
    if not st.st_mode & _WRITE_BITS or not os.access(target, os.W_OK):
        raise FileError("read-only; not written")
    directory, name = os.path.split(target)
    try:
        tmp = _write_temporary(directory, name, data, stat.S_IMODE(expected.mode))
    except OSError as e:
        raise FileError(f"cannot write: {e.strerror or e}") from e
    try:
        if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            with contextlib.suppress(OSError):
                os.chown(tmp, st.st_uid, st.st_gid)
        if not _unchanged(target, expected):
            raise FileError("changed on disk since it was read; not overwritten")
        try:
            os.replace(tmp, target)
        except OSError as e:
            raise FileError(f"cannot replace: {e.strerror or e}") from e
        _fsync_directory(directory)
    finally:
        _discard(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_new_atomic(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``, all at once; never replaces an existing file.

    The parent directory must exist. Raises ``FileError`` when the file exists or cannot be written.
    """
    with _uninterrupted():
        _create(path, data)


def _create(path: Path, data: bytes) -> None:
    directory, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileError("its directory does not exist")
    try:
        tmp = _write_temporary(directory, name, data, _NEW_FILE_MODE & ~_umask())
    except OSError as e:
        raise FileError(f"cannot write: {e.strerror or e}") from e
    try:
        try:
            # A hard link appears atomically and fails if the name is taken: no window to clobber.
            os.link(tmp, path)
        except FileExistsError as e:
            raise FileError("exists; not overwritten") from e
        except OSError:
            if os.path.lexists(path):
                raise FileError("exists; not overwritten") from None
            os.replace(tmp, path)
        _fsync_directory(directory)
    finally:
        _discard(tmp)
