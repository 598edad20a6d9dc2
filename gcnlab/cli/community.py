"""``gcnlab cluster DATASET``: community detection, scored against the classes, with the
published numbers beside ours."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import command, console
from gcnlab.cli.options import Json
from gcnlab.cli.outputs import Files, Writer, graph_files, mean_spread, report, runs_phrase
from gcnlab.cli.progress import epoch_progress
from gcnlab.community.config import ClusterConfig


@command("cluster", config=ClusterConfig)
def cluster_command(
    *,
    config: ClusterConfig,
    json_path: Json = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Write figures (PNG) into this folder: run 1's embedding coloured by class and "
            "by cluster, and the contingency matrix."
        ),
    ] = None,
    save_clusters: Annotated[
        Path | None,
        typer.Option(
            help="Write every run's clusters as CSV here (node, one column per seed). Without "
            "labels they are written anyway, by default to ./<dataset>-<method>-clusters.csv."
        ),
    ] = None,
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Cluster the nodes of a graph and report ACC, NMI, ARI and macro-F1 against its classes
    (mean ± std over the runs), beside the published numbers."""
    from gcnlab.community.detect import cluster

    config.validate()
    Files(
        inputs=graph_files(config),
        outputs={"--json": json_path, "--save-clusters": save_clusters},
        plots=plots,
    ).check()
    g.set_threads(threads)
    runs, epochs = config.runs, config.epochs

    def describe(s: Any) -> str:
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  loss {s.loss:.4f}"

    if config.method in ("gae", "vgae"):
        with epoch_progress(runs, epochs, describe) as on_epoch:
            result = cluster(config, on_epoch=on_epoch)
    else:
        with console(stderr=True).status(f"clustering {config.dataset} ({config.method})"):
            result = cluster(config)
    _report(result, json_path=json_path, plots=plots, save_clusters=save_clusters)


def _summary(result: Any) -> str:
    what = (
        f"{result.dataset} {result.model}: {result.num_clusters} clusters, "
        f"{runs_phrase(result.runs)}, k-means with {result.restarts} restarts"
    )
    if result.power:
        what += f", smoothing order p = {', '.join(map(str, sorted(set(result.power))))}"
        capped = result.stopped_by.count("cap")
        if capped:
            what += f" (the cap in {capped} of {result.runs} runs: the adaptive rule never stopped)"
    what += f" ({result.seconds:.1f} s, {result.device})"
    if not result.labelled:
        return f"{what}\nno labels: clusters not scored"
    scores = ", ".join(
        f"{name.upper() if name != 'f1' else 'F1'} "
        + mean_spread(getattr(result, f"{name}_mean"), getattr(result, f"{name}_std"), result.runs)
        for name in ("acc", "nmi", "ari", "f1")
    )
    return f"{what}\n{scores} %"


def _table(result: Any) -> Any:
    """Our row and the published anchors on this dataset, as a rich table (None: none)."""
    from rich.table import Table

    from gcnlab.experiments.published import published_clustering

    anchors = published_clustering(result.dataset)
    if not anchors or not result.labelled:
        return None

    def pct(mean: float | None, std: float | None = None) -> str:
        if mean is None:
            return "—"
        return mean_spread(mean, std, result.runs) if std is not None else f"{mean:.1f}"

    table = Table(title=f"{result.dataset}: ours beside the published means (%)")
    for column in ("method", "ACC", "NMI", "ARI", "F1"):
        table.add_column(column, justify="left" if column == "method" else "right")
    table.add_row(
        f"gcnlab {result.model}",
        pct(result.acc_mean, result.acc_std),
        pct(result.nmi_mean, result.nmi_std),
        pct(result.ari_mean, result.ari_std),
        pct(result.f1_mean, result.f1_std),
    )
    for a in anchors:
        mark = " ←" if a.ours == result.model else ""
        table.add_row(f"{a.method} ({a.source.key}){mark}", pct(a.acc), pct(a.nmi), pct(a.ari), "—")
    marked = any(a.ours == result.model for a in anchors)
    table.caption = ("← the anchor of this method; " if marked else "") + "— not reported"
    return table


def payload(result: Any) -> dict:
    """The JSON form of a cluster result: scores and config, without the per-node clusters,
    the embedding, the per-epoch history or the weights."""
    import dataclasses

    from gcnlab.community.detect import NOT_IN_JSON
    from gcnlab.io.checkpoint import result_metrics

    out = result_metrics(dataclasses.replace(result, clusters=[], embedding=None))
    for name in NOT_IN_JSON:
        out.pop(name, None)
    return out


def _report(
    result: Any, *, json_path: Path | None, plots: Path | None, save_clusters: Path | None
) -> None:
    if save_clusters is None and not result.labelled:
        from gcnlab.train.graph_input import safe_name

        save_clusters = Path(f"{safe_name(result.dataset)}-{result.model}-clusters.csv")
    writers = [] if save_clusters is None else [_clusters_writer(result, save_clusters)]
    report(
        result,
        _summary(result),
        json_path=json_path,
        save=None,
        plots=plots,
        payload=payload,
        writers=writers,
        table=_table(result),
    )


def _clusters_writer(result: Any, path: Path) -> Writer:
    def write() -> Path:
        from gcnlab.io.communities import write_clusters

        return write_clusters(path, result.clusters, result.seeds, result.node_ids)

    return write
