"""``gcnlab embed DATASET --out emb.npy``: node embeddings with their ids, from a trained GCN's
hidden layer or a graph auto-encoder's latent space."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command, say
from gcnlab.cli.outputs import Files, graph_files, report, runs_phrase
from gcnlab.cli.progress import epoch_progress


class EmbedModel(str, Enum):
    gcn = "gcn"
    gae = "gae"
    vgae = "vgae"


@command("embed")
def embed_command(
    dataset: Annotated[
        str,
        typer.Argument(
            help="A dataset, graph file or spec to train on (see 'gcnlab train --help'), or a "
            "checkpoint (.pt, from --save) whose weights to use without training."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            help="Where the embeddings go: .npy (ids in <name>.ids.csv beside it) or .npz "
            "(embeddings and node_ids)."
        ),
    ],
    model: Annotated[
        EmbedModel,
        typer.Option(
            help="gcn: the hidden layer of node classification (needs labels); gae or vgae: the "
            "auto-encoder's latent vectors (no labels needed)."
        ),
    ] = EmbedModel.gcn,
    epochs: Annotated[int, typer.Option(help="Maximum epochs per run.")] = 200,
    hidden: Annotated[
        int | None, typer.Option(help="Hidden units (default: 16 for gcn, 32 for gae/vgae).")
    ] = None,
    latent: Annotated[int, typer.Option(help="gae/vgae: embedding size.")] = 16,
    runs: Annotated[
        int, typer.Option(help="Seeded runs; the embeddings come from the one validation prefers.")
    ] = 1,
    seed: Annotated[int, typer.Option(help="First seed; run i uses seed + i.")] = 0,
    split: g.Split = "auto",
    directed: g.Directed = False,
    features_file: g.FeaturesFile = None,
    labels_file: g.LabelsFile = None,
    label_attr: g.LabelAttr = "label",
    featureless: g.Featureless = "identity",
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    root: Annotated[
        Path | None, typer.Option(help="Data root (default: $GCNLAB_DATA or ./datasets).")
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the training result as JSON here.")
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train (or load) a model and write every node's embedding, the node ids alongside."""
    from gcnlab.errors import UsageError

    if out.suffix.lower() not in (".npy", ".npz"):
        raise UsageError(f"--out {out}: give a .npy or .npz file")
    written = {"--out": out, "--json": json_path}
    if out.suffix.lower() == ".npy":  # the ids go beside the embeddings
        written["--out's ids file"] = out.with_name(f"{out.stem}.ids.csv")
    g.set_threads(threads)
    if dataset.lower().endswith(".pt"):
        from gcnlab.io.checkpoint import load_checkpoint

        Files(inputs={"the checkpoint": Path(dataset)}, outputs=written).check()
        source = load_checkpoint(dataset)
        _write(source, out)
        return
    graph = g.graph_fields(
        directed=directed,
        features_file=features_file,
        labels_file=labels_file,
        label_attr=label_attr,
        featureless=featureless,
    )
    common = dict(
        dataset=dataset,
        root=None if root is None else str(root),
        epochs=epochs,
        runs=runs,
        seed=seed,
        device=device,
        **graph,
    )
    if model is EmbedModel.gcn:
        from gcnlab.tasks.node import NodeConfig, train_node

        config = NodeConfig(split=split, hidden=hidden or 16, **common)
        train = train_node
    else:
        from gcnlab.tasks.link import LinkConfig, train_link

        if split != "auto" or labels_file is not None:
            raise UsageError("--split and --labels-file apply to --model gcn")
        config = LinkConfig(model=model.value, hidden=hidden or 32, latent=latent, **common)
        train = train_link
    config.validate()
    Files(inputs=graph_files(config), outputs=written).check()
    with epoch_progress(runs, epochs, lambda s: f"run {s.run + 1}/{runs}  epoch {s.epoch}") as cb:
        result = train(config, on_epoch=cb)
    _write(result, out)
    report(
        result,
        f"{result.dataset} {result.model.upper()}: trained "
        f"{runs_phrase(result.runs)} ({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=None,
        plots=None,
    )


def _write(source: object, out: Path) -> None:
    from gcnlab.io.predictions import write_embeddings
    from gcnlab.tasks.predict import node_embeddings

    ids, z, run = node_embeddings(source)
    for path in write_embeddings(out, ids, z.numpy()):
        say(f"wrote {path}")
    say(f"embeddings [{z.size(0)}, {z.size(1)}] from run {run + 1}")
