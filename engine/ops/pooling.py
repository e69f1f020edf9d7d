"""Max and average pooling ops (1D and 2D) with hand-written backward passes.

Computed in channels_last; ``channels_first`` transposes at the edges. Windows
are visited with one strided slice per pool position (a short loop over
pool_h*pool_w, never over samples). Max pooling sends each window's gradient to
its first maximal element in row-major order (TensorFlow's rule); 'same'
average pooling divides by the number of real (non-padded) elements, as Keras
does.
"""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import is_grad_enabled, record
from engine.autograd.tensor import Tensor
from engine.backend import fused, xp
from engine.ops._core import _wrap, reshape, transpose
from engine.ops.conv import _crop_nhwc, _pad_nhwc, _pair, _window, same_padding


def _geometry(shape, pool, strides, padding):
    _, h, w, _ = shape
    if padding == "same":
        pads = (same_padding(h, pool[0], strides[0]), same_padding(w, pool[1], strides[1]))
        out_hw = ((h + strides[0] - 1) // strides[0], (w + strides[1] - 1) // strides[1])
    else:
        pads = ((0, 0), (0, 0))
        out_hw = ((h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1)
    return pads, out_hw


def _positions(pool):
    return [(i, j) for i in range(pool[0]) for j in range(pool[1])]


def max_pool2d(
    x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str = "channels_last"
) -> Tensor:
    """2D max pooling; strides default to the pool size."""
    return _pool2d(_max_pool_nhwc, x, pool_size, strides, padding, data_format)


def _pool2d(pool_nhwc, x: Any, pool_size: Any, strides: Any, padding: str, data_format: str) -> Tensor:
    """A channels-last pooling op applied in either data format (channels_first transposes at the edges)."""
    x = _wrap(x)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 3, 1))
    pool = _pair(pool_size)
    strides = pool if strides is None else _pair(strides)
    out = pool_nhwc(x, pool, strides, padding)
    return transpose(out, (0, 3, 1, 2)) if data_format == "channels_first" else out


def _max_pool_nhwc(x: Tensor, pool, strides, padding: str) -> Tensor:
    data = x.data
    pads, out_hw = _geometry(data.shape, pool, strides, padding)
    if pool == strides and pads == ((0, 0), (0, 0)):
        return _max_pool_blocks(x, pool, out_hw)
    xpad = _pad_nhwc(data, pads, -xp.inf)
    positions = _positions(pool)
    index = [_window(i, j, out_hw, strides, (1, 1)) for i, j in positions]
    out = xpad[index[0]].copy()
    for item in index[1:]:
        xp.maximum(out, xpad[item], out=out)

    def backward(g):
        gpad = xp.zeros(xpad.shape, dtype=g.dtype)
        taken = None
        for item in index:
            hit = xpad[item] == out
            if taken is None:
                taken = hit
            else:
                hit &= ~taken
                taken |= hit
            gpad[item] += g * hit
        return (_crop_nhwc(gpad, pads),)

    return record(out, (x,), backward)


def _max_pool_blocks(x: Tensor, pool, out_hw) -> Tensor:
    """Non-overlapping windows (pool == strides, no padding): the benchmark's hot path.

    Rows of a window are reduced first over whole contiguous image rows; only the
    reduction across columns works on channel-length runs.
    """
    data = x.data
    n, h, w, c = data.shape
    (ph, pw), (oh, ow) = pool, out_hw
    if ph == pw == 2:
        return _max_pool_2x2(x, out_hw)
    rows = data[:, : oh * ph, : ow * pw, :].reshape(n, oh, ph, ow * pw * c)
    wide = rows[:, :, 0]
    if ph > 1:
        wide = xp.maximum(wide, rows[:, :, 1])
        for a in range(2, ph):
            xp.maximum(wide, rows[:, :, a], out=wide)
    out = _max_over_columns(wide.reshape(n, oh, ow, pw, c))

    def backward(g):
        grad_rows = _widen(g, pw) * _first_maxima(rows, out, pool)
        if oh * ph == h and ow * pw == w:
            return (grad_rows.reshape(data.shape),)
        gx = xp.zeros(data.shape, dtype=g.dtype)
        gx[:, : oh * ph, : ow * pw, :] = grad_rows.reshape(n, oh * ph, ow * pw, c)
        return (gx,)

    return record(out, (x,), backward)


def _max_pool_2x2(x: Tensor, out_hw) -> Tensor:
    """2x2 blocks: the forward keeps which element of each window won (three quarter-size masks).

    The first maximum in row-major order is the first maximal column of the first row that holds
    the maximum, so three strict comparisons pick it (ties go to the earlier element, TF's rule).
    The backward then writes each window's gradient with six quarter-size ufuncs instead of
    rebuilding the mask from the input.
    """
    data = x.data
    n, h, w, c = data.shape
    oh, ow = out_hw
    need = is_grad_enabled() and x.requires_grad
    on_gpu = fused.max_pool_2x2(data, out_hw)
    if on_gpu is not None:  # one kernel each way on the GPU
        out, code = on_gpu
        if not need:
            return record(out, (x,), None)
        return record(out, (x,), lambda g: (fused.max_pool_2x2_grad(g, code, data.shape),))
    blocks = data[:, : oh * 2, : ow * 2, :].reshape(n, oh, 2, ow, 2, c)
    a00, a01, a10, a11 = blocks[:, :, 0, :, 0], blocks[:, :, 0, :, 1], blocks[:, :, 1, :, 0], blocks[:, :, 1, :, 1]
    top = xp.maximum(a00, a01)
    bottom = xp.maximum(a10, a11)
    if need:
        right_top, right_bottom = xp.greater(a01, a00), xp.greater(a11, a10)
        lower = xp.greater(bottom, top)
    out = xp.maximum(top, bottom, out=top)
    if not need:
        return record(out, (x,), None)

    def backward(g):
        full = oh * 2 == h and ow * 2 == w
        gx = xp.empty(data.shape, dtype=g.dtype) if full else xp.zeros(data.shape, dtype=g.dtype)
        gb = gx.reshape(n, oh, 2, ow, 2, c) if full else gx[:, : oh * 2, : ow * 2, :].reshape(n, oh, 2, ow, 2, c)
        g_low = xp.multiply(g, lower)
        g_up = xp.subtract(g, g_low)  # exact: one of the two is g, the other 0
        xp.multiply(g_up, right_top, out=gb[:, :, 0, :, 1])
        xp.subtract(g_up, gb[:, :, 0, :, 1], out=gb[:, :, 0, :, 0])
        xp.multiply(g_low, right_bottom, out=gb[:, :, 1, :, 1])
        xp.subtract(g_low, gb[:, :, 1, :, 1], out=gb[:, :, 1, :, 0])
        return (gx,)

    return record(out, (x,), backward)


def _first_maxima(rows: Any, out: Any, pool) -> Any:
    """Boolean (N, OH, ph, OW*pw*C) mask of each window's first maximum in row-major order (TF's rule).

    Every hit gets a priority (earlier = larger) and the best one per window wins. Rows of a window
    are compared over whole contiguous image rows; only the column step works on channel runs.
    """
    n, oh, ow, c = out.shape
    ph, pw = pool
    dtype = "int8" if ph * pw < 127 else "int32"
    key = (rows == _widen(out, pw)) * _priority_pattern(pool, ow, c, dtype)
    best = key[:, :, 0]
    if ph > 1:
        best = xp.maximum(best, key[:, :, 1])
        for a in range(2, ph):
            xp.maximum(best, key[:, :, a], out=best)
    top = _max_over_columns(best.reshape(n, oh, ow, pw, c))
    return key == _widen(top, pw)


def _max_over_columns(blocks: Any) -> Any:
    """(N, OH, OW, pw, C) -> (N, OH, OW, C): the maximum over each window's columns."""
    pw = blocks.shape[3]
    if pw == 1:
        return xp.ascontiguousarray(blocks[:, :, :, 0])
    out = xp.maximum(blocks[:, :, :, 0], blocks[:, :, :, 1])
    for b in range(2, pw):
        xp.maximum(out, blocks[:, :, :, b], out=out)
    return out


def _priority_pattern(pool, ow: int, c: int, dtype: str) -> Any:
    """(ph, OW*pw*C): the priority (count - row-major window index) of every pixel of one block row."""
    ph, pw = pool
    count = ph * pw
    priority = (count - xp.arange(count, dtype=dtype)).reshape(ph, 1, pw, 1)
    return xp.ascontiguousarray(xp.broadcast_to(priority, (ph, ow, pw, c))).reshape(ph, ow * pw * c)


def _widen(values: Any, pw: int) -> Any:
    """(N, OH, OW, C) -> (N, OH, 1, OW*pw*C): each window value repeated across its columns, one row."""
    n, oh, ow, c = values.shape
    return xp.repeat(values, pw, axis=2).reshape(n, oh, 1, ow * pw * c)


def avg_pool2d(
    x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str = "channels_last"
) -> Tensor:
    """2D average pooling; 'same' padding averages only the real elements of each window."""
    return _pool2d(_avg_pool_nhwc, x, pool_size, strides, padding, data_format)


def _window_counts(length: int, pool: int, stride: int, out: int, pad_before: int) -> Any:
    starts = xp.arange(out) * stride - pad_before
    return xp.minimum(starts + pool, length) - xp.maximum(starts, 0)


def _avg_pool_nhwc(x: Tensor, pool, strides, padding: str) -> Tensor:
    data = x.data
    n, h, w, c = data.shape
    pads, out_hw = _geometry(data.shape, pool, strides, padding)
    xpad = _pad_nhwc(data, pads)
    positions = _positions(pool)
    index = [_window(i, j, out_hw, strides, (1, 1)) for i, j in positions]
    out = xpad[index[0]].copy()
    for item in index[1:]:
        out += xpad[item]
    if padding == "same":
        rows = _window_counts(h, pool[0], strides[0], out_hw[0], pads[0][0])
        cols = _window_counts(w, pool[1], strides[1], out_hw[1], pads[1][0])
        scale = (1.0 / (rows[:, None] * cols[None, :])).astype(data.dtype)[None, :, :, None]
        out *= scale
    else:
        scale = 1.0 / (pool[0] * pool[1])
        out *= scale

    def backward(g):
        share = g * scale
        gpad = xp.zeros(xpad.shape, dtype=g.dtype)
        for item in index:
            gpad[item] += share
        return (_crop_nhwc(gpad, pads),)

    return record(out, (x,), backward)


def _pool1d(fn, x: Any, pool_size: Any, strides: Any, padding: str, data_format: str) -> Tensor:
    x = _wrap(x)
    if data_format == "channels_first":
        x = transpose(x, (0, 2, 1))
    n, length, c = x.shape
    pool = int(pool_size if isinstance(pool_size, int) else pool_size[0])
    stride = pool if strides is None else int(strides if isinstance(strides, int) else strides[0])
    out = fn(reshape(x, (n, 1, length, c)), (1, pool), (1, stride), padding)
    out = reshape(out, (n, out.shape[2], c))
    return transpose(out, (0, 2, 1)) if data_format == "channels_first" else out


def max_pool1d(
    x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str = "channels_last"
) -> Tensor:
    """1D max pooling over the steps axis; strides default to the pool size."""
    return _pool1d(_max_pool_nhwc, x, pool_size, strides, padding, data_format)


def avg_pool1d(
    x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str = "channels_last"
) -> Tensor:
    """1D average pooling over the steps axis; strides default to the pool size."""
    return _pool1d(_avg_pool_nhwc, x, pool_size, strides, padding, data_format)
