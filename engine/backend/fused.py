"""Fused kernels for the hot paths (one launch or one pass instead of a chain of small ones).

The GPU kernels live in ``_cuda_kernels``; a few CPU kernels live in the optional compiled module
``_cpu_kernels`` (C sources in ``csrc/``, built at install time when a C compiler is there;
``STRATA_CPU_KERNELS=0`` turns them off). Each function returns None (or False) when it has no kernel
for its arrays, so the ops call it first and fall back to their own ``xp`` code. The results match that
code: the same formulas, the same tie rules, the same summation order where it matters (scalars are
rounded to the array dtype first, as NumPy does); col2im gathers from one GEMM's columns where NumPy
adds one GEMM per kernel position, so its sums agree to rounding.
"""

from __future__ import annotations

import os
from typing import Any

from engine.backend._cuda_kernels import kernel

try:
    from engine.backend import _cpu_kernels
except ImportError:  # installed without a C compiler: the NumPy paths stay
    _cpu_kernels = None
if os.environ.get("STRATA_CPU_KERNELS", "1").strip() == "0":
    _cpu_kernels = None

# col2im by gathering needs the whole (rows, K) column gradient at once; above this many bytes the
# op keeps its per-kernel-position path, which needs one (rows, C) part at a time. Host memory is
# the scarcer of the two, so the CPU's limit is lower.
GATHER_LIMIT_BYTES = {"gpu": 1 << 30, "cpu": 1 << 28}


def on_gpu(array: Any) -> bool:
    """Whether ``array`` is a CuPy array (cheap: no import)."""
    return type(array).__module__.startswith("cupy")


def _float_on_gpu(array: Any) -> bool:
    """A float32/float64 CuPy array: the kernels are written for those two types."""
    return on_gpu(array) and array.dtype.kind == "f" and array.dtype.itemsize in (4, 8)


def _contiguous(array: Any) -> Any:
    return array if array.flags.c_contiguous else array.copy()


def cpu_kernels_available() -> bool:
    """Whether the compiled CPU kernels are in use (for the benchmarks' and tests' reports)."""
    return _cpu_kernels is not None


def _cpu_float_arrays(*arrays: Any) -> bool:
    """NumPy arrays of one float type and shape, C-contiguous, while the CPU kernels are in use."""
    first = arrays[0]
    if not _on_cpu_kernels(first):
        return False
    return all(type(a) is type(first) and a.dtype == first.dtype and a.flags.c_contiguous and a.shape == first.shape
               for a in arrays)  # fmt: skip


def adam_update(gradient: Any, value: Any, m: Any, v: Any, alpha: float, beta_1: float, beta_2: float,
                epsilon: float, v_hat: Any = None) -> bool:  # fmt: skip
    """Adam's (or AMSGrad's, with ``v_hat``) moment and weight update in one pass; False when nothing was done."""
    if on_gpu(value):
        if v_hat is not None:
            return False
        cast = value.dtype.type
        kernel("adam")(gradient, cast(alpha), cast(1 - beta_1), cast(1 - beta_2), cast(epsilon), value, m, v)
        return True
    return optimizer_update("adam", gradient, value, (m, v, v_hat), (alpha, 1 - beta_1, 1 - beta_2, epsilon))


def optimizer_update(name: str, gradient: Any, value: Any, slots: tuple[Any, ...],
                     coefficients: tuple[float, ...]) -> bool:  # fmt: skip
    """An optimizer's update in one compiled pass on the CPU; False when nothing was done (no kernel, or
    arrays it cannot take). ``name``, the ``slots`` (None where a variant has none) and the ``coefficients``
    are as listed in csrc/module.c."""
    if not _optimizer_arrays(gradient, value, *slots):
        return False
    _cpu_kernels.optimizer_update(name, gradient, value, tuple(slots), tuple(float(c) for c in coefficients))
    return True


def _optimizer_arrays(gradient: Any, value: Any, *slots: Any) -> bool:
    """The CPU kernels can update ``value``: writable, and every array of its type and shape (None slots aside)."""
    present = [a for a in slots if a is not None]
    return _cpu_float_arrays(value, gradient, *present) and value.flags.writeable


def _on_cpu_kernels(array: Any) -> bool:
    """A float32/float64 NumPy array while the compiled CPU kernels are in use."""
    return _cpu_kernels is not None and not on_gpu(array) and array.dtype.kind == "f" and array.dtype.itemsize in (4, 8)


def _conv_geometry(image_shape, ksize, out_hw, strides, dilation, pads, kcols: int) -> tuple[int, ...]:
    """The CPU kernels' geometry arguments: n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols."""
    return (*image_shape, *out_hw, *ksize, *strides, *dilation, pads[0][0], pads[1][0], kcols)


def im2col(x: Any, ksize, out_hw, strides, dilation, pads, extra_ones: bool) -> Any:
    """(N*OH*OW, KH*KW*C [+1]) receptive fields of the unpadded NHWC ``x``; None without a kernel."""
    n, h, w, c = x.shape
    (kh, kw), (oh, ow) = ksize, out_hw
    k = kh * kw * c
    kcols = k + 1 if extra_ones else k
    if _on_cpu_kernels(x):
        cols = x.__class__((n * oh * ow, kcols), dtype=x.dtype)
        geometry = _conv_geometry(x.shape, ksize, out_hw, strides, dilation, pads, kcols)
        _cpu_kernels.im2col(_contiguous(x), cols, *geometry)
        return cols
    if not _float_on_gpu(x):
        return None
    cols = x.__class__((n * oh * ow, kcols), dtype=x.dtype)
    kernel("im2col")(
        _contiguous(x), h, w, c, oh, ow, kw, strides[0], strides[1], dilation[0], dilation[1],
        pads[0][0], pads[1][0], k, kcols, cols,
    )  # fmt: skip
    return cols


def col2im_fits(array: Any, column_bytes: int) -> bool:
    """Whether ``col2im`` has a kernel for arrays like ``array`` and a column gradient of ``column_bytes``
    is small enough to form whole."""
    if _float_on_gpu(array):
        return column_bytes <= GATHER_LIMIT_BYTES["gpu"]
    return _on_cpu_kernels(array) and column_bytes <= GATHER_LIMIT_BYTES["cpu"]


def col2im(dcols: Any, image_shape, ksize, out_hw, strides, dilation, pads) -> Any:
    """The (N, H, W, C) input gradient from the (N*OH*OW, KH*KW*C) column gradient; None without a kernel."""
    if _on_cpu_kernels(dcols):
        gx = dcols.__class__(image_shape, dtype=dcols.dtype)
        geometry = _conv_geometry(image_shape, ksize, out_hw, strides, dilation, pads, dcols.shape[1])
        _cpu_kernels.col2im(_contiguous(dcols), gx, *geometry)
        return gx
    if not _float_on_gpu(dcols):
        return None
    n, h, w, c = image_shape
    (kh, kw), (oh, ow) = ksize, out_hw
    gx = dcols.__class__(image_shape, dtype=dcols.dtype)
    kernel("col2im")(
        _contiguous(dcols), h, w, c, oh, ow, kh, kw, strides[0], strides[1], dilation[0], dilation[1],
        pads[0][0], pads[1][0], dcols.shape[1], gx,
    )  # fmt: skip
    return gx


def max_pool_2x2(x: Any, out_hw) -> tuple[Any, Any] | None:
    """2x2/2 max pooling of NHWC ``x``: (output, uint8 code of each window's winner); None without a kernel."""
    n, h, w, c = x.shape
    oh, ow = out_hw
    if _on_cpu_kernels(x) and (oh, ow) == (h // 2, w // 2) and oh and ow:
        out = x.__class__((n, oh, ow, c), dtype=x.dtype)
        code = x.__class__((n, oh, ow, c), dtype="uint8")
        _cpu_kernels.max_pool_2x2(_contiguous(x), out, code, n, h, w, c)
        return out, code
    if not _float_on_gpu(x):
        return None
    out = x.__class__((n, oh, ow, c), dtype=x.dtype)
    code = x.__class__((n, oh, ow, c), dtype="uint8")
    kernel("max_pool_2x2")(_contiguous(x), h, w, c, oh, ow, out, code)
    return out, code


def max_pool_2x2_grad(g: Any, code: Any, input_shape) -> Any:
    """Each window's gradient sent to its winner (zeros elsewhere, and in uncovered edge rows/columns)."""
    n, h, w, c = input_shape
    _, oh, ow, _ = code.shape
    gx = g.__class__(input_shape, dtype=g.dtype)
    if not on_gpu(g):
        _cpu_kernels.max_pool_2x2_grad(_contiguous(g), code, gx, n, h, w, c)
        return gx
    kernel("max_pool_2x2_grad")(_contiguous(g), code, h, w, c, oh, ow, gx)
    return gx


def add_bias(out: Any, bias: Any, relu: bool) -> bool:
    """``out += bias`` (over the last axis), then ReLU if asked, in one pass in place; False without a kernel."""
    if not _on_cpu_kernels(out) or type(bias) is not type(out) or bias.dtype != out.dtype:
        return False
    if not out.flags.c_contiguous or not out.flags.writeable or bias.shape != out.shape[-1:]:
        return False
    _cpu_kernels.add_bias(out, _contiguous(bias), relu)
    return True


def relu_grad(g: Any, out: Any) -> Any:
    """``g * (out > 0)`` in one pass (the GPU kernel writes +0.0 where ``out <= 0``); None without a kernel."""
    if g.shape != out.shape or g.dtype != out.dtype:
        return None
    if _on_cpu_kernels(g) and type(out) is type(g):
        r = g.__class__(g.shape, dtype=g.dtype)
        _cpu_kernels.relu_grad(_contiguous(g), _contiguous(out), r)
        return r
    if not _float_on_gpu(g):
        return None
    return kernel("relu_grad")(g, out)


def sparse_ce_from_probs(x2: Any, p2: Any, labels: Any) -> Any:
    """Per-row ``x[top] - x[label] - log p[top]`` (logsumexp from the softmax output); None off the GPU."""
    if not _float_on_gpu(x2) or not on_gpu(labels) or labels.dtype.kind not in "iu":
        return None
    rows, classes = x2.shape
    loss = x2.__class__((rows,), dtype=x2.dtype)
    kernel("sparse_ce_from_probs")(_contiguous(x2), _contiguous(p2), _contiguous(labels), classes, loss)
    return loss


def sparse_ce_grad(p2: Any, g: Any, labels: Any) -> Any:
    """``p * g[:, None]`` minus ``g`` at each row's label, in one kernel."""
    classes = p2.shape[1]
    return kernel("sparse_ce_grad")(p2, _contiguous(g.reshape(-1)), _contiguous(labels), classes)


def sparse_top1(scores: Any, labels: Any, dtype: Any) -> Any:
    """1.0 where each row's first largest score sits at its integer label; None off the GPU."""
    if not _float_on_gpu(scores) or not on_gpu(labels) or labels.dtype.kind not in "iu":
        return None
    classes = scores.shape[-1]
    hits = scores.__class__(labels.shape, dtype=dtype)
    kernel("sparse_top1")(_contiguous(scores), _contiguous(labels), classes, hits)
    return hits


def labels_in_range(labels: Any, classes: int) -> bool | None:
    """Whether every integer label lies in [0, classes): one reduction and one small read back; None off the GPU."""
    if not on_gpu(labels) or labels.dtype.kind not in "iu":
        return None
    return int(kernel("count_out_of_range")(labels, classes)) == 0
