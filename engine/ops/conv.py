"""Fused convolution ops (im2col + one GEMM) with hand-written backward passes.

Everything is computed in channels_last (NHWC); ``channels_first`` inputs are
transposed at the edges. Padding follows TF/Keras: 'same' puts the extra row
or column at the bottom/right when the total padding is odd. Windows are
gathered with stride tricks into one contiguous matrix, so a convolution is a
single GEMM; the input gradient scatters back with one slice-add per kernel
position (a short loop over kh*kw, never over samples) and is skipped when the
input needs no gradient. The bias rides in the GEMM as a ones column of the
im2col matrix, so it costs no extra pass forward and no reduction backward;
ReLU is applied in place and its mask read back from the output.
"""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import fused, xp
from engine.ops._core import _wrap, concatenate, getitem, reshape, transpose

Pads = tuple[tuple[int, int], tuple[int, int]]


# -- geometry ------------------------------------------------------------------
def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


def conv_output_length(length: int | None, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling window along one axis (Keras semantics)."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length + stride - 1) // stride
    effective = (kernel - 1) * dilation + 1
    return max((length - effective) // stride + 1, 0)


def same_padding(length: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TF 'same' padding (before, after): the odd extra goes after."""
    effective = (kernel - 1) * dilation + 1
    out = (length + stride - 1) // stride
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def deconv_output_length(
    length: int | None, kernel: int, stride: int, padding: str, output_padding: int | None = None, dilation: int = 1
) -> int | None:
    """Output length of a transposed convolution along one axis (Keras's formula)."""
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(effective - stride, 0)
        return length * stride
    pad = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad + output_padding


def _resolve_pads(padding: Any, spatial: tuple[int, int], kernel: tuple[int, int], strides, dilation) -> Pads:
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return tuple(same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))  # type: ignore[return-value]
    return (tuple(padding[0]), tuple(padding[1]))  # explicit ((top, bottom), (left, right))


def _pad_nhwc(data: Any, pads: Pads, value: float = 0.0) -> Any:
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return data
    n, h, w, c = data.shape
    out = xp.full((n, h + top + bottom, w + left + right, c), value, dtype=data.dtype)
    out[:, top : top + h, left : left + w, :] = data
    return out


def _crop_nhwc(data: Any, pads: Pads) -> Any:
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return data
    h, w = data.shape[1], data.shape[2]
    return data[:, top : h - bottom, left : w - right, :]


def _window(i: int, j: int, out_hw: tuple[int, int], strides, dilation) -> tuple[slice, slice, slice, slice]:
    """Index of the input pixels kernel position (i, j) sees, one per output pixel."""
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilation
    return (
        slice(None),
        slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
        slice(j * dw, j * dw + sw * (ow - 1) + 1, sw),
        slice(None),
    )


def _im2col(xpad: Any, ksize, out_hw, strides, dilation, extra_ones: bool = False) -> Any:
    """Contiguous (N*OH*OW, KH*KW*C [+1]) matrix of receptive fields; the optional ones column carries the bias."""
    n, _, _, c = xpad.shape
    (kh, kw), (oh, ow) = ksize, out_hw
    k = kh * kw * c
    cols = xp.empty((n * oh * ow, k + 1 if extra_ones else k), dtype=xpad.dtype)
    if extra_ones:
        cols[:, k] = 1
    cols6 = cols[:, :k].reshape(n, oh, ow, kh, kw, c)
    if c * kw >= ow:
        # Wide channels: one strided copy whose inner run covers (kw, c).
        (sh, sw), (dh, dw) = strides, dilation
        s0, s1, s2, s3 = xpad.strides
        windows = xp.lib.stride_tricks.as_strided(
            xpad, (n, oh, ow, kh, kw, c), (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3)
        )
        cols6[...] = windows
    else:
        # Few channels: one copy per kernel position, each with long inner runs.
        for i in range(kh):
            for j in range(kw):
                cols6[:, :, :, i, j, :] = xpad[_window(i, j, out_hw, strides, dilation)]
    return cols


_ZEROS: dict[tuple[int, str], Any] = {}


def _relu_inplace(out: Any) -> None:
    # ``maximum`` against a zeros array vectorizes; against the scalar 0 NumPy takes a ~3x slower loop.
    key = (out.size, str(out.dtype))
    zeros = _ZEROS.get(key)
    if zeros is None or not isinstance(zeros, type(out)):
        if len(_ZEROS) > 8:
            _ZEROS.clear()
        zeros = _ZEROS[key] = xp.zeros(out.size, dtype=out.dtype)
    xp.maximum(out, zeros.reshape(out.shape), out=out)


def _col2im_gemm(rows: Any, w_parts: Any, padded_shape: tuple[int, ...], ksize, out_hw, strides, dilation) -> Any:
    """Scatter-add ``rows @ w_parts[k]`` (one (N*OH*OW, C) part per kernel position k) into a zero image.

    Each part is computed into the same cache-sized buffer right before its slice-add, so the
    kh*kw parts are never all in memory at once.
    """
    n, _, _, c = padded_shape
    kh, kw = ksize
    oh, ow = out_hw
    image = xp.zeros(padded_shape, dtype=rows.dtype)
    part = xp.empty((rows.shape[0], c), dtype=rows.dtype)
    for i in range(kh):
        for j in range(kw):
            xp.matmul(rows, w_parts[i * kw + j], out=part)
            image[_window(i, j, out_hw, strides, dilation)] += part.reshape(n, oh, ow, c)
    return image


# -- conv2d ---------------------------------------------------------------------
def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
    data_format: str = "channels_last",
    groups: int = 1,
    relu: bool = False,
) -> Tensor:
    """2D convolution with a Keras kernel (kh, kw, in/groups, out), optionally + bias and ReLU.

    ``padding`` is 'valid', 'same' or explicit ((top, bottom), (left, right)).
    """
    x, kernel = _wrap(x), _wrap(kernel)
    bias = None if bias is None else _wrap(bias)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    strides, dilation = _pair(strides), _pair(dilation_rate)
    if groups == 1:
        out = _conv2d_nhwc(x, kernel, bias, strides, padding, dilation, relu)
    else:
        out = _grouped(x, kernel, bias, strides, padding, dilation, groups, relu)
    return transpose(out, (0, 3, 1, 2)) if data_format == "channels_first" else out


def _grouped(x: Tensor, kernel: Tensor, bias, strides, padding, dilation, groups: int, relu: bool) -> Tensor:
    c_in, filters = kernel.shape[2], kernel.shape[3]
    per = filters // groups
    outs = []
    for g in range(groups):
        xg = getitem(x, (Ellipsis, slice(g * c_in, (g + 1) * c_in)))
        kg = getitem(kernel, (Ellipsis, slice(g * per, (g + 1) * per)))
        bg = None if bias is None else getitem(bias, slice(g * per, (g + 1) * per))
        outs.append(_conv2d_nhwc(xg, kg, bg, strides, padding, dilation, relu))
    return concatenate(outs, axis=-1)


def _conv2d_nhwc(x: Tensor, kernel: Tensor, bias, strides, padding, dilation, relu: bool) -> Tensor:
    x_data, w_data = x.data, kernel.data
    n, h, w, c = x_data.shape
    kh, kw, _, filters = w_data.shape
    pads = _resolve_pads(padding, (h, w), (kh, kw), strides, dilation)
    padded_shape = (n, h + pads[0][0] + pads[0][1], w + pads[1][0] + pads[1][1], c)
    oh = (padded_shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (padded_shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    k = kh * kw * c
    w_mat = w_data.reshape(k, filters)
    pointwise = kh == kw == 1 and strides == (1, 1) and padded_shape == x_data.shape
    geometry = ((kh, kw), (oh, ow), strides, dilation)
    if pointwise:
        cols = x_data.reshape(-1, c)
        out = cols @ w_mat
        if bias is not None:
            out += bias.data
    else:
        # The bias rides in the GEMM as a ones column: no separate add forward, no reduction backward.
        cols = fused.im2col(x_data, *geometry, pads, extra_ones=bias is not None)
        if cols is None:
            cols = _im2col(_pad_nhwc(x_data, pads), *geometry, extra_ones=bias is not None)
        weights = w_mat if bias is None else xp.concatenate([w_mat, bias.data.reshape(1, filters)], axis=0)
        out = cols @ weights
    if relu:
        _relu_inplace(out)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        g2 = g.reshape(-1, filters)
        if relu:
            masked = fused.relu_grad(g2, out)
            g2 = g2 * (out > 0) if masked is None else masked
        gx = gw = gb = None
        if kernel.requires_grad or (bias is not None and bias.requires_grad):
            if pointwise:
                gw = (cols.T @ g2).reshape(w_data.shape) if kernel.requires_grad else None
                gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
            else:
                full = cols.T @ g2
                gw = full[:k].reshape(w_data.shape)
                gb = full[k] if bias is not None else None
        if x.requires_grad:
            if pointwise:
                gx = (g2 @ w_mat.T).reshape(x_data.shape)
            else:
                gx = _conv_input_gradient(g2, w_data, x_data.shape, padded_shape, geometry, pads)
        grads = [gx, gw]
        if bias is not None:
            grads.append(gb)
        return grads

    return record(out.reshape(n, oh, ow, filters), parents, backward)


def _conv_input_gradient(g2: Any, w_data: Any, x_shape, padded_shape, geometry, pads: Pads) -> Any:
    """The input gradient of a convolution from its (N*OH*OW, filters) output gradient."""
    (kh, kw), _, _, _ = geometry
    c, filters = w_data.shape[2], w_data.shape[3]
    k = kh * kw * c
    if fused.col2im_fits(g2, g2.shape[0] * k * g2.itemsize):
        # One GEMM for every column, then one gathering kernel (no per-position GEMMs, no slice-adds).
        gx = fused.col2im(g2 @ w_data.reshape(k, filters).T, x_shape, *geometry, pads)
        if gx is not None:
            return gx
    # One GEMM per kernel position gives a contiguous (N*OH*OW, C) part for each slice-add.
    w_parts = w_data.reshape(kh * kw, c, filters).transpose(0, 2, 1)
    return _crop_nhwc(_col2im_gemm(g2, w_parts, padded_shape, *geometry), pads)


def conv1d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: int = 1,
    padding: str = "valid",
    dilation_rate: int = 1,
    data_format: str = "channels_last",
    groups: int = 1,
    relu: bool = False,
) -> Tensor:
    """1D convolution with a Keras kernel (k, in/groups, out); padding 'valid', 'same' or 'causal'."""
    x, kernel = _wrap(x), _wrap(kernel)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 1))
    n, length, c = x.shape
    k, c_in, filters = kernel.shape
    stride, dilation = int(_first(strides)), int(_first(dilation_rate))
    if padding == "causal":
        pads: Any = ((0, 0), ((k - 1) * dilation, 0))
    elif padding == "same":
        pads = ((0, 0), same_padding(length, k, stride, dilation))
    else:
        pads = "valid"
    out = conv2d(
        reshape(x, (n, 1, length, c)), reshape(kernel, (1, k, c_in, filters)), bias,
        (1, stride), pads, (1, dilation), groups=groups, relu=relu,
    )  # fmt: skip
    out = reshape(out, (n, out.shape[2], filters))
    return transpose(out, (0, 2, 1)) if data_format == "channels_first" else out


def _first(value: Any) -> Any:
    return value if isinstance(value, int) else value[0]


# -- conv2d_transpose -------------------------------------------------------------
def transpose_padding(kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1):
    """(crop before, output length minus (in-1)*stride) of a transposed conv along one axis (Keras 3)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left, right = effective - 1, effective - 1 + extra
    else:
        total = stride + effective - 2 if output_padding is None else effective + effective % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, effective - 1)
        right = total - left
    return effective - 1 - left, left + right - effective + 2


def conv2d_transpose(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    dilation_rate: Any = 1,
    data_format: str = "channels_last",
) -> Tensor:
    """Transposed 2D convolution with a Keras kernel (kh, kw, out, in): the input gradient of conv2d."""
    x, kernel = _wrap(x), _wrap(kernel)
    bias = None if bias is None else _wrap(bias)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    strides, dilation = _pair(strides), _pair(dilation_rate)
    out_pad = (None, None) if output_padding is None else _pair(output_padding)
    x_data, w_data = x.data, kernel.data
    n, h, w, c = x_data.shape
    kh, kw, filters, _ = w_data.shape
    geometry = [transpose_padding(k, s, padding, p, d) for k, s, p, d in zip((kh, kw), strides, out_pad, dilation)]
    (top, extra_h), (left, extra_w) = geometry
    out_h, out_w = (h - 1) * strides[0] + extra_h, (w - 1) * strides[1] + extra_w
    full_h = max((h - 1) * strides[0] + (kh - 1) * dilation[0] + 1, top + out_h)
    full_w = max((w - 1) * strides[1] + (kw - 1) * dilation[1] + 1, left + out_w)
    full_shape = (n, full_h, full_w, filters)
    crop = ((top, full_h - top - out_h), (left, full_w - left - out_w))
    x2 = x_data.reshape(-1, c)
    # kernel (kh, kw, F, C) -> (kh*kw, C, F): one GEMM per kernel position, scattered like conv2d's gradient.
    w_parts = w_data.reshape(kh * kw, filters, c).transpose(0, 2, 1)
    out = _crop_nhwc(_col2im_gemm(x2, w_parts, full_shape, (kh, kw), (h, w), strides, dilation), crop)
    out = xp.ascontiguousarray(out)
    if bias is not None:
        out += bias.data
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        gfull = _pad_nhwc(g, crop)
        cols = _im2col(gfull, (kh, kw), (h, w), strides, dilation)
        gx = (cols @ w_data.reshape(-1, c)).reshape(x_data.shape) if x.requires_grad else None
        gw = (cols.T @ x2).reshape(w_data.shape) if kernel.requires_grad else None
        grads = [gx, gw]
        if bias is not None:
            grads.append(g.sum(axis=(0, 1, 2)) if bias.requires_grad else None)
        return grads

    result = record(out, parents, backward)
    return transpose(result, (0, 3, 1, 2)) if data_format == "channels_first" else result


# -- depthwise_conv2d ---------------------------------------------------------------
def depthwise_conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    dilation_rate: Any = 1,
    data_format: str = "channels_last",
) -> Tensor:
    """Depthwise 2D convolution, kernel (kh, kw, in, multiplier); output channel c*multiplier + m as in Keras."""
    x, kernel = _wrap(x), _wrap(kernel)
    bias = None if bias is None else _wrap(bias)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    strides, dilation = _pair(strides), _pair(dilation_rate)
    x_data, w_data = x.data, kernel.data
    n, h, w, c = x_data.shape
    kh, kw, _, mult = w_data.shape
    pads = _resolve_pads(padding, (h, w), (kh, kw), strides, dilation)
    xpad = _pad_nhwc(x_data, pads)
    oh = (xpad.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (xpad.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = xp.zeros((n, oh, ow, c, mult), dtype=x_data.dtype)
    for i in range(kh):
        for j in range(kw):
            out += xpad[_window(i, j, (oh, ow), strides, dilation)][..., None] * w_data[i, j]
    out = out.reshape(n, oh, ow, c * mult)
    if bias is not None:
        out += bias.data
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        g5 = g.reshape(n * oh * ow, c, mult)
        gw = xp.empty_like(w_data) if kernel.requires_grad else None
        gpad = xp.zeros(xpad.shape, dtype=g.dtype) if x.requires_grad else None
        for i in range(kh):
            for j in range(kw):
                index = _window(i, j, (oh, ow), strides, dilation)
                if gw is not None:
                    patch = xpad[index].reshape(-1, c)
                    gw[i, j] = xp.einsum("pc,pcm->cm", patch, g5)
                if gpad is not None:
                    gpad[index] += xp.einsum("pcm,cm->pc", g5, w_data[i, j]).reshape(n, oh, ow, c)
        gx = None if gpad is None else _crop_nhwc(gpad, pads)
        grads = [gx, gw]
        if bias is not None:
            grads.append(g.sum(axis=(0, 1, 2)) if bias.requires_grad else None)
        return grads

    result = record(out, parents, backward)
    return transpose(result, (0, 3, 1, 2)) if data_format == "channels_first" else result
