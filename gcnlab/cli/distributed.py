"""Running a training command under ``torchrun``: start the process group, pin each process to
its device, and let rank 0 alone write (see ``docs/scale.md``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def distributed_run(config: Any) -> Iterator[bool]:
    """Inside ``torchrun`` with more than one process: check that the config can be split,
    give each process its own GPU (``cuda:LOCAL_RANK``), start the group (gloo or NCCL, with a
    timeout) and end it afterwards. Yields whether this process is the one that writes."""
    from gcnlab.errors import UsageError
    from gcnlab.utils import distributed
    from gcnlab.utils.runtime import resolve_device

    if distributed.env_world_size() <= 1:
        yield True
        return
    if config.batch != "clusters":
        raise UsageError(
            "several processes (torchrun) train on mini-batches: add "
            "--batch clusters (with --parts and --clusters-per-batch)"
        )
    device = resolve_device(config.device)
    if device.type == "cuda" and device.index is None:
        import torch

        device = torch.device("cuda", distributed.local_rank())
        config.device = str(device)
    distributed.init_from_env(device)
    try:
        yield distributed.is_main_process()
    finally:
        distributed.shutdown()
