"""Which labeled nodes train, validate and test: :class:`SplitSpec` and :func:`make_split`.

=================  ===========================================================================
``--split``        masks
=================  ===========================================================================
``auto``           the graph's own masks if it has them, else ``random`` (the default)
``file``           the graph's own masks (the file's split column or mask arrays); an error if
                   it has none
``public``         the Planetoid public split of cora, citeseer and pubmed (20 labeled nodes
                   per class, 500 validation, 1000 test, fixed by the Planetoid files): the
                   graphs :func:`~gcnlab.load_dataset` reads by name (``data.public_split``)
``random``         per class: 20 random labeled nodes of each class train, then 500 random
                   others validate and 1000 test: the GCN paper's random-split row
                   (``random:K,V,T`` changes the three numbers)
``0.6,0.2,0.2``    fractions of the labeled nodes (in a random order) that train, validate and
                   test; fractions summing to 1 give the test set the rounding remainder
``folds:K``        stratified K-fold cross-validation over all labeled nodes (the GCN paper's
                   Appendix B, ``folds`` = 5): run ``i`` tests on fold ``i mod K`` and trains
                   on the other K − 1; no validation set (an empty ``val_mask``: the node
                   task then needs ``select="last"`` and no early stopping)
=================  ===========================================================================

A random split is drawn from its own generator, never the global random state: with
``seed=None`` (the default) run ``i`` draws it from that run's seed (``seed + i``), so ten runs
see ten splits, as in the paper; ``random@7`` (``seed=7``) draws one split for every run. The
folds are drawn once, from the first seed (or the ``@SEED``), so that the runs' test folds
partition the labeled nodes: each class is shuffled and dealt round-robin into the folds, class
after class, so every fold holds ``n_c // K`` or ``n_c // K + 1`` nodes of class ``c`` and the
folds' sizes differ by at most one (the counts of scikit-learn's ``StratifiedKFold``). The
``random`` algorithm is PyG's ``Planetoid(split="random")``, step for step, except that
unlabeled nodes (label ``-1``) are never drawn; a test compares the two masks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor
from torch_geometric.data import Data

from gcnlab.errors import InputError, UsageError

KINDS = ("auto", "file", "public", "random", "ratio", "folds")
SEEDED = ("random", "ratio", "folds")  # the kinds drawn from a seed
MASKS = ("train_mask", "val_mask", "test_mask")
# A split's generator takes a 64-bit seed; a signed one is what a result JSON and torch agree on.
SEED_BOUNDS = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class SplitSpec:
    """How the labeled nodes are split; recorded as a dict in the result JSON."""

    kind: str = "auto"  # auto | file | public | random | ratio | folds
    per_class: int = 20  # random: training nodes of each class
    num_val: int = 500  # random: validation nodes
    num_test: int = 1000  # random: test nodes
    ratios: tuple[float, float, float] | None = None  # ratio: train, val, test fractions
    seed: int | None = None  # random/ratio: None = each run's own seed; folds: None = the
    # first run's seed
    folds: int = 5  # folds: the number of folds K

    @classmethod
    def parse(cls, text: str) -> SplitSpec:
        """``auto``, ``file``, ``public``, ``random``, ``random:20,500,1000``, ``0.6,0.2,0.2``,
        ``folds``, ``folds:10``; ``@SEED`` after a random, ratio or folds split fixes its seed
        (``random@0``)."""
        body, at, seed_text = text.strip().lower().partition("@")
        seed = None
        if at:
            try:
                seed = int(seed_text)
            except ValueError:
                raise UsageError(f"split {text!r}: the seed after @ must be an integer") from None
        name, colon, numbers = body.partition(":")
        if name == "random":
            counts = _numbers(numbers, int, 3, text) if colon else (20, 500, 1000)
            spec = cls("random", *counts, seed=seed)
        elif name == "folds":
            (folds,) = _numbers(numbers, int, 1, text) if colon else (5,)
            spec = cls("folds", seed=seed, folds=folds)
        elif name in ("auto", "file", "public", "planetoid") and not colon:
            spec = cls("public" if name == "planetoid" else name, seed=seed)
        elif name and (name[0].isdigit() or name[0] == "."):
            spec = cls("ratio", ratios=_numbers(name, float, 3, text), seed=seed)
        else:
            raise UsageError(
                f"unknown split {text!r}; use auto, file, public, random, "
                "random:K,V,T, fractions such as 0.6,0.2,0.2, or folds:K"
            )
        spec.validate()
        return spec

    def validate(self) -> None:
        """Raise :class:`~gcnlab.errors.UsageError` for a spec that cannot describe a split."""
        if self.kind not in KINDS:
            raise UsageError(f"split kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.seed is not None:
            check_seed(self.seed)
        if self.seed is not None and self.kind not in SEEDED:
            raise UsageError(
                f"a split seed (@{self.seed}) applies to random, ratio and folds splits"
            )
        if self.kind == "folds" and self.folds < 2:
            raise UsageError(f"a folds split needs at least 2 folds, got {self.folds}")
        if self.kind == "random" and (self.per_class < 1 or self.num_val < 1 or self.num_test < 1):
            raise UsageError(
                "a random split needs at least 1 training node per class, 1 "
                f"validation and 1 test node, got {self.per_class}, "
                f"{self.num_val}, {self.num_test}"
            )
        if self.kind == "ratio":
            r = self.ratios
            if r is None or len(r) != 3 or not all(math.isfinite(v) and v > 0 for v in r):
                raise UsageError(f"split fractions must be three numbers > 0, got {r}")
            if sum(r) > 1 + 1e-9:
                raise UsageError(f"split fractions must sum to at most 1, got {sum(r):g}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> SplitSpec:
        ratios = values.get("ratios")
        return cls(**{**values, "ratios": None if ratios is None else tuple(ratios)})

    def __str__(self) -> str:
        at = "" if self.seed is None else f"@{self.seed}"
        if self.kind == "random":
            return f"random:{self.per_class},{self.num_val},{self.num_test}{at}"
        if self.kind == "ratio":
            assert self.ratios is not None
            return ",".join(f"{v:g}" for v in self.ratios) + at
        if self.kind == "folds":
            return f"folds:{self.folds}{at}"
        return self.kind


def make_split(data: Data, spec: SplitSpec, seed: int = 0, fold: int = 0) -> dict[str, Tensor]:
    """The boolean ``[N]`` ``train_mask``/``val_mask``/``test_mask`` of ``spec`` on ``data``.

    Args:
        data: a graph with ``y`` (``-1`` unlabeled) and, for ``file``/``public``, its masks.
        spec: the split.
        seed: the run's seed, used when ``spec.seed`` is ``None``; for ``folds``, the seed of
            the fold assignment, the same for every fold. (default: ``0``)
        fold: ``folds``: the fold that tests (taken modulo ``spec.folds``). (default: ``0``)

    Raises:
        UsageError: a ``public`` split of a graph that is not Planetoid's, ``file`` without
            masks. InputError: no labels, a class with fewer labeled nodes than ``per_class``,
            too few nodes left for validation and test.
    """
    spec.validate()
    y = getattr(data, "y", None)
    if not isinstance(y, Tensor):
        raise InputError(f"{_name(data)}: the graph has no labels to split")
    has_masks = all(isinstance(data.get(k), Tensor) for k in MASKS)
    kind = spec.kind
    if kind == "auto":
        kind = "file" if has_masks else "random"
    if kind == "public":
        if not getattr(data, "public_split", False) or not has_masks:
            raise UsageError(
                f"{_name(data)}: the public split is Planetoid's (cora, citeseer, "
                "pubmed); use --split file, random or fractions such as 0.6,0.2,0.2"
            )
        kind = "file"
    if kind == "file":
        if not has_masks:
            raise UsageError(
                f"{_name(data)}: the graph has no split of its own; use --split "
                "random or fractions such as 0.6,0.2,0.2"
            )
        return {k: data[k].clone() for k in MASKS}
    generator = torch.Generator().manual_seed(check_seed(seed if spec.seed is None else spec.seed))
    y = y.cpu()
    if kind == "random":
        return _per_class(y, spec, generator, _name(data))
    if kind == "folds":
        test = stratified_folds(y, spec.folds, generator, _name(data)) == fold % spec.folds
        train = (y >= 0) & ~test
        return {"train_mask": train, "val_mask": torch.zeros_like(test), "test_mask": test}
    return _ratio(y, spec, generator, _name(data))


def check_seed(seed: int) -> int:
    """``seed`` if it lies in :data:`SEED_BOUNDS`, else a :class:`UsageError` (torch would
    report an overflow)."""
    if not SEED_BOUNDS[0] <= seed <= SEED_BOUNDS[1]:
        raise UsageError(
            f"split seed {seed} is out of range; a seed lies between -2**63 and 2**63 - 1"
        )
    return seed


def _per_class(
    y: Tensor, spec: SplitSpec, generator: torch.Generator, name: str
) -> dict[str, Tensor]:
    # PyG's Planetoid(split="random"), with a generator of its own and unlabeled nodes left out
    n = y.numel()
    train = torch.zeros(n, dtype=torch.bool)
    classes = int(y.max()) + 1
    for c in range(classes):
        idx = (y == c).nonzero().view(-1)
        if 0 < idx.numel() < spec.per_class:
            raise InputError(
                f"{name}: class {c} has {idx.numel()} labeled nodes; the random "
                f"split takes {spec.per_class} of each class to train (use "
                "random:K,V,T with a smaller K, or fractions such as 0.6,0.2,0.2)"
            )
        idx = idx[torch.randperm(idx.numel(), generator=generator)[: spec.per_class]]
        train[idx] = True
    remaining = ((y >= 0) & ~train).nonzero().view(-1)
    need = spec.num_val + spec.num_test
    if remaining.numel() < need:
        raise InputError(
            f"{name}: {remaining.numel()} labeled nodes remain after training, "
            f"fewer than the {spec.num_val} validation + {spec.num_test} test nodes "
            "of the random split (use random:K,V,T, or fractions such as "
            "0.6,0.2,0.2)"
        )
    remaining = remaining[torch.randperm(remaining.numel(), generator=generator)]
    return {
        "train_mask": train,
        "val_mask": _mask(n, remaining[: spec.num_val]),
        "test_mask": _mask(n, remaining[spec.num_val : need]),
    }


def stratified_folds(
    y: Tensor, folds: int, generator: torch.Generator, name: str = "the graph"
) -> Tensor:
    """The fold ``[N]`` (``0 .. folds - 1``; ``-1`` for unlabeled nodes) of every node: each
    class in a random order, dealt round-robin into the folds, one class after the other."""
    labeled = (y >= 0).nonzero().view(-1)
    if labeled.numel() < folds:
        raise InputError(f"{name}: {labeled.numel()} labeled nodes cannot fill {folds} folds")
    shuffled = labeled[torch.randperm(labeled.numel(), generator=generator)]
    by_class = shuffled[torch.sort(y[shuffled], stable=True).indices]  # random within a class
    fold = torch.full_like(y, -1)
    fold[by_class] = torch.arange(by_class.numel()) % folds
    return fold


def _ratio(y: Tensor, spec: SplitSpec, generator: torch.Generator, name: str) -> dict[str, Tensor]:
    assert spec.ratios is not None
    labeled = (y >= 0).nonzero().view(-1)
    order = labeled[torch.randperm(labeled.numel(), generator=generator)]
    total = labeled.numel()
    sizes = [int(r * total) for r in spec.ratios]
    if abs(sum(spec.ratios) - 1) <= 1e-9:
        sizes[2] = total - sizes[0] - sizes[1]  # fractions of 1: nobody left out by rounding
    if min(sizes) < 1:
        raise InputError(
            f"{name}: fractions {spec} of {total} labeled nodes leave a split empty (sizes {sizes})"
        )
    bounds = [0, sizes[0], sizes[0] + sizes[1], sum(sizes)]
    return {k: _mask(y.numel(), order[bounds[i] : bounds[i + 1]]) for i, k in enumerate(MASKS)}


def _mask(n: int, index: Tensor) -> Tensor:
    mask = torch.zeros(n, dtype=torch.bool)
    mask[index] = True
    return mask


def _numbers(text: str, kind: type, count: int, whole: str) -> tuple:
    try:
        values = tuple(kind(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise UsageError(f"split {whole!r}: expected {count} comma-separated numbers")
    return values


def _name(data: Data) -> str:
    return str(getattr(data, "name", None) or "the graph")
