"""The commands' options: derived from the configs (defaults, choices, bounds),
help that shows them, flags without a type."""

from __future__ import annotations

import dataclasses
import re

import pytest
from cli_runner import invoke

import gcnlab.tasks.digits as image
import gcnlab.tasks.link as link
import gcnlab.tasks.node as node
from gcnlab.cli.app import app
from gcnlab.cli.derive import option_fields, option_name
from gcnlab.community.config import ClusterConfig
from gcnlab.experiments.reproduce_config import ReproduceConfig
from gcnlab.tasks.digits_config import DigitsConfig
from gcnlab.tasks.embed_config import EmbedConfig
from gcnlab.tasks.karate_config import KarateConfig
from gcnlab.tasks.link_config import LinkConfig
from gcnlab.tasks.node_config import REORDERS, NodeConfig


def _params(command: str) -> dict[str, object]:
    """The Click parameters of ``gcnlab COMMAND`` by name."""
    import typer

    cli = typer.main.get_command(app)
    return {p.name: p for p in cli.commands[command].params}  # type: ignore[attr-defined]


# command -> its config, and the options it declares itself under a field's name
DERIVED = {
    "train": (NodeConfig, ()),
    "linkpred": (LinkConfig, ()),
    "digits": (DigitsConfig, ()),
    "cluster": (ClusterConfig, ()),
    "karate": (KarateConfig, ("communities",)),  # one of the two, or both
    "embed": (EmbedConfig, ()),
    "reproduce": (ReproduceConfig, ()),
}


@pytest.mark.parametrize("command", list(DERIVED))
def test_options_are_derived_from_the_config(command: str) -> None:
    """Every option field is an option with the field's default, choices and bounds; every
    other field is none; --help shows them."""
    config, own = DERIVED[command]
    text = _help(command)  # registers the commands
    params = _params(command)
    fields = dict((f.name, spec) for f, spec in option_fields(config))
    for f in dataclasses.fields(config):
        if f.name not in fields:
            assert f.name not in params or f.name in own, f.name
            continue
        spec, param = fields[f.name], params[f.name]
        default = None if f.default is dataclasses.MISSING else f.default
        assert param.default == default, f.name
        assert getattr(param, "min", None) == spec.min, f.name
        assert getattr(param, "max", None) == spec.max, f.name
        if spec.argument:
            continue
        assert option_name(config, f.name) in param.opts, f.name
        if spec.choices is not None:  # listed in --help, checked by Click
            assert f"{option_name(config, f.name)} <{'|'.join(spec.choices)}>" in text, f.name
        if default not in (None, False):  # a repeated option's values shown as Click lists them
            values = default if isinstance(default, tuple) else (default,)
            shown = re.escape(", ".join(map(str, values)))
            assert re.search(rf"\[default: {shown}[;\]]", text), f.name


def test_registries_are_keyed_by_the_names_the_configs_list() -> None:
    from gcnlab.data.reorder import ORDERS

    assert REORDERS == ("none", *ORDERS) and tuple(node.SELECTIONS) == node.SELECTS
    assert link.MODELS == ("gae", "vgae")


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


def test_no_help_offers_an_overflow_guard_as_a_bound() -> None:
    from gcnlab.cli.app import app

    _help("train")  # registers the commands
    for name in [c.name for c in app.registered_commands]:
        text = _help(name)
        assert not re.search(r"x<=\d(\.\d+)?e\+\d+", text), (name, text)
        assert "2147483647" not in text, name


def test_evaluate_device_is_where_to_score() -> None:
    text = _help("evaluate")
    assert re.search(r"--device <auto\|cpu\|cuda> Where to score", text)
    assert "Where to train" not in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["--model", "gae", "--split", "random"], "--split applies to --model gcn, not gae"),
        (
            ["--model", "vgae", "--labels-file", "l.csv", "--label-attr", "club"],
            "--labels-file, --label-attr apply to --model gcn, not vgae",
        ),
        (["--latent", "8"], "--latent applies to --model gae or vgae, not gcn"),
    ],
)
def test_embed_refuses_the_other_models_options(args: list[str], message: str) -> None:
    result = invoke(["embed", "karate", "--out", "e.npy", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {message}"]


def test_embed_trains_the_config_its_options_make(monkeypatch: pytest.MonkeyPatch) -> None:
    received = []

    class Stop(Exception):
        pass

    def fake(config: object, on_epoch: object = None) -> None:
        received.append(config)
        raise Stop

    monkeypatch.setattr(link, "train_link", fake)
    result = invoke(["embed", "karate", "--out", "e.npy", "--model", "vgae", "--debug"])
    assert isinstance(result.exception, Stop)
    assert received == [link.LinkConfig(dataset="karate", model="vgae", runs=1)]
