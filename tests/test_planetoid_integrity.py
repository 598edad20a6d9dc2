"""Planetoid files from outside: verified before they are read, never half-written, and PyG's
processed cache never loaded."""

from __future__ import annotations

import builtins
import hashlib
import http.client
import pickle
import shutil
import urllib.request
from pathlib import Path

import pytest
import scipy.sparse
import torch

from gcnlab.data import load_dataset, planetoid
from gcnlab.errors import DataError


class _Payload:
    """Pickles to ``open(path, "w")``: a file that creates ``path`` when unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):  # noqa: ANN204
        return builtins.open, (str(self.path), "w")


@pytest.fixture
def root(planetoid_root: Path, tmp_path: Path) -> Path:
    """A data root of our own holding Cora's official raw files, free to damage."""
    shutil.copytree(planetoid_root / "Cora", tmp_path / "Cora")
    return tmp_path


@pytest.fixture
def unpickled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files that reached the unpickler."""
    seen: list[str] = []
    real = planetoid.load_pickle

    def spy(data: bytes, source: str = "<bytes>"):  # noqa: ANN202
        seen.append(source)
        return real(data, source)

    monkeypatch.setattr(planetoid, "load_pickle", spy)
    return seen


def _raw(root: Path, part: str) -> Path:
    return root / "Cora" / "raw" / f"ind.cora.{part}"


def test_official_files_pass(root: Path, unpickled: list[str]) -> None:
    data = load_dataset("cora", root, download=False)
    assert (data.num_nodes, data.edge_index.size(1)) == (2708, 10556)
    assert len(unpickled) == 7  # every pickle; test.index is text


def test_truncated_file_is_refused_before_anything_is_unpickled(root: Path,
                                                               unpickled: list[str]) -> None:
    path = _raw(root, "graph")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataError, match=r"ind\.cora\.graph: SHA-256 .* does not match .*"
                                        r"truncated, corrupted .* re-download"):
        load_dataset("cora", root, download=False)
    assert unpickled == []


def test_one_flipped_bit_is_refused(root: Path, unpickled: list[str]) -> None:
    path = _raw(root, "allx")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"ind\.cora\.allx: SHA-256"):
        load_dataset("cora", root, download=False)
    assert unpickled == []


def test_malicious_file_under_a_real_name_runs_nothing(root: Path, tmp_path: Path,
                                                       unpickled: list[str]) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker), protocol=2)
    pickle.loads(payload)  # noqa: S301 -- the control: this payload does run code
    assert marker.exists()
    marker.unlink()

    _raw(root, "graph").write_bytes(payload)
    with pytest.raises(DataError, match=r"ind\.cora\.graph: SHA-256"):
        load_dataset("cora", root, download=False)
    assert not marker.exists()
    assert unpickled == []


def test_allow_list_stops_a_file_whose_digest_was_accepted(root: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Defence in depth: even with the digest table subverted, the unpickler runs nothing.
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker), protocol=2)
    _raw(root, "graph").write_bytes(payload)
    digests = {**planetoid.SHA256["cora"], "graph": hashlib.sha256(payload).hexdigest()}
    monkeypatch.setitem(planetoid.SHA256, "cora", digests)
    with pytest.raises(DataError, match=r"ind\.cora\.graph: cannot be read safely .*"
                                        r"refusing to load global 'io\.open'"):
        load_dataset("cora", root, download=False)
    assert not marker.exists()


def test_inconsistent_sparse_matrix_is_refused() -> None:
    # Allowed classes with hostile contents: CSR indices pointing far outside the matrix would
    # make toarray() read out of bounds.
    matrix = scipy.sparse.csr_matrix(torch.eye(3).numpy())
    matrix.indices[0] = 10**6
    with pytest.raises(DataError, match=r"ind\.cora\.x: malformed sparse matrix"):
        planetoid._matrix(pickle.dumps(matrix, protocol=4), "ind.cora.x")


def test_pubmed_files_are_checked_too(tmp_path: Path, unpickled: list[str]) -> None:
    folder = tmp_path / "PubMed" / "raw"
    folder.mkdir(parents=True)
    for name in planetoid.raw_files("pubmed"):
        (folder / name).write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    with pytest.raises(DataError, match=r"ind\.pubmed\.x: SHA-256 .* does not match"):
        load_dataset("pubmed", tmp_path, download=False)
    assert unpickled == []
    assert all(len(d) == 8 for d in planetoid.SHA256.values())


# -- downloads ---------------------------------------------------------------------------------

class _Response:
    """A stand-in for ``urlopen``'s response: serves ``body`` in chunks, then maybe fails."""

    def __init__(self, body: bytes, length: int | None, fail_after: int | None = None,
                 error: BaseException | None = None) -> None:
        self.body, self.pos = body, 0
        self.fail_after, self.error = fail_after, error
        self.headers = {} if length is None else {"Content-Length": str(length)}

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise self.error
        stop = len(self.body) if n < 0 else self.pos + min(n, 4096)
        if self.fail_after is not None:
            stop = min(stop, self.fail_after)
        chunk, self.pos = self.body[self.pos:stop], stop
        return chunk

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _serve(monkeypatch: pytest.MonkeyPatch, official: Path, make_response) -> list[str]:  # noqa: ANN001
    """Patch ``urlopen`` to answer each URL from the official files through ``make_response``."""
    asked: list[str] = []

    def urlopen(url: str, timeout: float = 0) -> _Response:
        asked.append(url)
        return make_response((official / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return asked


def _left_behind(root: Path) -> list[str]:
    folder = root / "Cora" / "raw"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_writes_verified_files_that_load(planetoid_root: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _serve(monkeypatch, planetoid_root / "Cora" / "raw",
                   lambda body: _Response(body, len(body)))
    data = load_dataset("cora", tmp_path)
    assert len(asked) == 8 and all(u.startswith(planetoid.URL) for u in asked)
    assert _left_behind(tmp_path) == sorted(planetoid.raw_files("cora"))
    reference = load_dataset("cora", planetoid_root, download=False)
    assert torch.equal(data.x, reference.x) and torch.equal(data.edge_index, reference.edge_index)


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"),
                                   http.client.IncompleteRead(b"partial", 1000),
                                   TimeoutError("timed out")])
def test_connection_dying_mid_stream_leaves_no_file(planetoid_root: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    error: BaseException) -> None:
    _serve(monkeypatch, planetoid_root / "Cora" / "raw",
           lambda body: _Response(body, len(body), fail_after=len(body) // 2, error=error))
    with pytest.raises(DataError, match=r"Cora files missing .*\(download of \S+/ind\.cora\.x "
                                        r"failed \(.+\)\)\. Go online"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_connection_closed_early_is_caught_by_length(planetoid_root: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _serve(monkeypatch, planetoid_root / "Cora" / "raw",
           lambda body: _Response(body[: len(body) // 2], len(body)))
    with pytest.raises(DataError, match=r"ind\.cora\.x was cut short \(\d+ of \d+ bytes\)"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_truncated_body_without_length_is_caught_by_digest(planetoid_root: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _serve(monkeypatch, planetoid_root / "Cora" / "raw",
           lambda body: _Response(body[:-1], None))
    with pytest.raises(DataError, match=r"https://\S+/ind\.cora\.x: SHA-256 .* does not match"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_tampered_download_is_never_written(planetoid_root: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker), protocol=2)
    _serve(monkeypatch, planetoid_root / "Cora" / "raw", lambda body: _Response(evil, len(evil)))
    with pytest.raises(DataError, match="SHA-256"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == [] and not marker.exists()


def test_endless_download_is_cut_off(planetoid_root: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planetoid, "MAX_DOWNLOAD_BYTES", 10_000)
    _serve(monkeypatch, planetoid_root / "Cora" / "raw",
           lambda body: _Response(body * 100, None))
    with pytest.raises(DataError, match="exceeds 10000 bytes"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_offline_with_no_files_names_them_and_the_fix(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(url: str, timeout: float = 0) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"Cora files missing in .*ind\.cora\.x.*Go online"):
        load_dataset("cora", tmp_path)


# -- PyG's processed cache ---------------------------------------------------------------------

def test_processed_cache_is_never_loaded(root: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # What an older gcnlab, an older PyG, or an attacker could leave in PyG's cache folder.
    marker = tmp_path / "pwned"
    processed = root / "Cora" / "processed"
    processed.mkdir()
    for name in ("data.pt", "pre_transform.pt", "pre_filter.pt"):
        torch.save({"version": "0.0.1", "data": _Payload(marker)}, processed / name)
    torch.load(processed / "data.pt", weights_only=False)  # the control: unsafe load runs it
    assert marker.exists()
    marker.unlink()

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("torch.load called while loading a dataset")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(torch.serialization, "load", forbidden)
    data = load_dataset("cora", root, download=False)
    assert data.num_nodes == 2708
    assert not marker.exists()
