"""The allow-list unpickler: real Planetoid files load, anything that would run code does not."""

from __future__ import annotations

import builtins
import collections
import os
import pickle
import pickletools
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse

from gcnlab.data.safe_pickle import ALLOWED, load_pickle
from gcnlab.errors import DataError


class _Payload:
    """Pickles to ``func(*args)``: what a crafted file makes ``pickle.load`` call."""

    def __init__(self, func, *args) -> None:  # noqa: ANN001
        self.func, self.args = func, args

    def __reduce__(self):  # noqa: ANN204
        return self.func, self.args


def _payloads(marker: Path) -> dict[str, bytes]:
    """Pickles that each create ``marker`` when loaded with plain ``pickle``."""
    touch = ["touch", str(marker)]
    return {
        "builtins.open": pickle.dumps(_Payload(builtins.open, str(marker), "w"), protocol=2),
        "os.system": pickle.dumps(_Payload(os.system, f"touch '{marker}'"), protocol=0),
        "subprocess": pickle.dumps(_Payload(subprocess.call, touch), protocol=4),
        "exec": pickle.dumps(_Payload(exec, f"open({str(marker)!r}, 'w').close()")),
        # Hidden inside the containers a real file holds.
        "in a list": pickle.dumps([1, _Payload(builtins.open, str(marker), "w")], protocol=2),
        "in a defaultdict": pickle.dumps(
            collections.defaultdict(list, {0: [_Payload(builtins.open, str(marker), "w")]}),
            protocol=2),
    }


@pytest.mark.parametrize("kind", list(_payloads(Path("x"))))
def test_payload_is_live_with_plain_pickle(tmp_path: Path, kind: str) -> None:
    # The control: each payload really does run code, so the next test can fail.
    marker = tmp_path / "pwned"
    pickle.loads(_payloads(marker)[kind])  # noqa: S301 (the point of the test)
    assert marker.exists()


@pytest.mark.parametrize("kind", list(_payloads(Path("x"))))
def test_payload_is_refused_and_runs_nothing(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(DataError, match=r"crafted\.bin: cannot be read safely .*refusing to load"):
        load_pickle(_payloads(marker)[kind], "crafted.bin")
    assert not marker.exists()


def test_python2_style_global_is_refused(tmp_path: Path) -> None:
    # Protocol 0 written by hand, as Python 2 would: __builtin__.eval("...")
    marker = tmp_path / "pwned"
    data = f"c__builtin__\neval\n(S\"open({str(marker)!r}, 'w')\"\ntR.".encode()
    with pytest.raises(DataError, match="refusing to load global '__builtin__.eval'"):
        load_pickle(data)
    assert not marker.exists()


@pytest.mark.parametrize("data", [b"", b"\x80\x02", b"not a pickle", b"\x80\x02]q\x00(K\x01"])
def test_garbage_is_a_data_error(data: bytes) -> None:
    with pytest.raises(DataError, match="cannot be read safely"):
        load_pickle(data, "junk")


def test_allowed_containers_round_trip_with_modern_names() -> None:
    # Protocol 4 names numpy._core, scipy.sparse._csr and builtins (the files use the older
    # spellings) and stores bytes directly (protocol 2 would need _codecs.encode).
    matrix = scipy.sparse.random(5, 4, density=0.4, format="csr", random_state=0)
    obj = [np.arange(6, dtype=np.float32).reshape(2, 3), matrix,
           collections.defaultdict(list, {0: [1, 2], 3: []})]
    loaded = load_pickle(pickle.dumps(obj, protocol=4))
    np.testing.assert_array_equal(loaded[0], obj[0])
    assert (loaded[1] != matrix).nnz == 0
    assert loaded[2] == obj[2] and loaded[2].default_factory is list


def _globals(data: bytes) -> set[tuple[str, str]]:
    found = set()
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            module, name = arg.split(" ")
            found.add((module, name))
    return found


@pytest.mark.filterwarnings("ignore:Please import `csr_matrix`:DeprecationWarning")
def test_real_files_load_like_plain_pickle_and_need_only_the_allow_list(
        planetoid_root: Path) -> None:
    files = sorted(p for p in planetoid_root.glob("*/raw/ind.*") if p.suffix != ".index")
    assert len(files) == 14
    used: set[tuple[str, str]] = set()
    for path in files:
        data = path.read_bytes()
        used |= _globals(data)
        ours = load_pickle(data, path.name)
        reference = pickle.loads(data, encoding="latin1")  # noqa: S301 (official, verified files)
        if isinstance(reference, dict):
            assert ours == reference
        elif scipy.sparse.issparse(reference):
            assert scipy.sparse.issparse(ours) and (ours != reference).nnz == 0
        else:
            np.testing.assert_array_equal(ours, reference)
    # The allow-list is no wider than the files need, apart from the modern spellings of the
    # same objects (numpy._core, scipy.sparse._csr, builtins).
    assert used == {("numpy", "ndarray"), ("numpy", "dtype"),
                    ("numpy.core.multiarray", "_reconstruct"), ("scipy.sparse.csr", "csr_matrix"),
                    ("collections", "defaultdict"), ("__builtin__", "list")}
    assert used <= set(ALLOWED)
    assert {ALLOWED[k] for k in ALLOWED} == {ALLOWED[k] for k in used}
