"""The classic filters through GridConv: hand values on a 3x3 image, Conv2d, images, the command."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from cli_runner import invoke
from PIL import Image

from gcnlab.errors import DataError, UsageError
from gcnlab.experiments.filters import (
    CLASSIC_KERNELS,
    apply_filters,
    filter_bank,
    gcn_blur,
    kernel_tensor,
    load_image,
)
from gcnlab.plots.filters import draw_filters

IMAGE = torch.arange(1.0, 10.0).view(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
# out[r, c] = sum_ab k[a, b] img[r + a - 1, c + b - 1] with zeros outside, worked by hand; e.g.
# vertical-edges at the centre: (1 - 3) + 2 (4 - 6) + (7 - 9) = -8; at (0, 0): -2*2 - 5 = -9
BY_HAND = {
    "vertical-edges": [[-9, -6, 9], [-20, -8, 20], [-21, -6, 21]],
    "horizontal-edges": [[-13, -20, -17], [-18, -24, -18], [13, 20, 17]],
    "all-edges": [[-3, -3, 11], [9, 0, 21], [39, 33, 53]],
    "identity": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
    "blur": [[21 / 16, 36 / 16, 33 / 16], [52 / 16, 80 / 16, 68 / 16], [57 / 16, 84 / 16, 69 / 16]],
    "sharpen": [[-1, 1, 7], [7, 5, 13], [23, 19, 31]],
}


def test_filters_on_a_tiny_image_by_hand():
    outputs = apply_filters(IMAGE)
    assert [o.name for o in outputs] == list(BY_HAND) == list(CLASSIC_KERNELS)
    for o in outputs:
        torch.testing.assert_close(o.image, torch.tensor(BY_HAND[o.name], dtype=torch.float32))
        assert o.matches and o.max_diff <= 1e-5


def test_the_bank_is_one_gridconv_equal_to_conv2d():
    bank = filter_bank(["sharpen", "blur"])
    assert (bank.in_channels, bank.out_channels, bank.bias) == (1, 2, None)
    x = torch.rand(2, 1, 9, 13)
    expected = torch.nn.functional.conv2d(
        x, kernel_tensor(["sharpen", "blur"]).unsqueeze(1), padding=1
    )
    torch.testing.assert_close(bank(x), expected)
    with pytest.raises(UsageError, match="unknown filter 'emboss'"):
        kernel_tensor(["emboss"])


def test_gcn_blur_is_the_box_filter_inside_only():
    image = torch.rand(9, 12)
    out = gcn_blur(image)
    assert out.compared == "interior pixels" and out.max_diff < 1e-6
    assert out.border_diff > 0.01
    # at a corner the GCN averages the 4 pixels there with weights 1/sqrt(d_i d_j), d in {4, 6, 9}
    corner = image[0, 0] / 4 + (image[0, 1] + image[1, 0]) / 24**0.5 + image[1, 1] / 36**0.5
    assert float(out.image[0, 0]) == pytest.approx(float(corner), rel=1e-5)


def test_load_image_default_and_files(tmp_path):
    image, name = load_image(None, size=64)
    assert name == "china.jpg" and image.shape == (43, 64)  # 427x640 shrunk, aspect kept
    assert 0.0 <= float(image.min()) < float(image.max()) <= 1.0
    pixels = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "tiny.png")
    image, name = load_image(tmp_path / "tiny.png", size=0)
    assert name == "tiny.png"
    torch.testing.assert_close(image, torch.tensor(pixels / 255.0, dtype=torch.float32))
    with pytest.raises(UsageError, match="no image file at"):
        load_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(DataError, match="cannot read .*bad.png as an image"):
        load_image(tmp_path / "bad.png")


def test_draw_filters_writes_a_png(tmp_path):
    image = torch.rand(12, 16)
    path = draw_filters(
        image, [*apply_filters(image), gcn_blur(image)], tmp_path / "p.png", title="test"
    )
    with Image.open(path) as png:
        assert png.format == "PNG" and png.width > png.height > 100


def test_filters_command(tmp_path):
    pixels = (np.arange(20 * 30).reshape(20, 30) % 256).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    out = tmp_path / "panel.png"  # a link: the panel goes to its target, the link stays
    out.symlink_to(tmp_path / "figs" / "real.png")
    result = invoke(["filters", str(tmp_path / "in.png"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "in.png: 30x20 grayscale" in result.output
    assert result.output.count("GridConv equals Conv2d") == len(CLASSIC_KERNELS)
    assert "box blur (1/9) on interior pixels" in result.output
    assert out.is_symlink() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_filters_command_errors(tmp_path):
    result = invoke(["filters", str(tmp_path / "none.png"), "--out", str(tmp_path / "o.png")])
    assert result.exit_code == 2 and "no image file at" in result.output
    assert "Traceback" not in result.output
    result = invoke(["filters", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.output
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "in.png")
    result = invoke(["filters", tmp_path / "in.png", "--out", tmp_path / "in.png"])
    assert (
        result.stderr
        == f"error: --out {tmp_path / 'in.png'} is the input image; give another path\n"
    )


def test_pixel_cap_is_checked_from_the_header(tmp_path):
    from gcnlab.train.bounds import MAX_PIXELS

    wide = tmp_path / "wide.png"  # 3000 x 1000: 3 MP of zeros, a small file
    Image.fromarray(np.zeros((1000, 3000), np.uint8)).save(wide)
    with pytest.raises(
        UsageError,
        match=r"wide\.png is 3000x1000; the filters take at most "
        r"1,048,576 pixels \(3,000,000 asked for\): give --size",
    ):
        load_image(wide, size=0)
    with pytest.raises(UsageError, match=r"\(1,334,000 asked for\): give a smaller --size"):
        load_image(wide, size=2000)
    picture, _ = load_image(wide, size=1024)
    assert tuple(picture.shape) == (341, 1024) and picture.numel() <= MAX_PIXELS


def test_pixel_cap_refuses_before_any_filtering(tmp_path, monkeypatch):
    import gcnlab.experiments.filters as filters

    def no_work(*args, **kwargs):
        raise AssertionError("the filters ran")

    monkeypatch.setattr(filters, "apply_filters", no_work)
    big = tmp_path / "big.png"
    Image.fromarray(np.zeros((1100, 1000), np.uint8)).save(big)
    result = invoke(["filters", big, "--size", "0", "--out", tmp_path / "o.png"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: big.png is 1000x1100; the filters take at most")
    assert not (tmp_path / "o.png").exists()
    assert "More than 1,048,576 pixels after shrinking is refused" in " ".join(
        invoke(["filters", "--help"]).stdout.split()
    )


def test_kernels_and_feature_maps_figures(tmp_path):
    from gcnlab.plots.filters import draw_feature_maps, draw_kernels

    kernels = torch.randn(5, 3, 3)
    with Image.open(draw_kernels(kernels, tmp_path / "k.png", columns=4, title="k")) as png:
        assert png.format == "PNG" and png.width > png.height
    maps = torch.rand(6, 8, 8)
    path = draw_feature_maps(torch.rand(8, 8), maps, tmp_path / "m.png", label=3, predicted=5)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.width > png.height
