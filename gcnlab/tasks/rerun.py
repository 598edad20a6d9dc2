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

from gcnlab.errors import DataError, UsageError
from gcnlab.io.checkpoint import config_as, result_metrics
from gcnlab.io.results import history_columns, to_jsonable, versions
from gcnlab.train.loop import fit
from gcnlab.train.registry import task_for

# recorded fields that describe the run rather than its outcome
NOT_COMPARED = ("seconds", "versions", "device", "config", "partial", "threads")


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
    """A ``--json`` result or a checkpoint (``--save``), by content."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if path.read_bytes()[:1] == b"{":
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{path}: not a gcnlab result JSON ({exc})") from exc
        missing = [k for k in ("task", "config") if k not in payload]
        if missing:
            raise DataError(
                f"{path}: not a gcnlab result JSON (no {', '.join(missing)}); write one with --json"
            )
        return Recorded(
            path,
            payload["task"],
            payload["config"],
            payload,
            payload.get("versions", {}),
            payload.get("threads"),
        )
    from gcnlab.io.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(path)
    return Recorded(
        path,
        checkpoint.task,
        checkpoint.config,
        checkpoint.metrics,
        checkpoint.metrics.get("versions", {}),
        checkpoint.metrics.get("threads"),
    )


def recorded_config(recorded: Recorded, **overrides: Any) -> Any:
    """The recorded config as its task's config dataclass (``overrides`` that are not None
    replace fields)."""
    task_type = task_for(recorded.task, recorded.path.name)
    return config_as(task_type.config_type, recorded.config, str(recorded.path),
                     recorded.versions.get("gcnlab", "?"), **overrides)


def rerun(
    path: str | os.PathLike[str],
    *,
    root: str | None = None,
    device: str | None = None,
    on_epoch: Callable[[Any], None] | None = None,
) -> Rerun:
    """Run the recorded config again and compare its metrics with the recorded ones.

    Args:
        path: a JSON result (``--json``) or a checkpoint (``--save``).
        root: another data root (default: the recorded one).
        device: another device (default: the recorded one).
        on_epoch: called after every epoch of every run.
    """
    recorded = read_recorded(path)
    config = recorded_config(recorded, root=root, device=device)
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
    """``"field: recorded -> now"`` for every recorded outcome that differs (exact equality)."""
    now = {**to_jsonable(result_metrics(result)), "history": history_columns(result.history)}
    now = json.loads(json.dumps(now))  # the values a JSON file would hold
    out = []
    for key, value in recorded.items():
        if key in NOT_COMPARED or key not in now:
            continue
        if now[key] != value:
            out.append(f"{key}: {_short(value)} -> {_short(now[key])}")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
