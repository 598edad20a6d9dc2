"""``gcnlab train digits``: the message-passing CNN on scikit-learn's digits.

``gcnlab/cli/train.py`` hands ``train digits`` to :func:`run_digits`. The train command's defaults
are the GCN paper's, so only the options given on the command line are used here; the others keep
:class:`~gcnlab.tasks.image.DigitsConfig`'s defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gcnlab.cli.outputs import check_outputs, report, runs_phrase
from gcnlab.cli.progress import epoch_progress

# train-command option -> DigitsConfig field
OPTION_FIELDS = {
    "epochs": "epochs",
    "lr": "lr",
    "dropout": "dropout",
    "weight_decay": "weight_decay",
    "patience": "patience",
    "runs": "runs",
    "seed": "seed",
    "device": "device",
    "hidden": "channels",
    "layer": "layer",
}
# train-command options that mean nothing for images, with the reason
NOT_FOR_DIGITS = {
    "root": "the digits ship with scikit-learn",
    "bias": "the CNN's convolutions always have a bias",
    "select": "digits always reports the epoch with the best validation accuracy",
}


def _current_context():  # noqa: ANN202 (Click's Context, whichever copy Typer uses)
    try:  # Typer >= 0.22 carries its own copy of Click
        from typer._click.globals import get_current_context
    except ImportError:
        from click import get_current_context
    return get_current_context(silent=True)


def _given(options: dict[str, Any]) -> set[str]:
    """The options set on the command line (all of them when called outside a command)."""
    ctx = _current_context()
    if ctx is None:
        return set(options)
    sources = {name: ctx.get_parameter_source(name) for name in options}
    return {
        name for name, source in sources.items() if source is not None and source.name != "DEFAULT"
    }


def run_digits(
    *,
    json_path: Path | None = None,
    plots: Path | None = None,
    save: Path | None = None,
    **options: Any,
) -> None:
    """Train and report :func:`gcnlab.tasks.image.train_digits` from the train command's options.

    ``options`` are the train command's (``epochs``, ``lr``, ..., ``layer``); ``plots`` is a
    folder for the first run's first-layer filters and feature maps (PNG); ``save`` a checkpoint
    file (see :mod:`gcnlab.io.checkpoint`).
    """
    from gcnlab.errors import UsageError
    from gcnlab.tasks.image import DigitsConfig, train_digits

    given = _given(options)
    unused = sorted(given & NOT_FOR_DIGITS.keys())
    if unused:
        raise UsageError(f"--{unused[0]} does not apply to digits: {NOT_FOR_DIGITS[unused[0]]}")
    config = DigitsConfig(**{OPTION_FIELDS[k]: options[k] for k in given if k in OPTION_FIELDS})
    config.validate()
    check_outputs(json_path, save, plots)

    def describe(s) -> str:  # noqa: ANN001
        return f"run {s.run + 1}/{config.runs}  epoch {s.epoch}  val acc {100 * s.val_acc:.1f}%"

    with epoch_progress(config.runs, config.epochs, describe) as on_epoch:
        result = train_digits(config, on_epoch=on_epoch)

    report(
        result,
        f"digits ({config.layer}): test accuracy {100 * result.test_acc_mean:.1f} ± "
        f"{100 * result.test_acc_std:.1f} % over {runs_phrase(result.runs)} "
        f"({result.seconds:.1f} s, {result.device})",
        json_path=json_path,
        save=save,
        plots=plots,
    )


def draw_digits_plots(result, folder: Path) -> list[Path]:  # noqa: ANN001
    """The first run's first-layer kernels and their feature maps on the first test digit
    (:func:`gcnlab.plots.digits.digits_figures`)."""
    from gcnlab.plots.digits import digits_figures

    return digits_figures(result, folder)
