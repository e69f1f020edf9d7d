/* The fused CPU kernels' loops (kernels.c, optimizers.c), called by the Python module (module.c).
 *
 * Each kernel has a float32 and a float64 version. They are bit-identical to the NumPy code they replace
 * wherever the summation order allows (see kernels.c), compiled with -ffp-contract=off.
 */
#ifndef STRATA_KERNELS_H
#define STRATA_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* One build for every x86-64 CPU: the loader picks the widest vector unit this CPU has. (GCC 12's
 * "arch=x86-64-v4" clones are never picked by its resolver on AMD CPUs: feature names are.) */
#define WIDEST_VECTORS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDEST_VECTORS
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict /* MSVC's C compiler spells C99's restrict this way */
#endif

/* An NHWC image, an output grid and a kernel window: the geometry of the conv and pooling kernels. */
typedef struct {
    Py_ssize_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols;
} ConvGeometry;

/* The conv and pooling kernels share one signature, so one runner checks and dispatches them all. */
typedef void (*GeometryKernel)(const ConvGeometry *geo, void *first, void *second, void *third);

/* The optimizers behind one signature: buffers (gradient, value, up to three slots, NULL where absent) and
 * coefficients in the order of the module's table. */
typedef void (*OptimizerKernel)(Py_ssize_t n, void *const *buffers, const double *coefficients);
void adam_f32(Py_ssize_t n, void *const *p, const double *k);
void adam_f64(Py_ssize_t n, void *const *p, const double *k);
void sgd_f32(Py_ssize_t n, void *const *p, const double *k);
void sgd_f64(Py_ssize_t n, void *const *p, const double *k);
void rmsprop_f32(Py_ssize_t n, void *const *p, const double *k);
void rmsprop_f64(Py_ssize_t n, void *const *p, const double *k);
void adagrad_f32(Py_ssize_t n, void *const *p, const double *k);
void adagrad_f64(Py_ssize_t n, void *const *p, const double *k);
void adamax_f32(Py_ssize_t n, void *const *p, const double *k);
void adamax_f64(Py_ssize_t n, void *const *p, const double *k);
void nadam_f32(Py_ssize_t n, void *const *p, const double *k);
void nadam_f64(Py_ssize_t n, void *const *p, const double *k);
void adadelta_f32(Py_ssize_t n, void *const *p, const double *k);
void adadelta_f64(Py_ssize_t n, void *const *p, const double *k);

void im2col_f32(const ConvGeometry *geo, void *x, void *cols, void *unused);
void im2col_f64(const ConvGeometry *geo, void *x, void *cols, void *unused);
void col2im_f32(const ConvGeometry *geo, void *dcols, void *gx, void *unused);
void col2im_f64(const ConvGeometry *geo, void *dcols, void *gx, void *unused);
void max_pool_f32(const ConvGeometry *geo, void *x, void *out, void *code);
void max_pool_f64(const ConvGeometry *geo, void *x, void *out, void *code);
void max_pool_grad_f32(const ConvGeometry *geo, void *g, void *code, void *gx);
void max_pool_grad_f64(const ConvGeometry *geo, void *g, void *code, void *gx);

void relu_grad_f32(Py_ssize_t n, const float *g, const float *y, float *r);
void relu_grad_f64(Py_ssize_t n, const double *g, const double *y, double *r);
void add_bias_f32(Py_ssize_t rows, Py_ssize_t cols, float *out, const float *bias, int relu);
void add_bias_f64(Py_ssize_t rows, Py_ssize_t cols, double *out, const double *bias, int relu);

#endif
