"""Reading bytes and writing them back atomically: modes kept, no leftovers, no clobbered changes."""

from __future__ import annotations

import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from codemods.engine.files import TEMPORARY_SUFFIX, FileError, read_source, write_atomic, write_new_atomic


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_read_source_returns_bytes_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\r\n")
    snapshot = read_source(path)
    st = path.stat()
    assert snapshot.data == b"\xef\xbb\xbfx = 1\r\n"
    assert (snapshot.size, snapshot.mtime_ns, snapshot.mode) == (st.st_size, st.st_mtime_ns, st.st_mode)


def test_write_atomic_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    path.chmod(0o751)
    write_atomic(path, b"new\n", read_source(path))
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert leftovers(tmp_path) == []


def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_atomic(link, b"new\n", read_source(link))
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


def test_change_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    snapshot = read_source(path)
    path.write_bytes(b"edited meanwhile\n")
    with pytest.raises(FileError, match="changed on disk since it was read; not overwritten"):
        write_atomic(path, b"new\n", snapshot)
    assert path.read_bytes() == b"edited meanwhile\n"
    assert leftovers(tmp_path) == []


def test_same_size_change_with_restored_mtime_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"aaaa\n")
    snapshot = read_source(path)
    path.write_bytes(b"bbbb\n")
    os.utime(path, ns=(snapshot.mtime_ns, snapshot.mtime_ns))
    with pytest.raises(FileError, match="changed on disk"):
        write_atomic(path, b"new\n", snapshot)
    assert path.read_bytes() == b"bbbb\n"


def test_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    path.chmod(0o444)
    with pytest.raises(FileError, match="read-only; not written"):
        write_atomic(path, b"new\n", read_source(path))
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"secret\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user reads files whatever their permissions (superuser)")
        with pytest.raises(FileError, match="permission denied"):
            read_source(path)
    finally:
        path.chmod(0o644)


def test_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pkg.py").mkdir()
    with pytest.raises(FileError, match="is a directory"):
        read_source(tmp_path / "pkg.py")


def test_broken_symlink_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    with pytest.raises(FileError, match="broken symbolic link"):
        read_source(tmp_path / "gone.py")
    with pytest.raises(FileError, match="does not exist"):
        read_source(tmp_path / "nowhere.py")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    with pytest.raises(FileError, match="not a regular file"):
        read_source(tmp_path / "pipe.py")


def test_large_file_is_read_and_written(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    data = b"x = 1  # padding\n" * (20 * 1024 * 1024 // 17)
    path.write_bytes(data)
    snapshot = read_source(path)
    assert snapshot.data == data
    write_atomic(path, data + b"y = 2\n", snapshot)
    assert path.read_bytes().endswith(b"x = 1  # padding\ny = 2\n")


def test_write_new_atomic_creates_with_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "helper.py"
    write_new_atomic(path, b"content\n")
    assert path.read_bytes() == b"content\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert leftovers(tmp_path) == []


def test_write_new_atomic_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "helper.py"
    path.write_bytes(b"mine\n")
    with pytest.raises(FileError, match="exists"):
        write_new_atomic(path, b"generated\n")
    assert path.read_bytes() == b"mine\n"
    assert leftovers(tmp_path) == []


def test_write_new_atomic_needs_the_directory(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="directory does not exist"):
        write_new_atomic(tmp_path / "missing" / "helper.py", b"x\n")
    assert not (tmp_path / "missing").exists()


# --- interruptions ----------------------------------------------------------------------------------------


class Stopped(Exception):
    """What the test's signal handler raises: the signal, delivered."""


Trace = Callable[[FrameType, str, Any], Any]


@pytest.fixture
def temporary_files() -> Iterator[list[str]]:
    """Calls ``os.kill(own pid, the test's signal)`` the moment a temporary file is complete, and
    collects the temporary files' paths (a real trace hook: nothing in the code under test is replaced)."""
    created: list[str] = []

    def local(frame: FrameType, event: str, arg: Any) -> Trace:
        if event == "return":
            created.append(arg)
            os.kill(os.getpid(), signal.SIGINT)
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Trace | None:
        return local if event == "call" and frame.f_code.co_name == "_write_temporary" else None

    previous_trace = sys.gettrace()

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous_handler = signal.signal(signal.SIGINT, stop)
    sys.settrace(calls)
    try:
        yield created
    finally:
        sys.settrace(previous_trace)
        signal.signal(signal.SIGINT, previous_handler)


def test_an_interrupt_during_a_write_waits_for_it_to_finish(
    tmp_path: Path, temporary_files: list[str]
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    with pytest.raises(Stopped):
        write_atomic(path, b"new\n", read_source(path))
    assert path.read_bytes() == b"new\n"
    assert leftovers(tmp_path) == []
    (temporary,) = temporary_files
    name = Path(temporary).name
    assert name.startswith(".m.py.") and name.endswith(TEMPORARY_SUFFIX) and not name.endswith(".py")


def test_an_interrupt_during_the_helper_write_leaves_it_complete(
    tmp_path: Path, temporary_files: list[str]
) -> None:
    path = tmp_path / "helper.py"
    with pytest.raises(Stopped):
        write_new_atomic(path, b"content\n" * 1000)
    assert path.read_bytes() == b"content\n" * 1000
    assert leftovers(tmp_path) == []
    assert len(temporary_files) == 1


def test_a_refused_write_still_delivers_the_interrupt(tmp_path: Path, temporary_files: list[str]) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    snapshot = read_source(path)
    path.write_bytes(b"edited\n")
    with pytest.raises(Stopped):
        write_atomic(path, b"new\n", snapshot)
    assert path.read_bytes() == b"edited\n"
    assert leftovers(tmp_path) == []
