"""The commands' options: Enum choices that are the library's, defaults that are the configs',
help that shows them, flags without a type."""

from __future__ import annotations

import dataclasses
import re

import pytest
from cli_runner import invoke

import gcnlab.tasks.digits as image
import gcnlab.tasks.link as link
import gcnlab.tasks.node as node
from gcnlab.cli import options
from gcnlab.data.reorder import ORDER_NAMES
from gcnlab.experiments.reproduce import COMMAND_CHOICES
from gcnlab.nn.digits_cnn import LAYERS
from gcnlab.utils.runtime import DEVICES


@pytest.mark.parametrize(
    "enum,values",
    [
        (options.Device, DEVICES),
        (options.Select, node.SELECTS),
        (options.PropagationModel, node.PROPAGATIONS),
        (options.Layer, LAYERS),
        (options.LinkModel, link.MODELS),
        (options.LinkLoss, link.LOSSES),
        (options.Features, link.FEATURES),
        (options.Protocol, COMMAND_CHOICES),
        (options.Batch, node.BATCHES),
        (options.Reorder, ORDER_NAMES),
    ],
)
def test_choices_are_the_librarys(enum: type, values: tuple[str, ...]) -> None:
    assert tuple(member.value for member in enum) == values


def _help(command: str) -> str:
    result = invoke([command, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


# command -> its config, and option -> config field
COMMANDS = {
    "train": (
        node.NodeConfig(),
        {
            "epochs": "epochs",
            "hidden": "hidden",
            "lr": "lr",
            "dropout": "dropout",
            "weight-decay": "weight_decay",
            "patience": "patience",
            "runs": "runs",
            "seed": "seed",
            "select": "select",
            "device": "device",
        },
    ),
    "digits": (
        image.DigitsConfig(),
        {
            "epochs": "epochs",
            "channels": "channels",
            "lr": "lr",
            "dropout": "dropout",
            "weight-decay": "weight_decay",
            "patience": "patience",
            "runs": "runs",
            "seed": "seed",
            "batch-size": "batch_size",
            "layer": "layer",
        },
    ),
    "linkpred": (
        link.LinkConfig(),
        {
            "epochs": "epochs",
            "hidden": "hidden",
            "latent": "latent",
            "lr": "lr",
            "runs": "runs",
            "model": "model",
            "loss": "loss",
            "features": "features",
        },
    ),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_shows_the_defaults_the_command_uses(command: str) -> None:
    config, fields = COMMANDS[command]
    text = _help(command)
    for option, field in fields.items():
        value = getattr(config, field)
        assert re.search(rf"--{option} \S+ .*?\[default: {re.escape(str(value))}[;\]]", text), (
            option,
            value,
        )


def test_train_shows_no_digits_option_and_digits_no_graph_option() -> None:
    train, digits = _help("train"), _help("digits")
    # digits' --layer, not the graphs' --layers
    assert not re.search(r"--layer\b", train) and "--channels" not in train
    assert "--hidden" not in digits and "--root" not in digits and "--select" not in digits
    assert "[default: 100;" in digits and "[default: 200;" in train  # epochs


def test_flags_take_no_value_and_show_no_type() -> None:
    for command in ("", "train"):
        result = invoke([command, "--help"] if command else ["--help"])
        assert "<bool>" not in result.stdout
        assert "bool" not in result.stdout.lower().replace("boolean", "")
    bias = next(
        line
        for line in invoke(["train", "--help"]).stdout.splitlines()
        if line.strip().startswith("--bias")
    )
    assert bias.split()[:2] == ["--bias", "Add"]


def test_train_without_options_gets_the_config_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    received = []

    class Stop(Exception):
        pass

    def fake(config: node.NodeConfig, on_epoch: object = None) -> None:
        received.append(config)
        raise Stop

    monkeypatch.setattr(node, "train_node", fake)
    result = invoke(["train", "karate", "--debug"])
    assert isinstance(result.exception, Stop)
    assert received == [dataclasses.replace(node.NodeConfig(), dataset="karate")]


def test_config_default_reads_the_dataclass_when_needed() -> None:
    default = options.ConfigDefault("gcnlab.tasks.digits:DigitsConfig", "lr")
    assert default() == image.DigitsConfig().lr and str(default) == "0.003"
    assert not options.ConfigDefault("gcnlab.tasks.node:NodeConfig", "bias")


@pytest.mark.parametrize(
    "defaults", [options.NODE, options.LINK, options.DIGITS, options.REPRODUCE]
)
def test_help_defaults_read_from_the_source_are_the_real_ones(
    defaults: options.ConfigDefaults,
) -> None:
    """Every field whose default the source spells as a literal (inherited ones included) reads
    the same value without importing the module; the others fall back to importing it."""
    module, name = defaults.config.split(":")
    cls = getattr(__import__(module, fromlist=[name]), name)
    literal = 0
    for f in dataclasses.fields(cls):
        read = options.source_default(module, name, f.name)
        if read is options.NOT_LITERAL:
            continue
        literal += 1
        assert read == f.default, f.name
        assert str(getattr(defaults, f.name)) == str(f.default)
    assert literal >= 5  # epochs, lr, runs, seed, device at least


def test_every_command_help_imports_no_torch() -> None:
    import subprocess
    import sys

    from gcnlab.cli.app import app

    names = [c.name for c in app.registered_commands]
    code = (
        "import sys\n"
        "from gcnlab.cli.entry import main\n"
        f"for name in {names!r}:\n"
        "    sys.argv = ['gcnlab', name, '--help']\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    assert 'torch' not in sys.modules, name\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
    assert len(names) >= 10
