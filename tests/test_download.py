"""The one downloader (gcnlab.data.download) and every source going through it: a server that
accepts and never answers ends the command at GCNLAB_DOWNLOAD_DEADLINE with one line naming the
URL (Planetoid, pyg:, ogb:); sizes are bounded, files land atomically; ``pyg:`` fetches PyG's
own URLs; specs are plain names."""

from __future__ import annotations

import http.server
import io
import re
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_runner import invoke

from gcnlab.data import download, planetoid, specs
from gcnlab.data.download import Deadline, DownloadError, fetch_bytes, fetch_file
from gcnlab.errors import DataError, UsageError

DEADLINE_S = 1.0


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never sends a byte (for at most
    30 s)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop, held = threading.Event(), []

    def serve() -> None:
        end = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < end:
            try:
                held.append(server.accept()[0])
            except OSError:  # timeout: look at the stop flag again
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/data"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


class _Files(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` (path -> body); ``sizes`` may claim another Content-Length."""

    files: dict[str, bytes] = {}
    sizes: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(self.sizes.get(self.path, len(body))))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def file_server() -> Iterator[tuple[str, dict[str, bytes], dict[str, int]]]:
    """``(base URL, files, sizes)`` of a server on 127.0.0.1 serving ``files``."""
    _Files.files, _Files.sizes = {}, {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Files.files, _Files.sizes
    server.shutdown()
    server.server_close()


def _bounded(call: Callable[[], object], seconds: float = 20.0) -> object:
    """``call()`` in a thread (its exception raised here); fails the test (rather than hang it)
    past ``seconds``."""
    outcome: list[tuple[object, BaseException | None]] = []

    def target() -> None:
        try:
            outcome.append((call(), None))
        except BaseException as exc:  # noqa: BLE001 (raised again in the test's thread)
            outcome.append((None, exc))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s"
    value, error = outcome[0]
    if error is not None:
        raise error
    return value


def _one_error_line(result, code: int, pattern: str) -> None:  # noqa: ANN001
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.stdout + result.stderr


# -- a server that never answers: every source ends at the deadline ---------------------------


def _point_pyg_amazon_at(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    import torch_geometric.datasets

    monkeypatch.setattr(torch_geometric.datasets.Amazon, "url", f"{url}/")
    return f"{url}/amazon_electronics_computers.npz"


@pytest.mark.parametrize("source", ["cora", "pyg:Amazon/Computers"])
def test_a_server_that_never_answers_ends_the_command_at_the_deadline(
    tmp_path: Path, silent_url: str, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    if source == "cora":
        monkeypatch.setattr(planetoid, "URL", silent_url)
        asked = f"{silent_url}/ind.cora.x"
    else:
        asked = _point_pyg_amazon_at(monkeypatch, silent_url)
    monkeypatch.setenv(download.ENV_DEADLINE, str(DEADLINE_S))
    start = time.monotonic()
    result = _bounded(lambda: invoke(["train", source, "--root", tmp_path, "--device", "cpu"]))
    assert time.monotonic() - start < DEADLINE_S + 10
    _one_error_line(
        result,
        1,
        rf"download of {re.escape(asked)} did not finish within the 1 s deadline "
        r"\(0 bytes received\); GCNLAB_DOWNLOAD_DEADLINE=SECONDS sets another",
    )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing left half-written


def test_ogb_download_ends_at_the_deadline(tmp_path: Path, silent_url: str) -> None:
    folder = tmp_path / "ogb" / "arxiv"
    with pytest.raises(DataError) as caught:
        _bounded(
            lambda: specs._download_ogb(
                f"{silent_url}/arxiv.zip",
                tmp_path / "ogb",
                folder,
                "ogb:ogbn-arxiv",
                Deadline.start(DEADLINE_S),
            )
        )
    assert re.fullmatch(
        rf"ogb:ogbn-arxiv: download of {re.escape(silent_url)}/arxiv\.zip did not finish "
        r"within the 1 s deadline .*; offline, unpack the archive so that \S+edge\.csv\.gz "
        "exists",
        str(caught.value),
    )
    assert list((tmp_path / "ogb").iterdir()) == []


def test_ogb_download_unpacks_the_archive(tmp_path: Path, file_server: tuple) -> None:
    base, files, _ = file_server
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("arxiv/raw/edge.csv.gz", b"x")
    files["/arxiv.zip"] = packed.getvalue()
    folder = tmp_path / "ogb" / "arxiv"
    specs._download_ogb(f"{base}/arxiv.zip", tmp_path / "ogb", folder, "ogb:x", Deadline.start())
    assert sorted(p.name for p in (tmp_path / "ogb").iterdir()) == ["arxiv"]  # no zip left
    assert (folder / "raw" / "edge.csv.gz").read_bytes() == b"x"


# -- the downloader's bounds ------------------------------------------------------------------


def test_fetch_file_writes_atomically(tmp_path: Path, file_server: tuple) -> None:
    base, files, sizes = file_server
    files["/ok"], files["/short"], sizes["/short"] = b"a" * 1000, b"b" * 10, 1000
    target = tmp_path / "sub" / "ok"
    assert fetch_file(f"{base}/ok", target, Deadline.start()).read_bytes() == b"a" * 1000
    with pytest.raises(DownloadError, match=r"download of \S+/short (was cut short|failed)"):
        fetch_file(f"{base}/short", tmp_path / "short", Deadline.start(5))
    with pytest.raises(DownloadError, match=r"download of \S+/ok exceeds 100 bytes"):
        fetch_file(f"{base}/ok", tmp_path / "big", Deadline.start(), max_bytes=100)
    with pytest.raises(DownloadError, match=r"download of \S+/nothing failed \(HTTP Error 404"):
        fetch_bytes(f"{base}/nothing", Deadline.start())
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ok", "sub"]


def test_only_http_urls_are_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x")
    with pytest.raises(DownloadError, match="only http and https URLs"):
        fetch_bytes(secret.as_uri(), Deadline.start())


def test_a_spent_deadline_fetches_nothing() -> None:
    spent = Deadline(time.monotonic() - 1, 1.0)
    with pytest.raises(DownloadError, match=r"did not finish within the 1 s deadline \(0 bytes"):
        fetch_bytes("http://127.0.0.1:9/x", spent)


# -- pyg: fetches PyG's own URLs, through gcnlab ----------------------------------------------


def test_pyg_download_goes_through_gcnlab(
    tmp_path: Path, file_server: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    import networkx as nx

    from gcnlab.data.export import write_npz
    from gcnlab.data.graphs import load_graph

    base, files, _ = file_server
    graph = load_graph(nx.karate_club_graph(), label="club")
    write_npz(graph, tmp_path / "graph.npz")
    files["/amazon_electronics_photo.npz"] = (tmp_path / "graph.npz").read_bytes()
    _point_pyg_amazon_at(monkeypatch, base)
    data = load_graph("pyg:Amazon/Photo", root=tmp_path / "root")
    assert data.num_nodes == 34
    raw = tmp_path / "root" / "pyg" / "Amazon" / "Photo" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == ["amazon_electronics_photo.npz"]


class _Asked(Exception):
    pass


@pytest.mark.parametrize("class_name", sorted(specs.PYG_CLASSES))
def test_pyg_urls_are_the_ones_pyg_would_fetch(
    class_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gcnlab's table gives, for each raw file, the URL the class's own download() asks for."""
    import importlib

    import torch_geometric.datasets

    cls = getattr(torch_geometric.datasets, class_name)
    module = importlib.import_module(cls.__module__)
    source = specs.PYG_CLASSES[class_name]
    asked: list[str] = []

    def record(url: str, folder: str, *args: object, **kwargs: object) -> str:
        asked.append(url)
        path = Path(folder) / "downloaded"  # for Reddit's download() to unlink
        path.touch()
        return str(path)

    def google(file_id: str, folder: str, filename: str, *args: object) -> str:
        asked.append(f"https://drive.usercontent.google.com/download?id={file_id}&confirm=t")
        return filename

    for name, fake in (("download_url", record), ("download_google_url", google)):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, fake)
    monkeypatch.setattr(module, "extract_zip", lambda *a, **k: None, raising=False)
    ours: list[str] = []

    def process(dataset: object) -> None:  # after download(): compare, then stop
        fnames = dataset.raw_file_names
        fnames = [fnames] if isinstance(fnames, str) else fnames
        if source.archive is not None:
            fnames = [source.archive]
        ours.extend(dict.fromkeys(source.url(dataset, f) for f in fnames))
        raise _Asked

    fresh = type(cls.__name__, (cls,), {"process": process})
    args = (str(tmp_path), source.names[0]) if source.names else (str(tmp_path),)
    with pytest.raises(_Asked):
        fresh(*args)
    assert ours == asked


@pytest.mark.parametrize(
    "spec",
    [
        "pyg:Amazon/../../etc",
        "pyg:Amazon/..",
        "pyg:../etc",
        "pyg:/etc/passwd",
        "pyg:Amazon/Computers/x",
        "pyg:Amazon/",
        "pyg:Amazon/a b",
        "ogb:../ogbn-arxiv",
        "ogb:ogbn-arxiv/x",
    ],
)
def test_a_spec_with_parts_that_are_not_plain_names_is_refused(tmp_path: Path, spec: str) -> None:
    result = invoke(["train", spec, "--root", tmp_path, "--device", "cpu"])
    _one_error_line(result, 2, rf"{re.escape(spec)}: write it as .*each part a plain name")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_name_of_a_pyg_class_is_refused(tmp_path: Path) -> None:
    result = invoke(["train", "pyg:Amazon/Books", "--root", tmp_path, "--device", "cpu"])
    _one_error_line(
        result,
        2,
        r"pyg:Amazon/Books: pyg:Amazon has no dataset 'Books'; choose one of: "
        "computers, photo",
    )
    with pytest.raises(UsageError, match="no dataset"):
        specs.load_spec("pyg:WebKB/Cora", tmp_path)
