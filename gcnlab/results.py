"""Writing results: atomic JSON files and the library versions that made them."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import secrets
import stat
from pathlib import Path
from typing import Any


def versions() -> dict[str, str]:
    """Versions of Python and the libraries a result depends on."""
    import numpy
    import sklearn
    import torch
    import torch_geometric

    from gcnlab import __version__

    return {
        "gcnlab": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a crash never leaves a partial file under that name.

    The bytes go to a new temporary file in the same folder, are forced to disk (``fsync``), and
    the file is then renamed over ``path``, an atomic step on POSIX and Windows. A failure at any
    point (a full disk, Ctrl-C, a crash) leaves the previous file intact and, short of the process
    being killed outright, no temporary file behind. A replaced file keeps its permissions; a new
    one gets the usual ``0o666 & ~umask``.
    """
    path = Path(path)
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
    return path


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


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, paths and tuples as plain JSON values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    """Write ``payload`` (dataclasses allowed) as indented JSON, atomically.

    Raises:
        ValueError: the payload holds NaN or infinity (not JSON; never written as garbage).
    """
    try:
        text = json.dumps(to_jsonable(payload), indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        raise ValueError(f"not writing {path}: the result holds NaN or infinity ({exc})") from exc
    return atomic_write_bytes(path, text.encode())
