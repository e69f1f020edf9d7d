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
/* One build for every x86-64 CPU: the loader picks the widest vector unit this CPU has. */
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

/* ---- argument checking ------------------------------------------------------------------------ */

/* Element type of a buffer: 'f' (float32), 'd' (float64) or 0 for anything else. */
static char float_kind(const Py_buffer *view) {
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
    return 0;
}

/* Acquire ``count`` C-contiguous float buffers of one type and length; the first is read-only. */
static int acquire_all(PyObject **objects, Py_buffer *views, int count, char *kind) {
    int held = 0;
    for (; held < count; held++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (held == 0 ? 0 : PyBUF_WRITABLE);
        if (PyObject_GetBuffer(objects[held], &views[held], flags) != 0) {
            goto fail;
        }
        char this_kind = float_kind(&views[held]);
        if (this_kind == 0 || (held > 0 && this_kind != *kind) || views[held].len != views[0].len) {
            PyBuffer_Release(&views[held]);
            PyErr_SetString(PyExc_TypeError,
                            "adam_update needs C-contiguous float32 or float64 arrays of one type and size");
            goto fail;
        }
        *kind = this_kind;
    }
    return 0;
fail:
    while (held-- > 0) {
        PyBuffer_Release(&views[held]);
    }
    return -1;
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
    if (acquire_all(objects, views, count, &kind) != 0) {
        return NULL;
    }
    Py_ssize_t n = views[0].len / views[0].itemsize;
    void *g = views[0].buf, *w = views[1].buf, *m = views[2].buf, *v = views[3].buf;
    Py_BEGIN_ALLOW_THREADS
    if (kind == 'f' && count == 4) {
        adam_f32(n, g, w, m, v, (float)alpha, (float)c1, (float)c2, (float)eps);
    } else if (kind == 'f') {
        amsgrad_f32(n, g, w, m, v, views[4].buf, (float)alpha, (float)c1, (float)c2, (float)eps);
    } else if (count == 4) {
        adam_f64(n, g, w, m, v, alpha, c1, c2, eps);
    } else {
        amsgrad_f64(n, g, w, m, v, views[4].buf, alpha, c1, c2, eps);
    }
    Py_END_ALLOW_THREADS
    for (int i = 0; i < count; i++) {
        PyBuffer_Release(&views[i]);
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"adam_update", adam_update, METH_VARARGS,
     "adam_update(gradient, value, m, v, alpha, 1 - beta_1, 1 - beta_2, epsilon, v_hat=None): Adam's update "
     "in place, in one pass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_kernels", "Fused CPU kernels (see the C source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cpu_kernels(void) { return PyModule_Create(&module); }
