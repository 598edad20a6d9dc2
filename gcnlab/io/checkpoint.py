"""Checkpoints: the weights a run reported, with what is needed to check and re-score them.

A checkpoint is one ``torch.save`` file holding only tensors and plain values, so that it loads
with ``torch.load(..., weights_only=True)`` and nothing else (a checkpoint cannot run code):

- a format tag and version, and the gcnlab version that wrote it;
- the task's registered name (``node``, ``link``, ``image``, ...), the model name and the
  run's config as a dict;
- the dataset's name and fingerprint (:func:`dataset_fingerprint`, a SHA-256 of its tensors);
- one ``state_dict`` per run, at the epoch validation chose for that run;
- the metrics the run reported (its JSON result without the per-epoch history).

:func:`gcnlab.tasks.evaluate.evaluate_checkpoint` rebuilds each run's model on the same data and
recomputes the test metrics; on the same machine they equal the reported ones exactly. Refused,
with one line each: a file that is not a gcnlab checkpoint, content other than tensors and plain
values, a task, model or dataset other than the one asked for, and data whose fingerprint
differs from the checkpoint's. Writes are atomic (:func:`gcnlab.utils.files.atomic_write_bytes`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gcnlab.errors import DataError, UsageError
from gcnlab.io.results import to_jsonable
from gcnlab.utils.files import atomic_write_bytes

log = logging.getLogger(__name__)

FORMAT = "gcnlab-checkpoint"
FORMAT_VERSION = 1
# words of torch's weights_only refusals that mean "an object to import", not a broken file
UNSAFE_WORDS = ("global", "class", "reduce", "build")
# result fields that are not metrics: per-epoch history, weights, live objects
NOT_METRICS = ("history", "states", "trained")


def dataset_fingerprint(data: Any) -> str:
    """SHA-256 (hex) over the tensors of ``data``: a PyG ``Data`` or a mapping of tensors.

    Each tensor counts with its name, dtype and shape, in name order; other attributes (the
    name, ``num_classes``) do not count. Two data roots holding the same files give the same
    fingerprint on any device.
    """
    items = data.items() if isinstance(data, Mapping) else ((k, data[k]) for k in data.keys())
    digest = hashlib.sha256()
    for name, value in sorted(items, key=lambda kv: kv[0]):
        if not isinstance(value, Tensor):
            continue
        value = value.detach().cpu().contiguous()
        digest.update(f"{name}:{value.dtype}:{tuple(value.shape)};".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@dataclass
class Checkpoint:
    """A loaded checkpoint (see the module docstring)."""

    path: Path
    task: str  # node | link | image
    model: str  # gcn | gae | vgae | cnn-gridconv | cnn-conv2d
    config: dict  # the run's config, as a dict
    dataset: str
    fingerprint: str  # dataset_fingerprint of the data it was trained on
    metrics: dict  # what the run reported (its JSON result)
    gcnlab_version: str
    states: list[dict[str, Tensor]] = field(default_factory=list, repr=False)  # one per run

    @classmethod
    def from_result(cls, result: Any, path: str | os.PathLike[str] = "<this run>") -> Checkpoint:
        """The checkpoint a result would save, in memory (for plots right after a run)."""
        from gcnlab import __version__

        return cls(
            path=Path(path),
            task=result.task,
            model=result.model,
            config=to_jsonable(result.config),
            dataset=result.dataset,
            fingerprint=result.fingerprint,
            metrics=result_metrics(result),
            gcnlab_version=__version__,
            states=list(result.states),
        )


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    task: str,
    model_name: str,
    config: dict,
    dataset: str,
    fingerprint: str,
    states: list[dict[str, Tensor]],
    metrics: dict,
) -> Path:
    """Write a checkpoint atomically and return its path.

    Args:
        path: the file to write (its folder is created).
        task: ``node``, ``link`` or ``image``.
        model_name: the model, as the result names it (``gcn``, ``gae``, ...).
        config: the run's config as plain values (``dataclasses.asdict``).
        dataset: the dataset's name.
        fingerprint: :func:`dataset_fingerprint` of the data the run trained on.
        states: one ``state_dict`` per run, at the epoch validation chose.
        metrics: what the run reported, as plain values.
    """
    from gcnlab import __version__

    if not isinstance(task, str) or not task:
        raise UsageError(f"task must be a task's name, got {task!r}")
    if not states:
        raise UsageError("no finished run to save")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "gcnlab_version": __version__,
        "task": task,
        "model": model_name,
        "config": plain(config),
        "dataset": dataset,
        "fingerprint": fingerprint,
        # plain dicts of CPU tensors: loadable anywhere with weights_only=True
        "states": [{k: v.detach().cpu().clone() for k, v in s.items()} for s in states],
        "metrics": plain(metrics),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def plain(value: Any) -> Any:
    """``value`` as built-in dicts, lists, strings and numbers only (a JSON round trip): no
    subclass such as ``torch.__version__``'s ``TorchVersion`` may reach the file, or a
    ``weights_only`` load would refuse it."""
    return json.loads(json.dumps(to_jsonable(value)))


def result_metrics(result: Any) -> dict:
    """A result dataclass as plain values, without history, weights or live objects."""
    return {
        f.name: to_jsonable(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name not in NOT_METRICS
    }


def save_result(path: str | os.PathLike[str], result: Any) -> Path:
    """Save the checkpoint of a :class:`~gcnlab.NodeResult`, :class:`~gcnlab.LinkResult` or
    :class:`~gcnlab.tasks.image.DigitsResult` (their ``states`` and ``fingerprint``)."""
    return save_checkpoint(
        path,
        task=result.task,
        model_name=result.model,
        config=result.config,
        dataset=result.dataset,
        fingerprint=result.fingerprint,
        states=result.states,
        metrics=result_metrics(result),
    )


def _read(path: Path, map_location: str | torch.device) -> Any:
    if not path.is_file():
        raise UsageError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        reason = _unpickler_reason(exc)
        if any(word in reason.lower() for word in UNSAFE_WORDS):
            # a class or function to import: what weights_only=True exists to refuse
            raise DataError(
                f"{path} holds objects other than tensors and plain values; "
                f"refusing to load it ({reason})"
            ) from None
        raise DataError(f"{path} is not a readable gcnlab checkpoint ({reason})") from None
    except OSError:
        raise
    except Exception as exc:  # a truncated or foreign file: zip, EOF and unpickling errors
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise DataError(
            f"{path} is not a readable gcnlab checkpoint "
            f"({type(exc).__name__}{': ' + reason if reason else ''})"
        ) from None


def _unpickler_reason(exc: Exception) -> str:
    """The one useful sentence of torch's long ``weights_only`` error, e.g. ``Unsupported
    global: GLOBAL builtins.eval ...`` or ``Unsupported operand 110``."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    _, found, rest = text.partition("WeightsUnpickler error:")
    if found:
        rest = " ".join(rest.split("Check the documentation")[0].split())
        return rest.split(". ")[0].rstrip(".") or "unreadable"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    task: str | None = None,
    model: str | None = None,
    dataset: str | None = None,
    map_location: str | torch.device = "cpu",
) -> Checkpoint:
    """Load a checkpoint with ``weights_only=True``, refusing one made for something else.

    Args:
        path: the file.
        task: refuse a checkpoint of another task (default: any).
        model: refuse a checkpoint of another model (default: any).
        dataset: refuse a checkpoint made on another dataset (default: any).
        map_location: where the tensors go. (default: ``"cpu"``)

    Raises:
        UsageError: no such file. DataError: not a gcnlab checkpoint, unsafe content, or made
        for another task, model or dataset.
    """
    path = Path(path)
    payload = _read(path, map_location)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataError(
            f"{path} is not a gcnlab checkpoint (no '{FORMAT}' tag); save one with --save"
        )
    version = payload.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DataError(
            f"{path} has checkpoint format {version!r}; this gcnlab reads up to "
            f"{FORMAT_VERSION} (upgrade gcnlab)"
        )
    missing = [
        k
        for k in ("task", "model", "config", "dataset", "fingerprint", "states", "metrics")
        if k not in payload
    ]
    if missing:
        raise DataError(f"{path} is an incomplete gcnlab checkpoint (no {', '.join(missing)})")
    ckpt = Checkpoint(
        path=path,
        task=payload["task"],
        model=payload["model"],
        config=payload["config"],
        dataset=payload["dataset"],
        fingerprint=payload["fingerprint"],
        metrics=payload["metrics"],
        gcnlab_version=str(payload.get("gcnlab_version", "?")),
        states=list(payload["states"]),
    )
    asked = (task or ckpt.task, (model or ckpt.model).lower(), (dataset or ckpt.dataset).lower())
    if asked != (ckpt.task, ckpt.model, ckpt.dataset):
        raise DataError(
            f"{path.name} was made for {ckpt.model} on {ckpt.dataset} "
            f"({ckpt.task} task), not {asked[1]} on {asked[2]} ({asked[0]} task)"
        )
    return ckpt


def check_fingerprint(
    checkpoint: Checkpoint,
    data: Any,
    where: str,
    hint: str = "point --root at the data it was trained on",
) -> None:
    """Refuse ``data`` (described by ``where``, e.g. the data root) unless its fingerprint is the
    checkpoint's; ``hint`` ends the message."""
    check_fingerprint_value(checkpoint, dataset_fingerprint(data), where, hint)


def check_fingerprint_value(
    checkpoint: Checkpoint,
    found: str,
    where: str,
    hint: str = "point --root at the data it was trained on",
) -> None:
    """:func:`check_fingerprint` with the data's fingerprint already computed."""
    if found != checkpoint.fingerprint:
        raise DataError(
            f"{checkpoint.path.name} was trained on {checkpoint.dataset} with fingerprint "
            f"{checkpoint.fingerprint[:12]}, but {where} holds different {checkpoint.dataset} "
            f"data (fingerprint {found[:12]}); {hint}"
        )


def load_states(checkpoint: Checkpoint, model: torch.nn.Module, run: int) -> torch.nn.Module:
    """Load run ``run``'s weights into ``model`` after checking every name and shape."""
    state = checkpoint.states[run]
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    stored = {k: tuple(v.shape) for k, v in state.items()}
    if expected != stored:
        diff = sorted(set(expected.items()) ^ set(stored.items()))
        raise DataError(
            f"{checkpoint.path.name} holds weights {dict(stored)} for "
            f"{checkpoint.model} on {checkpoint.dataset}, but the model built from "
            f"its config needs {dict(expected)} (first difference: {diff[0][0]})"
        )
    model.load_state_dict(state)
    return model.eval()


def config_from(cls: type, checkpoint: Checkpoint, **overrides: Any) -> Any:
    """The checkpoint's config as ``cls`` (a config dataclass), with ``overrides`` applied."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(checkpoint.config) - known)
    if unknown:
        raise DataError(
            f"{checkpoint.path.name} has config fields this gcnlab does not know "
            f"({', '.join(unknown)}); it was written by gcnlab "
            f"{checkpoint.gcnlab_version}"
        )
    values = {**checkpoint.config, **{k: v for k, v in overrides.items() if v is not None}}
    return cls(**values)
