"""Cluster assignments as CSV: one row per node, one column per run."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from gcnlab.utils.files import atomic_write_bytes


def write_clusters(
    path: str | os.PathLike[str], clusters: Sequence[Sequence[int]], seeds: Sequence[int]
) -> Path:
    """Write ``clusters`` (per run, the cluster id of every node ``[N]``) as CSV, atomically:
    a header ``node,seed_<s>,...`` and then ``N`` rows ``node,cluster,...``.

    Raises:
        ValueError: no runs, runs of different lengths, or not one seed per run.
    """
    if not clusters or len(clusters) != len(seeds):
        raise ValueError(f"need one seed per run, got {len(clusters)} runs, {len(seeds)} seeds")
    num_nodes = len(clusters[0])
    if any(len(run) != num_nodes for run in clusters):
        raise ValueError("every run must assign a cluster to the same number of nodes")
    out = io.StringIO()
    out.write(",".join(["node", *(f"seed_{s}" for s in seeds)]) + "\n")
    for node in range(num_nodes):
        out.write(",".join([str(node), *(str(int(run[node])) for run in clusters)]) + "\n")
    return atomic_write_bytes(path, out.getvalue().encode())
