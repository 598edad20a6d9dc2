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
from typing import TYPE_CHECKING, Any, TypeVar

from gcnlab.data.choices import FEATURELESS
from gcnlab.data.sources import check_name, is_graph_source, is_spec
from gcnlab.errors import UsageError
from gcnlab.train.config import one_of
from gcnlab.utils.settings import option

if TYPE_CHECKING:
    from torch_geometric.data import Data

# The fields and their checks import no torch (the command line builds its options from them);
# loading the graph imports gcnlab.data inside the methods that do it.

IN_MEMORY = "<in-memory graph>"
Check = tuple[bool, str]
DATASET_HELP = (
    "cora, citeseer, pubmed, karate, a graph file (.npz, .csv/.tsv/.txt edge list, .graphml, "
    ".gml, .edgelist, .adjlist) or a spec (pyg:Amazon/Computers, ogb:ogbn-arxiv); see docs/data.md."
)


@dataclass(kw_only=True)
class GraphInput:
    """Config fields naming the graph and how to read it (see docs/data.md)."""

    dataset: str = option("cora", DATASET_HELP, argument=True)  # a name, a graph file or a spec
    root: str | None = option(None, "Data root (default: $GCNLAB_DATA or ./datasets).", path=True)
    directed: bool = option(
        False,
        "Graph files: keep each edge's direction (default: undirected, both directions).",
        flag="--directed/--undirected",
    )
    features_file: str | None = option(
        None, "Edge lists: node features file (node, f_1, ..., f_F).", path=True
    )
    labels_file: str | None = option(
        None,
        "Edge lists: labels file (node, label[, split]); a missing or empty label: unlabeled.",
        path=True,
    )
    label_attr: str = option("label", "networkx files: the node attribute that holds the class.")
    header: bool | None = option(
        None,
        "Edge lists: whether each file's first line is a header (default: detected, and logged).",
        flag="--header/--no-header",
    )
    featureless: str = option(
        "identity",
        "A graph without node features: identity (one-hot ids, up to 20000 nodes) or ones.",
        choices=FEATURELESS,
    )

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
                        f"{', '.join(extra)} {'applies' if len(extra) == 1 else 'apply'} "
                        "to graph files, not to "
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
            "header": self.header,
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
            header=self.header,
        )

    def dataset_label(self, data: Data | None = None) -> str:
        """The dataset in results and checkpoints: the name (``cora``), else the file or spec
        exactly as given, so that the label and the config always agree."""
        return self.dataset if self.is_file else self.dataset.strip().lower()

    def data_source(self) -> str:
        from gcnlab.data.builtin import resolve_root

        if not self.is_file or is_spec(self.dataset):
            return f"the data root {resolve_root(self.root)}"
        return f"the file {self.dataset}"


def load_graph(source: str, **options: Any) -> Data:
    """:func:`gcnlab.data.graphs.load_graph`, imported when a graph is loaded (not when the
    command line reads the fields); one name here, for tests to stand in for."""
    from gcnlab.data.graphs import load_graph as load

    return load(source, **options)


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(GraphInput)}

# the config fields that name a file the graph is read from, by the role a message names
FILE_FIELDS = {
    "dataset": "the graph file",
    "features_file": "--features-file",
    "labels_file": "--labels-file",
}


def _file_fields(config: Any) -> list[str]:
    """The fields of ``config`` (a :class:`GraphInput`, else none) that name a file to read."""
    if not isinstance(config, GraphInput):
        return []
    names = [n for n in ("features_file", "labels_file") if getattr(config, n)]
    spec = config.dataset.strip().lower().startswith(("pyg:", "ogb:"))
    if config.dataset != IN_MEMORY and config.is_file and not spec:
        names.insert(0, "dataset")
    return names


def source_files(config: Any) -> dict[str, str]:
    """The files ``config`` reads its graph from, by role (``the graph file``,
    ``--features-file``, ``--labels-file``); empty for a dataset name or a spec."""
    return {FILE_FIELDS[name]: getattr(config, name) for name in _file_fields(config)}


def with_absolute_paths(config: T) -> T:
    """``config`` with the files its graph is read from as absolute paths (links resolved):
    what results and checkpoints record, so that a record reloads from any folder (the
    fingerprint says whether the data is still the same). Its dataset label is then that path
    too, as the label always agrees with the config."""
    fields = {
        name: str(Path(getattr(config, name)).expanduser().resolve())
        for name in _file_fields(config)
    }
    return dataclasses.replace(config, **fields) if fields else config  # type: ignore[type-var]


def from_record(config: Any, folder: str | Path, data: str | None = None) -> Any:
    """A config read from a record in ``folder``, made ready to load its data here.

    - ``data`` (``--data FILE``), if given, is the graph file;
    - a relative file path (records written before they held absolute ones) is taken relative
      to ``folder`` where it exists there, else to the current folder;
    - a recorded ``partition_file`` is dropped: what a record says is data, never a file to
      write; the METIS parts are computed again (the same: METIS is seeded).
    """
    changes: dict[str, Any] = {}
    if data is not None:
        if not isinstance(config, GraphInput):
            raise UsageError("--data names a graph file; this run did not train on a graph")
        changes["dataset"] = str(data)
    if getattr(config, "partition_file", None) is not None:
        changes["partition_file"] = None
    config = dataclasses.replace(config, **changes) if changes else config
    moved = {}
    for name in _file_fields(config):
        path = Path(getattr(config, name)).expanduser()
        if not path.is_absolute() and (Path(folder) / path).exists() and name not in changes:
            moved[name] = str(Path(folder) / path)
    return dataclasses.replace(config, **moved) if moved else config

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
