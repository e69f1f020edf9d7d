/* Fused CPU kernels: one pass over memory where NumPy needs a chain of ufuncs.
 *
 * Why: the optimizer update of an MLP is a dozen NumPy passes over every weight (about a quarter of a
 * training step on two cores); one loop that reads each array once does the same work in a fraction of
 * the memory traffic. The results are bit-identical to the NumPy code in the optimizers: every operation
 * is rounded to the array's type in the same order (compiled with -ffp-contract=off, so no fused
 * multiply-adds), and sqrt and division are correctly rounded in both.
 *
 * The module is optional: when it was not compiled (no C compiler at install time) the engine keeps
 * its NumPy path. Arrays are taken through the buffer protocol, so NumPy's headers are not needed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One build for every x86-64 CPU: the loader picks the widest vector unit this CPU has. (GCC 12's
 * "arch=x86-64-v4" clones are never picked by its resolver on AMD CPUs: feature names are.) */
#define WIDEST_VECTORS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDEST_VECTORS
#endif

/* ---- Adam -------------------------------------------------------------------------------------
 * m += (g - m) c1;  v += (g*g - v) c2;  [vhat = max(vhat, v); v = vhat]  w -= (m alpha) / (sqrt(v) + eps)
 */
#define ADAM_LOOP(T, SQRT)                                                                        \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        T gi = g[i];                                                                              \
        T mi = m[i] + (gi - m[i]) * c1;                                                           \
        T vi = v[i] + (gi * gi - v[i]) * c2;                                                      \
        m[i] = mi;                                                                                \
        v[i] = vi;                                                                                \
        w[i] -= (mi * alpha) / (SQRT(vi) + eps);                                                  \
    }

#define AMSGRAD_LOOP(T, SQRT)                                                                     \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        T gi = g[i];                                                                              \
        T mi = m[i] + (gi - m[i]) * c1;                                                           \
        T vi = v[i] + (gi * gi - v[i]) * c2;                                                      \
        T hi = vhat[i];                                                                           \
        hi = (hi >= vi || hi != hi) ? hi : vi; /* NumPy's maximum: a NaN wins */                  \
        m[i] = mi;                                                                                \
        v[i] = vi;                                                                                \
        vhat[i] = hi;                                                                             \
        w[i] -= (mi * alpha) / (SQRT(hi) + eps);                                                  \
    }

WIDEST_VECTORS static void adam_f32(Py_ssize_t n, const float *restrict g, float *restrict w, float *restrict m,
                                    float *restrict v, float alpha, float c1, float c2, float eps) {
    ADAM_LOOP(float, sqrtf)
}

WIDEST_VECTORS static void adam_f64(Py_ssize_t n, const double *restrict g, double *restrict w, double *restrict m,
                                    double *restrict v, double alpha, double c1, double c2, double eps) {
    ADAM_LOOP(double, sqrt)
}

WIDEST_VECTORS static void amsgrad_f32(Py_ssize_t n, const float *restrict g, float *restrict w, float *restrict m,
                                       float *restrict v, float *restrict vhat, float alpha, float c1, float c2,
                                       float eps) {
    AMSGRAD_LOOP(float, sqrtf)
}

WIDEST_VECTORS static void amsgrad_f64(Py_ssize_t n, const double *restrict g, double *restrict w,
                                       double *restrict m, double *restrict v, double *restrict vhat, double alpha,
                                       double c1, double c2, double eps) {
    AMSGRAD_LOOP(double, sqrt)
}

/* ---- convolution: im2col and col2im over NHWC images ---------------------------------------------
 * Row (n, oy, ox) of the column matrix holds the receptive field of that output pixel, in (ki, kj, c)
 * order, padding read as 0; a last column of ones (when the matrix is one wider) carries the bias.
 */
typedef struct {
    Py_ssize_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols;
} ConvGeometry;

#define IM2COL_BODY(T)                                                                            \
    const ConvGeometry *q = geo;                                                                  \
    const Py_ssize_t k = q->kh * q->kw * q->c;                                                    \
    for (Py_ssize_t row = 0; row < q->n * q->oh * q->ow; row++) {                                 \
        const Py_ssize_t ox = row % q->ow, oy = (row / q->ow) % q->oh, n = row / (q->ow * q->oh); \
        T *out = cols + row * q->kcols;                                                           \
        for (Py_ssize_t ki = 0; ki < q->kh; ki++) {                                               \
            const Py_ssize_t y = oy * q->sh + ki * q->dh - q->top;                                \
            for (Py_ssize_t kj = 0; kj < q->kw; kj++, out += q->c) {                              \
                const Py_ssize_t xx = ox * q->sw + kj * q->dw - q->left;                          \
                const int inside = y >= 0 && y < q->h && xx >= 0 && xx < q->w;                    \
                const T *src = x + ((n * q->h + y) * q->w + xx) * q->c;                           \
                if (q->c == 1) { /* one channel: a call to memcpy per value would dominate */     \
                    *out = inside ? *src : (T)0;                                                  \
                } else if (inside) {                                                              \
                    memcpy(out, src, (size_t)q->c * sizeof(T));                                   \
                } else {                                                                          \
                    memset(out, 0, (size_t)q->c * sizeof(T));                                     \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        if (q->kcols > k) {                                                                       \
            *out = (T)1;                                                                          \
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
                    const int right_top = vb > va, right_bottom = ve > vd;                        \
                    T top = right_top ? vb : va, bottom = right_bottom ? ve : vd;                 \
                    top = ((va != va) | (vb != vb)) ? va + vb : top; /* a NaN wins, as in NumPy */ \
                    bottom = ((vd != vd) | (ve != ve)) ? vd + ve : bottom;                        \
                    const int lower = bottom > top;                                               \
                    const T best = lower ? bottom : top;                                          \
                    best_out[ox * c + ch] = ((top != top) | (bottom != bottom)) ? top + bottom : best; \
                    code_out[ox * c + ch] = (unsigned char)(lower ? 2 + right_bottom : right_top); \
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
typedef void (*GeometryKernel)(const ConvGeometry *geo, void *first, void *second, void *third);

#define UNIFORM_2(name)                                                                           \
    static void name(const ConvGeometry *geo, void *first, void *second, void *third) {           \
        (void)third;                                                                              \
        name##_typed(geo, first, second);                                                         \
    }
#define UNIFORM_3(name)                                                                           \
    static void name(const ConvGeometry *geo, void *first, void *second, void *third) {           \
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

/* ---- ReLU's gradient: g where the output is positive, else 0 ---------------------------------- */
WIDEST_VECTORS static void relu_grad_f32(Py_ssize_t n, const float *restrict g, const float *restrict y,
                                         float *restrict r) {
    for (Py_ssize_t i = 0; i < n; i++) {
        r[i] = y[i] > 0.0f ? g[i] : 0.0f;
    }
}
WIDEST_VECTORS static void relu_grad_f64(Py_ssize_t n, const double *restrict g, const double *restrict y,
                                         double *restrict r) {
    for (Py_ssize_t i = 0; i < n; i++) {
        r[i] = y[i] > 0.0 ? g[i] : 0.0;
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

WIDEST_VECTORS static void add_bias_f32(Py_ssize_t rows, Py_ssize_t cols, float *out, const float *restrict bias,
                                        int relu) {
    ADD_BIAS_BODY(float)
}
WIDEST_VECTORS static void add_bias_f64(Py_ssize_t rows, Py_ssize_t cols, double *out, const double *restrict bias,
                                        int relu) {
    ADD_BIAS_BODY(double)
}

/* ---- argument checking ------------------------------------------------------------------------ */

/* Element type of a buffer: 'f' (float32), 'd' (float64), 'B' (uint8) or 0 for anything else. */
static char element_kind(const Py_buffer *view) {
    const char *format = view->format ? view->format : "B";
    if (*format == '@' || *format == '=' || *format == '<') {
        format++; /* native or little-endian: x86-64 and aarch64 are both little-endian */
    }
    if (strcmp(format, "f") == 0 && view->itemsize == 4) {
        return 'f';
    }
    if (strcmp(format, "d") == 0 && view->itemsize == 8) {
        return 'd';
    }
    if (strcmp(format, "B") == 0 && view->itemsize == 1) {
        return 'B';
    }
    return 0;
}

/* Acquire C-contiguous buffers: ``kinds`` gives each one's type ('F' = the float type of the first
 * buffer, 'B' = uint8) and ``writable`` which must be writable; ``counts`` the element count each must
 * have (-1: any). On failure every buffer is released and an exception is set. */
static int acquire(const char *what, PyObject **objects, Py_buffer *views, int count, const char *kinds,
                   const char *writable, const Py_ssize_t *counts, char *float_kind) {
    int held = 0;
    for (; held < count; held++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable[held] == 'w' ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objects[held], &views[held], flags) != 0) {
            goto fail;
        }
        char kind = element_kind(&views[held]);
        int type_ok = kinds[held] == 'B' ? kind == 'B' : (kind == 'f' || kind == 'd') && (held == 0 || kind == *float_kind);
        Py_ssize_t items = views[held].itemsize ? views[held].len / views[held].itemsize : 0;
        if (held == 0) {
            *float_kind = kind;
        }
        if (!type_ok || (counts[held] >= 0 && items != counts[held])) {
            PyBuffer_Release(&views[held]);
            PyErr_Format(PyExc_TypeError,
                         "%s needs C-contiguous float32 or float64 arrays of one type (uint8 codes) of matching "
                         "sizes; argument %d does not fit",
                         what, held + 1);
            goto fail;
        }
    }
    return 0;
fail:
    while (held-- > 0) {
        PyBuffer_Release(&views[held]);
    }
    return -1;
}

static void release(Py_buffer *views, int count) {
    for (int i = 0; i < count; i++) {
        PyBuffer_Release(&views[i]);
    }
}

static PyObject *adam_update(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[5] = {NULL, NULL, NULL, NULL, Py_None};
    double alpha, c1, c2, eps;
    if (!PyArg_ParseTuple(args, "OOOOdddd|O:adam_update", &objects[0], &objects[1], &objects[2], &objects[3], &alpha,
                          &c1, &c2, &eps, &objects[4])) {
        return NULL;
    }
    int count = objects[4] == Py_None ? 4 : 5;
    Py_buffer views[5];
    char kind = 0;
    Py_ssize_t size = -1;
    if (PyObject_GetBuffer(objects[0], &views[0], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) == 0) {
        size = views[0].itemsize ? views[0].len / views[0].itemsize : 0;
        PyBuffer_Release(&views[0]);
    }
    const Py_ssize_t counts[5] = {size, size, size, size, size};
    if (acquire("adam_update", objects, views, count, "FFFFF", "rwwww", counts, &kind) != 0) {
        return NULL;
    }
    void *g = views[0].buf, *w = views[1].buf, *m = views[2].buf, *v = views[3].buf;
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f' && count == 4) {
        adam_f32(size, g, w, m, v, (float)alpha, (float)c1, (float)c2, (float)eps);
    } else if (kind == 'f') {
        amsgrad_f32(size, g, w, m, v, views[4].buf, (float)alpha, (float)c1, (float)c2, (float)eps);
    } else if (count == 4) {
        adam_f64(size, g, w, m, v, alpha, c1, c2, eps);
    } else {
        amsgrad_f64(size, g, w, m, v, views[4].buf, alpha, c1, c2, eps);
    }
    Py_END_ALLOW_THREADS
    release(views, count);
    Py_RETURN_NONE;
}

/* Check the buffers against a kernel's types and sizes, then run its float32 or float64 version. */
static PyObject *run_geometry_kernel(const char *what, PyObject **objects, int count, const char *kinds,
                                     const char *writable, const Py_ssize_t *counts, const ConvGeometry *q,
                                     GeometryKernel f32, GeometryKernel f64) {
    Py_buffer views[3];
    char kind = 0;
    if (acquire(what, objects, views, count, kinds, writable, counts, &kind) != 0) {
        return NULL;
    }
    void *third = count > 2 ? views[2].buf : NULL;
    Py_BEGIN_ALLOW_THREADS
    (kind == 'f' ? f32 : f64)(q, views[0].buf, views[1].buf, third);
    Py_END_ALLOW_THREADS
    release(views, count);
    Py_RETURN_NONE;
}

/* im2col(x, cols, n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols) and col2im(dcols, gx, ...). */
static int parse_conv(PyObject *args, const char *what, PyObject **objects, ConvGeometry *q) {
    char format[64];
    snprintf(format, sizeof format, "OOnnnnnnnnnnnnnnn:%s", what);
    if (!PyArg_ParseTuple(args, format, &objects[0], &objects[1], &q->n, &q->h, &q->w, &q->c, &q->oh, &q->ow, &q->kh,
                          &q->kw, &q->sh, &q->sw, &q->dh, &q->dw, &q->top, &q->left, &q->kcols)) {
        return -1;
    }
    Py_ssize_t k = q->kh * q->kw * q->c;
    if (q->n < 0 || q->h < 1 || q->w < 1 || q->c < 1 || q->oh < 0 || q->ow < 0 || q->kh < 1 || q->kw < 1 ||
        q->sh < 1 || q->sw < 1 || q->dh < 1 || q->dw < 1 || (q->kcols != k && q->kcols != k + 1)) {
        PyErr_Format(PyExc_ValueError, "%s: inconsistent convolution geometry", what);
        return -1;
    }
    return 0;
}

static PyObject *im2col(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[2];
    ConvGeometry q;
    if (parse_conv(args, "im2col", objects, &q) != 0) {
        return NULL;
    }
    const Py_ssize_t counts[2] = {q.n * q.h * q.w * q.c, q.n * q.oh * q.ow * q.kcols};
    return run_geometry_kernel("im2col", objects, 2, "FF", "rw", counts, &q, im2col_f32, im2col_f64);
}

static PyObject *col2im(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[2];
    ConvGeometry q;
    if (parse_conv(args, "col2im", objects, &q) != 0) {
        return NULL;
    }
    const Py_ssize_t counts[2] = {q.n * q.oh * q.ow * q.kcols, q.n * q.h * q.w * q.c};
    return run_geometry_kernel("col2im", objects, 2, "FF", "rw", counts, &q, col2im_f32, col2im_f64);
}

/* max_pool_2x2(x, out, code, n, h, w, c) and max_pool_2x2_grad(g, code, gx, n, h, w, c). */
static int parse_pool(PyObject *args, const char *what, PyObject **objects, ConvGeometry *q) {
    char format[64];
    snprintf(format, sizeof format, "OOOnnnn:%s", what);
    memset(q, 0, sizeof *q);
    if (!PyArg_ParseTuple(args, format, &objects[0], &objects[1], &objects[2], &q->n, &q->h, &q->w, &q->c)) {
        return -1;
    }
    if (q->n < 0 || q->h < 2 || q->w < 2 || q->c < 1) {
        PyErr_Format(PyExc_ValueError, "%s: needs an (N, H, W, C) image with H, W >= 2", what);
        return -1;
    }
    q->oh = q->h / 2;
    q->ow = q->w / 2;
    return 0;
}

static PyObject *max_pool_2x2(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    ConvGeometry q;
    if (parse_pool(args, "max_pool_2x2", objects, &q) != 0) {
        return NULL;
    }
    const Py_ssize_t image = q.n * q.h * q.w * q.c, pooled = q.n * q.oh * q.ow * q.c;
    const Py_ssize_t counts[3] = {image, pooled, pooled};
    return run_geometry_kernel("max_pool_2x2", objects, 3, "FFB", "rww", counts, &q, max_pool_f32, max_pool_f64);
}

static PyObject *max_pool_2x2_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    ConvGeometry q;
    if (parse_pool(args, "max_pool_2x2_grad", objects, &q) != 0) {
        return NULL;
    }
    const Py_ssize_t image = q.n * q.h * q.w * q.c, pooled = q.n * q.oh * q.ow * q.c;
    const Py_ssize_t counts[3] = {pooled, pooled, image};
    return run_geometry_kernel("max_pool_2x2_grad", objects, 3, "FBF", "rrw", counts, &q, max_pool_grad_f32,
                               max_pool_grad_f64);
}

/* relu_grad(g, y, r): r = g where y > 0, else 0. */
static PyObject *relu_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    if (!PyArg_ParseTuple(args, "OOO:relu_grad", &objects[0], &objects[1], &objects[2])) {
        return NULL;
    }
    Py_buffer views[3];
    char kind = 0;
    Py_ssize_t size = -1;
    if (PyObject_GetBuffer(objects[0], &views[0], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) == 0) {
        size = views[0].itemsize ? views[0].len / views[0].itemsize : 0;
        PyBuffer_Release(&views[0]);
    }
    const Py_ssize_t counts[3] = {size, size, size};
    if (acquire("relu_grad", objects, views, 3, "FFF", "rrw", counts, &kind) != 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        relu_grad_f32(size, views[0].buf, views[1].buf, views[2].buf);
    } else {
        relu_grad_f64(size, views[0].buf, views[1].buf, views[2].buf);
    }
    Py_END_ALLOW_THREADS
    release(views, 3);
    Py_RETURN_NONE;
}

/* add_bias(out, bias, relu): out (rows, cols) += bias (cols,), then ReLU when relu is true. */
static PyObject *add_bias(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[2];
    int relu = 0;
    if (!PyArg_ParseTuple(args, "OOp:add_bias", &objects[0], &objects[1], &relu)) {
        return NULL;
    }
    Py_buffer views[2];
    char kind = 0;
    const Py_ssize_t counts[2] = {-1, -1};
    if (acquire("add_bias", objects, views, 2, "FF", "wr", counts, &kind) != 0) {
        return NULL;
    }
    const Py_ssize_t total = views[0].len / views[0].itemsize, cols = views[1].len / views[1].itemsize;
    if (cols == 0 || total % cols != 0) {
        release(views, 2);
        PyErr_SetString(PyExc_ValueError, "add_bias: the output's size is not a multiple of the bias's");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f') {
        add_bias_f32(total / cols, cols, views[0].buf, views[1].buf, relu);
    } else {
        add_bias_f64(total / cols, cols, views[0].buf, views[1].buf, relu);
    }
    Py_END_ALLOW_THREADS
    release(views, 2);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam_update", adam_update, METH_VARARGS,
     "adam_update(gradient, value, m, v, alpha, 1 - beta_1, 1 - beta_2, epsilon, v_hat=None): Adam's update "
     "in place, in one pass."},
    {"im2col", im2col, METH_VARARGS,
     "im2col(x, cols, n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols): receptive fields of an "
     "unpadded NHWC image into cols."},
    {"col2im", col2im, METH_VARARGS,
     "col2im(dcols, gx, n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols): the image gradient "
     "gathered from the column gradient."},
    {"max_pool_2x2", max_pool_2x2, METH_VARARGS,
     "max_pool_2x2(x, out, code, n, h, w, c): 2x2/2 maxima and the winner of each window (0..3)."},
    {"max_pool_2x2_grad", max_pool_2x2_grad, METH_VARARGS,
     "max_pool_2x2_grad(g, code, gx, n, h, w, c): each window's gradient to its winner, 0 elsewhere."},
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(g, y, r): r = g where y > 0, else 0."},
    {"add_bias", add_bias, METH_VARARGS, "add_bias(out, bias, relu): out += bias over the last axis, then ReLU."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_kernels", "Fused CPU kernels (see the C source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cpu_kernels(void) { return PyModule_Create(&module); }
