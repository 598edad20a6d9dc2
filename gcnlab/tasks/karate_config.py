"""The settings of the karate demonstration (:class:`KarateConfig`), without torch.

Each field carries its command-line option (help, bounds; :mod:`gcnlab.utils.settings`), so
``gcnlab karate`` is derived from this class; :mod:`gcnlab.tasks.karate` trains it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcnlab.train.config import RunConfig, one_of
from gcnlab.utils.settings import not_option, option_like

# the keys of gcnlab.data.karate.COMMUNITIES (which needs torch; a test keeps them equal):
# factions: the 2 groups after the split (networkx's "club"); communities: PyG's 4
COMMUNITY_NAMES: tuple[str, ...] = ("factions", "communities")


@dataclass(kw_only=True)
class KarateConfig(RunConfig):
    """The karate demonstration; defaults follow PyG's introductory example of Kipf's model."""

    epochs: int = option_like(RunConfig, "epochs", 300)  # epochs per run
    # factions (2, networkx) | communities (4, PyG's KarateClub); the command runs one or both
    communities: str = not_option("factions")
    device: str = not_option("cpu")  # 34 nodes: a GPU only adds launch latency

    def checks(self) -> list:
        return super().checks() + [
            one_of("communities", self.communities, COMMUNITY_NAMES),
        ]
