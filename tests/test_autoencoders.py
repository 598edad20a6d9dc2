"""Encoders, decoder, GAE/VGAE and the losses, against hand computations, dense formulas and
PyG."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch_geometric.nn import GAE as PygGAE
from torch_geometric.nn import VGAE as PygVGAE
from torch_geometric.utils import to_undirected

from gcnlab.nn.autoencoders import (
    GAE,
    VGAE,
    GCNEncoder,
    InnerProductDecoder,
    VariationalGCNEncoder,
    dense_recon_loss,
    kl_loss,
    reconstruction_weights,
    sampled_recon_loss,
)
from gcnlab.nn.norm import normalized_adjacency
from gcnlab.nn.sparse import SparseMatrix


def _softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def _random_graph(n: int, p: float, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    upper = torch.triu(torch.rand(n, n, generator=gen) < p, diagonal=1)
    return to_undirected(upper.nonzero().t(), num_nodes=n)


def _target(edge_index: torch.Tensor, n: int) -> torch.Tensor:
    """The paper's target T = A + I as 0/1 pairs [2, P]."""
    loops = torch.arange(n)
    return torch.cat([edge_index, torch.stack([loops, loops])], dim=1)


def test_reconstruction_weights_by_hand() -> None:
    # 3 nodes, one edge: 2 non-zeros of 9 entries
    pos_weight, norm = reconstruction_weights(3, 2)
    assert pos_weight == pytest.approx(7 / 2) and norm == pytest.approx(9 / 14)
    with pytest.raises(ValueError, match="num_edges"):
        reconstruction_weights(3, 0)


def test_dense_loss_on_a_path_by_hand() -> None:
    # Path 0 - 1 - (2 isolated): z rows (1, 0), (1, 1), (0, 1) give S = [[1,1,0],[1,2,1],[0,1,1]].
    # Ones of T = A + I: (0,0) (1,1) (2,2) (0,1) (1,0), with weight w = 7/2; zeros: (0,2) (2,0)
    # at s = 0, (1,2) (2,1) at s = 1. Loss = norm / 9 * total = total / 14.
    z = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=torch.double, requires_grad=True)
    edges = torch.tensor([[0, 1], [1, 0]])
    w, norm = reconstruction_weights(3, 2)
    total = w * (4 * _softplus(-1) + _softplus(-2)) + 2 * _softplus(0) + 2 * _softplus(1)
    loss = dense_recon_loss(z, _target(edges, 3), w, norm)
    assert loss.item() == pytest.approx(total / 14, rel=1e-12)
    # gradient of the same hand formula, by autograd through scalar terms
    (grad,) = torch.autograd.grad(loss, z)
    s = z @ z.t()
    t = torch.eye(3, dtype=torch.double)
    t[0, 1] = t[1, 0] = 1
    by_hand = sum(w * t[i, j] * F.softplus(-s[i, j]) + (1 - t[i, j]) * F.softplus(s[i, j])
                  for i in range(3) for j in range(3)) / 14
    (expected,) = torch.autograd.grad(by_hand, z)
    assert torch.allclose(grad, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("block_rows", [1, 7, 64, None, 1000])
def test_dense_loss_equals_weighted_bce_over_all_pairs(block_rows: int | None) -> None:
    n = 61
    edges = _random_graph(n, 0.1, seed=0)
    z = (0.7 * torch.randn(n, 5, dtype=torch.double,
                           generator=torch.Generator().manual_seed(1))).requires_grad_()
    w, norm = reconstruction_weights(n, edges.size(1))
    target = torch.zeros(n, n, dtype=torch.double)
    target[tuple(_target(edges, n))] = 1
    reference = norm * F.binary_cross_entropy_with_logits(
        z @ z.t(), target, pos_weight=torch.tensor(w, dtype=torch.double))
    (ref_grad,) = torch.autograd.grad(reference, z)
    loss = dense_recon_loss(z, _target(edges, n), w, norm, block_rows=block_rows)
    (grad,) = torch.autograd.grad(2.5 * loss, z)  # backward scales by the incoming gradient
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    assert torch.allclose(grad, 2.5 * ref_grad, rtol=1e-10, atol=1e-14)


def test_sampled_loss_equals_pygs_recon_loss() -> None:
    n = 30
    pos = _random_graph(n, 0.2, seed=2)
    neg = torch.randint(n, (2, 50), generator=torch.Generator().manual_seed(3))
    z = torch.randn(n, 8, dtype=torch.double, generator=torch.Generator().manual_seed(4))
    expected = PygGAE(torch.nn.Identity()).recon_loss(z, pos, neg)  # adds 1e-15 inside its logs
    assert sampled_recon_loss(z, pos, neg).item() == pytest.approx(expected.item(), rel=1e-9)
    # flagged pairs do not count: same as leaving them out
    valid = torch.arange(50) % 3 != 0
    assert sampled_recon_loss(z, pos, neg, valid).item() == pytest.approx(
        sampled_recon_loss(z, pos, neg[:, valid]).item(), rel=1e-12)


def test_kl_loss_equals_pyg_and_closed_form() -> None:
    gen = torch.Generator().manual_seed(5)
    mu, logstd = torch.randn(10, 4, generator=gen), 0.3 * torch.randn(10, 4, generator=gen)
    expected = PygVGAE(torch.nn.Identity()).kl_loss(mu, logstd)
    assert kl_loss(mu, logstd).item() == pytest.approx(expected.item(), rel=1e-6)
    q = torch.distributions.Normal(mu, logstd.exp())
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    closed = torch.distributions.kl_divergence(q, p).sum(dim=1).mean()
    assert kl_loss(mu, logstd).item() == pytest.approx(closed.item(), rel=1e-6)
    assert kl_loss(torch.zeros(3, 2), torch.zeros(3, 2)).item() == 0.0  # q is the prior


def test_gcn_encoder_is_the_dense_formula() -> None:
    n, f = 12, 6
    edges = _random_graph(n, 0.3, seed=6)
    x = torch.rand(n, f, generator=torch.Generator().manual_seed(7)).round()
    torch.manual_seed(0)
    encoder = GCNEncoder(f, 5, 3)
    a_hat = torch.zeros(n, n)
    a_hat[edges[0], edges[1]] = 1
    a_hat += torch.eye(n)
    d = a_hat.sum(1).pow(-0.5)
    a_norm = d[:, None] * a_hat * d[None, :]
    w0, w1 = encoder.conv1.lin.weight.t(), encoder.conv2.lin.weight.t()
    expected = a_norm @ torch.relu(a_norm @ x @ w0) @ w1
    assert torch.allclose(encoder(x, edges), expected, atol=1e-6)
    fused = encoder(SparseMatrix.from_tensor(x), normalized_adjacency(edges, num_nodes=n))
    assert torch.allclose(fused, expected, atol=1e-6)
    assert encoder.conv1.bias is None and encoder.conv2.bias is None  # the paper has no bias
    assert repr(encoder) == "GCNEncoder(6, 5, 3)"


def test_vgae_samples_in_training_and_scores_with_the_mean() -> None:
    n, f = 9, 4
    edges = _random_graph(n, 0.4, seed=8)
    x = torch.rand(n, f, generator=torch.Generator().manual_seed(9))
    torch.manual_seed(0)
    model = VGAE(VariationalGCNEncoder(f, 6, 3))
    mu, logstd = model.encoder(x, edges)
    torch.manual_seed(1)
    z, kl = model(x, edges)
    torch.manual_seed(1)
    eps = torch.randn_like(mu)
    assert torch.allclose(z, mu + eps * logstd.exp()) and not torch.allclose(z, mu)
    assert kl is not None and kl.item() == pytest.approx(kl_loss(mu, logstd).item())
    torch.manual_seed(2)
    first = model.encode(x, edges)
    torch.manual_seed(3)
    assert torch.equal(first, model.encode(x, edges)) and torch.equal(first, mu)
    assert repr(model) == "VGAE(VariationalGCNEncoder(4, 6, 3))"


def test_gae_forward_and_encode_agree() -> None:
    n, f = 7, 3
    edges = _random_graph(n, 0.5, seed=10)
    x = torch.rand(n, f, generator=torch.Generator().manual_seed(11))
    model = GAE(GCNEncoder(f, 4, 2))
    z, kl = model(x, edges)
    assert kl is None and torch.equal(z, model.encode(x, edges))
    before = model.encoder.conv1.lin.weight.clone()
    model.reset_parameters()
    assert not torch.equal(before, model.encoder.conv1.lin.weight)


def test_inner_product_decoder() -> None:
    z = torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    decoder = InnerProductDecoder()
    pairs = torch.tensor([[0, 1, 2], [1, 2, 2]])
    assert decoder(z, pairs).tolist() == [1.0, 1.0, 0.5]
    assert torch.equal(decoder.forward_all(z)[pairs[0], pairs[1]], decoder(z, pairs))
