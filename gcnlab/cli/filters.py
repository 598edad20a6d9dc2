"""``gcnlab filters [IMAGE]``: the classic CNN filters as message passing, checked and drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gcnlab.cli import interrupts
from gcnlab.cli.app import check_writable, command, same_file
from gcnlab.cli.options import DeviceOption
from gcnlab.train.bounds import MAX_PIXELS


@command("filters")
def filters_command(
    image: Annotated[
        Path | None,
        typer.Argument(help="A PNG or JPEG file (default: scikit-learn's sample photo china.jpg)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the labelled PNG panel.")] = Path(
        "filters.png"
    ),
    size: Annotated[
        int,
        typer.Option(
            help="Shrink the image so its longer side is at most this many pixels (0: keep). "
            f"More than {MAX_PIXELS:,} pixels after shrinking is refused (memory grows by "
            "~0.6 kB a pixel).",
            min=0,
        ),
    ] = 256,
    device: DeviceOption = "auto",
) -> None:
    """Apply vertical/horizontal/all-edges, identity, blur and sharpen through GridConv, check
    each against Conv2d, and draw them beside a GCN on the same pixel grid (a fixed blur)."""
    from gcnlab.errors import GcnlabError, UsageError
    from gcnlab.experiments.filters import TOLERANCE, apply_filters, gcn_blur, load_image
    from gcnlab.plots.filters import draw_filters
    from gcnlab.utils.runtime import resolve_device

    check_writable(out)
    if image is not None and same_file(image, out):
        raise UsageError(f"--out {out} is the input image; give another path")
    picture, name = load_image(image, size)
    picture = picture.to(resolve_device(device))
    height, width = picture.shape

    outputs = apply_filters(picture)
    gcn = gcn_blur(picture)
    typer.echo(f"{name}: {width}x{height} grayscale; 3x3 kernels, zero padding 1")
    for o in outputs:
        verdict = "equals Conv2d" if o.matches else "DIFFERS from Conv2d"
        typer.echo(f"  {o.name:<17} GridConv {verdict} (max |diff| {o.max_diff:.1e})")
    typer.echo(
        f"  {'gcn-on-grid':<17} GCNConv = 3x3 box blur (1/9) on interior pixels "
        f"(max |diff| {gcn.max_diff:.1e}); border pixels differ by up to "
        f"{gcn.border_diff:.3f}"
    )
    with interrupts.deferred():
        path = draw_filters(
            picture.cpu(),
            [*outputs, gcn],
            out,
            title=f"{name}: classic filters as message passing (GridConv)",
        )
        typer.echo(f"wrote {path}")
    bad = [o.name for o in outputs if not o.matches] + ([gcn.name] if not gcn.matches else [])
    if bad:
        raise GcnlabError(f"{', '.join(bad)}: differs from Conv2d by more than {TOLERANCE}")
