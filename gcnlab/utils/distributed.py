"""The process group of a ``torchrun`` job: which process this is, and starting the group.

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_from_env` starts the default group from them (gloo on the CPU, NCCL on CUDA) with a
timeout, so that a worker that dies makes the others fail with an error instead of waiting for
ever. Outside ``torchrun`` (no ``WORLD_SIZE``, or 1) nothing is started and this process is
rank 0 of 1.
"""

from __future__ import annotations

import datetime
import os

import torch
import torch.distributed as dist

from gcnlab.errors import UsageError

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


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
