"""Starting the process group of several processes: a bounded timeout, a busy MASTER_PORT named,
a rendezvous whose address a silent service holds given up at the timeout, and processes that
loaded different data refused before training, each in one line."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import invoke
from torchrun_launch import REPO, Node, free_port, launch_env, port_open, torchrun, wait_until

from gcnlab.errors import UsageError
from gcnlab.utils import distributed

LINKPRED = ["linkpred", "karate", "--batch-size", "4", "--epochs", "1", "--device", "cpu"]


def _job_env(port: int, rank: int, timeout: str = "5") -> dict[str, str]:
    return {
        "WORLD_SIZE": "2",
        "RANK": str(rank),
        "LOCAL_RANK": "0",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(port),
        "GCNLAB_DIST_TIMEOUT": timeout,
        "TORCHELASTIC_USE_AGENT_STORE": "",
    }


def _one_error_line(result, code: int, pattern: str) -> None:  # noqa: ANN001
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize("value", ["1e-9", "0.5", "0", "nan", "inf", "86401"])
def test_a_timeout_out_of_bounds_is_refused_before_anything_starts(value: str) -> None:
    result = invoke(LINKPRED, env=_job_env(free_port(), 0, value))
    _one_error_line(
        result, 2, rf"GCNLAB_DIST_TIMEOUT must be between 1 and 86400 s, got {re.escape(value)}$"
    )


def test_timeout_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, seconds in (("1", 1.0), ("86400", 86400.0), ("2.5", 2.5)):
        monkeypatch.setenv("GCNLAB_DIST_TIMEOUT", value)
        assert distributed.timeout_seconds() == seconds
    monkeypatch.setenv("GCNLAB_DIST_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="must be a number of seconds"):
        distributed.timeout_seconds()


@pytest.mark.parametrize(
    ("port", "pattern"),
    [
        ("http", r"MASTER_PORT must be a port number \(1 to 65535\), got 'http'"),
        ("70000", r"MASTER_PORT must be a port number"),
        ("", r"need MASTER_ADDR and MASTER_PORT; launch them with torchrun"),
    ],
)
def test_a_bad_rendezvous_address_is_a_usage_error(port: str, pattern: str) -> None:
    env = _job_env(1, 0) | {"MASTER_PORT": port}
    _one_error_line(invoke(LINKPRED, env=env), 2, pattern)


def test_a_busy_master_port_is_named_in_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = invoke(LINKPRED, env=_job_env(port, 0))
    _one_error_line(result, 1, rf"^error: MASTER_PORT {port} is in use by another program; ")
    assert "frame #" not in result.output


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 where a service accepts connections and never answers (for at most
    60 s)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop, held = threading.Event(), []

    def serve() -> None:
        end = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < end:
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def test_a_rendezvous_that_never_answers_ends_at_the_timeout(silent_port: int) -> None:
    """Rank 1 connects to a MASTER_PORT held by a service that accepts and never answers:
    torch's store client would wait there for ever."""
    env = launch_env(2) | _job_env(silent_port, 1, "2")
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gcnlab", *LINKPRED],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("still waiting for the rendezvous after 60 s (GCNLAB_DIST_TIMEOUT=2)")
    assert time.monotonic() - start < 40
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"error: the rendezvous at 127.0.0.1:{silent_port} (MASTER_ADDR:MASTER_PORT) did not "
        "complete within 2 s (GCNLAB_DIST_TIMEOUT)"
    ), lines[0]


# -- processes that loaded different data ------------------------------------------------------

_CHECK = """
import sys, torch
from gcnlab.utils import distributed
distributed.init_from_env(torch.device("cpu"))
try:
    distributed.check_same_data(sys.argv[1], "the file graph.csv")
    print("same")
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
finally:
    distributed.shutdown()
"""


@pytest.mark.parametrize("fingerprints", [("aa", "aa"), ("aa", "bb")], ids=["same", "different"])
def test_ranks_compare_their_data_fingerprints(fingerprints: tuple[str, str]) -> None:
    port = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHECK, fingerprints[rank]],
            env=launch_env(30) | _job_env(port, rank, "30"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
        )
        for rank in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=90)[0].strip() for p in procs]
    finally:
        for p in procs:
            p.kill()
    if fingerprints[0] == fingerprints[1]:
        assert outputs == ["same", "same"], outputs
        return
    for out in outputs:  # every rank refuses, with the same line
        assert re.fullmatch(
            r"DataError: rank 0 and rank 1 loaded different data from the file graph\.csv "
            r"\(digests [0-9a-f]{12}… and [0-9a-f]{12}…\); every process must read the same "
            r"data: copy the same files to every machine",
            out.splitlines()[-1],
        ), out


@pytest.mark.slow
def test_two_machines_with_different_files_of_one_name_refuse_to_train(tmp_path: Path) -> None:
    """Two torchrun "nodes", each in its own folder holding graph.csv: same name, one edge
    different."""
    import networkx as nx

    edges = list(nx.karate_club_graph().edges())
    for folder, extra in (("a", []), ("b", [(0, 33)])):
        (tmp_path / folder).mkdir()
        lines = [f"{u},{v}" for u, v in edges + extra]
        (tmp_path / folder / "graph.csv").write_text("source,target\n" + "\n".join(lines) + "\n")
    args = ["linkpred", "graph.csv", *LINKPRED[2:], "--runs", "1"]
    port, env = free_port(), launch_env(30)
    deadline = time.monotonic() + 180
    nodes = [Node(torchrun(args, nnodes=2, nproc=1, port=port), env, tmp_path / "a")]
    try:
        wait_until(lambda: port_open(port), deadline, "the rendezvous store")
        nodes.append(Node(torchrun(args, nnodes=2, nproc=1, port=port), env, tmp_path / "b"))
        codes = [node.finish(deadline) for node in nodes]
    finally:
        for node in nodes:
            node.kill_all()
    assert codes == [1, 1], [n.output[-2000:] for n in nodes]
    for node in nodes:  # each names its own copy: records hold absolute paths
        assert re.search(
            r"error: rank 0 and rank 1 loaded different data from the file \S*/graph\.csv",
            node.output,
        ), node.output[-2000:]
        assert "test AUC" not in node.output
