"""Predictions and embeddings as files: CSV tables and NumPy arrays, written atomically.

- node predictions (CSV): ``node, split, label, predicted, p_<class>...``, one row per node in
  the graph's order, ``node`` the id as the input gave it;
- pair scores (CSV): ``kind, source, target, probability`` with ``kind`` one of ``test_edge``,
  ``test_non_edge``, ``pair`` (from ``--pairs``);
- embeddings: ``.npy`` (float32 ``[N, D]``) with the node ids in ``<name>.ids.csv`` beside it,
  or ``.npz`` holding ``embeddings`` and ``node_ids`` (a string array; no pickles).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from gcnlab.utils.files import atomic_write_bytes


def write_csv(
    path: str | os.PathLike[str], header: list[str], rows: Iterable[Iterable[Any]]
) -> Path:
    """A CSV table, atomically (ids holding commas or quotes are quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return atomic_write_bytes(path, buffer.getvalue().encode())


def write_node_predictions(path: str | os.PathLike[str], predictions: Any) -> Path:
    """A :class:`~gcnlab.tasks.predict.NodePredictions` as CSV (module docstring)."""
    p = predictions
    probs = p.probabilities.tolist()
    header = ["node", "split", "label", "predicted", *(f"p_{c}" for c in p.classes)]
    return write_csv(
        path,
        header,
        (
            [p.node_ids[i], p.split[i], p.labels[i], pred, *(f"{v:.9g}" for v in probs[i])]
            for i, pred in enumerate(p.predicted)
        ),
    )


def write_pair_scores(path: str | os.PathLike[str], scores: Any) -> Path:
    """A :class:`~gcnlab.tasks.predict.PairScores` as CSV (module docstring)."""
    s = scores
    values = s.probability.tolist()
    return write_csv(
        path,
        ["kind", "source", "target", "probability"],
        ([s.kind[i], s.source[i], s.target[i], f"{values[i]:.9g}"] for i in range(len(values))),
    )


def write_embeddings(
    path: str | os.PathLike[str], node_ids: list[str], embeddings: Any
) -> list[Path]:
    """Embeddings ``[N, D]`` and their node ids: one ``.npz``, or a ``.npy`` and an
    ``.ids.csv`` (module docstring). Returns the files written."""
    path = Path(path)
    array = np.asarray(embeddings, dtype=np.float32)
    buffer = io.BytesIO()
    if path.suffix.lower() == ".npz":
        np.savez(buffer, embeddings=array, node_ids=np.array(node_ids, dtype=str))
        return [atomic_write_bytes(path, buffer.getvalue())]
    np.save(buffer, array, allow_pickle=False)
    ids = path.with_name(f"{path.stem}.ids.csv")
    return [
        atomic_write_bytes(path, buffer.getvalue()),
        write_csv(ids, ["row", "node"], enumerate(node_ids)),
    ]
