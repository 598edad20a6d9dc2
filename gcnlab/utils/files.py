"""Writing output files: atomically where the path is a file, through it where it is not.

A result, checkpoint or figure goes to a path the user named. Usually that is a regular file (or
nothing yet): it is replaced atomically, so a crash never leaves a partial file under that name.
But the path may also be ``/dev/null``, ``/dev/stdout``, a FIFO or a symbolic link, and renaming a
file over those would destroy them (as root, ``/dev/null`` would become a regular file). What is at
the path decides how it is written; :func:`output_target` says which way, :func:`atomic_write_bytes`
writes.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gcnlab.errors import UsageError

MAX_LINKS = 40  # as the kernel's own limit on a chain of symbolic links


@dataclass(frozen=True)
class OutputTarget:
    """How :func:`atomic_write_bytes` writes a path.

    - ``replace``: ``path`` is a regular file or nothing yet, reached through any symbolic links;
      ``file`` (the link's target, so the link is kept) is replaced atomically.
    - ``descriptor``: ``path`` is one of this process's open file descriptors
      (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``): written to ``fd``,
      at its current position, as ``print`` would.
    - ``through``: a character device (``/dev/null``, ``/dev/full``, a terminal) or a FIFO:
      opened and written, never replaced. A FIFO must have a reader.
    """

    how: Literal["replace", "descriptor", "through"]
    path: Path  # as given
    file: Path  # the file written: the link's target for "replace", else ``path``
    fd: int | None = None  # for "descriptor"


def output_target(path: str | os.PathLike[str]) -> OutputTarget:
    """How ``path`` will be written (see :class:`OutputTarget`), without writing anything.

    Raises:
        UsageError: ``path`` is a folder, a socket or a block device (a disk), which no result
            file may replace or be written into.
    """
    path = Path(path)
    fd = _own_descriptor(path)
    if fd is not None:
        return OutputTarget("descriptor", path, path, fd)
    target = Path(os.path.realpath(path))  # follows every link; a dangling one gives its target
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return OutputTarget("replace", path, target)
    if stat.S_ISREG(mode):
        return OutputTarget("replace", path, target)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return OutputTarget("through", path, path)
    kind = (
        "a folder"
        if stat.S_ISDIR(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else ("a block device (a disk)" if stat.S_ISBLK(mode) else "not a regular file")
    )
    raise UsageError(f"cannot write {path}: it is {kind}; give a file path")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` and return ``path``; how depends on what is there.

    - Nothing, or a regular file: the bytes go to a new temporary file in the same folder, are
      forced to disk (``fsync``), and the file is renamed over ``path``, an atomic step on POSIX
      and Windows. A failure at any point (a full disk, Ctrl-C, a crash) leaves the previous file
      intact and, short of the process being killed outright, no temporary file behind. A
      replaced file keeps its permissions; a new one gets the usual ``0o666 & ~umask``; missing
      parent folders are created.
    - A symbolic link: followed; its target is written as above and the link kept.
    - ``/dev/stdout``, ``/dev/stderr`` or another open descriptor of this process: written to the
      descriptor (after flushing ``sys.stdout``/``sys.stderr``), at its current position.
    - A character device or a FIFO: written through, never replaced (not atomic: there is no file
      to swap in). A FIFO nobody reads is an error, not a wait without end.

    Raises:
        UsageError: ``path`` is a folder, a socket or a block device (see :func:`output_target`).
        OSError: the write failed (a full disk, ``/dev/full``, a FIFO without a reader); the
            exception names ``path``.
    """
    target = output_target(path)
    try:
        if target.how == "descriptor":
            assert target.fd is not None
            _flush_python_stream(target.fd)
            _write_all(target.fd, data)
        elif target.how == "through":
            _write_through(target.path, data)
        else:
            _replace(target.file, data)
    except OSError as exc:  # name the path the user gave, not a temporary file or descriptor
        raise OSError(exc.errno, exc.strerror, str(target.path)) from None
    return target.path


def _replace(path: Path, data: bytes) -> None:
    """Replace the regular file (or nothing) at ``path`` with ``data``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open applies the umask (tempfile.mkstemp would make the result 0o600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        try:
            _write_all(fd, data)
            if path.is_file():
                os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _write_through(path: Path, data: bytes) -> None:
    """Open a character device or FIFO for writing (no create, no truncate) and write ``data``."""
    # O_NONBLOCK makes opening a FIFO without a reader fail (ENXIO) instead of waiting forever;
    # the writes themselves block as usual.
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(exc.errno, "no process is reading this FIFO", str(path)) from None
        raise
    try:
        os.set_blocking(fd, True)
        _write_all(fd, data)
    finally:
        os.close(fd)


def _own_descriptor(path: Path) -> int | None:
    """``N`` if ``path`` leads, through symbolic links, to ``/proc/self/fd/N`` or ``/dev/fd/N``.

    Those names reopen the descriptor: writing a new file description there would start at
    offset 0 of a redirected stdout (overwriting what was printed), and replacing the link that
    ``realpath`` gives (``/proc/<pid>/fd/pipe:[…]``) is impossible. Writing to ``N`` itself
    is what ``> file`` or ``| reader`` on the command line expect.
    """
    fd_folders = {os.path.realpath("/proc/self/fd"), os.path.realpath("/dev/fd")}
    current = os.path.abspath(path)
    for _ in range(MAX_LINKS):
        folder, name = os.path.split(current)
        if name.isdigit() and os.path.realpath(folder) in fd_folders:
            return int(name)
        if not os.path.islink(current):
            return None
        current = os.path.abspath(os.path.join(folder, os.readlink(current)))
    return None


def _flush_python_stream(fd: int) -> None:
    """Flush ``sys.stdout``/``sys.stderr`` if they write to ``fd``: earlier output comes first."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() == fd:
                stream.flush()
        except (AttributeError, OSError, ValueError):  # replaced streams (tests) have no fd
            pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not every OS can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
