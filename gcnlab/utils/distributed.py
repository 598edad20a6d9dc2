"""The process group of a ``torchrun`` job: which process this is, and starting the group.

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_from_env` starts the default group from them (gloo on the CPU, NCCL on CUDA) with a
timeout, so that a worker that dies makes the others fail with an error instead of waiting for
ever. Outside ``torchrun`` (no ``WORLD_SIZE``, or 1) nothing is started and this process is
rank 0 of 1. :func:`data_parallel` wraps a model in ``DistributedDataParallel`` when a group
runs, :func:`all_reduce_sum` sums a tensor over the processes, and :func:`peer_failure` tells a
collective that failed because another process died from other errors.
"""

from __future__ import annotations

import datetime
import logging
import os
import re

import torch
import torch.distributed as dist

from gcnlab.errors import UsageError

log = logging.getLogger(__name__)

# seconds a collective may wait for the other processes (GCNLAB_DIST_TIMEOUT overrides)
DEFAULT_TIMEOUT_S = 300


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
    if not 0 < seconds <= 86_400:
        raise UsageError(f"GCNLAB_DIST_TIMEOUT must be between 0 and 86400 s, got {value}")
    return seconds


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
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_seconds()))
    return True


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
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    first = _SOURCE_PREFIX.sub("", first)
    return first.split(". This is typically caused")[0].rstrip(".")
