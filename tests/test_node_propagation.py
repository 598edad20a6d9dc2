"""The node task's model options: propagation (Table 3), layers and residual (Appendix B)."""

from __future__ import annotations

import pytest
import torch

from gcnlab import GCN, NodeConfig, PropagationGCN, train_node
from gcnlab.errors import UsageError
from gcnlab.tasks.node import PROPAGATIONS, NodeTask


def _task(**options) -> NodeTask:
    config = NodeConfig(dataset="karate", runs=1, epochs=3, **options)
    config.validate()
    return NodeTask.prepare(config, torch.device("cpu"))


@pytest.mark.parametrize("propagation", PROPAGATIONS)
def test_every_propagation_trains_through_the_loop(propagation: str) -> None:
    result = train_node(NodeConfig(dataset="karate", runs=2, epochs=2, propagation=propagation))
    assert result.runs == 2 and len(result.test_acc) == 2
    assert result.model == ("gcn" if propagation == "renormalization" else propagation)
    assert result.config["propagation"] == propagation


def test_the_default_is_still_the_papers_gcn() -> None:
    task = _task()
    assert isinstance(task.make_model(), GCN) and task.model_name == "gcn"
    deep = _task(layers=4, residual=True)
    model = deep.make_model()
    assert isinstance(model, PropagationGCN) and model.num_layers == 4 and model.residual
    assert deep.model_name == "gcn-4-layers-residual"
    assert _task(propagation="mlp", layers=3).model_name == "mlp-3-layers"


def test_weight_decay_is_on_the_first_layer_only() -> None:
    task = _task(propagation="chebyshev-3", layers=3)
    model = task.make_model()
    first, rest = task.optimizer(model).param_groups
    assert first["weight_decay"] == 5e-4 and rest["weight_decay"] == 0.0
    assert {id(p) for p in first["params"]} == {id(p) for p in model.convs[0].parameters()}
    assert len(first["params"]) + len(rest["params"]) == len(list(model.parameters()))


def test_mlp_has_no_operator_and_ignores_the_graph() -> None:
    task = _task(propagation="mlp")
    assert task.adj is None
    model = task.make_model().eval()
    assert task.embed(model).shape == (34, 16)


def test_bad_options_are_refused() -> None:
    with pytest.raises(UsageError, match="propagation must be one of chebyshev-3"):
        NodeConfig(propagation="cheb").validate()
    with pytest.raises(UsageError, match="layers must be between 1 and 1000"):
        NodeConfig(layers=0).validate()


def test_train_command_takes_the_model_options(tmp_path) -> None:  # noqa: ANN001
    import json

    from cli_runner import invoke

    out = tmp_path / "r.json"
    result = invoke(
        [
            "train",
            "karate",
            "--propagation",
            "chebyshev-2",
            "--layers",
            "3",
            "--residual",
            "--runs",
            "1",
            "--epochs",
            "2",
            "--json",
            out,
        ]
    )
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text())
    assert saved["model"] == "chebyshev-2-3-layers-residual"
    assert (saved["config"]["layers"], saved["config"]["residual"]) == (3, True)
    refused = invoke(["train", "karate", "--propagation", "cheb"])
    assert refused.exit_code == 2 and "'cheb' is not one of 'chebyshev-3'" in refused.stderr
