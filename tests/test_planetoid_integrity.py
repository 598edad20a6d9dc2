"""Planetoid files from outside: verified before they are read, never half-written, and PyG's
processed cache never loaded."""

from __future__ import annotations

import builtins
import hashlib
import http.client
import http.server
import os
import pickle
import re
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import scipy.sparse
import torch

from gcnlab.data import load_dataset, planetoid
from gcnlab.errors import DataError, UsageError


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


def test_truncated_file_is_refused_before_anything_is_unpickled(
    root: Path, unpickled: list[str]
) -> None:
    path = _raw(root, "graph")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(
        DataError,
        match=r"ind\.cora\.graph: SHA-256 .* does not match .*"
        r"truncated, corrupted .* re-download",
    ):
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


def test_malicious_file_under_a_real_name_runs_nothing(
    root: Path, tmp_path: Path, unpickled: list[str]
) -> None:
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


def test_allow_list_stops_a_file_whose_digest_was_accepted(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Defence in depth: even with the digest table subverted, the unpickler runs nothing.
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker), protocol=2)
    _raw(root, "graph").write_bytes(payload)
    digests = {**planetoid.SHA256["cora"], "graph": hashlib.sha256(payload).hexdigest()}
    monkeypatch.setitem(planetoid.SHA256, "cora", digests)
    with pytest.raises(
        DataError,
        match=r"ind\.cora\.graph: cannot be read safely .*"
        r"refusing to load global 'io\.open'",
    ):
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

    def __init__(
        self,
        body: bytes,
        length: int | None,
        fail_after: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        self.body, self.pos = body, 0
        self.fail_after, self.error = fail_after, error
        self.headers = {} if length is None else {"Content-Length": str(length)}

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise self.error
        stop = len(self.body) if n < 0 else self.pos + min(n, 4096)
        if self.fail_after is not None:
            stop = min(stop, self.fail_after)
        chunk, self.pos = self.body[self.pos : stop], stop
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


def test_download_writes_verified_files_that_load(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _serve(
        monkeypatch, planetoid_root / "Cora" / "raw", lambda body: _Response(body, len(body))
    )
    data = load_dataset("cora", tmp_path)
    assert len(asked) == 8 and all(u.startswith(planetoid.URL) for u in asked)
    assert _left_behind(tmp_path) == sorted(planetoid.raw_files("cora"))
    reference = load_dataset("cora", planetoid_root, download=False)
    assert torch.equal(data.x, reference.x) and torch.equal(data.edge_index, reference.edge_index)


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError(104, "Connection reset by peer"),
        http.client.IncompleteRead(b"partial", 1000),
        TimeoutError("timed out"),
    ],
)
def test_connection_dying_mid_stream_leaves_no_file(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    _serve(
        monkeypatch,
        planetoid_root / "Cora" / "raw",
        lambda body: _Response(body, len(body), fail_after=len(body) // 2, error=error),
    )
    with pytest.raises(
        DataError,
        match=r"Cora files missing .*\(download of \S+/ind\.cora\.x "
        r"failed \(.+\)\)\. Go online",
    ):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_connection_closed_early_is_caught_by_length(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(
        monkeypatch,
        planetoid_root / "Cora" / "raw",
        lambda body: _Response(body[: len(body) // 2], len(body)),
    )
    with pytest.raises(DataError, match=r"ind\.cora\.x was cut short \(\d+ of \d+ bytes\)"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_truncated_body_without_length_is_caught_by_digest(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(monkeypatch, planetoid_root / "Cora" / "raw", lambda body: _Response(body[:-1], None))
    with pytest.raises(DataError, match=r"https://\S+/ind\.cora\.x: SHA-256 .* does not match"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_tampered_download_is_never_written(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Payload(marker), protocol=2)
    _serve(monkeypatch, planetoid_root / "Cora" / "raw", lambda body: _Response(evil, len(evil)))
    with pytest.raises(DataError, match="SHA-256"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == [] and not marker.exists()


def test_endless_download_is_cut_off(
    planetoid_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planetoid, "MAX_DOWNLOAD_BYTES", 10_000)
    _serve(monkeypatch, planetoid_root / "Cora" / "raw", lambda body: _Response(body * 100, None))
    with pytest.raises(DataError, match="exceeds 10000 bytes"):
        load_dataset("cora", tmp_path)
    assert _left_behind(tmp_path) == []


def test_offline_with_no_files_names_them_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(url: str, timeout: float = 0) -> None:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"Cora files missing in .*ind\.cora\.x.*Go online"):
        load_dataset("cora", tmp_path)


# -- PyG's processed cache ---------------------------------------------------------------------


def test_processed_cache_is_never_loaded(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


# -- raw files that are not regular files, or far too large -----------------------------------


@pytest.fixture
def no_download(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs a download asked for (none may be)."""
    asked: list[str] = []

    def urlopen(url: str, timeout: float = 0) -> None:
        asked.append(url)
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return asked


def _in_thread(call, seconds: float = 20.0) -> BaseException | None:  # noqa: ANN001
    """Run ``call`` in a thread, and fail the test (rather than hang it) if it blocks."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (handed back to the test)
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"blocked for {seconds} s"
    return outcome[0]


@pytest.mark.parametrize("kind", ["directory", "fifo"])
@pytest.mark.parametrize("also_missing", [False, True])
def test_a_folder_or_fifo_in_place_of_a_raw_file_is_named_and_never_downloaded_over(
    root: Path, no_download: list[str], unpickled: list[str], kind: str, also_missing: bool
) -> None:
    path = _raw(root, "x")
    path.unlink()
    if kind == "directory":
        path.mkdir()
        said = "a directory"
    else:
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(path)  # no writer ever opens it: reading it would block forever
        said = r"a FIFO \(named pipe\)"
    if also_missing:  # a download would be due for this one, and must not start either
        _raw(root, "y").unlink()
    error = _in_thread(lambda: load_dataset("cora", root))
    assert isinstance(error, DataError)
    assert re.fullmatch(
        rf"\S+/ind\.cora\.x is {said}, not a file; replace it with the official "
        r"Planetoid file \(or delete it to download it again\)",
        str(error),
    )
    assert no_download == [] and unpickled == []


def test_a_fifo_swapped_in_after_the_check_does_not_block(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: the path was a regular file when checked, and is a FIFO when opened.
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = _raw(root, "x")
    regular = path.stat()
    path.unlink()
    os.mkfifo(path)
    monkeypatch.setattr(planetoid, "_stat", lambda p: regular)
    error = _in_thread(lambda: planetoid._read(root, "cora", "x"))
    assert isinstance(error, DataError) and "is a FIFO (named pipe), not a file" in str(error)


def test_a_raw_file_larger_than_any_official_one_is_refused_before_it_is_read(
    root: Path, no_download: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _raw(root, "allx")
    with path.open("r+b") as file:
        file.truncate(planetoid.MAX_RAW_BYTES + 1)  # sparse: takes no disk space
    real_open = os.open

    def watched_open(target, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        assert Path(target) != path, "the oversized file was opened"
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", watched_open)
    with pytest.raises(
        DataError,
        match=rf"ind\.cora\.allx: {planetoid.MAX_RAW_BYTES + 1} bytes, "
        r"more than any official Planetoid file \(at most \d+ "
        r"bytes\); it is not the official data",
    ):
        load_dataset("cora", root)
    assert no_download == []


def test_the_digest_is_computed_over_chunks(
    root: Path, planetoid_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    real = planetoid.hashlib.sha256

    class Spy:
        def __init__(self) -> None:
            self.inner = real()

        def update(self, chunk: bytes) -> None:
            reads.append(len(chunk))
            self.inner.update(chunk)

        def hexdigest(self) -> str:
            return self.inner.hexdigest()

    monkeypatch.setattr(planetoid, "CHUNK", 4096)
    monkeypatch.setattr(planetoid.hashlib, "sha256", Spy)
    data = load_dataset("cora", root, download=False)
    assert data.num_nodes == 2708
    assert max(reads) == 4096 and sum(reads) == sum(
        _raw(root, part).stat().st_size for part in planetoid.PARTS
    )


# -- an overall deadline on downloads ----------------------------------------------------------


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Promises 1 MB, then sends one byte every 50 ms: each read is quick, the whole is not."""

    stop = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", str(2**20))
        self.end_headers()
        try:
            while not self.stop.wait(0.05):
                self.wfile.write(b"x")
                self.wfile.flush()
        except OSError:  # the client gave up
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """A server on the loopback address that trickles; ``planetoid.URL`` points at it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    _Trickle.stop.clear()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/data"
    monkeypatch.setattr(planetoid, "URL", url)
    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    yield url
    _Trickle.stop.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_a_trickling_download_ends_at_the_deadline_and_writes_nothing(
    tmp_path: Path, trickle_url: str, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "argument":
        monkeypatch.setenv(planetoid.ENV_DEADLINE, "600")  # the argument wins
        call = lambda: planetoid.download(tmp_path, "cora", deadline=1.0)  # noqa: E731
    else:
        monkeypatch.setenv(planetoid.ENV_DEADLINE, "1")
        call = lambda: load_dataset("cora", tmp_path)  # noqa: E731
    error = _in_thread(call)
    assert isinstance(error, DataError), error
    assert re.fullmatch(
        r"Cora files missing in \S+: ind\.cora\.x, .* \(download of "
        rf"{re.escape(trickle_url)}/ind\.cora\.x did not finish within the 1 s "
        r"deadline \(\d+ bytes received\); GCNLAB_DOWNLOAD_DEADLINE=SECONDS sets "
        r"another\)\. Go online .*",
        str(error),
    )
    assert _left_behind(tmp_path) == []


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan", "inf"])
def test_a_bad_deadline_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_download: list[str], value: str
) -> None:
    monkeypatch.setenv(planetoid.ENV_DEADLINE, value)
    with pytest.raises(
        UsageError,
        match=r"GCNLAB_DOWNLOAD_DEADLINE must be a (positive )?number "
        r"of seconds, got",
    ):
        load_dataset("cora", tmp_path)
    monkeypatch.delenv(planetoid.ENV_DEADLINE)
    assert planetoid.download_deadline() == planetoid.DEFAULT_DEADLINE == 300.0
    with pytest.raises(UsageError, match="deadline must be a positive number of seconds"):
        planetoid.download(tmp_path, "cora", deadline=0)
    assert no_download == []
