"""A process of a torchrun job that dies mid-training ends the job, with an error, in bounded
time: a worker killed with SIGKILL, a whole "node" (its torchrun agent and workers), or a
worker frozen with SIGSTOP (its connections open: the timeout ends the job).

Each launch trains link prediction on karate for as many epochs as allowed, so the job can only
end through the failure; the kill comes once every worker has logged that data-parallel
training began. Collectives give up after ``GCNLAB_DIST_TIMEOUT`` seconds (20 here) whatever
happens; each job must be over within 60 s of the kill.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from torchrun_launch import (
    REPO,
    Node,
    free_port,
    launch_env,
    port_open,
    torchrun,
    wait_until,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="finds torchrun's workers through /proc"
)

ARGS = [
    "linkpred",
    "karate",
    "--batch-size",
    "4",
    "--epochs",
    "1000000",
    "--runs",
    "1",
    "--hidden",
    "8",
    "--latent",
    "4",
    "--device",
    "cpu",
    "--verbose",
]
READY = "data-parallel training"  # each process logs it once DDP is built: training begins
TIMEOUT_S = 20  # GCNLAB_DIST_TIMEOUT
START_S = 180  # to start the job on a loaded machine
END_S = 60  # from the kill to the end of every agent
OUR_LINE = "error: another process of this torchrun job failed ("


def _start(tmp_path: Path, nnodes: int, nproc: int, timeout_s: int = TIMEOUT_S) -> list[Node]:
    """The job's agents, once all its workers train; the first one hosts the rendezvous."""
    port, env = free_port(), launch_env(timeout_s)
    deadline = time.monotonic() + START_S
    nodes = [Node(torchrun(ARGS, nnodes=nnodes, nproc=nproc, port=port), env, tmp_path)]
    if nnodes > 1:
        # the first agent hosts the c10d store: start the others once it listens
        wait_until(
            lambda: port_open(port) or nodes[0].process.poll() is not None,
            deadline,
            "the rendezvous store",
        )
        nodes += [
            Node(torchrun(ARGS, nnodes=nnodes, nproc=nproc, port=port), env, tmp_path)
            for _ in range(nnodes - 1)
        ]
    try:
        wait_until(
            lambda: (
                sum(n.output.count(READY) for n in nodes) == nnodes * nproc
                or any(n.process.poll() is not None for n in nodes)
            ),
            deadline,
            "every worker to start training",
        )
    except AssertionError:
        _stop(nodes)
        raise
    for node in nodes:
        node.workers()  # remembered, to be killed on the way out whatever happens
    outputs = "\n".join(n.output for n in nodes)
    if not all(n.process.poll() is None for n in nodes):
        _stop(nodes)
        pytest.fail(f"the job ended before the kill:\n{outputs[-3000:]}")
    return nodes


def _finish(nodes: list[Node]) -> list[int]:
    """Every agent's exit code, or a failure if one still runs ``END_S`` after now."""
    deadline = time.monotonic() + END_S
    codes = [n.finish(deadline) for n in nodes]
    if None in codes:
        _stop(nodes)
        outputs = "\n".join(n.output for n in nodes)
        pytest.fail(f"the job still ran {END_S} s after the kill:\n{outputs[-3000:]}")
    return codes  # type: ignore[return-value]


def _stop(nodes: list[Node]) -> None:
    for node in nodes:
        node.kill_all()


def _no_gcnlab_traceback(output: str) -> None:
    # torchrun prints its own traceback (ChildFailedError); ours must not show one
    assert f'File "{REPO / "gcnlab"}' not in output, output[-3000:]


def _reports_killed_rank(output: str, rank: int, local_rank: int) -> None:
    # torchrun's failure report: "rank : 1 (local_rank: 0)" then "exitcode : -9 (pid: ...)"
    report = rf"rank\s*:\s*{rank} \(local_rank: {local_rank}\)\s*\n\s*exitcode\s*:\s*-9\b"
    assert re.search(report, output), output[-3000:]


def test_a_killed_worker_ends_the_job(tmp_path: Path) -> None:
    """One agent, two workers: torchrun stops the other and names the failed rank."""
    nodes = _start(tmp_path, nnodes=1, nproc=2)
    try:
        os.kill(nodes[0].workers()[1], signal.SIGKILL)
        (code,) = _finish(nodes)
    finally:
        _stop(nodes)
    output = nodes[0].output
    assert code != 0
    _reports_killed_rank(output, rank=1, local_rank=1)
    _no_gcnlab_traceback(output)


@pytest.mark.slow
def test_a_killed_worker_of_another_node_is_reported_in_one_line(tmp_path: Path) -> None:
    """Two agents: the survivor's collective fails and gcnlab says so in one line."""
    nodes = _start(tmp_path, nnodes=2, nproc=1)
    try:
        victim = next(n for n in nodes if 1 in n.workers())
        os.kill(victim.workers()[1], signal.SIGKILL)
        codes = _finish(nodes)
    finally:
        _stop(nodes)
    survivor = next(n for n in nodes if n is not victim)
    assert all(code != 0 for code in codes)
    _reports_killed_rank(victim.output, rank=1, local_rank=0)
    assert survivor.output.count(OUR_LINE) == 1, survivor.output[-3000:]
    _no_gcnlab_traceback(survivor.output)


@pytest.mark.slow
@pytest.mark.parametrize("killed", [1, 0], ids=["second-node", "rendezvous-host"])
def test_a_killed_node_ends_the_job(tmp_path: Path, killed: int) -> None:
    """Two agents: one of them and its worker die at once (a machine lost); the other ends
    with an error, whether or not the dead one hosted the rendezvous store."""
    nodes = _start(tmp_path, nnodes=2, nproc=1)
    try:
        nodes[killed].kill_all()
        survivor = nodes[1 - killed]
        (code,) = _finish([survivor])
    finally:
        _stop(nodes)
    assert code != 0
    assert OUR_LINE in survivor.output, survivor.output[-3000:]
    _no_gcnlab_traceback(survivor.output)


@pytest.mark.slow
def test_a_frozen_worker_times_out(tmp_path: Path) -> None:
    """A worker that stops answering but keeps its connections open (SIGSTOP): the other gives
    up after GCNLAB_DIST_TIMEOUT (10 s here) and ends the job with the one line."""
    nodes = _start(tmp_path, nnodes=2, nproc=1, timeout_s=10)
    try:
        frozen = next(n for n in nodes if 1 in n.workers())
        os.kill(frozen.workers()[1], signal.SIGSTOP)
        survivor = next(n for n in nodes if n is not frozen)
        (code,) = _finish([survivor])
    finally:
        _stop(nodes)
    assert code != 0
    assert f"{OUR_LINE}Timed out" in survivor.output, survivor.output[-3000:]
    _no_gcnlab_traceback(survivor.output)
