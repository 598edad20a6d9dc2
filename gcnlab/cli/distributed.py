"""Running a training command under ``torchrun``: start the process group, pin each process to
its device, let rank 0 alone write, and turn a peer's death into one line (see
``docs/scale.md``)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn


@contextlib.contextmanager
def distributed_run(config: Any, missing: str | None) -> Iterator[bool]:
    """Inside ``torchrun`` with more than one process: check that the config can be split,
    give each process its own GPU (``cuda:LOCAL_RANK``), start the group (gloo or NCCL, with a
    timeout) and end it afterwards. Yields whether this process is the one that writes.

    Args:
        config: the command's config (its ``device`` is pinned to this process's GPU).
        missing: None when ``config`` trains on mini-batches that the processes can share;
            otherwise the options to add, for the refusal (a
            :class:`~gcnlab.errors.UsageError`: ``several processes ... add MISSING``).

    A collective that fails because another process of the job died or stopped answering
    (gloo's "Connection reset by peer", a timeout) ends this process with one line,
    ``error: another process of this torchrun job failed (...)``, and exit code 1 (see
    :func:`leave`).
    """
    from gcnlab.errors import UsageError
    from gcnlab.utils import distributed
    from gcnlab.utils.runtime import resolve_device

    if distributed.env_world_size() <= 1:
        yield True
        return
    if missing is not None:
        raise UsageError(f"several processes (torchrun) train on mini-batches: add {missing}")
    device = resolve_device(config.device)
    if device.type == "cuda" and device.index is None:
        import torch

        device = torch.device("cuda", distributed.local_rank())
        config.device = str(device)
    distributed.init_from_env(device)
    try:
        yield distributed.is_main_process()
    except Exception as exc:
        reason = distributed.peer_failure(exc)
        if reason is not None:  # leave() ends the process: the group is not taken down
            leave(
                f"another process of this torchrun job failed ({reason}); torchrun's "
                "report names the failed rank"
            )
        raise
    finally:
        distributed.shutdown()


def train_in_job(
    config: Any,
    missing: str | None,
    train: Callable[..., Any],
    files: Any,
    describe: Callable[[Any], str],
    on_ready: Callable[[Any], None] | None = None,
) -> Any | None:
    """``train(config)`` as one process of a ``torchrun`` job, or alone: inside
    :func:`distributed_run`, the writing process checks ``files`` (a
    :class:`gcnlab.cli.outputs.Files`) first and shows the epoch progress; the others train in
    step, silently. ``on_ready`` (every process) checks the inputs that need the loaded data,
    before the first epoch. Returns the result on the writing process, None on the others
    (which then have nothing to report)."""
    from gcnlab.cli.progress import epoch_progress

    ready = {} if on_ready is None else {"on_ready": on_ready}
    with distributed_run(config, missing) as main_process:
        if not main_process:  # torchrun's other processes train in step and write nothing
            train(config, **ready)
            return None
        files.check()
        with epoch_progress(config.runs, config.epochs, describe) as on_epoch:
            return train(config, on_epoch=on_epoch, **ready)


def leave(message: str) -> NoReturn:
    """Print ``error: MESSAGE`` and end this process at once (exit code 1).

    After a peer's death the group cannot be taken down: destroying it, or the
    DistributedDataParallel reducer that still holds the failed all-reduce, waited for ever in
    about one try of four (gloo, 2 processes). The outputs are atomic files, so nothing is
    left half-written; torchrun would end the process anyway."""
    from gcnlab.cli.app import EXIT_FAILED, fail

    fail(message, EXIT_FAILED)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(EXIT_FAILED)
