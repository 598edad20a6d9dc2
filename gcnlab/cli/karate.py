"""``gcnlab karate``: Zachary's karate club as Kipf & Welling showed it, a 3-layer GCN mapping
the 34 members to 2-D, untrained and trained from one labelled member per community."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.cli.app import EXIT_INTERRUPTED, command, human_console, say
from gcnlab.cli.options import ConfigDefaults, Epochs, Json, Lr, Runs, Seed
from gcnlab.cli.outputs import Files, runs_phrase
from gcnlab.cli.progress import epoch_progress

KARATE = ConfigDefaults("gcnlab.tasks.karate:KarateConfig")


class Communities(str, enum.Enum):  # the keys of gcnlab.data.karate.COMMUNITIES, or both
    factions = "factions"
    communities = "communities"
    both = "both"


@command("karate")
def karate_command(
    communities: Annotated[
        Communities,
        typer.Option(
            help="factions: the 2 groups after the split (networkx's 'club'); communities: PyG's 4 "
            "modularity communities (Kipf & Welling's figure); both.",
            case_sensitive=False,
        ),
    ] = Communities.both,
    epochs: Epochs = KARATE.epochs,
    lr: Lr = KARATE.lr,
    runs: Runs = KARATE.runs,
    seed: Seed = KARATE.seed,
    json_path: Json = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures into this folder: run 1's untrained embedding, its training as "
            "small multiples and as an animated GIF, per community definition."
        ),
    ] = None,
    gif: Annotated[
        bool, typer.Option("--gif/--no-gif", help="With --plots, also write the GIF.")
    ] = True,
) -> None:
    """Embed the karate club's members in 2-D with an untrained and a trained 3-layer GCN
    (one-hot features, one labelled member per community) and report the accuracy on the
    unlabelled members."""
    from gcnlab.tasks.karate import KarateConfig, train_karate

    names = ["factions", "communities"] if communities == Communities.both else [communities.value]
    configs = [
        KarateConfig(communities=n, epochs=epochs, lr=lr, runs=runs, seed=seed) for n in names
    ]
    for config in configs:
        config.validate()
    Files(outputs={"--json": json_path}, plots=plots).check()

    results = []
    for config in configs:

        def describe(s: Any, name: str = config.communities) -> str:
            return f"{name}: run {s.run + 1}/{runs}  epoch {s.epoch}  loss {s.loss:.3f}"

        with epoch_progress(runs, epochs, describe) as on_epoch:
            results.append(train_karate(config, on_epoch=on_epoch))
    _report(results, json_path=json_path, plots=plots, gif=gif)


def _table(results: list[Any]) -> Any:
    from rich.table import Table

    table = Table(
        title=f"karate club: 3-layer GCN (34 → 4 → 4 → 2), {runs_phrase(results[0].runs)}"
    )
    for column in (
        "communities",
        "labelled members",
        "untrained: k-means ACC",
        "trained: accuracy on the others",
    ):
        table.add_column(column, justify="left" if column != "labelled members" else "center")
    for r in results:
        table.add_row(
            f"{r.communities} ({r.num_classes})",
            ", ".join(map(str, r.labelled)),
            f"{100 * r.untrained_acc_mean:.1f} ± {100 * r.untrained_acc_std:.1f} %",
            f"{100 * r.acc_mean:.1f} ± {100 * r.acc_std:.1f} % "
            f"(of {34 - len(r.labelled)}, epoch {r.epochs[0]})",
        )
    return table


def payload(result: Any) -> dict:
    """The JSON form of a karate result, without frames, history or weights."""
    import dataclasses

    from gcnlab.io.checkpoint import result_metrics
    from gcnlab.tasks.karate import NOT_IN_JSON

    out = result_metrics(dataclasses.replace(result, frames=[]))
    for name in NOT_IN_JSON:
        out.pop(name, None)
    return out


def _report(results: list[Any], *, json_path: Path | None, plots: Path | None, gif: bool) -> None:
    human_console().print(_table(results))
    if json_path is not None:
        from gcnlab.io.results import write_json

        write_json(json_path, {r.communities: payload(r) for r in results})
        say(f"wrote {json_path}")
    if plots is not None:
        from gcnlab.plots.karate import karate_figures

        for result in results:
            for path in karate_figures(result, plots, gif=gif):
                say(f"wrote {path}")
    if any(r.partial for r in results):
        say("interrupted: finished runs only")
        raise typer.Exit(EXIT_INTERRUPTED)
