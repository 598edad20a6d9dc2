"""``gcnlab karate``: Zachary's karate club as Kipf & Welling showed it, a 3-layer GCN mapping
the 34 members to 2-D, untrained and trained from one labelled member per community."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from gcnlab.cli.app import command
from gcnlab.cli.options import Json
from gcnlab.cli.outputs import (
    Files,
    Writer,
    json_writer,
    mean_spread,
    runs_phrase,
    write_outputs,
)
from gcnlab.cli.progress import epoch_progress
from gcnlab.tasks.karate_config import COMMUNITY_NAMES, KarateConfig


@command("karate", config=KarateConfig)
def karate_command(
    *,
    config: KarateConfig,
    communities: Annotated[
        Literal[(*COMMUNITY_NAMES, "both")],
        typer.Option(
            help="factions: the 2 groups after the split (networkx's 'club'); communities: PyG's 4 "
            "modularity communities (Kipf & Welling's figure); both.",
            case_sensitive=False,
        ),
    ] = "both",
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
    from gcnlab.tasks.karate import train_karate

    names = COMMUNITY_NAMES if communities == "both" else (communities,)
    configs = [dataclasses.replace(config, communities=n) for n in names]
    for one in configs:
        one.validate()
    Files(outputs={"--json": json_path}, plots=plots).check()

    results = []
    runs, epochs = config.runs, config.epochs
    for one in configs:

        def describe(s: Any, name: str = one.communities) -> str:
            return f"{name}: run {s.run + 1}/{runs}  epoch {s.epoch}  loss {s.loss:.3f}"

        with epoch_progress(runs, epochs, describe) as on_epoch:
            results.append(train_karate(one, on_epoch=on_epoch))
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
            f"{mean_spread(r.untrained_acc_mean, r.untrained_acc_std, r.runs)} %",
            f"{mean_spread(r.acc_mean, r.acc_std, r.runs)} % "
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
    writers: list[Writer] = []
    if json_path is not None:
        writers.append(json_writer(json_path, lambda: {r.communities: payload(r) for r in results}))
    if plots is not None:

        def draw() -> Iterator[Path]:
            from gcnlab.plots.karate import karate_figures

            for result in results:
                yield from karate_figures(result, plots, gif=gif)

        writers.append(draw)
    write_outputs(None, writers, partial=any(r.partial for r in results), table=_table(results))
