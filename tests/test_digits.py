"""The digits CNN: the split, GridConv = Conv2d networks, a short run learns, the command."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch
from cli_runner import invoke

import gcnlab.tasks.digits as digits
from gcnlab.data.digits import load_digits_split
from gcnlab.errors import UsageError
from gcnlab.nn.digits_cnn import DigitsCNN, DigitsConvStack
from gcnlab.plots.digits import digits_figures, first_layer
from gcnlab.tasks.digits import DigitsConfig, train_digits

# a few epochs are enough to be far above chance (10 %)
SHORT = dict(epochs=3, runs=1, device="cpu", channels=8)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny batches: one thread is faster, and immune to other processes' load."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def short_result():
    torch.set_num_threads(1)
    return train_digits(DigitsConfig(**SHORT), on_epoch=None)


def test_split_is_stratified_disjoint_and_seeded():
    split = load_digits_split()
    sizes = {k: len(v) for k, v in split.index.items()}
    assert sizes == {"train": 1293, "val": 144, "test": 360} and sum(sizes.values()) == 1797
    every = torch.cat(list(split.index.values()))
    assert len(every.unique()) == 1797
    assert split.x.shape == (1797, 1, 8, 8) and 0.0 <= split.x.min() < split.x.max() <= 1.0
    counts = torch.bincount(split.y[split.index["test"]], minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # 20 % of each class of ~180
    again = load_digits_split()
    assert all(torch.equal(split.index[k], again.index[k]) for k in split.index)
    other = load_digits_split(split_seed=1)
    assert not torch.equal(split.index["test"], other.index["test"])


def test_gridconv_and_conv2d_networks_are_the_same_function():
    torch.manual_seed(0)
    ours = DigitsCNN(8, layer="gridconv").eval()
    torch.manual_seed(0)
    torch_net = DigitsCNN(8, layer="conv2d").eval()
    for name, tensor in torch_net.state_dict().items():  # same seed, same initial weights
        assert torch.equal(ours.state_dict()[name], tensor)
    x = torch.rand(5, 1, 8, 8)
    torch.testing.assert_close(ours(x), torch_net(x), atol=1e-5, rtol=1e-5)
    assert ours(x).shape == (5, 10)


def test_conv_stack_is_the_receptive_field_stack_and_a_digits_classifier():
    from gcnlab.nn.receptive_field import conv_stack

    torch.manual_seed(0)
    net = DigitsConvStack(3, 4, layer="gridconv").eval()
    torch.manual_seed(0)
    twin = DigitsConvStack(3, 4, layer="conv2d").eval()
    x = torch.rand(5, 1, 8, 8)
    torch.testing.assert_close(net(x), twin(x), atol=1e-5, rtol=1e-5)
    assert net(x).shape == (5, 10) and net.classifier.in_features == 4 * 64
    # stack(): conv, ReLU, conv, ReLU, conv, sharing the weights; the same map as
    # conv_stack(3, 4, relu=True) with those weights, on any canvas size
    stack = net.stack()
    assert [type(m).__name__ for m in stack] == ["GridConv", "ReLU"] * 2 + ["GridConv"]
    assert stack[0] is net.convs[0] and all(c.bias is None for c in net.convs)
    reference = conv_stack(3, 4, relu=True)
    reference.load_state_dict(stack.state_dict())
    canvas = torch.rand(2, 1, 11, 11)
    torch.testing.assert_close(stack(canvas), reference(canvas))
    # forward: the stack, ReLU, dropout (off), the dense classifier
    expected = net.classifier(stack(x).relu().flatten(1))
    torch.testing.assert_close(net(x), expected)
    with pytest.raises(ValueError, match="num_layers must be at least 1"):
        DigitsConvStack(0)


def test_a_stack_trains_through_the_task():
    r = train_digits(DigitsConfig(**{**SHORT, "epochs": 2, "stack": 2}))
    assert r.model == "stack2-gridconv" and isinstance(r.trained, DigitsConvStack)
    assert r.num_parameters == 1 * 8 * 9 + 8 * 8 * 9 + 8 * 64 * 10 + 10
    assert r.test_acc_mean > 0.3  # chance is 0.1
    with pytest.raises(UsageError, match="stack must be between 0 and"):
        DigitsConfig(stack=-1).validate()


def test_config_errors():
    with pytest.raises(UsageError, match="layer must be one of gridconv, conv2d"):
        DigitsConfig(layer="dense").validate()
    with pytest.raises(UsageError, match="test fraction"):
        DigitsConfig(test_fraction=0.9).validate()
    with pytest.raises(UsageError, match="dropout"):
        train_digits(DigitsConfig(dropout=1.0))


def test_a_short_run_learns(short_result):
    r = short_result
    assert (r.dataset, r.task, r.model, r.runs, r.seeds) == (
        "digits",
        "image",
        "cnn-gridconv",
        1,
        [0],
    )
    assert r.test_acc_mean > 0.5  # chance is 0.1
    assert r.test_acc == [r.history[0][r.best_epoch[0] - 1].test_acc]
    best = max(r.history[0], key=lambda s: (s.val_acc, -s.val_loss))
    assert r.best_epoch == [best.epoch]  # chosen by validation, not by test
    assert r.split_sizes == {"train": 1293, "val": 144, "test": 360}
    assert r.config["layer"] == "gridconv" and r.versions["torch"] == torch.__version__
    kernels, maps = first_layer(r.trained, torch.rand(1, 8, 8))
    assert kernels.shape == (8, 3, 3) and maps.shape == (8, 8, 8) and bool((maps >= 0).all())


def test_on_epoch_and_conv2d_layer():
    seen = []
    r = train_digits(
        DigitsConfig(**{**SHORT, "epochs": 2, "layer": "conv2d"}), on_epoch=seen.append
    )
    assert [(s.run, s.epoch) for s in seen] == [(0, 1), (0, 2)]
    assert r.model == "cnn-conv2d" and r.epochs == [2]


def test_digits_command_passes_its_options_and_defaults(monkeypatch, tmp_path, short_result):
    received = []

    def fake(config, on_epoch=None):
        received.append(config)
        return short_result

    monkeypatch.setattr(digits, "train_digits", fake)
    out = tmp_path / "r.json"
    result = invoke(
        ["digits", "--epochs", "7", "--layer", "conv2d", "--channels", "4", "--json", out]
    )
    assert result.exit_code == 0, result.output
    (config,) = received
    assert config == dataclasses.replace(DigitsConfig(), epochs=7, layer="conv2d", channels=4)
    assert "digits (conv2d): test accuracy" in result.output
    payload = json.loads(out.read_text())
    assert payload["dataset"] == "digits" and payload["task"] == "image"
    assert payload["test_acc_mean"] == pytest.approx(short_result.test_acc_mean)
    assert len(payload["history"]) == payload["runs"] and "trained" not in payload


def test_digits_help_shows_the_digits_defaults():
    text = invoke(["digits", "--help"]).stdout
    defaults = DigitsConfig()
    for option, value in [
        ("--epochs", defaults.epochs),
        ("--channels", defaults.channels),
        ("--lr", defaults.lr),
        ("--runs", defaults.runs),
        ("--patience", defaults.patience),
        ("--dropout", defaults.dropout),
    ]:
        assert re.search(rf"{option} .*?\[default: {value}[;\]]", text, re.S), option
    assert "--hidden" not in text and "--select" not in text and "--root" not in text


def test_digits_command_runs_with_plots(tmp_path):
    out = tmp_path / "r.json"
    result = invoke(
        [
            "digits",
            "--epochs",
            "2",
            "--runs",
            "1",
            "--channels",
            "4",
            "--device",
            "cpu",
            "--json",
            out,
            "--plots",
            tmp_path / "plots",
        ]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["config"]["channels"] == 4 and payload["epochs"] == [2]
    assert payload["test_acc_mean"] > 0.2
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "digits_feature_maps.png",
        "digits_filters.png",
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (["digits", "--layer", "dense"], "Invalid value for '--layer'"),
        (["digits", "--root", "x"], "No such option: --root"),
        (["digits", "--channels", "100000"], "Invalid value for '--channels'"),
        (["train", "digits"], "use 'gcnlab digits'"),
        (["train", "cora", "--layer", "conv2d"], "No such option: --layer"),
    ],
)
def test_digits_command_errors(args, message):
    result = invoke(args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_digits_plots(short_result, tmp_path):
    paths = digits_figures(short_result, tmp_path / "plots")
    assert [p.name for p in paths] == ["digits_filters.png", "digits_feature_maps.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)


@pytest.mark.slow
@pytest.mark.parametrize("layer", ["gridconv", "conv2d"])
def test_reaches_97_percent(layer):
    r = train_digits(DigitsConfig(layer=layer, device="cpu"))
    assert r.test_acc_mean >= 0.97
