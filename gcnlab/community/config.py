"""What ``cluster`` runs (:class:`ClusterConfig`), without torch.

Each field carries its command-line option (help, bounds, choices; :mod:`gcnlab.utils.settings`),
so ``gcnlab cluster`` is derived from this class; :mod:`gcnlab.community.detect` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.train import bounds
from gcnlab.train.config import RunConfig, in_range, one_of
from gcnlab.train.graph_input import GraphInput
from gcnlab.utils.settings import not_option, option

# the registered methods of gcnlab.community.detect.METHODS, by name
METHOD_NAMES: tuple[str, ...] = ("gae", "vgae", "smooth", "kmeans", "spectral")
# raw: as stored (binary words on Cora and CiteSeer: the input of AGC and of the GAE paper);
# normalized: rows summing to 1 (the GCN paper's)
FEATURES: tuple[str, ...] = ("raw", "normalized")
# how gcnlab.community.methods.smooth_clusters groups the smoothed features X̄
ASSIGNMENTS: tuple[str, ...] = ("spectral", "kmeans")
MAX_POWER = 10_000  # smoothing orders beyond this change nothing in float64


@dataclass(kw_only=True)
class ClusterConfig(GraphInput, RunConfig):
    """What :func:`~gcnlab.community.detect.cluster` runs; the defaults are the protocol of
    ``docs/clustering.md``. The graph's fields (``dataset``, ``root``, ...) are
    :class:`~gcnlab.train.graph_input.GraphInput`'s: a name, a graph file or a spec. ``epochs``,
    ``lr`` and ``device`` (from :class:`~gcnlab.train.config.RunConfig`) concern the trained
    methods (gae, vgae) only."""

    # the filter and the auto-encoder's decoder are symmetric: a directed graph is refused
    directed: bool = not_option(False)
    method: str = option(
        "smooth",
        "gae / vgae: graph auto-encoder trained on every edge, then k-means; smooth: AGC's "
        "low-pass filter (I + Â)/2 applied p times, then spectral clustering; kmeans: features "
        "only; spectral: graph only.",
        choices=METHOD_NAMES,
    )
    k: int | None = option(
        None, "Number of clusters (default: the number of classes).", flag="--k"
    )
    restarts: int = option(  # k-means++ starts, the lowest inertia kept
        10,
        "k-means restarts per clustering (k-means++ starts; the lowest inertia is kept).",
        max=bounds.MAX_RUNS,
    )
    features: str = option(
        "raw",
        "raw (binary words on Cora/CiteSeer: AGC's and the GAE paper's input) or normalized "
        "(rows sum to 1).",
        choices=FEATURES,
    )
    hidden: int = option(  # the encoder's first layer
        32, "Hidden units.", min=1, max=bounds.MAX_HIDDEN
    )
    latent: int = option(  # each node's embedding
        16, "gae/vgae: embedding size.", min=1, max=bounds.MAX_HIDDEN
    )
    power: int | None = option(
        None,
        "smooth: a fixed smoothing order p (default: AGC's adaptive choice, without labels).",
    )
    max_power: int = option(60, "smooth: the largest order the adaptive choice tries.")  # AGC's
    assign: str = option(
        "spectral",
        "smooth: spectral (top singular vectors of the smoothed features, AGC's) or kmeans (on "
        "the smoothed features).",
        choices=ASSIGNMENTS,
    )

    def checks(self) -> list:
        """The range checks; the bound of ``k`` by the number of nodes is checked once the
        graph is loaded."""
        return (
            super().checks()
            + self.graph_checks()
            + [
                (
                    not self.directed,
                    "clustering treats the graph as undirected (the filter and the "
                    "auto-encoder's decoder are symmetric); drop --directed",
                ),
                one_of("method", self.method, METHOD_NAMES),
                (self.k is None or self.k >= 1, f"k (clusters) must be at least 1, got {self.k}"),
                in_range("restarts", self.restarts, 1, bounds.MAX_RUNS),
                one_of("features", self.features, FEATURES),
                in_range("hidden", self.hidden, 1, bounds.MAX_HIDDEN),
                in_range("latent", self.latent, 1, bounds.MAX_HIDDEN),
                (
                    self.power is None or 1 <= self.power <= MAX_POWER,
                    f"power must be between 1 and {MAX_POWER}, got {self.power}",
                ),
                in_range("max power", self.max_power, 1, MAX_POWER),
                one_of("assign", self.assign, ASSIGNMENTS),
            ]
        )
