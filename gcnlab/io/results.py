"""Results as JSON (written atomically) and the library versions that made them."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
from pathlib import Path
from typing import Any

from gcnlab.utils.files import atomic_write_bytes


def versions() -> dict[str, str]:
    """Versions of Python and the libraries a result depends on."""
    import numpy
    import sklearn
    import torch
    import torch_geometric

    from gcnlab import __version__

    return {
        "gcnlab": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, paths and tuples as plain JSON values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


# Metrics are computed in float32, good to about 7 significant digits; written as float64 they
# carry float32's rounding noise (0.9175999999046326 for 0.9176). Results keep 7 significant
# digits; configs are written exactly as given (a learning rate of 0.0123456789 stays so).
SIGNIFICANT_DIGITS = 7


def tidy_floats(value: Any, *, exact: tuple[str, ...] = ("config",)) -> Any:
    """``value`` (plain JSON values) with every finite float rounded to
    :data:`SIGNIFICANT_DIGITS`, except below the keys in ``exact``."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: v if k in exact else tidy_floats(v, exact=exact) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy_floats(v, exact=exact) for v in value]
    return value


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    """Write ``payload`` (dataclasses allowed) as indented JSON, atomically, its numbers to
    float32's precision (:func:`tidy_floats`; ``config`` exactly).

    Raises:
        ValueError: the payload holds NaN or infinity (not JSON; never written as garbage).
    """
    try:
        text = json.dumps(tidy_floats(to_jsonable(payload)), indent=2, allow_nan=False) + "\n"
    except ValueError as exc:
        raise ValueError(f"not writing {path}: the result holds NaN or infinity ({exc})") from exc
    return atomic_write_bytes(path, text.encode())


def write_tables(
    folder: str | os.PathLike[str], stem: str, markdown: str, payload: dict
) -> list[Path]:
    """``<stem>.md`` (the Markdown table) and ``<stem>.json`` (``payload`` with the same
    Markdown under ``"markdown"``) in ``folder``, each written atomically."""
    folder = Path(folder)
    return [
        atomic_write_bytes(folder / f"{stem}.md", markdown.encode()),
        write_json(folder / f"{stem}.json", {**payload, "markdown": markdown}),
    ]


def history_columns(history: list[list[Any]]) -> list[dict[str, list[float]]]:
    """Per run, its epochs' stats as columns: ``{"epoch": [...], "loss": [...], ...}``.

    Test metrics are left out: the history is for watching training and choosing settings, and
    a per-epoch test curve invites picking the best test epoch, which gcnlab never reports.
    """
    out = []
    for run in history:
        if not run:
            out.append({})
            continue
        names = [
            f.name
            for f in dataclasses.fields(run[0])
            if f.name != "run" and not f.name.startswith("test")
        ]
        out.append({name: [getattr(s, name) for s in run] for name in names})
    return out
