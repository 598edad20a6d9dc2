"""GridConv against torch.nn.Conv2d: outputs, gradients and state dicts, both paths."""

from __future__ import annotations

import itertools

import pytest
import torch

from gcnlab.nn.grid import grid_graph
from gcnlab.nn.grid_conv import GridConv, neighbour_table_conv

PATHS = ["table", "message"]
SWEEP = list(
    itertools.product([1, 2, 3, (2, 3), (3, 1)], [1, 2, (2, 1)], [0, 1, (2, 0)], [1, (1, 2)])
)
# the per-tap propagate() path is slower: a covering subset by default, all of SWEEP with -m slow
MESSAGE_SWEEP = [
    (3, 1, 1, 1),
    (2, 1, 0, 1),
    ((2, 3), (2, 1), (2, 0), (1, 2)),
    (1, 2, 1, 1),
    ((3, 1), 1, (2, 0), (1, 2)),
    (3, 2, 0, (1, 2)),
]
CASES = (
    [pytest.param(*case, "table", id=f"table-{i}") for i, case in enumerate(SWEEP)]
    + [pytest.param(*case, "message", id=f"message-{i}") for i, case in enumerate(MESSAGE_SWEEP)]
    + [
        pytest.param(*case, "message", id=f"message-all-{i}", marks=pytest.mark.slow)
        for i, case in enumerate(SWEEP)
    ]
)


def _pair(kernel, stride, padding, dilation, path, bias=True, c_in=3, c_out=4):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, bias=bias)
    ours = GridConv(c_in, c_out, kernel, stride, padding, dilation, bias, path=path)
    ours.load_state_dict(conv.state_dict())
    return ours, conv


def _forward_backward(layer, x, grad):
    x = x.detach().clone().requires_grad_()
    layer.zero_grad(set_to_none=True)
    out = layer(x)
    out.backward(grad)
    grads = [x.grad] + [p.grad for p in layer.parameters()]
    return out, grads


@pytest.mark.parametrize("kernel,stride,padding,dilation,path", CASES)
def test_equals_conv2d_with_gradients(kernel, stride, padding, dilation, path):
    ours, conv = _pair(kernel, stride, padding, dilation, path)
    x = torch.randn(2, 3, 7, 9)  # non-square
    grad = torch.randn_like(conv(x))
    expected, expected_grads = _forward_backward(conv, x, grad)
    out, grads = _forward_backward(ours, x, grad)
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    for g, e in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, e, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("path", PATHS)
def test_float64_is_exact_and_no_bias(path):
    ours, conv = _pair((2, 4), (1, 3), (1, 2), (2, 1), path, bias=False)
    ours, conv = ours.double(), conv.double()
    x = torch.randn(3, 3, 10, 8, dtype=torch.float64)
    grad = torch.randn_like(conv(x))
    expected, expected_grads = _forward_backward(conv, x, grad)
    out, grads = _forward_backward(ours, x, grad)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=1e-12)
    for g, e in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, e, atol=1e-12, rtol=1e-12)


def test_gradcheck_table_path():
    layer = GridConv(2, 2, 2, stride=(1, 2), padding=1).double()
    x = torch.randn(1, 2, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w, b: neighbour_table_conv(x, w, b, layer.graph(3, 4).neighbour_table()),
        (x.permute(0, 2, 3, 1).reshape(1, 12, 2), layer.weight, layer.bias),
    )


@pytest.mark.parametrize("workspace", [1, 5000, 2**30])  # one image per chunk ... one chunk
@pytest.mark.parametrize("need_x,need_w", [(True, True), (False, True), (True, False)])
def test_table_path_in_chunks(workspace, need_x, need_w):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, stride=(1, 2), padding=1)
    x = torch.randn(7, 3, 6, 9)  # 7 images: the last chunk is a partial one
    table = grid_graph(6, 9, 3, (1, 2), 1).neighbour_table()
    nodes = x.permute(0, 2, 3, 1).reshape(7, 54, 3).requires_grad_(need_x)
    weight = conv.weight.detach().clone().requires_grad_(need_w)
    out = neighbour_table_conv(nodes, weight, conv.bias, table, workspace_bytes=workspace)
    expected = conv(x.requires_grad_(need_x)).permute(0, 2, 3, 1).reshape(7, -1, 4)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    grad = torch.randn_like(out)
    out.backward(grad)
    expected.backward(grad)
    if need_x:
        torch.testing.assert_close(
            nodes.grad, x.grad.permute(0, 2, 3, 1).reshape(7, 54, 3), atol=1e-5, rtol=1e-5
        )
    if need_w:
        torch.testing.assert_close(weight.grad, conv.weight.grad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(conv.bias.grad, 2 * grad.sum(dim=(0, 1)), atol=1e-5, rtol=1e-5)


def test_state_dict_loads_both_ways_and_same_initialization():
    torch.manual_seed(1)
    conv = torch.nn.Conv2d(3, 5, (2, 3), padding=1)
    torch.manual_seed(1)
    ours = GridConv(3, 5, (2, 3), padding=1)
    assert list(ours.state_dict()) == list(conv.state_dict()) == ["weight", "bias"]
    for name, tensor in conv.state_dict().items():  # GridConv initializes as Conv2d does
        assert torch.equal(ours.state_dict()[name], tensor)
    other = GridConv(3, 5, (2, 3), padding=1)
    other.load_state_dict(conv.state_dict())
    back = torch.nn.Conv2d(3, 5, (2, 3), padding=1)
    back.load_state_dict(other.state_dict())
    x = torch.randn(2, 3, 6, 5)
    torch.testing.assert_close(other(x), conv(x))
    torch.testing.assert_close(back(x), conv(x))
    with pytest.raises(RuntimeError, match="size mismatch"):
        GridConv(3, 5, 3).load_state_dict(conv.state_dict())


@pytest.mark.parametrize("path", PATHS)
def test_node_features_with_a_grid_graph(path):
    ours, conv = _pair(3, 2, 1, 1, path)
    x = torch.randn(2, 3, 6, 7)
    graph = grid_graph(6, 7, 3, 2, 1)
    nodes = x.permute(0, 2, 3, 1).reshape(2, 42, 3)  # row-major pixels
    expected = conv(x).permute(0, 2, 3, 1).reshape(2, graph.num_out_nodes, 4)
    torch.testing.assert_close(ours(nodes, graph), expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours(nodes[1], graph), expected[1], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours(x, graph), conv(x), atol=1e-6, rtol=1e-5)


def test_chained_layers_and_changing_image_sizes():
    torch.manual_seed(0)
    convs = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 3, 2, stride=2)
    )
    ours = torch.nn.Sequential(
        GridConv(2, 4, 3, padding=1), torch.nn.ReLU(), GridConv(4, 3, 2, stride=2)
    )
    ours.load_state_dict(convs.state_dict())
    for size in [(8, 6), (5, 9), (8, 6)]:  # the second image size builds a second graph
        x = torch.randn(3, 2, *size)
        torch.testing.assert_close(ours(x), convs(x), atol=1e-5, rtol=1e-5)
    assert len(ours[0]._graphs) == 2


def test_errors_and_repr():
    layer = GridConv(3, 4, 3, padding=1)
    assert repr(layer) == (
        "GridConv(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(1, 1))"
    )
    with pytest.raises(ValueError, match="expected 3 input channels, got 2"):
        layer(torch.randn(1, 2, 5, 5))
    with pytest.raises(ValueError, match="node features with a grid graph"):
        layer(torch.randn(25, 3))
    with pytest.raises(ValueError, match="differ from the layer's"):
        layer(torch.randn(25, 3), grid_graph(5, 5, 3))
    with pytest.raises(ValueError, match="has 25 input pixels"):
        layer(torch.randn(20, 3), grid_graph(5, 5, 3, padding=1))
    with pytest.raises(ValueError, match="is for \\(5, 5\\) images"):
        layer(torch.randn(1, 3, 6, 5), grid_graph(5, 5, 3, padding=1))
    with pytest.raises(ValueError, match="path must be one of"):
        GridConv(3, 4, 3, path="dense")
    with pytest.raises(ValueError, match="does not fit a 2x5 image"):
        GridConv(3, 4, 3)(torch.randn(1, 3, 2, 5))


@pytest.mark.gpu
@pytest.mark.parametrize("path", PATHS)
def test_cuda_equals_conv2d(path, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # Conv2d in full float32
    ours, conv = _pair(3, 2, 1, (2, 1), path)
    ours, conv = ours.cuda(), conv.cuda()
    x = torch.randn(4, 3, 11, 9, device="cuda")
    grad = torch.randn_like(conv(x))
    expected, expected_grads = _forward_backward(conv, x, grad)
    out, grads = _forward_backward(ours, x, grad)
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=1e-4)
    for g, e in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, e, atol=1e-4, rtol=1e-4)
