/* The optimizers' updates in one pass over each weight (Adam/AMSGrad, SGD, RMSprop, Adagrad, Adamax,
 * Nadam, Adadelta), each the same operations in the same order as its update_step in engine/optimizers,
 * so the weights are bit-identical to the NumPy path's (see kernels.c for how this file is compiled). */
#include <math.h>

#include "kernels.h"

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

#define ADAM_ARGS(T)                                                                              \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict m, T *restrict v, T alpha, T c1, T c2, T eps
#define AMSGRAD_ARGS(T)                                                                           \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict m, T *restrict v, T *restrict vhat, T alpha, T c1, \
        T c2, T eps

WIDEST_VECTORS static void adam_f32_typed(ADAM_ARGS(float)) { ADAM_LOOP(float, sqrtf) }
WIDEST_VECTORS static void adam_f64_typed(ADAM_ARGS(double)) { ADAM_LOOP(double, sqrt) }
WIDEST_VECTORS static void amsgrad_f32_typed(AMSGRAD_ARGS(float)) { AMSGRAD_LOOP(float, sqrtf) }
WIDEST_VECTORS static void amsgrad_f64_typed(AMSGRAD_ARGS(double)) { AMSGRAD_LOOP(double, sqrt) }

/* ---- SGD: step = g lr;  w -= step, or  m = m mu - step;  w += m  (Nesterov: w += m mu - step) ------- */
#define SGD_BODY(T)                                                                               \
    if (m == NULL) {                                                                              \
        for (Py_ssize_t i = 0; i < n; i++) {                                                      \
            w[i] -= g[i] * lr;                                                                    \
        }                                                                                         \
    } else if (nesterov) {                                                                        \
        for (Py_ssize_t i = 0; i < n; i++) {                                                      \
            const T step = g[i] * lr, mi = m[i] * mu - step;                                      \
            m[i] = mi;                                                                            \
            w[i] += mi * mu - step;                                                               \
        }                                                                                         \
    } else {                                                                                      \
        for (Py_ssize_t i = 0; i < n; i++) {                                                      \
            const T mi = m[i] * mu - g[i] * lr;                                                   \
            m[i] = mi;                                                                            \
            w[i] += mi;                                                                           \
        }                                                                                         \
    }

#define SGD_ARGS(T) Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict m, T lr, T mu, int nesterov

WIDEST_VECTORS static void sgd_f32_typed(SGD_ARGS(float)) { SGD_BODY(float) }
WIDEST_VECTORS static void sgd_f64_typed(SGD_ARGS(double)) { SGD_BODY(double) }

/* ---- RMSprop: v = v rho + g^2 (1 - rho);  [centered: a = a rho + g (1 - rho);  v - a^2]  inc = g lr / sqrt(. + eps);
 * w -= inc, or  mom = mom mu + inc;  w -= mom */
#define RMSPROP_BODY(T)                                                                           \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        const T gi = g[i], vi = v[i] * rho + (gi * gi) * one_minus_rho;                           \
        T denom;                                                                                  \
        v[i] = vi;                                                                                \
        if (avg != NULL) {                                                                        \
            const T ai = avg[i] * rho + gi * one_minus_rho;                                       \
            avg[i] = ai;                                                                          \
            denom = (vi - ai * ai) + eps;                                                         \
        } else {                                                                                  \
            denom = vi + eps;                                                                     \
        }                                                                                         \
        const T inc = (gi * lr) / SQRT(denom);                                                    \
        if (mom != NULL) {                                                                        \
            const T mi = mom[i] * mu + inc;                                                       \
            mom[i] = mi;                                                                          \
            w[i] -= mi;                                                                           \
        } else {                                                                                  \
            w[i] -= inc;                                                                          \
        }                                                                                         \
    }

#define RMSPROP_ARGS(T)                                                                           \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict v, T *restrict mom, T *restrict avg, T lr, T rho, \
        T one_minus_rho, T eps, T mu

#define SQRT sqrtf
WIDEST_VECTORS static void rmsprop_f32_typed(RMSPROP_ARGS(float)) { RMSPROP_BODY(float) }
#undef SQRT
#define SQRT sqrt
WIDEST_VECTORS static void rmsprop_f64_typed(RMSPROP_ARGS(double)) { RMSPROP_BODY(double) }
#undef SQRT

/* ---- Adagrad, Adamax, Nadam, Adadelta: one pass each, the same operations in the same order as their
 * update_step in engine/optimizers. */
#define MAX_NAN_WINS(x, y) (((x) >= (y) || (x) != (x)) ? (x) : (y)) /* NumPy's maximum */

#define ADAGRAD_LOOP(T, SQRT)                                                                     \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        const T acc = a[i] + g[i] * g[i];                                                         \
        a[i] = acc;                                                                               \
        w[i] -= (g[i] * lr) / SQRT(acc + eps);                                                    \
    }
#define ADAMAX_LOOP(T, ABS)                                                                       \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        const T mi = m[i] + (g[i] - m[i]) * c1, ui = MAX_NAN_WINS(u[i] * b2, ABS(g[i]));          \
        m[i] = mi;                                                                                \
        u[i] = ui;                                                                                \
        w[i] -= (mi * lr) / ((ui + eps) * bias_correction);                                       \
    }
#define NADAM_LOOP(T, SQRT)                                                                       \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        const T gi = g[i], mi = m[i] + (gi - m[i]) * c1, vi = v[i] + (gi * gi - v[i]) * c2;       \
        m[i] = mi;                                                                                \
        v[i] = vi;                                                                                \
        const T m_hat = ((mi * u_next) / denom_m + (gi * one_minus_u) / denom_g) * lr;            \
        w[i] -= m_hat / (SQRT(vi / v_correction) + eps);                                          \
    }
#define ADADELTA_LOOP(T, SQRT)                                                                    \
    for (Py_ssize_t i = 0; i < n; i++) {                                                          \
        const T gi = g[i], ag = acc_g[i] * rho + (gi * gi) * one_minus_rho;                       \
        const T delta = (SQRT(acc_d[i] + eps) * gi) / SQRT(ag + eps);                             \
        acc_g[i] = ag;                                                                            \
        acc_d[i] = acc_d[i] * rho + (delta * delta) * one_minus_rho;                              \
        w[i] -= delta * lr;                                                                       \
    }

#define ADAGRAD_ARGS(T) Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict a, T lr, T eps
#define ADAMAX_ARGS(T)                                                                            \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict m, T *restrict u, T lr, T c1, T b2, T eps, \
        T bias_correction
#define NADAM_ARGS(T)                                                                             \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict m, T *restrict v, T lr, T c1, T c2, T u_next, \
        T denom_m, T one_minus_u, T denom_g, T v_correction, T eps
#define ADADELTA_ARGS(T)                                                                          \
    Py_ssize_t n, const T *restrict g, T *restrict w, T *restrict acc_g, T *restrict acc_d, T lr, T rho, \
        T one_minus_rho, T eps

WIDEST_VECTORS static void adagrad_f32_typed(ADAGRAD_ARGS(float)) { ADAGRAD_LOOP(float, sqrtf) }
WIDEST_VECTORS static void adagrad_f64_typed(ADAGRAD_ARGS(double)) { ADAGRAD_LOOP(double, sqrt) }
WIDEST_VECTORS static void adamax_f32_typed(ADAMAX_ARGS(float)) { ADAMAX_LOOP(float, fabsf) }
WIDEST_VECTORS static void adamax_f64_typed(ADAMAX_ARGS(double)) { ADAMAX_LOOP(double, fabs) }
WIDEST_VECTORS static void nadam_f32_typed(NADAM_ARGS(float)) { NADAM_LOOP(float, sqrtf) }
WIDEST_VECTORS static void nadam_f64_typed(NADAM_ARGS(double)) { NADAM_LOOP(double, sqrt) }
WIDEST_VECTORS static void adadelta_f32_typed(ADADELTA_ARGS(float)) { ADADELTA_LOOP(float, sqrtf) }
WIDEST_VECTORS static void adadelta_f64_typed(ADADELTA_ARGS(double)) { ADADELTA_LOOP(double, sqrt) }

/* Every optimizer behind one signature for the module's table: buffers (gradient, value, up to three
 * slots, NULL where absent) and coefficients as doubles, rounded to the arrays' type here. */
#define OPTIMIZER_ENTRY_POINTS(T, S)                                                              \
    void adam_##S(Py_ssize_t n, void *const *p, const double *k) {                                \
        if (p[4] == NULL) {                                                                       \
            adam_##S##_typed(n, p[0], p[1], p[2], p[3], (T)k[0], (T)k[1], (T)k[2], (T)k[3]);      \
        } else {                                                                                  \
            amsgrad_##S##_typed(n, p[0], p[1], p[2], p[3], p[4], (T)k[0], (T)k[1], (T)k[2], (T)k[3]); \
        }                                                                                         \
    }                                                                                             \
    void sgd_##S(Py_ssize_t n, void *const *p, const double *k) {                                 \
        sgd_##S##_typed(n, p[0], p[1], p[2], (T)k[0], (T)k[1], k[2] != 0);                        \
    }                                                                                             \
    void rmsprop_##S(Py_ssize_t n, void *const *p, const double *k) {                             \
        rmsprop_##S##_typed(n, p[0], p[1], p[2], p[3], p[4], (T)k[0], (T)k[1], (T)k[2], (T)k[3], (T)k[4]); \
    }                                                                                             \
    void adagrad_##S(Py_ssize_t n, void *const *p, const double *k) {                             \
        adagrad_##S##_typed(n, p[0], p[1], p[2], (T)k[0], (T)k[1]);                               \
    }                                                                                             \
    void adamax_##S(Py_ssize_t n, void *const *p, const double *k) {                              \
        adamax_##S##_typed(n, p[0], p[1], p[2], p[3], (T)k[0], (T)k[1], (T)k[2], (T)k[3], (T)k[4]); \
    }                                                                                             \
    void nadam_##S(Py_ssize_t n, void *const *p, const double *k) {                               \
        nadam_##S##_typed(n, p[0], p[1], p[2], p[3], (T)k[0], (T)k[1], (T)k[2], (T)k[3], (T)k[4], (T)k[5], \
                          (T)k[6], (T)k[7], (T)k[8]);                                             \
    }                                                                                             \
    void adadelta_##S(Py_ssize_t n, void *const *p, const double *k) {                            \
        adadelta_##S##_typed(n, p[0], p[1], p[2], p[3], (T)k[0], (T)k[1], (T)k[2], (T)k[3]);      \
    }

OPTIMIZER_ENTRY_POINTS(float, f32)
OPTIMIZER_ENTRY_POINTS(double, f64)
