"""CUDA sources of the engine's fused GPU kernels, compiled by CuPy on first use and cached.

Each kernel replaces a chain of small CuPy calls (views, masks, slice-adds) on a hot path with one
launch: on the GPU a training step of a small model is bound by how many kernels the CPU launches,
not by the arithmetic. Index arithmetic is done in 64 bits so large images cannot overflow.
"""

from __future__ import annotations

from typing import Any

_compiled: dict[str, Any] = {}

# Device helpers shared by the kernels below.
_PREAMBLE = r"""
struct Nhwc { long long n, y, x, c; };

// (sample, row, column, channel) of flat index i in a C-contiguous (N, H, W, C) array.
__device__ inline Nhwc unravel_nhwc(long long i, long long H, long long W, long long C) {
    Nhwc at;
    at.c = i % C; i /= C;
    at.x = i % W; i /= W;
    at.y = i % H; at.n = i / H;
    return at;
}

// Offset (from base) of the first largest of count values: ties go to the earlier one, as NumPy's argmax.
template <typename A>
__device__ inline long long first_argmax(A a, long long base, long long count) {
    long long top = 0;
    for (long long k = 1; k < count; k++) {
        if (a[base + k] > a[base + top]) top = k;
    }
    return top;
}
"""

# (kind, params in, params out, body)
_SOURCES: dict[str, tuple[str, str, str, str]] = {
    "adam": (
        "elementwise",
        "T g, T alpha, T one_minus_b1, T one_minus_b2, T eps",
        "T p, T m, T v",
        "m += (g - m) * one_minus_b1; v += (g * g - v) * one_minus_b2; p -= (m * alpha) / (sqrt(v) + eps);",
    ),
    # (N*OH*OW, KCOLS) receptive fields of an unpadded NHWC image; padding reads as 0, column K (if any) is 1.
    "im2col": (
        "elementwise",
        "raw T x, int64 H, int64 W, int64 C, int64 OH, int64 OW, int64 KW, int64 SH, int64 SW, int64 DH, "
        "int64 DW, int64 TOP, int64 LEFT, int64 K, int64 KCOLS",
        "T cols",
        """
        long long row = i / KCOLS, col = i % KCOLS;
        if (col >= K) { cols = (T)1; } else {
            long long ox = row % OW, t = row / OW, oy = t % OH, n = t / OH;
            long long ch = col % C, kk = col / C, kj = kk % KW, ki = kk / KW;
            long long y = oy * SH + ki * DH - TOP, xx = ox * SW + kj * DW - LEFT;
            cols = (y >= 0 && y < H && xx >= 0 && xx < W) ? x[((n * H + y) * W + xx) * C + ch] : (T)0;
        }
        """,
    ),
    # The input gradient of a convolution: each pixel gathers the column entries that read it (no atomics).
    "col2im": (
        "elementwise",
        "raw T dcols, int64 H, int64 W, int64 C, int64 OH, int64 OW, int64 KH, int64 KW, int64 SH, int64 SW, "
        "int64 DH, int64 DW, int64 TOP, int64 LEFT, int64 KCOLS",
        "T gx",
        """
        const Nhwc at = unravel_nhwc(i, H, W, C);
        const long long n = at.n, y = at.y, xx = at.x, ch = at.c;
        T acc = 0;
        for (long long ki = 0; ki < KH; ki++) {
            long long ty = y + TOP - ki * DH;
            if (ty < 0 || ty % SH != 0) continue;
            long long oy = ty / SH;
            if (oy >= OH) continue;
            for (long long kj = 0; kj < KW; kj++) {
                long long tx = xx + LEFT - kj * DW;
                if (tx < 0 || tx % SW != 0) continue;
                long long ox = tx / SW;
                if (ox >= OW) continue;
                acc += dcols[((n * OH + oy) * OW + ox) * KCOLS + (ki * KW + kj) * C + ch];
            }
        }
        gx = acc;
        """,
    ),
    # 2x2/2 max pooling: the maximum and which of the four won (first in row-major order, TF's rule).
    "max_pool_2x2": (
        "elementwise",
        "raw T x, int64 H, int64 W, int64 C, int64 OH, int64 OW",
        "T out, uint8 code",
        """
        const Nhwc at = unravel_nhwc(i, OH, OW, C);
        const long long base = ((at.n * H + 2 * at.y) * W + 2 * at.x) * C + at.c;
        T a00 = x[base], a01 = x[base + C], a10 = x[base + W * C], a11 = x[base + W * C + C];
        T best = a00; unsigned char k = 0;
        if (a01 > best) { best = a01; k = 1; }
        if (a10 > best) { best = a10; k = 2; }
        if (a11 > best) { best = a11; k = 3; }
        if (isnan(a00) || isnan(a01) || isnan(a10) || isnan(a11)) best = a00 + a01 + a10 + a11;
        out = best; code = k;
        """,
    ),
    "max_pool_2x2_grad": (
        "elementwise",
        "raw T g, raw uint8 code, int64 H, int64 W, int64 C, int64 OH, int64 OW",
        "T gx",
        """
        const Nhwc at = unravel_nhwc(i, H, W, C);
        const long long oy = at.y >> 1, ox = at.x >> 1;
        if (oy >= OH || ox >= OW) { gx = (T)0; } else {
            const long long o = ((at.n * OH + oy) * OW + ox) * C + at.c;
            gx = (code[o] == (unsigned char)((at.y & 1) * 2 + (at.x & 1))) ? g[o] : (T)0;
        }
        """,
    ),
    "relu_grad": ("elementwise", "T g, T y", "T r", "r = y > (T)0 ? g : (T)0;"),
    # Per-row sparse crossentropy from logits x and their softmax p: x[top] - x[label] - log p[top].
    "sparse_ce_from_probs": (
        "elementwise",
        "raw T x, raw T p, raw L labels, int64 classes",
        "T loss",
        """
        const long long base = i * classes, top = first_argmax(x, base, classes);
        loss = x[base + top] - x[base + (long long)labels[i]] - log(p[base + top]);
        """,
    ),
    "sparse_ce_grad": (
        "elementwise",
        "T p, raw T g, raw L labels, int64 classes",
        "T grad",
        """
        long long row = i / classes, col = i % classes;
        T scale = g[row];
        grad = p * scale;
        if (col == (long long)labels[row]) grad -= scale;
        """,
    ),
    # 1.0 where the row's first largest score is at the label (sparse categorical accuracy).
    "sparse_top1": (
        "elementwise",
        "raw T scores, raw L labels, int64 classes",
        "F hit",
        """
        hit = (first_argmax(scores, i * classes, classes) == (long long)labels[i]) ? (F)1 : (F)0;
        """,
    ),
    "count_out_of_range": ("reduction", "T x, int64 classes", "int64 y", "x < 0 || x >= classes"),
}


def kernel(name: str) -> Any:
    """The compiled CuPy kernel ``name`` (CuPy is imported here, inside the backend, only on first use)."""
    compiled = _compiled.get(name)
    if compiled is None:
        import cupy  # noqa: PLC0415 - CuPy is imported inside engine.backend only

        kind, params_in, params_out, body = _SOURCES[name]
        if kind == "elementwise":
            compiled = cupy.ElementwiseKernel(params_in, params_out, body, f"strata_{name}", preamble=_PREAMBLE)
        else:
            compiled = cupy.ReductionKernel(params_in, params_out, body, "a + b", "y = a", "0", f"strata_{name}")
        _compiled[name] = compiled
    return compiled
