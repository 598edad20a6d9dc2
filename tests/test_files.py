"""Output paths that are not regular files: written through or refused, never replaced."""

from __future__ import annotations

import os
import socket
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from gcnlab.errors import UsageError
from gcnlab.utils.files import atomic_write_bytes, output_target

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")

DATA = b'{"test_acc_mean": 0.815}\n'


def _is_char_device(path: str) -> bool:
    return os.path.exists(path) and stat.S_ISCHR(os.stat(path).st_mode)


def _identity(path: str) -> tuple[int, int, int]:
    st = os.lstat(path)
    return st.st_mode, st.st_ino, st.st_rdev


@pytest.mark.skipif(not _is_char_device("/dev/null"), reason="no /dev/null")
def test_dev_null_stays_a_device() -> None:
    before = _identity("/dev/null")
    assert atomic_write_bytes("/dev/null", DATA) == Path("/dev/null")
    assert _identity("/dev/null") == before  # as root, a rename would have made it a file
    assert not [p for p in os.listdir("/dev") if p.startswith(".null.")]  # no temporary file


@pytest.mark.skipif(not _is_char_device("/dev/full"), reason="no /dev/full")
def test_dev_full_reports_the_write_error() -> None:
    before = _identity("/dev/full")
    with pytest.raises(OSError, match="No space left on device") as caught:
        atomic_write_bytes("/dev/full", DATA)
    assert caught.value.filename == "/dev/full"
    assert _identity("/dev/full") == before


def test_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    opened = threading.Event()

    def reader() -> None:
        # Non-blocking: open returns at once (and counts as a reader), and read() before any
        # writer came returns EOF, which is not the end here; stop at EOF after the data.
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        opened.set()
        chunks: list[bytes] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:  # a writer, no data yet
                chunk = None
            if chunk:
                chunks.append(chunk)
            elif chunk == b"" and chunks:  # the writer is done
                break
            else:
                time.sleep(0.01)
        os.close(fd)
        received.append(b"".join(chunks))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert opened.wait(10)
    atomic_write_bytes(fifo, DATA)
    thread.join(30)
    assert not thread.is_alive() and received == [DATA]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a file renamed over it


def test_fifo_without_a_reader_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "nobody.fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="no process is reading this FIFO"):
        atomic_write_bytes(fifo, DATA)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["nobody.fifo"]


def test_symlink_to_a_file_replaces_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "result.json"
    real.write_bytes(b"old")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("runs") / "result.json")  # relative, as people make them
    atomic_write_bytes(link, DATA)
    assert link.is_symlink() and os.readlink(link) == str(Path("runs") / "result.json")
    assert real.read_bytes() == DATA
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["result.json"]


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new" / "result.json")
    atomic_write_bytes(link, DATA)
    assert link.is_symlink() and (tmp_path / "new" / "result.json").read_bytes() == DATA


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd") and not os.path.isdir("/dev/fd"),
    reason="no /proc/self/fd or /dev/fd",
)
@pytest.mark.parametrize("folder", ["/proc/self/fd", "/dev/fd"])
def test_own_descriptor_is_written_at_its_position(tmp_path: Path, folder: str) -> None:
    if not os.path.isdir(folder):
        pytest.skip(f"no {folder}")
    # What `gcnlab ... --json /dev/stdout > out.txt` does: stdout is a file already holding the
    # printed summary; the JSON must follow it, not overwrite it or replace the file.
    out = tmp_path / "out.txt"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        os.write(fd, b"summary\n")
        inode = out.stat().st_ino
        atomic_write_bytes(f"{folder}/{fd}", DATA)
        os.write(fd, b"wrote\n")
    finally:
        os.close(fd)
    assert out.read_bytes() == b"summary\n" + DATA + b"wrote\n"
    assert out.stat().st_ino == inode


def test_targets_are_classified_without_writing(tmp_path: Path) -> None:
    assert output_target(tmp_path / "new.json").how == "replace"
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "real.json")
    assert output_target(link).file == tmp_path / "real.json"
    if _is_char_device("/dev/null"):
        assert output_target("/dev/null").how == "through"
    if os.path.islink("/dev/stdout"):
        assert output_target("/dev/stdout").how == "descriptor"
        assert output_target("/dev/stdout").fd == 1
    assert not (tmp_path / "new.json").exists() and not (tmp_path / "real.json").exists()


def test_folders_and_sockets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        atomic_write_bytes(tmp_path, DATA)
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(UsageError, match=r"s\.sock: it is a socket"):
            atomic_write_bytes(sock_path, DATA)
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)
