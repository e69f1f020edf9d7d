/* Fused CPU kernels: one pass over memory where NumPy needs a chain of ufuncs (the optimizers' updates are
 * in optimizers.c).
 *
 * Why: an optimizer update, a pooling layer or a convolution's column gathering is a dozen NumPy passes
 * (and temporaries); one loop that reads each array once does the same work in a fraction of the memory
 * traffic. Where the order of operations is the same (Adam, pooling, ReLU, the bias), the results are
 * bit-identical to the NumPy code: every operation is rounded to the array's type in the same order
 * (compiled with -ffp-contract=off, so no fused multiply-adds; sqrt and division are correctly rounded).
 * Loops are written with selects, not branches, so they vectorize.
 */
#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---- convolution: im2col and col2im over NHWC images ---------------------------------------------
 * Row (n, oy, ox) of the column matrix holds the receptive field of that output pixel, in (ki, kj, c)
 * order, padding read as 0; a last column of ones (when the matrix is one wider) carries the bias.
 */

/* Copy a run of ``len`` values: short runs (one-channel images) in a plain loop, where a call to
 * memcpy per run would cost more than the copy. */
#define COPY_RUN(T, dst, src, len)                                                                \
    do {                                                                                          \
        if ((len) <= 16) {                                                                        \
            for (Py_ssize_t e = 0; e < (len); e++) {                                              \
                (dst)[e] = (src)[e];                                                              \
            }                                                                                     \
        } else {                                                                                  \
            memcpy((dst), (src), (size_t)(len) * sizeof(T));                                      \
        }                                                                                         \
    } while (0)

/* Each kernel row of a window whose columns all lie inside the image is one copy of kw*c values when
 * the dilation is 1 (its pixels are adjacent in NHWC); edges go pixel by pixel, padding as zeros. */
#define IM2COL_BODY(T)                                                                            \
    const ConvGeometry *q = geo;                                                                  \
    const Py_ssize_t k = q->kh * q->kw * q->c, c = q->c, run = q->kw * q->c;                      \
    T *out = cols;                                                                                \
    for (Py_ssize_t n = 0; n < q->n; n++) {                                                       \
        for (Py_ssize_t oy = 0; oy < q->oh; oy++) {                                               \
            for (Py_ssize_t ox = 0; ox < q->ow; ox++) {                                           \
                const Py_ssize_t x0 = ox * q->sw - q->left, x_last = x0 + (q->kw - 1) * q->dw;    \
                const int columns_inside = x0 >= 0 && x_last < q->w;                              \
                T *field = out;                                                                   \
                for (Py_ssize_t ki = 0; ki < q->kh; ki++, field += run) {                         \
                    const Py_ssize_t y = oy * q->sh + ki * q->dh - q->top;                        \
                    if (y < 0 || y >= q->h) {                                                     \
                        memset(field, 0, (size_t)run * sizeof(T));                                \
                        continue;                                                                 \
                    }                                                                             \
                    const T *image_row = x + (n * q->h + y) * q->w * c;                           \
                    if (columns_inside && q->dw == 1) {                                           \
                        COPY_RUN(T, field, image_row + x0 * c, run);                              \
                    } else {                                                                      \
                        for (Py_ssize_t kj = 0; kj < q->kw; kj++) {                               \
                            const Py_ssize_t xx = x0 + kj * q->dw;                                \
                            if (xx >= 0 && xx < q->w) {                                           \
                                COPY_RUN(T, field + kj * c, image_row + xx * c, c);               \
                            } else {                                                              \
                                memset(field + kj * c, 0, (size_t)c * sizeof(T));                 \
                            }                                                                     \
                        }                                                                         \
                    }                                                                             \
                }                                                                                 \
                if (q->kcols > k) {                                                               \
                    out[k] = (T)1;                                                                \
                }                                                                                 \
                out += q->kcols;                                                                  \
            }                                                                                     \
        }                                                                                         \
    }

static void im2col_f32_typed(const ConvGeometry *geo, const float *restrict x, float *restrict cols) {
    IM2COL_BODY(float)
}
static void im2col_f64_typed(const ConvGeometry *geo, const double *restrict x, double *restrict cols) {
    IM2COL_BODY(double)
}

/* Each input pixel gathers, in (ki, kj) order, the column entries that read it: the same summation
 * order as the GPU kernel and as the slice-adds of the NumPy path. */
#define COL2IM_BODY(T)                                                                            \
    const ConvGeometry *q = geo;                                                                  \
    for (Py_ssize_t pixel = 0; pixel < q->n * q->h * q->w; pixel++) {                             \
        const Py_ssize_t xx = pixel % q->w, y = (pixel / q->w) % q->h, n = pixel / (q->w * q->h); \
        T *acc = gx + pixel * q->c;                                                               \
        memset(acc, 0, (size_t)q->c * sizeof(T));                                                 \
        for (Py_ssize_t ki = 0; ki < q->kh; ki++) {                                               \
            const Py_ssize_t ty = y + q->top - ki * q->dh;                                        \
            if (ty < 0 || ty % q->sh != 0 || ty / q->sh >= q->oh) {                               \
                continue;                                                                         \
            }                                                                                     \
            for (Py_ssize_t kj = 0; kj < q->kw; kj++) {                                           \
                const Py_ssize_t tx = xx + q->left - kj * q->dw;                                  \
                if (tx < 0 || tx % q->sw != 0 || tx / q->sw >= q->ow) {                           \
                    continue;                                                                     \
                }                                                                                 \
                const Py_ssize_t row = (n * q->oh + ty / q->sh) * q->ow + tx / q->sw;             \
                const T *src = dcols + row * q->kcols + (ki * q->kw + kj) * q->c;                 \
                for (Py_ssize_t ch = 0; ch < q->c; ch++) {                                        \
                    acc[ch] += src[ch];                                                           \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }

WIDEST_VECTORS static void col2im_f32_typed(const ConvGeometry *geo, const float *restrict dcols, float *restrict gx) {
    COL2IM_BODY(float)
}
WIDEST_VECTORS static void col2im_f64_typed(const ConvGeometry *geo, const double *restrict dcols,
                                            double *restrict gx) {
    COL2IM_BODY(double)
}

/* ---- 2x2/2 max pooling over NHWC images ----------------------------------------------------------
 * The maximum of each window and which of its four won (0..3 in row-major order). Each row's pair is
 * reduced first and the lower pair wins only when strictly larger, so the first maximum wins ties (TF's
 * rule); maxima are NumPy's (a NaN wins), so results and codes equal the NumPy path's, NaNs included.
 */
/* Written without branches (selects only), so the loop vectorizes: with random data a branch per
 * comparison would be mispredicted half the time. */
#define MAX_POOL_BODY(T)                                                                          \
    for (Py_ssize_t s = 0; s < n; s++) {                                                          \
        for (Py_ssize_t oy = 0; oy < oh; oy++) { /* one pass over a pair of input rows */         \
            const T *restrict upper = x + (s * h + 2 * oy) * w * c, *restrict lower_row = upper + w * c; \
            T *restrict best_out = out + (s * oh + oy) * ow * c;                                  \
            unsigned char *restrict code_out = code + (s * oh + oy) * ow * c;                     \
            for (Py_ssize_t ox = 0; ox < ow; ox++) {                                              \
                for (Py_ssize_t ch = 0; ch < c; ch++) {                                           \
                    const T va = upper[2 * ox * c + ch], vb = upper[(2 * ox + 1) * c + ch];       \
                    const T vd = lower_row[2 * ox * c + ch], ve = lower_row[(2 * ox + 1) * c + ch]; \
                    T top = vb > va ? vb : va, bottom = ve > vd ? ve : vd;                        \
                    top = ((va != va) | (vb != vb)) ? va + vb : top; /* a NaN wins, as in NumPy */ \
                    bottom = ((vd != vd) | (ve != ve)) ? vd + ve : bottom;                        \
                    const T best = bottom > top ? bottom : top;                                   \
                    best_out[ox * c + ch] = ((top != top) | (bottom != bottom)) ? top + bottom : best; \
                    /* The winner as exact small floats (0..3): integer lanes do not vectorize on SSE2. */ \
                    const T lower = (T)(bottom > top), right_top = (T)(vb > va);                  \
                    const T right_bottom = (T)(ve > vd);                                          \
                    const T winner = lower * ((T)2 + right_bottom) + ((T)1 - lower) * right_top;  \
                    code_out[ox * c + ch] = (unsigned char)(int)winner;                           \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }

#define POOL_DIMS const Py_ssize_t n = geo->n, h = geo->h, w = geo->w, c = geo->c, oh = geo->oh, ow = geo->ow;

WIDEST_VECTORS static void max_pool_f32_typed(const ConvGeometry *geo, const float *restrict x, float *restrict out,
                                              unsigned char *restrict code) {
    POOL_DIMS
    MAX_POOL_BODY(float)
}
WIDEST_VECTORS static void max_pool_f64_typed(const ConvGeometry *geo, const double *restrict x,
                                              double *restrict out, unsigned char *restrict code) {
    POOL_DIMS
    MAX_POOL_BODY(double)
}

/* Each window's gradient goes to its winner; rows and columns the windows do not cover get 0. */
#define MAX_POOL_GRAD_BODY(T)                                                                     \
    if (2 * oh != h || 2 * ow != w) {                                                             \
        memset(gx, 0, (size_t)(n * h * w * c) * sizeof(T));                                      \
    }                                                                                             \
    for (Py_ssize_t s = 0; s < n; s++) {                                                          \
        for (Py_ssize_t y = 0; y < 2 * oh; y++) { /* input rows in order: stores stream */        \
            const int lower = (int)(y & 1) * 2;                                                   \
            T *restrict row = gx + (s * h + y) * w * c;                                           \
            const T *restrict g_row = g + (s * oh + y / 2) * ow * c;                              \
            const unsigned char *restrict code_row = code + (s * oh + y / 2) * ow * c;            \
            for (Py_ssize_t ox = 0; ox < ow; ox++) {                                              \
                for (Py_ssize_t ch = 0; ch < c; ch++) {                                           \
                    const T value = g_row[ox * c + ch];                                           \
                    const int winner = code_row[ox * c + ch];                                     \
                    row[2 * ox * c + ch] = winner == lower ? value : (T)0;                        \
                    row[(2 * ox + 1) * c + ch] = winner == lower + 1 ? value : (T)0;              \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }

WIDEST_VECTORS static void max_pool_grad_f32_typed(const ConvGeometry *geo, const float *restrict g,
                                                   const unsigned char *restrict code, float *restrict gx) {
    POOL_DIMS
    MAX_POOL_GRAD_BODY(float)
}
WIDEST_VECTORS static void max_pool_grad_f64_typed(const ConvGeometry *geo, const double *restrict g,
                                                   const unsigned char *restrict code, double *restrict gx) {
    POOL_DIMS
    MAX_POOL_GRAD_BODY(double)
}

/* The conv and pooling kernels behind one signature, so one runner checks and dispatches them all
 * (the typed versions above keep their restrict parameters, which the vectorizer needs). */
#define UNIFORM_2(name)                                                                           \
    void name(const ConvGeometry *geo, void *first, void *second, void *third) {                  \
        (void)third;                                                                              \
        name##_typed(geo, first, second);                                                         \
    }
#define UNIFORM_3(name)                                                                           \
    void name(const ConvGeometry *geo, void *first, void *second, void *third) {                  \
        name##_typed(geo, first, second, third);                                                  \
    }
UNIFORM_2(im2col_f32)
UNIFORM_2(im2col_f64)
UNIFORM_2(col2im_f32)
UNIFORM_2(col2im_f64)
UNIFORM_3(max_pool_f32)
UNIFORM_3(max_pool_f64)
UNIFORM_3(max_pool_grad_f32)
UNIFORM_3(max_pool_grad_f64)

/* ---- ReLU's gradient: g times (output > 0) ---------------------------------------------------- */
WIDEST_VECTORS void relu_grad_f32(Py_ssize_t n, const float *restrict g, const float *restrict y,
                                  float *restrict r) {
    for (Py_ssize_t i = 0; i < n; i++) {
        r[i] = g[i] * (float)(y[i] > 0.0f); /* NumPy's g * (y > 0), -0.0 and NaN alike (a select: 13x slower on SSE2) */
    }
}
WIDEST_VECTORS void relu_grad_f64(Py_ssize_t n, const double *restrict g, const double *restrict y,
                                  double *restrict r) {
    for (Py_ssize_t i = 0; i < n; i++) {
        r[i] = g[i] * (double)(y[i] > 0.0);
    }
}

/* ---- a layer's bias, and optionally ReLU, added in place over (rows, cols) ------------------------
 * ReLU as NumPy's maximum(x, 0): a NaN stays NaN, -0.0 stays -0.0. */
#define ADD_BIAS_BODY(T)                                                                          \
    for (Py_ssize_t r = 0; r < rows; r++) {                                                       \
        T *restrict row = out + r * cols;                                                         \
        if (relu) {                                                                               \
            for (Py_ssize_t j = 0; j < cols; j++) {                                               \
                const T v = row[j] + bias[j];                                                     \
                row[j] = v < (T)0 ? (T)0 : v;                                                     \
            }                                                                                     \
        } else {                                                                                  \
            for (Py_ssize_t j = 0; j < cols; j++) {                                               \
                row[j] += bias[j];                                                                \
            }                                                                                     \
        }                                                                                         \
    }

WIDEST_VECTORS void add_bias_f32(Py_ssize_t rows, Py_ssize_t cols, float *out, const float *restrict bias,
                                 int relu) {
    ADD_BIAS_BODY(float)
}
WIDEST_VECTORS void add_bias_f64(Py_ssize_t rows, Py_ssize_t cols, double *out, const double *restrict bias,
                                 int relu) {
    ADD_BIAS_BODY(double)
}
