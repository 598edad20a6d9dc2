"""``gcnlab cluster DATASET``: community detection, scored against the classes, with the
published numbers beside ours."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from gcnlab.cli import graph_options as g
from gcnlab.cli.app import EXIT_INTERRUPTED, command, console
from gcnlab.cli.options import (
    ConfigDefaults,
    DeviceOption,
    Epochs,
    Hidden,
    Json,
    Lr,
    Root,
    Runs,
    Seed,
)
from gcnlab.cli.outputs import check_outputs, runs_phrase
from gcnlab.cli.progress import epoch_progress
from gcnlab.train.bounds import MAX_HIDDEN, MAX_RUNS

CLUSTER = ConfigDefaults("gcnlab.community.detect:ClusterConfig")


class Method(str, Enum):  # gcnlab.community.detect.METHODS (a test checks)
    gae = "gae"
    vgae = "vgae"
    smooth = "smooth"
    kmeans = "kmeans"
    spectral = "spectral"


class Features(str, Enum):  # gcnlab.community.detect.FEATURES
    raw = "raw"
    normalized = "normalized"


class Assign(str, Enum):  # gcnlab.community.methods.ASSIGNMENTS
    spectral = "spectral"
    kmeans = "kmeans"


@command("cluster")
def cluster_command(
    dataset: g.Dataset = CLUSTER.dataset,
    method: Annotated[
        Method,
        typer.Option(
            help="gae / vgae: graph auto-encoder trained on every edge, then k-means; smooth: "
            "AGC's low-pass filter (I + Â)/2 applied p times, then spectral clustering; "
            "kmeans: features only; spectral: graph only.",
            case_sensitive=False,
        ),
    ] = CLUSTER.method,
    k: Annotated[
        int | None,
        typer.Option("--k", help="Number of clusters (default: the number of classes)."),
    ] = None,
    runs: Runs = CLUSTER.runs,
    seed: Seed = CLUSTER.seed,
    restarts: Annotated[
        int,
        typer.Option(
            help="k-means restarts per clustering (k-means++ starts; the lowest inertia is kept).",
            max=MAX_RUNS,
        ),
    ] = CLUSTER.restarts,
    features: Annotated[
        Features,
        typer.Option(
            help="raw (binary words on Cora/CiteSeer: AGC's and the GAE paper's input) or "
            "normalized (rows sum to 1).",
            case_sensitive=False,
        ),
    ] = CLUSTER.features,
    epochs: Epochs = CLUSTER.epochs,
    lr: Lr = CLUSTER.lr,
    hidden: Hidden = CLUSTER.hidden,
    latent: Annotated[
        int, typer.Option(help="gae/vgae: embedding size.", min=1, max=MAX_HIDDEN)
    ] = CLUSTER.latent,
    power: Annotated[
        int | None,
        typer.Option(
            help="smooth: a fixed smoothing order p (default: AGC's adaptive choice, without "
            "labels)."
        ),
    ] = None,
    max_power: Annotated[
        int, typer.Option(help="smooth: the largest order the adaptive choice tries.")
    ] = CLUSTER.max_power,
    assign: Annotated[
        Assign,
        typer.Option(
            help="smooth: spectral (top singular vectors of the smoothed features, AGC's) or "
            "kmeans (on the smoothed features).",
            case_sensitive=False,
        ),
    ] = CLUSTER.assign,
    device: DeviceOption = CLUSTER.device,
    root: Root = None,
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
    features_file: g.FeaturesFile = None,
    labels_file: g.LabelsFile = None,
    label_attr: g.LabelAttr = "label",
    featureless: g.Featureless = "identity",
    threads: g.Threads = g.DEFAULT_THREADS,
) -> None:
    """Cluster the nodes of a graph and report ACC, NMI, ARI and macro-F1 against its classes
    (mean ± std over the runs), beside the published numbers."""
    from gcnlab.community.detect import ClusterConfig, cluster

    graph = g.graph_fields(
        directed=False,
        features_file=features_file,
        labels_file=labels_file,
        label_attr=label_attr,
        featureless=featureless,
    )
    config = ClusterConfig(
        dataset=dataset,
        method=Method(method).value,
        k=k,
        runs=runs,
        seed=seed,
        restarts=restarts,
        features=Features(features).value,
        epochs=epochs,
        lr=lr,
        hidden=hidden,
        latent=latent,
        power=power,
        max_power=max_power,
        assign=Assign(assign).value,
        device=device.value if isinstance(device, Enum) else str(device),
        root=None if root is None else str(root),
        **graph,
    )
    config.validate()
    check_outputs(json_path, None, plots, save_clusters)
    g.set_threads(threads)

    def describe(s: Any) -> str:
        return f"run {s.run + 1}/{runs}  epoch {s.epoch}  loss {s.loss:.4f}"

    if config.method in ("gae", "vgae"):
        with epoch_progress(runs, epochs, describe) as on_epoch:
            result = cluster(config, on_epoch=on_epoch)
    else:
        with console(stderr=True).status(f"clustering {dataset} ({config.method})"):
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
        f"{name.upper() if name != 'f1' else 'F1'} {100 * getattr(result, f'{name}_mean'):.1f} ± "
        f"{100 * getattr(result, f'{name}_std'):.1f}"
        for name in ("acc", "nmi", "ari", "f1")
    )
    return f"{what}\n{scores} %"


def _table(result: Any) -> Any:
    """Our row and the published anchors on this dataset, as a rich table (None: none)."""
    from rich.table import Table

    from gcnlab.experiments.community_anchors import anchors_for

    anchors = anchors_for(result.dataset)
    if not anchors or not result.labelled:
        return None

    def pct(mean: float | None, std: float | None = None) -> str:
        if mean is None:
            return "—"
        return f"{100 * mean:.1f} ± {100 * std:.1f}" if std is not None else f"{mean:.1f}"

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
    note = " (interrupted: finished runs only)" if result.partial else ""
    typer.echo(f"{_summary(result)}{note}")
    table = _table(result)
    if table is not None:
        console().print(table)
    if json_path is not None:
        from gcnlab.io.results import write_json

        write_json(json_path, payload(result))
        typer.echo(f"wrote {json_path}")
    if save_clusters is None and not result.labelled:
        from gcnlab.train.graph_input import safe_name

        save_clusters = Path(f"{safe_name(result.dataset)}-{result.model}-clusters.csv")
    if save_clusters is not None:
        from gcnlab.io.communities import write_clusters

        path = write_clusters(save_clusters, result.clusters, result.seeds, result.node_ids)
        typer.echo(f"wrote {path}")
    if plots is not None:
        from gcnlab.plots import draw_result

        for path in draw_result(result, plots):
            typer.echo(f"wrote {path}")
    if result.partial:
        raise typer.Exit(EXIT_INTERRUPTED)
