"""Link prediction on edge mini-batches (gcnlab.tasks.link_edge_batches), on one process: the
parts of a batch's loss add up to the sampled loss, an epoch visits every training edge once,
one batch of all edges is the full-batch sampled training, and the options are checked."""

from __future__ import annotations

import pytest
import torch

from gcnlab.errors import UsageError
from gcnlab.nn.autoencoders import sampled_recon_loss
from gcnlab.tasks.link import LinkConfig, train_link
from gcnlab.tasks.link_edge_batches import EdgeBatchLinkTask, slice_recon_loss
from gcnlab.utils import distributed

BASE = dict(dataset="karate", epochs=4, runs=1, hidden=8, latent=4, device="cpu")


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 12])
def test_parts_of_a_batch_average_to_its_sampled_loss(parts: int) -> None:
    # 7 pairs in 12 parts: some parts are empty and must give zero, with zero gradients
    gen = torch.Generator().manual_seed(0)
    z0 = torch.randn(10, 3, generator=gen)
    pos = torch.randint(10, (2, 7), generator=gen)
    neg = torch.randint(10, (2, 7), generator=gen)
    valid = torch.tensor([True, False, True, True, True, False, True])

    z = z0.clone().requires_grad_()
    expected = sampled_recon_loss(z, pos, neg, valid)
    expected.backward()
    z_parts = z0.clone().requires_grad_()
    losses = [slice_recon_loss(z_parts, pos, neg, valid, r, parts) for r in range(parts)]
    total = torch.stack(losses).mean()
    total.backward()
    torch.testing.assert_close(total, expected.detach(), rtol=0, atol=1e-6)
    torch.testing.assert_close(z_parts.grad, z.grad, rtol=0, atol=1e-6)


@pytest.mark.parametrize("model", ["gae", "vgae"])
def test_one_batch_of_all_edges_is_full_batch_sampled_training(model: str) -> None:
    full = train_link(LinkConfig(model=model, loss="sampled", **BASE))
    batched = train_link(LinkConfig(model=model, batch_size=10**6, **BASE))
    assert batched.reconstruction == "sampled"
    torch.testing.assert_close(
        [s.loss for s in batched.history[0]], [s.loss for s in full.history[0]], rtol=0, atol=1e-5
    )
    for key, value in full.states[0].items():
        torch.testing.assert_close(batched.states[0][key], value, rtol=0, atol=1e-5)


def test_an_epoch_visits_every_training_edge_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[torch.Tensor] = []
    original = EdgeBatchLinkTask.batch_loss

    def spy(self, net, pos):  # noqa: ANN001, ANN202
        seen.append(pos.clone())
        return original(self, net, pos)

    monkeypatch.setattr(EdgeBatchLinkTask, "batch_loss", spy)
    config = LinkConfig(batch_size=10, **{**BASE, "epochs": 2})
    task = EdgeBatchLinkTask.prepare(config, torch.device("cpu"))
    task.start_run(0, 0)
    task.seed_run(0)
    model = task.build_model()
    optimizer = task.optimizer(model)
    train = task.split.train_pos  # [2, 68] on karate
    epochs = []
    for _ in range(2):
        seen.clear()
        task.train_epoch(model, optimizer)
        assert [b.size(1) for b in seen] == [10] * 6 + [8]
        epochs.append(torch.cat(seen, dim=1))  # [2, 68] in the order visited
        assert sorted(epochs[-1].t().tolist()) == sorted(train.t().tolist())
    assert not torch.equal(epochs[0], epochs[1])  # a new order each epoch


def test_batches_are_reproducible_and_learn() -> None:
    config = LinkConfig(batch_size=16, **{**BASE, "epochs": 30})
    a, b = train_link(config), train_link(config)
    assert [s.loss for s in a.history[0]] == [s.loss for s in b.history[0]]
    losses = [s.loss for s in a.history[0]]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5


@pytest.mark.parametrize(
    "fields,match",
    [
        ({"batch_size": 0}, "batch size must be between 1 and"),
        ({"batch_size": 8, "loss": "dense"}, "drop --loss dense or --batch-size"),
    ],
)
def test_bad_batch_options_are_refused(fields: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        LinkConfig(**fields).validate()


def test_a_batch_smaller_than_the_processes_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gcnlab.train.shared_batches.rank_and_size", lambda: (0, 4))
    with pytest.raises(UsageError, match="--batch-size 3 is smaller than the 4 processes"):
        EdgeBatchLinkTask.prepare(LinkConfig(batch_size=3, **BASE), torch.device("cpu"))


def test_peer_failures_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    gloo = RuntimeError(
        "[/__w/pytorch/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error "
        "[127.0.0.1]:16574: Connection reset by peer. This is typically caused by a remote "
        "worker hanging or bugs in the application. Check the logs of the remote worker."
    )
    assert distributed.peer_failure(gloo) is None  # no group: not a peer's failure
    monkeypatch.setattr(distributed, "rank_and_size", lambda: (0, 2))
    reason = distributed.peer_failure(gloo)
    assert reason == "Read error [127.0.0.1]:16574: Connection reset by peer"
    timeout = RuntimeError(
        "[../third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:81] Timed out waiting "
        "20000ms for recv operation to complete"
    )
    assert distributed.peer_failure(timeout) == (
        "Timed out waiting 20000ms for recv operation to complete"
    )
    assert distributed.peer_failure(RuntimeError("shape mismatch")) is None
    assert distributed.peer_failure(ValueError("gloo")) is None


def test_the_command_line_trains_on_edge_batches(tmp_path) -> None:  # noqa: ANN001
    import json

    from cli_runner import invoke

    out = tmp_path / "batches.json"
    args = ["linkpred", "karate", "--epochs", "3", "--runs", "1", "--device", "cpu"]
    result = invoke([*args, "--batch-size", "16", "--json", out])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["config"]["batch_size"] == 16 and payload["reconstruction"] == "sampled"
    refused = invoke([*args, "--batch-size", "16", "--loss", "dense"])
    assert refused.exit_code == 2
    assert refused.output.strip() == (
        "error: edge mini-batches (--batch-size) train against sampled negatives; "
        "drop --loss dense or --batch-size"
    )
