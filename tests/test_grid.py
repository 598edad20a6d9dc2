"""grid_graph against hand-listed edges and a brute-force loop over Conv2d's reads."""

from __future__ import annotations

import itertools

import pytest
import torch

from gcnlab.nn.grid import grid_graph


def _reads(h, w, kernel, stride, padding, dilation) -> tuple[set, tuple[int, int]]:
    """Every (input pixel, output pixel, tap) a Conv2d reads inside the image, by plain loops."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    out_h = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    out_w = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    edges = set()
    for orow, ocol, a, b in itertools.product(range(out_h), range(out_w), range(kh), range(kw)):
        r, c = orow * sh - ph + a * dh, ocol * sw - pw + b * dw
        if 0 <= r < h and 0 <= c < w:
            edges.add((r * w + c, orow * out_w + ocol, a * kw + b))
    return edges, (out_h, out_w)


def _edges(graph) -> list[tuple[int, int, int]]:
    return list(zip(*graph.edge_index.tolist(), graph.offset.tolist(), strict=True))


def test_hand_sized_image_with_padding():
    # 3x4 image, 3x3 kernel, padding 1: output 3x4; rows of taps inside: 2+3+2, columns 2+3+3+2
    g = grid_graph(3, 4, 3, padding=1)
    assert g.in_shape == (3, 4) and g.out_shape == (3, 4)
    assert g.num_edges == (2 + 3 + 2) * (2 + 3 + 3 + 2) == 70
    edges = _edges(g)
    # corner output 0 = pixel (0, 0): only the taps (1,1), (1,2), (2,1), (2,2) are in the image
    assert [e for e in edges if e[1] == 0] == [(0, 0, 4), (1, 0, 5), (4, 0, 7), (5, 0, 8)]
    # interior output 5 = pixel (1, 1): all nine taps, in kernel order
    assert [e for e in edges if e[1] == 5] == [
        (s, 5, k) for k, s in enumerate([0, 1, 2, 4, 5, 6, 8, 9, 10])
    ]
    # edge output 7 = pixel (1, 3): right column of taps is in the padding
    assert [e for e in edges if e[1] == 7] == [
        (2, 7, 0),
        (3, 7, 1),
        (6, 7, 3),
        (7, 7, 4),
        (10, 7, 6),
        (11, 7, 7),
    ]
    assert torch.bincount(g.offset).tolist() == [6, 8, 6, 9, 12, 9, 6, 8, 6]


def test_no_padding_stride_and_dilation_by_hand():
    g = grid_graph(3, 4, 2)  # 2x3 outputs, four taps each
    assert g.out_shape == (2, 3) and g.num_edges == 24
    assert [s for s, t, _ in _edges(g) if t == 4] == [5, 6, 9, 10]  # output (1, 1)
    g = grid_graph(5, 5, 3, dilation=2)  # one output reading every other pixel
    assert g.out_shape == (1, 1)
    assert _edges(g) == [(s, 0, k) for k, s in enumerate([0, 2, 4, 10, 12, 14, 20, 22, 24])]
    g = grid_graph(4, 5, 2, stride=2)  # 2x2 non-overlapping windows; column 4 is never read
    assert g.out_shape == (2, 2)
    assert sorted({s for s, _, _ in _edges(g)}) == [
        0,
        1,
        2,
        3,
        5,
        6,
        7,
        8,
        10,
        11,
        12,
        13,
        15,
        16,
        17,
        18,
    ]


SWEEP = list(
    itertools.product(
        [(1, 1), (2, 2), (3, 3), (2, 3), (4, 1)],
        [(1, 1), (2, 2), (1, 3)],
        [(0, 0), (1, 1), (2, 0)],
        [(1, 1), (2, 1)],
    )
)


@pytest.mark.parametrize("kernel,stride,padding,dilation", SWEEP)
def test_edges_are_exactly_conv2d_reads(kernel, stride, padding, dilation):
    h, w = 7, 8
    expected, out_shape = _reads(h, w, kernel, stride, padding, dilation)
    g = grid_graph(h, w, kernel, stride, padding, dilation)
    assert g.out_shape == out_shape
    conv = torch.nn.Conv2d(1, 1, kernel, stride, padding, dilation)
    assert conv(torch.zeros(1, 1, h, w)).shape[-2:] == out_shape
    edges = _edges(g)
    assert len(edges) == len(set(edges)) and set(edges) == expected
    # sorted by output pixel, then tap
    assert edges == sorted(edges, key=lambda e: (e[1], e[2]))


def test_neighbour_table_is_the_same_edges():
    g = grid_graph(4, 5, (2, 3), stride=(1, 2), padding=1)
    table = g.neighbour_table()
    assert table.shape == (g.num_out_nodes, g.num_offsets)
    ghost = table == g.num_in_nodes
    assert int((~ghost).sum()) == g.num_edges
    target, tap = (~ghost).nonzero(as_tuple=True)
    rebuilt = set(zip(table[target, tap].tolist(), target.tolist(), tap.tolist(), strict=True))
    assert rebuilt == set(_edges(g))


def test_errors():
    with pytest.raises(ValueError, match="does not fit"):
        grid_graph(2, 2, 3)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        grid_graph(4, 4, 3, stride=0)
    with pytest.raises(ValueError, match="padding must be"):
        grid_graph(4, 4, 3, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="height and width must be positive"):
        grid_graph(0, 4, 1)
