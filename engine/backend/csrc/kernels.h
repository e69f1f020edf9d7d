/* The fused CPU kernels' loops (kernels.c), called by the Python module (module.c).
 *
 * Each kernel has a float32 and a float64 version. They are bit-identical to the NumPy code they replace
 * wherever the summation order allows (see kernels.c), compiled with -ffp-contract=off.
 */
#ifndef STRATA_KERNELS_H
#define STRATA_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict /* MSVC's C compiler spells C99's restrict this way */
#endif

/* An NHWC image, an output grid and a kernel window: the geometry of the conv and pooling kernels. */
typedef struct {
    Py_ssize_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, kcols;
} ConvGeometry;

/* The conv and pooling kernels share one signature, so one runner checks and dispatches them all. */
typedef void (*GeometryKernel)(const ConvGeometry *geo, void *first, void *second, void *third);

void adam_f32(Py_ssize_t n, const float *g, float *w, float *m, float *v, float alpha, float c1, float c2, float eps);
void adam_f64(Py_ssize_t n, const double *g, double *w, double *m, double *v, double alpha, double c1, double c2,
              double eps);
void amsgrad_f32(Py_ssize_t n, const float *g, float *w, float *m, float *v, float *vhat, float alpha, float c1,
                 float c2, float eps);
void amsgrad_f64(Py_ssize_t n, const double *g, double *w, double *m, double *v, double *vhat, double alpha,
                 double c1, double c2, double eps);
void sgd_f32(Py_ssize_t n, const float *g, float *w, float *m, float lr, float mu, int nesterov);
void sgd_f64(Py_ssize_t n, const double *g, double *w, double *m, double lr, double mu, int nesterov);
void rmsprop_f32(Py_ssize_t n, const float *g, float *w, float *v, float *mom, float *avg, float lr, float rho,
                 float one_minus_rho, float eps, float mu);
void rmsprop_f64(Py_ssize_t n, const double *g, double *w, double *v, double *mom, double *avg, double lr, double rho,
                 double one_minus_rho, double eps, double mu);

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
