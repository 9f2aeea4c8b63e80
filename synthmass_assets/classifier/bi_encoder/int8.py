"""Int8 dynamic quantization of an encoder that keeps each record's encoding its own.

PyTorch's dynamic quantization scales a linear layer's input by the range of the whole input
tensor: in a batch, one record's encoding then depends on which records (and how much
padding) share its batch, so a record scored at serving time would not get the encoding it
got in training. Here every quantized linear layer quantizes each record over its own real
tokens (the lengths come from the attention mask of the model call), in one batched call.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn


class _Lengths:
    """Real-token counts of the batch being encoded (set by the model's pre-hook)."""

    def __init__(self) -> None:
        self.values: list[int] | None = None


class RecordwiseLinear(nn.Module):
    """A dynamically quantized linear layer whose 3-D input is quantized record by record.

    Each record's real tokens are mapped affinely onto [0, 1] (``x' = (x - lo) / (hi - lo)``
    with the record's own bounds), so the batch's quantization range is [0, 1] whatever the
    batch holds, and the map is undone on the output: ``W x = (hi - lo) W x' + lo W 1``.
    One batched int8 call (measured: encoding about 15% slower than the plain batch-wide
    quantization), and a record's result depends on it alone.
    """

    def __init__(self, inner: Any, lengths: _Lengths) -> None:
        super().__init__()
        self.inner = inner
        self.lengths = lengths
        weight = inner.weight().dequantize()
        bias = inner.bias()
        self.row_sums: torch.Tensor = weight.sum(1)
        self.bias: torch.Tensor = torch.zeros(weight.shape[0]) if bias is None else bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lengths = self.lengths.values
        if x.dim() != 3 or lengths is None or len(lengths) != x.shape[0]:
            return self.inner(x)
        if min(lengths) == x.shape[1]:  # no padding (`encoder.encode_token_ids` batches so)
            flat = x.reshape(x.shape[0], -1)  # amin and amax: 6x faster than aminmax here
            lo, hi = flat.amin(dim=1)[:, None, None], flat.amax(dim=1)[:, None, None]
        else:
            positions = torch.arange(x.shape[1], device=x.device)
            real = (positions[None, :] < torch.tensor(lengths, device=x.device)[:, None])[..., None]
            lo = torch.where(real, x, torch.inf).amin(dim=(1, 2), keepdim=True)
            hi = torch.where(real, x, -torch.inf).amax(dim=(1, 2), keepdim=True)
            x = torch.where(real, x, lo)
        span = (hi - lo).clamp(min=1e-12)
        scaled = (x - lo).div_(span)  # exactly 0 and 1 at the record's bounds: one range
        # W x + b = span (W x' + b) + lo W 1 + (1 - span) b
        offset = lo * self.row_sums + (1.0 - span) * self.bias
        return torch.addcmul(offset, span, self.inner(scaled))


def _wrap(module: nn.Module, lengths: _Lengths) -> None:
    for name, child in module.named_children():
        if isinstance(child, torch.ao.nn.quantized.dynamic.Linear):
            setattr(module, name, RecordwiseLinear(child, lengths))
        else:
            _wrap(child, lengths)


def quantize_recordwise(model: nn.Module) -> nn.Module:
    """``model`` with int8 linear layers that quantize each record's activations alone.

    The model must be called with an ``attention_mask`` keyword (as `encoder.pooled` does);
    without one the layers quantize the whole batch at once, as plain dynamic quantization does.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    lengths = _Lengths()
    _wrap(quantized, lengths)

    def capture(_: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        mask = kwargs.get("attention_mask")
        lengths.values = None if mask is None else mask.sum(1).tolist()

    quantized.register_forward_pre_hook(capture, with_kwargs=True)
    return quantized
