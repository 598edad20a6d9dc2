"""The Planetoid citation graphs (Cora, CiteSeer, PubMed) from their official raw files.

Files come from the Planetoid repository, at the URL PyG's ``Planetoid`` uses, in PyG's layout
``<root>/<Name>/raw/ind.<name>.<part>``. Each file is checked against the SHA-256 of the official
file before it is read, and read with an allow-list unpickler (:mod:`gcnlab.data.safe_pickle`).
The assembly follows PyG's ``read_planetoid_data`` (and reuses its ``edge_index_from_dict``), so the
graph, labels and public split are PyG's exactly; the tests compare the two.

Before a raw file is opened, it must be a regular file (a folder, FIFO or device in its place is
named as such, and never downloaded over) no larger than :data:`MAX_RAW_BYTES`; its digest is
computed while it is read, in chunks. Downloads go through :mod:`gcnlab.data.download`: they end at
an overall deadline (``$GCNLAB_DOWNLOAD_DEADLINE``), not only a per-read timeout.

PyG's processed cache (``<root>/<Name>/processed/*.pt``) is never read: those files are pickles
too, and ``torch.load`` on them could run code. The verified raw files are read every time instead
(about 0.3 s for Cora); see docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

import numpy as np
import scipy.sparse
import torch
from torch_geometric.data import Data
from torch_geometric.io.planetoid import edge_index_from_dict

from gcnlab.data.download import (  # noqa: F401 (the deadline's names, re-exported)
    DEFAULT_DEADLINE,
    ENV_DEADLINE,
    Deadline,
    DownloadError,
    download_deadline,
    fetch_bytes,
)
from gcnlab.data.safe_pickle import load_pickle
from gcnlab.errors import DataError
from gcnlab.utils.files import atomic_write_bytes

log = logging.getLogger(__name__)

# PyG's Planetoid.url: where torch_geometric.datasets.Planetoid downloads from.
URL = "https://github.com/kimiyoung/planetoid/raw/master/data"
NAMES = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}
PARTS = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")

# Several times the largest official file (PubMed's allx, a 18217 x 500 sparse matrix, is of the
# order of 10 MB): a server that sends more is not sending the official file, and is stopped
# before it fills memory.
MAX_DOWNLOAD_BYTES = 64 * 2**20
# The same bound for a raw file already on disk, checked from its size before it is opened: a file
# larger than this is not an official one, and is refused without being read.
MAX_RAW_BYTES = 64 * 2**20
CHUNK = 2**16  # bytes per read on disk

# SHA-256 of the official files (kimiyoung/planetoid, data/ at commit af6abf46). Cora and CiteSeer
# were computed from the files here. PubMed's files are not on our machines: its digests are the
# ones three independent public projects pin for the same commit (e.g. skygazer42/sky-vgl,
# vgl/data/public.py), each of which also lists Cora and CiteSeer digests identical to ours.
SHA256: dict[str, dict[str, str]] = {
    "cora": {
        "allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        "ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        "graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        "test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
        "tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        "ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        "x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        "y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    },
    "citeseer": {
        "allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
        "ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
        "graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
        "test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
        "tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
        "ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
        "x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
        "y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
    },
    "pubmed": {
        "allx": "508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e",
        "ally": "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
        "graph": "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
        "test.index": "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
        "tx": "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
        "ty": "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
        "x": "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
        "y": "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
    },
}


def raw_dir(root: Path, name: str) -> Path:
    return Path(root) / NAMES[name] / "raw"


def raw_files(name: str) -> list[str]:
    return [f"ind.{name}.{part}" for part in PARTS]


def missing_files(root: Path, name: str) -> list[str]:
    """The raw files with nothing at their path. Something that is not a regular file (a folder,
    a FIFO) is not missing: it is refused by :func:`check_raw_entries`, never downloaded over."""
    folder = raw_dir(root, name)
    return [f for f in raw_files(name) if not os.path.lexists(folder / f)]


def _kind(mode: int) -> str:
    """What a non-regular file is, for the error message."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()  # follows a symbolic link to what it points at
    except FileNotFoundError as exc:  # a dangling symbolic link
        raise DataError(f"{path}: a symbolic link to nothing; delete it and run again") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _check_entry(path: Path, info: os.stat_result) -> None:
    """Refuse a raw file that is not a regular file, or too large to be an official one."""
    if not stat.S_ISREG(info.st_mode):
        raise DataError(
            f"{path} is {_kind(info.st_mode)}, not a file; replace it with the official "
            f"Planetoid file (or delete it to download it again)"
        )
    if info.st_size > MAX_RAW_BYTES:
        raise DataError(
            f"{path}: {info.st_size} bytes, more than any official Planetoid file "
            f"(at most {MAX_RAW_BYTES} bytes); it is not the official data. "
            "Delete it and run again to re-download it"
        )


def check_raw_entries(root: Path, name: str) -> None:
    """Refuse, before anything is read or downloaded, a raw file's path that holds something other
    than a regular file of plausible size (checked with ``stat``: a FIFO is never opened)."""
    folder = raw_dir(root, name)
    for fname in raw_files(name):
        path = folder / fname
        if os.path.lexists(path):
            _check_entry(path, _stat(path))


def download(root: Path, name: str, timeout: float = 30.0, deadline: float | None = None) -> None:
    """Fetch the missing raw files, through :mod:`gcnlab.data.download`.

    Each file is held in memory until its SHA-256 matches the official one, then written
    atomically, so an interrupted, truncated, tampered or too slow download never leaves a file
    under its real name. Files verified before a later one fails are kept.

    Args:
        root: the data root.
        name: ``cora``, ``citeseer`` or ``pubmed``.
        timeout: seconds each connection attempt and each read may wait. (default: ``30.0``)
        deadline: seconds the whole download may take (default: ``$GCNLAB_DOWNLOAD_DEADLINE``,
            else :data:`DEFAULT_DEADLINE`, 300).

    Raises:
        DataError: a raw path holds a folder or FIFO (before any connection is made), or a file
        could not be fetched, in time, intact and official. UsageError: a bad deadline.
    """
    until = Deadline.start(deadline)
    check_raw_entries(root, name)
    folder = raw_dir(root, name)
    for fname in missing_files(root, name):
        url = f"{URL}/{fname}"
        try:
            data = fetch_bytes(url, until, max_bytes=MAX_DOWNLOAD_BYTES, timeout=timeout)
        except DownloadError as exc:
            raise DataError(_missing_message(root, name, str(exc))) from exc
        _verify(hashlib.sha256(data).hexdigest(), name, fname.removeprefix(f"ind.{name}."), url)
        atomic_write_bytes(folder / fname, data)


def _missing_message(root: Path, name: str, reason: str) -> str:
    folder = raw_dir(root, name)
    missing = missing_files(root, name)
    absolute = "" if folder.is_absolute() else f" (that is {folder.absolute()})"
    return (
        f"{NAMES[name]} files missing in {folder}: {', '.join(missing)} ({reason}). "
        f"Go online and run again to download them, or copy the Planetoid raw files there "
        f"(from {URL}); the data root looked in is {root}{absolute}; --root DIR or GCNLAB_DATA "
        "choose another"
    )


def _verify(digest: str, name: str, part: str, source: str) -> None:
    """Refuse ``source`` unless ``digest`` (SHA-256, hex) is the official file's."""
    expected = SHA256[name][part]
    if digest != expected:
        raise DataError(
            f"{source}: SHA-256 {digest[:12]}… does not match the official file "
            f"({expected[:12]}…); it is truncated, corrupted or not the official data. "
            "Delete it and run again to re-download it"
        )


def _read(root: Path, name: str, part: str) -> bytes:
    """The bytes of one raw file, refused unless they are the official file's.

    The size is checked before the file is opened and the digest computed while it is read, so a
    huge file is never read whole; the file is opened non-blocking, so a FIFO put there after the
    check cannot hang the read either.
    """
    path = raw_dir(root, name) / f"ind.{name}.{part}"
    _check_entry(path, _stat(path))
    digest, chunks, received = hashlib.sha256(), [], 0
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            _check_entry(path, os.fstat(fd))  # what was opened, not what was checked
        except BaseException:
            os.close(fd)
            raise
        with os.fdopen(fd, "rb") as file:
            while chunk := file.read(CHUNK):
                received += len(chunk)
                if received > MAX_RAW_BYTES:  # grew while being read
                    raise DataError(
                        f"{path}: more than {MAX_RAW_BYTES} bytes, more than any official "
                        "Planetoid file; it is not the official data. Delete it and run again"
                    )
                digest.update(chunk)
                chunks.append(chunk)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    _verify(digest.hexdigest(), name, part, str(path))
    return b"".join(chunks)


def _matrix(blob: bytes, source: str) -> torch.Tensor:
    obj = load_pickle(blob, source)
    if scipy.sparse.issparse(obj):
        try:
            # Inconsistent CSR index arrays would make toarray() read out of bounds.
            obj.check_format(full_check=True)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{source}: malformed sparse matrix ({exc})") from exc
        obj = obj.toarray()
    if not isinstance(obj, np.ndarray) or obj.ndim != 2 or obj.dtype.kind not in "biuf":
        raise DataError(f"{source}: expected a 2-D numeric matrix, found {type(obj).__name__}")
    return torch.from_numpy(np.asarray(obj, dtype=np.float32))


def _test_index(blob: bytes, source: str) -> torch.Tensor:
    try:
        return torch.tensor([int(v) for v in blob.split()])
    except ValueError as exc:
        raise DataError(f"{source}: expected one node id per line ({exc})") from exc


def read_planetoid(root: Path, name: str) -> Data:
    """Read one Planetoid dataset (public split) from ``root``; features are not normalized.

    All eight files are checked against their official SHA-256 before any of them is unpickled.

    Raises:
        DataError: files missing, failing their digest, or not of the expected form.
    """
    name = name.lower()
    check_raw_entries(root, name)
    if missing_files(root, name):
        raise DataError(_missing_message(root, name, "not downloaded"))
    blobs = {part: _read(root, name, part) for part in PARTS}
    source = {part: f"ind.{name}.{part}" for part in PARTS}

    x, tx, allx, y, ty, ally = (
        _matrix(blobs[p], source[p]) for p in ("x", "tx", "allx", "y", "ty", "ally")
    )
    graph = load_pickle(blobs["graph"], source["graph"])
    if not isinstance(graph, dict):
        raise DataError(f"{source['graph']}: expected a dict of adjacency lists")
    test_index = _test_index(blobs["test.index"], source["test.index"])

    sorted_test = test_index.sort().values
    if name == "citeseer":
        # 15 ids in the test range have no features or label (isolated papers): zero rows that no
        # mask selects, as in PyG and the original code.
        span = int(test_index.max() - test_index.min()) + 1
        tx_ext, ty_ext = tx.new_zeros(span, tx.size(1)), ty.new_zeros(span, ty.size(1))
        tx_ext[sorted_test - test_index.min()] = tx
        ty_ext[sorted_test - test_index.min()] = ty
        tx, ty = tx_ext, ty_ext

    # The test rows are stored in sorted order; put each at its node id.
    features = torch.cat([allx, tx])
    features[test_index] = features[sorted_test].clone()
    labels = torch.cat([ally, ty]).argmax(dim=1)
    labels[test_index] = labels[sorted_test].clone()

    num_nodes = labels.numel()
    num_train = y.size(0)
    data = Data(x=features, edge_index=edge_index_from_dict(graph, num_nodes=num_nodes), y=labels)
    data.train_mask = _mask(torch.arange(num_train), num_nodes)
    data.val_mask = _mask(torch.arange(num_train, num_train + 500), num_nodes)
    data.test_mask = _mask(test_index, num_nodes)
    return data


def _mask(index: torch.Tensor, size: int) -> torch.Tensor:
    mask = torch.zeros(size, dtype=torch.bool)
    mask[index] = True
    return mask
