"""The paper's model with any propagation of Table 3 and any depth (Kipf & Welling 2017)."""

from __future__ import annotations

import torch
from torch import Tensor

from gcnlab.nn.propagation import Features, Propagation, dtype_device, propagation_operator
from gcnlab.nn.propagation_conv import propagation_conv
from gcnlab.nn.sparse import SparseMatrix, dropout, is_torch_sparse


class PropagationGCN(torch.nn.Module):
    r"""The paper's model with any propagation of Table 3, and any depth (Appendix B).

    .. math::
        \mathbf{H}^{(0)} = \mathbf{X}, \quad
        \mathbf{H}^{(l+1)} = \mathrm{ReLU}\big(P(\mathbf{H}^{(l)}; \mathbf{\Theta}^{(l)})\big)
                             \;[+\, \mathbf{H}^{(l)}], \quad
        \mathbf{Z} = P(\mathbf{H}^{(L-1)}; \mathbf{\Theta}^{(L-1)})

    with :math:`P` the propagation (a layer of :func:`propagation_conv`) and logits
    :math:`\mathbf{Z}` (the softmax is in the loss). With ``residual=True`` every hidden layer
    whose input and output widths agree adds its input (Appendix B's
    :math:`\mathbf{H}^{(l+1)} = \sigma(\hat{A}\mathbf{H}^{(l)}\mathbf{W}^{(l)}) +
    \mathbf{H}^{(l)}`): layers 2 to :math:`L-1`. Dropout is applied before the first and before
    the last layer (Appendix B; for two layers that is before each layer, as in the
    paper's main model). ``propagation="renormalization"`` with two layers is :class:`~gcnlab.GCN`.

    The first layer is ``convs[0]`` (the paper puts its L2 penalty on it alone).

    Args:
        in_channels (int): Number of input features.
        hidden_channels (int): Width of each hidden layer.
        out_channels (int): Number of classes.
        propagation (Propagation or str, optional): The propagation model.
            (default: ``"renormalization"``)
        num_layers (int, optional): Number of layers :math:`L \geq 1`. (default: :obj:`2`)
        dropout (float, optional): Dropout probability; on sparse input features only the
            stored non-zeros are dropped. (default: :obj:`0.5`)
        residual (bool, optional): Residual connections between hidden layers.
            (default: :obj:`False`)
        bias (bool, optional): A bias in every layer. (default: :obj:`False`)
        cached (bool, optional): Build the graph operator once (transductive). (default:
            :obj:`True`)
        lambda_max (float, optional): The Chebyshev layers' :math:`\lambda_{max}`; :obj:`None`
            computes it. (default: :obj:`2.0`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})` (dense, ``torch.sparse`` or
          :class:`~gcnlab.SparseMatrix`), edge indices :math:`(2, |\mathcal{E}|)` or the
          operator from :meth:`operator`
        - **output:** logits :math:`(|\mathcal{V}|, C)`
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        propagation: Propagation | str = Propagation.RENORMALIZATION,
        *,
        num_layers: int = 2,
        dropout: float = 0.5,
        residual: bool = False,
        bias: bool = False,
        cached: bool = True,
        lambda_max: float | None = 2.0,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.propagation = Propagation(propagation)
        self.dropout = dropout
        self.residual = residual
        self.cached = cached
        self.lambda_max = lambda_max
        widths = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.convs = torch.nn.ModuleList(
            propagation_conv(self.propagation, c_in, c_out, bias=bias, lambda_max=lambda_max)
            for c_in, c_out in zip(widths[:-1], widths[1:], strict=True)
        )
        self._cached_op: SparseMatrix | None = None

    @property
    def num_layers(self) -> int:
        return len(self.convs)

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        self._cached_op = None

    def operator(
        self,
        edge_index: Tensor,
        edge_weight: Tensor | None = None,
        num_nodes: int | None = None,
        dtype: torch.dtype | None = None,
    ) -> SparseMatrix | None:
        """The sparse operator all layers share (:func:`propagation_operator`)."""
        return propagation_operator(
            self.propagation,
            edge_index,
            edge_weight,
            num_nodes,
            dtype=dtype,
            lambda_max=self.lambda_max,
        )

    def forward(
        self,
        x: Features,
        edge_index: Tensor | SparseMatrix | None,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        return self.hidden(x, edge_index, edge_weight)[-1]

    def embed(
        self,
        x: Features,
        edge_index: Tensor | SparseMatrix | None,
        edge_weight: Tensor | None = None,
    ) -> Tensor:
        """The last hidden layer ``[N, hidden]`` (the logits for a one-layer model): the node
        representation the classifier reads, as :meth:`gcnlab.GCN.embed`."""
        outs = self.hidden(x, edge_index, edge_weight)
        return outs[-2] if len(outs) > 1 else outs[-1]

    def hidden(
        self,
        x: Features,
        edge_index: Tensor | SparseMatrix | None,
        edge_weight: Tensor | None = None,
    ) -> list[Tensor]:
        """The output of every layer: hidden representations (after ReLU and the residual)
        and, last, the logits. What the over-smoothing measures read per depth."""
        # x: [N, F_in]
        if is_torch_sparse(x):
            x = SparseMatrix.from_tensor(x)
        # Step 1: the graph operator, once for all layers
        op = self._shared_operator(x, edge_index, edge_weight)
        h: Features = x
        outs: list[Tensor] = []
        last = self.num_layers - 1
        for i, conv in enumerate(self.convs):
            # Step 2: dropout before the first and the last layer (non-zeros only if sparse)
            if i in (0, last):
                h = (
                    h.dropout(self.dropout, self.training)
                    if isinstance(h, SparseMatrix)
                    else dropout(h, self.dropout, self.training)
                )
            # Step 3: propagate; hidden layers add ReLU and, if asked, their input
            out = conv(h, op)  # [N, hidden] or [N, C]
            if i < last:
                out = out.relu()
                if self.residual and i > 0:  # widths agree from the second layer on
                    out = out + h
            outs.append(out)
            h = out
        return outs

    def _shared_operator(
        self, x: Features, edge_index: Tensor | SparseMatrix | None, edge_weight: Tensor | None
    ) -> SparseMatrix | None:
        if isinstance(edge_index, SparseMatrix) or self.propagation == Propagation.MLP:
            return edge_index if isinstance(edge_index, SparseMatrix) else None
        if edge_index is None:
            raise ValueError(f"the {self.propagation.value} model needs edge_index")
        dtype, device = dtype_device(x)
        op = self._cached_op
        if (
            self.cached
            and op is not None
            and (op.values.dtype, op.values.device) == (dtype, device)
        ):
            return op
        op = self.operator(edge_index, edge_weight, x.shape[0], dtype)
        if self.cached:
            self._cached_op = op
        return op

    def __repr__(self) -> str:
        conv = self.convs[0]
        hidden = conv.out_channels if self.num_layers > 1 else None
        return (
            f"{self.__class__.__name__}({conv.in_channels}, {hidden}, "
            f"{self.convs[-1].out_channels}, propagation={self.propagation.value}, "
            f"num_layers={self.num_layers}, residual={self.residual}, dropout={self.dropout})"
        )
