"""The process group of a ``torchrun`` job: which process this is, and starting the group.

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_from_env` starts the default group from them (gloo on the CPU, NCCL on CUDA) with a
timeout, so that a worker that dies makes the others fail with an error instead of waiting for
ever; the rendezvous itself is bounded by the same timeout (a service on ``MASTER_PORT`` that
accepts and never answers would hold torch's store client for ever), and a busy port is named
before torch tries it. Outside ``torchrun`` (no ``WORLD_SIZE``, or 1) nothing is started and
this process is rank 0 of 1. :func:`data_parallel` wraps a model in ``DistributedDataParallel``
when a group runs, :func:`all_reduce_sum` sums a tensor over the processes,
:func:`check_same_data` refuses processes that loaded different data, and :func:`peer_failure`
tells a collective that failed because another process died from other errors.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import logging
import os
import re
import socket
import threading

import torch
import torch.distributed as dist

from gcnlab.errors import DataError, DistributedError, UsageError

log = logging.getLogger(__name__)

# seconds a collective may wait for the other processes (GCNLAB_DIST_TIMEOUT overrides)
DEFAULT_TIMEOUT_S = 300
# GCNLAB_DIST_TIMEOUT's bounds: below a second, torch's store gives up while connecting (an
# error per retry, with C++ frames); above a day, a hung job is not noticed.
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1.0, 86_400.0


def env_world_size() -> int:
    """``WORLD_SIZE`` as ``torchrun`` set it (1 outside ``torchrun``)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError as exc:
        raise UsageError(
            f"WORLD_SIZE must be a whole number, got {os.environ['WORLD_SIZE']!r}"
        ) from exc


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def rank_and_size() -> tuple[int, int]:
    """``(rank, world size)`` of the default group; ``(0, 1)`` when there is none."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """Whether this process writes results, checkpoints and figures (rank 0)."""
    return rank_and_size()[0] == 0


def timeout_seconds() -> float:
    value = os.environ.get("GCNLAB_DIST_TIMEOUT", str(DEFAULT_TIMEOUT_S))
    try:
        seconds = float(value)
    except ValueError as exc:
        raise UsageError(f"GCNLAB_DIST_TIMEOUT must be a number of seconds, got {value!r}") from exc
    if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:
        raise UsageError(
            f"GCNLAB_DIST_TIMEOUT must be between {MIN_TIMEOUT_S:g} and {MAX_TIMEOUT_S:g} s, "
            f"got {value}"
        )
    return seconds


def rendezvous_address() -> tuple[str, int]:
    """``(MASTER_ADDR, MASTER_PORT)``, as ``torchrun`` (or the user) set them.

    Raises:
        UsageError: either is missing, or the port is not a port number.
    """
    addr, port = os.environ.get("MASTER_ADDR", ""), os.environ.get("MASTER_PORT", "")
    if not addr or not port:
        raise UsageError(
            "several processes (WORLD_SIZE > 1) need MASTER_ADDR and MASTER_PORT; launch them "
            "with torchrun, which sets both"
        )
    if not (port.isdigit() and 0 < int(port) < 65536):
        raise UsageError(f"MASTER_PORT must be a port number (1 to 65535), got {port!r}")
    return addr, int(port)


def _check_port_free(port: int) -> None:
    """Raise :class:`DistributedError` if ``port`` cannot be listened on (another program
    holds it): checked before torch tries, whose error comes with C++ frames."""
    try:
        with socket.create_server(("", port)):  # what torch's store binds: every address
            pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DistributedError(
                f"MASTER_PORT {port} is in use by another program; choose a free port "
                "(torchrun --master-port PORT, or --rdzv-endpoint HOST:PORT)"
            ) from exc
        raise DistributedError(
            f"cannot listen on MASTER_PORT {port} ({exc.strerror or exc})"
        ) from exc


def _first_line(exc: BaseException) -> str:
    """The first line of a torch.distributed error, without its C++ source location."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return _SOURCE_PREFIX.sub("", first)


def init_from_env(device: torch.device) -> bool:
    """Start the default process group from ``torchrun``'s variables, if it launched more than
    one process; returns whether a group is running. gloo for the CPU, NCCL for CUDA."""
    if env_world_size() <= 1:
        return False
    if dist.is_initialized():
        return True
    if device.type == "cuda":
        # NCCL raises on a collective that times out instead of blocking (torch's default is on
        # in recent versions; set for older ones)
        os.environ.setdefault("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1")
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    seconds = timeout_seconds()
    addr, port = rendezvous_address()
    # Rank 0 hosts the store on MASTER_PORT, unless torchrun's agent hosts it for every worker.
    if int(os.environ.get("RANK", "0")) == 0 and os.environ.get(
        "TORCHELASTIC_USE_AGENT_STORE", ""
    ).lower() not in ("true", "1"):
        _check_port_free(port)
    outcome: list[BaseException | None] = []

    def rendezvous() -> None:
        try:
            if device.type == "cuda":
                torch.cuda.set_device(device)  # the current device is per thread
            dist.init_process_group(backend, timeout=datetime.timedelta(seconds=seconds))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
            outcome.append(exc)

    # torch's store client waits for ever on a server that accepts and never answers: run the
    # rendezvous in a thread and give up on it at the timeout (a daemon thread blocked in C++
    # does not keep the process alive).
    thread = threading.Thread(target=rendezvous, name="gcnlab-rendezvous", daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise DistributedError(
            f"the rendezvous at {addr}:{port} (MASTER_ADDR:MASTER_PORT) did not complete within "
            f"{seconds:g} s (GCNLAB_DIST_TIMEOUT); did every process start, and is nothing "
            "else listening on that port?"
        )
    if outcome[0] is not None:
        raise DistributedError(
            f"the process group could not start at {addr}:{port} (MASTER_ADDR:MASTER_PORT): "
            f"{_first_line(outcome[0])}"
        ) from outcome[0]
    return True


def check_same_data(fingerprint: str, source: str) -> None:
    """Refuse to train when the processes of the running group loaded different data (e.g. a
    file of the same name but other contents on another machine): every process sends a digest
    of ``fingerprint`` to every other (``all_gather``). Nothing happens without a group.

    Raises:
        DataError: some rank's fingerprint differs from rank 0's; every rank raises the same.
    """
    rank, world = rank_and_size()
    if world <= 1:
        return
    device = torch.device("cpu")
    if dist.get_backend() == "nccl":  # NCCL gathers CUDA tensors only
        device = torch.device("cuda", torch.cuda.current_device())
    mine = torch.tensor(list(hashlib.sha256(fingerprint.encode()).digest()), dtype=torch.uint8)
    gathered = [torch.empty_like(mine, device=device) for _ in range(world)]
    dist.all_gather(gathered, mine.to(device))
    digests = [bytes(t.cpu().tolist()).hex() for t in gathered]
    differ = [r for r, digest in enumerate(digests) if digest != digests[0]]
    if differ:
        other = differ[0]
        more = f" (and {len(differ) - 1} more ranks)" if len(differ) > 1 else ""
        raise DataError(
            f"rank 0 and rank {other}{more} loaded different data from {source} (digests "
            f"{digests[0][:12]}… and {digests[other][:12]}…); every process must read the same "
            "data: copy the same files to every machine"
        )


def all_reduce_sum(value: torch.Tensor) -> torch.Tensor:
    """``value`` summed over the processes of the running group, in place (itself when there is
    none)."""
    if rank_and_size()[1] > 1:
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
    return value


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def data_parallel(model: torch.nn.Module, device: torch.device) -> torch.nn.Module | None:
    """``model`` wrapped in :class:`~torch.nn.parallel.DistributedDataParallel` when a group of
    several processes is running, else None.

    The wrapper averages the gradients over the processes in ``backward``; its constructor
    broadcasts rank 0's weights. Callers train through the wrapper and keep the plain model for
    everything else (state dicts without ``module.``, evaluation without collectives).
    """
    rank, world = rank_and_size()
    if world <= 1:
        return None
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    wrapped = DistributedDataParallel(model, device_ids=ids)
    log.info(
        "process %d of %d: data-parallel training (DistributedDataParallel, %s)",
        rank,
        world,
        dist.get_backend(),
    )
    return wrapped


# what gloo's and NCCL's failed collectives say, e.g. "[.../gloo/transport/tcp/pair.cc:537] Read
# error [127.0.0.1]:16574: Connection reset by peer. This is typically caused by ..."
_BACKENDS = re.compile(r"gloo|nccl", re.IGNORECASE)
_SOURCE_PREFIX = re.compile(r"^\[[^\]]*\.(?:cc|cpp|h):\d+\]\s*")


def peer_failure(exc: BaseException) -> str | None:
    """If ``exc`` is a collective of a running group failing because another process died or
    stopped answering (a closed connection, a timeout), the reason in a few words; else None."""
    if rank_and_size()[1] <= 1:
        return None
    text = str(exc)
    if not (
        isinstance(exc, dist.DistError) or isinstance(exc, RuntimeError) and _BACKENDS.search(text)
    ):
        return None
    return _first_line(exc).split(". This is typically caused")[0].rstrip(".")
