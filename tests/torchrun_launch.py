"""Launching ``gcnlab`` under torchrun from a test: one torchrun agent per "node" on 127.0.0.1
(the c10d rendezvous), each in its own process group, with its output read as it comes so a
test can wait for a line, find the workers and kill one of them or a whole node.

Linux only (the workers are found through ``/proc``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_env(timeout_s: int = 60) -> dict[str, str]:
    """This environment, with the worktree first on PYTHONPATH, one thread per process and
    collectives that give up after ``timeout_s`` seconds."""
    env = dict(os.environ, OMP_NUM_THREADS="1", GCNLAB_DIST_TIMEOUT=str(timeout_s))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def torchrun(args: Sequence[str], *, nnodes: int, nproc: int, port: int) -> list[str]:
    """The command line of one agent of a ``gcnlab ARGS`` job (c10d rendezvous on
    127.0.0.1:``port``)."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes",
        str(nnodes),
        "--nproc-per-node",
        str(nproc),
        "--rdzv-backend",
        "c10d",
        "--rdzv-endpoint",
        f"127.0.0.1:{port}",
        "--rdzv-id",
        "gcnlab-test",
        "--local-addr",
        "127.0.0.1",
        "-m",
        "gcnlab",
        *args,
    ]


class Node:
    """One torchrun agent started in its own session, its stdout and stderr collected by a
    thread. torchrun starts each worker in a session of its own (a killed agent leaves its
    workers running), so the node remembers the workers it has seen, to kill them too."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._chunks: list[str] = []
        self._seen: set[int] = set()  # pids of the workers found so far
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._chunks.append(line)

    @property
    def output(self) -> str:
        return "".join(self._chunks)

    def finish(self, deadline: float) -> int | None:
        """The exit code, waiting until ``deadline`` (``time.monotonic()``); None if it is
        still running then. The output is complete once this returns a code."""
        try:
            code = self.process.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=5)
        return code

    def workers(self) -> dict[int, int]:
        """The agent's workers: ``{rank: pid}``."""
        found = {}
        for pid in children(self.process.pid):
            rank = rank_of(pid)
            if rank is not None:
                found[rank] = pid
        self._seen.update(found.values())
        return found

    def kill_all(self) -> None:
        """SIGKILL the agent and its workers (each with its process group): a lost machine."""
        groups = {self.process.pid, *self._seen, *self.workers().values()}
        for group in groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):  # it ended; its pid not yet reused
                pass


def children(pid: int) -> list[int]:
    """Pids of the live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def rank_of(pid: int) -> int | None:
    """The ``RANK`` torchrun gave worker ``pid`` (None for another process, or one that
    ended)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    ranks = [v.split(b"=", 1)[1] for v in environ if v.startswith(b"RANK=")]
    return int(ranks[0]) if ranks else None


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll ``condition`` until it holds; AssertionError naming ``what`` at ``deadline``."""
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
