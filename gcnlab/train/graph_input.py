"""Where a graph task's data comes from: a dataset name, a graph file or a spec, and how to read
it. :class:`GraphInput` holds those config fields for the node and link tasks alike, so that a
result's config is enough to load the same graph again (``gcnlab rerun``, ``gcnlab evaluate``).

A graph given as an object (``train_node(config, data=graph)``) has no file to reload: its config
records :data:`IN_MEMORY` as the dataset, and reloading it is refused with a message that says so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from torch_geometric.data import Data

from gcnlab.data.builtin import resolve_root
from gcnlab.data.graph_parts import FEATURELESS
from gcnlab.data.graphs import load_graph
from gcnlab.data.sources import check_name, is_graph_source, is_spec
from gcnlab.errors import UsageError
from gcnlab.train.loop import one_of

IN_MEMORY = "<in-memory graph>"
Check = tuple[bool, str]


@dataclass(kw_only=True)
class GraphInput:
    """Config fields naming the graph and how to read it (see docs/data.md)."""

    dataset: str = "cora"  # a name (cora | citeseer | pubmed | karate), a graph file or a spec
    root: str | None = None  # data root (default: $GCNLAB_DATA or ./datasets)
    directed: bool = False  # graph files: keep each edge's direction (default: both directions)
    features_file: str | None = None  # edge lists: node features (node, f_1, ..., f_F)
    labels_file: str | None = None  # edge lists: labels (node, label[, split])
    label_attr: str = "label"  # networkx files: the node attribute holding the class
    featureless: str = "identity"  # a graph without features: identity (one-hot ids) | ones

    @property
    def is_file(self) -> bool:
        """The dataset is a graph file or spec, not one of the named datasets."""
        return self.dataset == IN_MEMORY or is_graph_source(self.dataset)

    def graph_checks(self) -> list[Check]:
        """The dataset exists by name or looks like a file or spec; file options only for files."""
        if not self.is_file:
            check_name(self.dataset)  # raises, listing the names and the other ways in
            extra = [
                f"--{name.replace('_', '-')}"
                for name, value in self.file_options().items()
                if value != _DEFAULTS[name]
            ]
            if extra:
                return [
                    (
                        False,
                        f"{', '.join(extra)} apply to graph files, not to "
                        f"{self.dataset.strip().lower()}",
                    )
                ]
        return [one_of("featureless", self.featureless, FEATURELESS)]

    def file_options(self) -> dict[str, Any]:
        return {
            "directed": self.directed,
            "features_file": self.features_file,
            "labels_file": self.labels_file,
            "label_attr": self.label_attr,
            "featureless": self.featureless,
        }

    def load_graph(self, root: str | None = None) -> Data:
        """The graph, read as these fields say (``root`` overrides the config's data root)."""
        root = self.root if root is None else root
        if self.dataset == IN_MEMORY:
            raise UsageError(
                "this run trained on an in-memory graph, which cannot be loaded "
                "again from its config; pass the graph again (data=...)"
            )
        if not self.is_file:
            return load_graph(self.dataset, root=root)
        return load_graph(
            self.dataset,
            root=root,
            directed=self.directed,
            features=self.features_file,
            labels=self.labels_file,
            label=self.label_attr,
            featureless=self.featureless,
        )

    def dataset_label(self, data: Data | None = None) -> str:
        """The dataset in results and checkpoints: the name (``cora``), else the file or spec
        exactly as given, so that the label and the config always agree."""
        return self.dataset if self.is_file else self.dataset.strip().lower()

    def data_source(self) -> str:
        if not self.is_file or is_spec(self.dataset):
            return f"the data root {resolve_root(self.root)}"
        return f"the file {self.dataset}"


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(GraphInput)}

T = TypeVar("T")


def on_graph(task_type: type[T], data: Data) -> type[T]:
    """``task_type`` whose ``prepare`` uses ``data`` instead of loading ``config.dataset``: how
    ``train_node(config, data=...)`` hands an in-memory graph to the one loop."""
    build: Callable[..., T] = task_type

    class Given(task_type):  # type: ignore[valid-type, misc]
        @classmethod
        def prepare(cls, config: Any, device: Any, root: str | None = None) -> T:
            return build(config, device, data)

    Given.__name__ = Given.__qualname__ = task_type.__name__
    return Given


def safe_name(name: str) -> str:
    """A dataset label as part of a file name: ``data/my_graph.npz`` gives ``my_graph``,
    ``pyg:Amazon/Computers`` gives ``pyg-Amazon-Computers``."""
    base = name if ":" in name else Path(name).stem
    return re.sub(r"[^\w.-]+", "-", base).strip("-") or "graph"
