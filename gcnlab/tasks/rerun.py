"""Run again exactly what a result recorded: ``gcnlab rerun result.json`` (or a checkpoint).

The JSON written by ``--json`` and every checkpoint hold the task's registered name, its whole
config (seeds, split, data source and how it was read), the library versions and the metrics.
:func:`rerun` rebuilds the config, runs the task through the one loop, and compares every metric
with the recorded one *exactly* (same machine, same versions, same threads: the same numbers).
Versions that differ are reported, since they can change the numbers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcnlab.errors import InputError, UsageError
from gcnlab.io.checkpoint import config_as, result_metrics
from gcnlab.io.results import history_columns, tidy_floats, to_jsonable, versions
from gcnlab.train import bounds
from gcnlab.train.graph_input import GraphInput, from_record
from gcnlab.train.loop import fit
from gcnlab.train.registry import task_for

# recorded fields that describe the run rather than its outcome
# (the dataset label is the path as given; the fingerprint says whether the data is the same)
NOT_COMPARED = (
    "seconds", "versions", "device", "config", "partial", "threads", "processes", "backend",
    "dataset",
)


@dataclass
class Recorded:
    """What a result file recorded."""

    path: Path
    task: str
    config: dict
    metrics: dict  # every recorded field, as plain JSON values
    versions: dict
    threads: int | None = None  # torch threads of the recorded run (``--json`` from the CLI)


@dataclass
class Rerun:
    """The new result beside the recorded one."""

    recorded: Recorded
    result: Any
    version_changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # recorded, now
    differences: list[str] = field(default_factory=list)  # "field: recorded -> now"

    @property
    def matches(self) -> bool:
        return not self.differences


def read_recorded(path: str | os.PathLike[str]) -> Recorded:
    """A ``--json`` result or a checkpoint (``--save``), by content (its first byte).

    A JSON record is read up to :data:`~gcnlab.train.bounds.MAX_RECORD_BYTES`; what it holds is
    checked for type (task and versions, a config object, threads a whole number in range).

    Raises:
        InputError: the file is not a record gcnlab can read (one line saying why).
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    with path.open("rb") as f:
        first = f.read(1)
        data = first + f.read(bounds.MAX_RECORD_BYTES) if first == b"{" else b""
    if first != b"{":
        return _read_checkpoint(path)
    if len(data) > bounds.MAX_RECORD_BYTES:
        raise InputError(
            f"{path}: larger than {bounds.MAX_RECORD_BYTES // 2**20} MiB, more than a gcnlab "
            "result JSON holds"
        )
    try:
        payload = json.loads(data.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not JSON, a number of more than 4300 digits
        raise InputError(f"{path}: not a gcnlab result JSON ({exc})") from None
    except RecursionError:
        raise InputError(f"{path}: not a gcnlab result JSON (nested too deeply)") from None
    if not isinstance(payload, dict):  # pragma: no cover - the first byte is "{"
        raise InputError(f"{path}: not a gcnlab result JSON")
    missing = [k for k in ("task", "config") if k not in payload]
    if missing:
        raise InputError(
            f"{path}: not a gcnlab result JSON (no {', '.join(missing)}); write one with --json"
        )
    for key, kind in (("task", str), ("config", dict), ("versions", dict)):
        if key in payload and not isinstance(payload[key], kind):
            raise InputError(
                f"{path}: '{key}' must be a {'string' if kind is str else 'JSON object'}, "
                f"found {type(payload[key]).__name__}"
            )
    threads = payload.get("threads")
    if threads is not None and (
        type(threads) is not int or not 1 <= threads <= bounds.MAX_THREADS
    ):
        raise InputError(
            f"{path}: 'threads' must be a whole number from 1 to {bounds.MAX_THREADS}, "
            f"found {threads!r}"[:200]
        )
    return Recorded(path, payload["task"], payload["config"], payload,
                    payload.get("versions", {}), threads)


def _read_checkpoint(path: Path) -> Recorded:
    from gcnlab.io.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(path)
    threads = checkpoint.metrics.get("threads")
    if type(threads) is not int or not 1 <= threads <= bounds.MAX_THREADS:
        threads = None
    return Recorded(
        path,
        checkpoint.task,
        checkpoint.config,
        checkpoint.metrics,
        checkpoint.metrics.get("versions", {}),
        threads,
    )


def recorded_config(recorded: Recorded, data: str | None = None, **overrides: Any) -> Any:
    """The recorded config as its task's config dataclass (``overrides`` that are not None
    replace fields), ready to load its data from here
    (:func:`~gcnlab.train.graph_input.from_record`; ``data`` is the graph file, if given),
    and validated.

    Raises:
        InputError: a field of the wrong type or out of range.
    """
    task_type = task_for(recorded.task, recorded.path.name)
    where = str(recorded.path)
    if data is not None and not issubclass(task_type.config_type, GraphInput):
        raise UsageError(f"--data names a graph file; {where} did not train on a graph")
    try:
        config = config_as(task_type.config_type, recorded.config, where,
                           str(recorded.versions.get("gcnlab", "?")), **overrides)
        config = from_record(config, recorded.path.parent, data)
        config.validate()
    except UsageError as exc:
        raise InputError(f"{where} holds a config gcnlab refuses: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{where}: a recorded config value has the wrong type ({exc})") from None
    return config


def rerun(
    path: str | os.PathLike[str] | Recorded,
    *,
    root: str | None = None,
    device: str | None = None,
    data: str | None = None,
    on_epoch: Callable[[Any], None] | None = None,
) -> Rerun:
    """Run the recorded config again and compare its metrics with the recorded ones.

    Args:
        path: a JSON result (``--json``) or a checkpoint (``--save``), or what
            :func:`read_recorded` read from one.
        root: another data root (default: the recorded one).
        device: another device (default: the recorded one).
        data: the graph file to train on (default: the recorded one); the fingerprint, a
            compared metric, says whether it holds the same data.
        on_epoch: called after every epoch of every run.
    """
    recorded = path if isinstance(path, Recorded) else read_recorded(path)
    config = recorded_config(recorded, data, root=root, device=device)
    task_type = task_for(recorded.task, recorded.path.name, config=config)
    result = fit(task_type, config, on_epoch=on_epoch)
    now = versions()
    changes = {
        k: (str(recorded.versions.get(k, "?")), str(v))
        for k, v in now.items()
        if str(recorded.versions.get(k, "?")) != str(v)
    }
    return Rerun(recorded, result, changes, compare(recorded.metrics, result))


def compare(recorded: dict, result: Any) -> list[str]:
    """``"field: recorded -> now"`` for every recorded outcome that differs: equal as a JSON
    result holds them (to float32's precision, :func:`~gcnlab.io.results.tidy_floats`), so a
    record written with more digits (a checkpoint's, an older JSON) compares the same way."""
    now = {**to_jsonable(result_metrics(result)), "history": history_columns(result.history)}
    now = tidy_floats(json.loads(json.dumps(now)))  # the values a JSON file would hold
    out = []
    for key, value in recorded.items():
        if key in NOT_COMPARED or key not in now:
            continue
        if now[key] != tidy_floats(value):
            out.append(f"{key}: {_short(value)} -> {_short(now[key])}")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
