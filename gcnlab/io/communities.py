"""Cluster assignments as CSV: one row per node, one column per run."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from gcnlab.utils.files import atomic_write_bytes


def write_clusters(
    path: str | os.PathLike[str],
    clusters: Sequence[Sequence[int]],
    seeds: Sequence[int],
    node_ids: Sequence[str] | None = None,
) -> Path:
    """Write ``clusters`` (per run, the cluster id of every node ``[N]``) as CSV, atomically:
    a header ``node,seed_<s>,...`` and then ``N`` rows ``node,cluster,...``, where ``node`` is
    ``node_ids[i]`` (the input's id of node ``i``; default: ``i``). Ids are quoted as CSV needs.

    Raises:
        ValueError: no runs, runs of different lengths, not one seed per run, or not one id
            per node.
    """
    if not clusters or len(clusters) != len(seeds):
        raise ValueError(f"need one seed per run, got {len(clusters)} runs, {len(seeds)} seeds")
    num_nodes = len(clusters[0])
    if any(len(run) != num_nodes for run in clusters):
        raise ValueError("every run must assign a cluster to the same number of nodes")
    ids = [str(i) for i in range(num_nodes)] if node_ids is None else list(node_ids)
    if len(ids) != num_nodes:
        raise ValueError(f"need one id per node, got {len(ids)} ids for {num_nodes} nodes")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["node", *(f"seed_{s}" for s in seeds)])
    for node, name in enumerate(ids):
        writer.writerow([name, *(int(run[node]) for run in clusters)])
    return atomic_write_bytes(path, out.getvalue().encode())
