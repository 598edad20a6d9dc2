"""Recompute a checkpoint's test metrics: ``gcnlab evaluate`` for every registered task.

The checkpoint names its task; :func:`~gcnlab.train.registry.task_for` gives the task class, which
rebuilds the data exactly as training saw it (same config, same splits), checks its fingerprint
against the checkpoint's, loads each run's weights and measures them as training did.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from gcnlab.data.datasets import ENV_ROOT
from gcnlab.errors import DataError, UsageError
from gcnlab.io.checkpoint import (
    Checkpoint,
    check_fingerprint_value,
    check_max_parameters,
    check_state_shapes,
    config_from,
    load_checkpoint,
    meta_state_shapes,
)
from gcnlab.io.checkpoint import load_states as load_run_states
from gcnlab.train.graph_input import GraphInput, from_record
from gcnlab.train.registry import task_for
from gcnlab.utils.runtime import resolve_device
from gcnlab.utils.stats import mean_std

log = logging.getLogger(__name__)


@dataclass
class Evaluation:
    """Test metrics recomputed from a checkpoint; fractions in [0, 1]."""

    path: str
    task: str
    model: str
    dataset: str
    runs: int
    metrics: dict[str, list[float]]  # per run, e.g. {"test_acc": [...]} or {"auc", "ap"}
    mean: dict[str, float]
    std: dict[str, float]  # sample standard deviation over runs
    reported: dict[str, float]  # the run's reported means, same keys
    matches: bool  # every per-run value equals the reported one exactly
    device: str


def checkpoint_data_root(
    checkpoint: Checkpoint, root: str | os.PathLike[str] | None
) -> str | None:
    """The data root to evaluate ``checkpoint`` on, by this precedence:

    1. ``root``, given explicitly (``--root``);
    2. ``$GCNLAB_DATA``, if set and not empty;
    3. the root the run used, stored in the checkpoint's config;
    4. ``None``: :func:`gcnlab.data.datasets.resolve_root`'s default, ``./datasets``.

    The environment comes before the stored root so that a checkpoint moved to another machine
    is evaluated where that machine keeps its data, as the error messages say.
    """
    if root is not None:
        return str(root)
    env = os.environ.get(ENV_ROOT)
    if env:
        return env
    stored = checkpoint.config.get("root")
    return stored if isinstance(stored, str) and stored else None


def checkpoint_config(checkpoint: Checkpoint, data: str | os.PathLike[str] | None = None) -> Any:
    """The checkpoint's config, not validated, ready to load its data from here: ``data`` is the
    graph file if given; see :func:`~gcnlab.train.graph_input.from_record` (which also drops a
    recorded partition file: nothing a checkpoint says is written)."""
    name = checkpoint.path.name
    config = config_from(task_for(checkpoint.task, name).config_type, checkpoint)
    if data is not None and not isinstance(config, GraphInput):
        raise UsageError(f"--data names a graph file; {name} did not train on a graph")
    return from_record(config, checkpoint.path.parent, None if data is None else str(data))


def saved_runs(
    checkpoint: Checkpoint,
    *,
    root: str | None = None,
    device: torch.device | str = "cpu",
    data: str | None = None,
) -> Iterator[tuple[Any, torch.nn.Module]]:
    """For each saved run: the task prepared as that run was (its split too) and the model with
    the run's weights, in eval mode on ``device``.

    Before any weight is materialized: the config is range-checked, the model it describes is
    sized on the ``meta`` device and its parameter count and shapes are checked against the
    stored ones, and the data must match the fingerprint. The data root is ``root``, else
    ``$GCNLAB_DATA``, else the run's (:func:`checkpoint_data_root`); the graph file is
    ``data``, else the recorded one (:func:`checkpoint_config`).
    """
    name = checkpoint.path.name
    config = checkpoint_config(checkpoint, data)
    try:
        config.validate()
    except UsageError as exc:
        raise DataError(f"{name} holds a config gcnlab refuses: {exc}") from None
    root = checkpoint_data_root(checkpoint, root) if hasattr(config, "root") else None
    task_type = task_for(checkpoint.task, name, config=config)  # its mini-batch variant too
    task = task_type.prepare(config, torch.device(device), root=root)
    shapes = meta_state_shapes(task.make_model)
    check_max_parameters(shapes, name)
    check_state_shapes(checkpoint, shapes)
    check_fingerprint_value(checkpoint, task.fingerprint(), task.data_source(), task.data_hint)
    for run in range(len(checkpoint.states)):
        seed = config.seed + run
        task.start_run(run, seed)
        model = load_run_states(checkpoint, task.build_model(), run)
        yield task, model.eval()


@torch.no_grad()
def evaluate_saved(
    checkpoint: Checkpoint,
    *,
    root: str | None = None,
    device: torch.device | str = "cpu",
    data: str | None = None,
) -> dict[str, list[float]]:
    """The test metrics of every saved run, by result field (``test_acc``, or ``auc``/``ap``);
    ``data``: the graph file, if not the recorded one."""
    out: dict[str, list[float]] = {}
    for task, model in saved_runs(checkpoint, root=root, device=device, data=data):
        for name, value in task.test_values(task.evaluate(model)).items():
            out.setdefault(name, []).append(value)
    return out


def evaluate_checkpoint(
    path: str | os.PathLike[str] | Checkpoint,
    *,
    root: str | os.PathLike[str] | None = None,
    device: str = "auto",
    data: str | os.PathLike[str] | None = None,
) -> Evaluation:
    """Rebuild every saved run and recompute its test metrics.

    Args:
        path: the checkpoint, or the checkpoint loaded.
        root: the data root (default: the one the run used, then ``$GCNLAB_DATA`` or
            ``./datasets``).
        device: ``auto``, ``cpu`` or ``cuda``. (default: ``"auto"``)
        data: the graph file to evaluate on (default: the recorded one, an absolute path, or
            for older checkpoints a path relative to the checkpoint's folder, else to the
            current one); its fingerprint must be the checkpoint's.
    """
    resolved = resolve_device(device)
    ckpt = path if isinstance(path, Checkpoint) else load_checkpoint(path)
    metrics = evaluate_saved(
        ckpt,
        root=None if root is None else str(root),
        device=resolved,
        data=None if data is None else str(data),
    )
    mean, std, reported = {}, {}, {}
    matches = True
    for name, values in metrics.items():
        mean[name], std[name] = mean_std(values)
        reported[name] = ckpt.metrics.get(f"{name}_mean", float("nan"))
        matches = matches and values == ckpt.metrics.get(name)
    log.info("%s: recomputed %s", ckpt.path, mean)
    return Evaluation(
        path=str(ckpt.path),
        task=ckpt.task,
        model=ckpt.model,
        dataset=ckpt.dataset,
        runs=len(ckpt.states),
        metrics=metrics,
        mean=mean,
        std=std,
        reported=reported,
        matches=matches,
        device=str(resolved),
    )


def saved_test_scores(
    checkpoint: Checkpoint, *, root: str | None = None, device: torch.device | str = "cpu"
) -> list[tuple[Tensor, Tensor]]:
    """Per saved run, the decoder's scores (logits, on the CPU) of the test edges ``[P]`` and
    of the test non-edges ``[Q]``: what ROC and precision-recall curves are drawn from."""
    out = []
    for task, model in saved_runs(checkpoint, root=root, device=device):
        z = model.encode(task.x, task.split.adj)  # [N, latent]
        pos, neg = task.split.test
        out.append((model.decoder(z, pos).cpu(), model.decoder(z, neg).cpu()))
    return out
