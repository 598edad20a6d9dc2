"""``gcnlab embed DATASET --out emb.npy``: node embeddings with their ids, from a trained GCN's
hidden layer or a graph auto-encoder's latent space."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command, say
from gcnlab.cli.derive import given_on_command_line, option_name
from gcnlab.cli.outputs import Files, graph_files, report, runs_phrase
from gcnlab.cli.progress import epoch_progress
from gcnlab.tasks.embed_config import EmbedConfig


@command("embed", config=EmbedConfig)
def embed_command(
    *,
    config: EmbedConfig,
    out: Annotated[
        Path,
        typer.Option(
            help="Where the embeddings go: .npy (ids in <name>.ids.csv beside it) or .npz "
            "(embeddings and node_ids)."
        ),
    ],
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the training result as JSON here.")
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Train (or load) a model and write every node's embedding, the node ids alongside."""
    from gcnlab.errors import UsageError

    unused = [name for name in config.unused() if name in given_on_command_line()]
    if unused:
        names = ", ".join(option_name(EmbedConfig, name) for name in unused)
        other = "gae or vgae" if config.model == "gcn" else "gcn"
        verb = "applies" if len(unused) == 1 else "apply"
        raise UsageError(f"{names} {verb} to --model {other}, not {config.model}")
    if out.suffix.lower() not in (".npy", ".npz"):
        raise UsageError(f"--out {out}: give a .npy or .npz file")
    written = {"--out": out, "--json": json_path}
    if out.suffix.lower() == ".npy":  # the ids go beside the embeddings
        written["--out's ids file"] = out.with_name(f"{out.stem}.ids.csv")
    g.set_threads(threads)
    if config.dataset.lower().endswith(".pt"):
        from gcnlab.io.checkpoint import load_checkpoint
        from gcnlab.tasks.evaluate import checkpoint_config

        checkpoint = load_checkpoint(config.dataset)
        # the graph the checkpoint trained on is read again: it is an input too
        inputs = {"the checkpoint": Path(config.dataset),
                  **graph_files(checkpoint_config(checkpoint))}
        Files(inputs=inputs, outputs=written).check()
        _write(checkpoint, out)
        return
    task_config = config.task_config()
    task_config.validate()
    if config.model == "gcn":
        from gcnlab.tasks.node import train_node as train
    else:
        from gcnlab.tasks.link import train_link as train
    Files(inputs=graph_files(task_config), outputs=written).check()
    runs = config.runs
    with epoch_progress(runs, config.epochs, lambda s: f"run {s.run + 1}/{runs}  epoch {s.epoch}"
                        ) as cb:
        result = train(task_config, on_epoch=cb)
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
