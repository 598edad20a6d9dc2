"""Memory checks before a graph file is read: a clear error instead of an out-of-memory kill.

A reader states how many bytes it is about to hold (a file's size, an ``.npz`` member's unpacked
size, a dense feature matrix ``N x F x 4``) and :func:`check_fits` compares that with the memory
the operating system says is available. The check errs on the side of reading: it refuses only
what cannot fit at all, since a file that fits with little to spare may still train.
"""

from __future__ import annotations

import os
from pathlib import Path

from gcnlab.errors import InputError


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable`` on Linux, else the
    free physical pages; a very large number where neither can be read)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 2**62


def check_fits(source: str | os.PathLike[str], nbytes: int, what: str) -> None:
    """Raise :class:`InputError` naming ``source`` if ``nbytes`` exceed the available memory.

    Args:
        source: the file (or object) being read, for the message.
        nbytes: bytes the reader is about to hold.
        what: what those bytes are, e.g. ``"the file"`` or ``"dense features [N, F]"``.
    """
    free = available_memory()
    if nbytes > free:
        raise InputError(
            f"{source}: {what} would take {_size(nbytes)} but only {_size(free)} of memory is "
            "available; use a machine with more memory or a smaller graph"
        )


def check_file_fits(path: Path, factor: float = 1.0) -> None:
    """The file at ``path`` exists, is not a folder, and, times ``factor`` (what reading it
    costs per byte on disk), fits."""
    check_is_file(path)
    check_fits(path, int(path.stat().st_size * factor), "reading the file")


def check_is_file(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is a file: a folder is called a folder (not
    "no such file"), so that a folder named ``edges.csv`` is recognised for what it is."""
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file; give the file inside it")
    if not path.is_file():
        raise InputError(f"{path}: no such file")


def _size(nbytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024:
            return f"{nbytes:.0f} {unit}"
        nbytes /= 1024  # type: ignore[assignment]
    return f"{nbytes:.1f} TB"
