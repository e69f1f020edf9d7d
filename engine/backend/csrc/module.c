/* The Python module engine.backend._cpu_kernels: argument checking around the loops in kernels.c.
 *
 * Optional: when it was not compiled (no C compiler at install time) the engine keeps its NumPy path.
 * Arrays are taken through the buffer protocol, so NumPy's headers are not needed; every buffer's type,
 * contiguity, writability and size is checked before a loop runs, and the GIL is released during it.
 */
#include <string.h>

#include "kernels.h"

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
        int same_float = (kind == 'f' || kind == 'd') && (held == 0 || kind == *float_kind);
        int type_ok = kinds[held] == 'B' ? kind == 'B' : same_float;
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

/* The element count of a C-contiguous buffer, or -1 with an exception set. */
static Py_ssize_t element_count(PyObject *object) {
    Py_buffer view;
    if (PyObject_GetBuffer(object, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        return -1;
    }
    Py_ssize_t items = view.itemsize ? view.len / view.itemsize : 0;
    PyBuffer_Release(&view);
    return items;
}

static void release(Py_buffer *views, int count) {
    for (int i = 0; i < count; i++) {
        PyBuffer_Release(&views[i]);
    }
}

/* Acquire an optimizer's buffers: the gradient (read-only), then the weights and slots (written), all of
 * the gradient's type and size; a None slot is skipped and its pointer left NULL. */
static int acquire_update(const char *what, PyObject **objects, int count, Py_buffer *views, void **pointers,
                          char *kind, Py_ssize_t *size) {
    PyObject *present[8];
    int held = 0, slot_of[8];
    if (objects[0] == Py_None || objects[1] == Py_None) {
        PyErr_Format(PyExc_TypeError, "%s needs a gradient and a value, not None", what);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        pointers[i] = NULL;
        if (objects[i] != Py_None) {
            slot_of[held] = i;
            present[held++] = objects[i];
        }
    }
    *size = element_count(present[0]);
    if (*size < 0) {
        return -1;
    }
    const Py_ssize_t counts[8] = {*size, *size, *size, *size, *size, *size, *size, *size};
    if (acquire(what, present, views, held, "FFFFFFFF", "rwwwwwww", counts, kind) != 0) {
        return -1;
    }
    for (int i = 0; i < held; i++) {
        pointers[slot_of[i]] = views[i].buf;
    }
    return held;
}

/* optimizer_update(name, gradient, value, slots, coefficients): one optimizer's update in place. ``slots``
 * is a tuple whose first ``required`` entries are arrays and the rest arrays or None; coefficients are floats:
 *   adam      (m, v[, v_hat])          alpha, 1 - beta_1, 1 - beta_2, epsilon
 *   sgd       ([momentum])             learning rate, momentum, nesterov (0 or 1)
 *   rmsprop   (velocity[, momentum[, average gradient]])   lr, rho, 1 - rho, epsilon, momentum
 *   adagrad   (accumulator)            lr, epsilon
 *   adamax    (m, norm)                lr, 1 - beta_1, beta_2, epsilon, 1 - beta_1**t
 *   nadam     (m, v)                   lr, 1 - beta_1, 1 - beta_2, u_{t+1}, 1 - prod u to t+1, 1 - u_t,
 *                                      1 - prod u to t, 1 - beta_2**t, epsilon
 *   adadelta  (accumulated gradient, accumulated delta)   lr, rho, 1 - rho, epsilon */
static const struct {
    const char *name;
    int required, slots, coefficients;
    OptimizerKernel f32, f64;
} OPTIMIZERS[] = {
    {"adam", 2, 3, 4, adam_f32, adam_f64},         {"sgd", 0, 1, 3, sgd_f32, sgd_f64},
    {"rmsprop", 1, 3, 5, rmsprop_f32, rmsprop_f64}, {"adagrad", 1, 1, 2, adagrad_f32, adagrad_f64},
    {"adamax", 2, 2, 5, adamax_f32, adamax_f64},     {"nadam", 2, 2, 9, nadam_f32, nadam_f64},
    {"adadelta", 2, 2, 4, adadelta_f32, adadelta_f64},
};

static PyObject *optimizer_update(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    PyObject *gradient, *value, *slots, *coefficients;
    if (!PyArg_ParseTuple(args, "sOOO!O!:optimizer_update", &name, &gradient, &value, &PyTuple_Type, &slots,
                          &PyTuple_Type, &coefficients)) {
        return NULL;
    }
    int which = -1;
    for (int i = 0; i < (int)(sizeof OPTIMIZERS / sizeof OPTIMIZERS[0]); i++) {
        if (strcmp(OPTIMIZERS[i].name, name) == 0) {
            which = i;
        }
    }
    if (which < 0) {
        PyErr_Format(PyExc_ValueError, "optimizer_update: no kernel for %s", name);
        return NULL;
    }
    Py_ssize_t given = PyTuple_GET_SIZE(coefficients), slot_count = PyTuple_GET_SIZE(slots);
    if (given != OPTIMIZERS[which].coefficients) {
        PyErr_Format(PyExc_ValueError, "optimizer_update(%s) takes %d coefficients, got %zd", name,
                     OPTIMIZERS[which].coefficients, given);
        return NULL;
    }
    if (slot_count < OPTIMIZERS[which].required || slot_count > OPTIMIZERS[which].slots) {
        PyErr_Format(PyExc_TypeError, "optimizer_update(%s) takes %d to %d slot arrays, got %zd", name,
                     OPTIMIZERS[which].required, OPTIMIZERS[which].slots, slot_count);
        return NULL;
    }
    double k[16];
    for (Py_ssize_t i = 0; i < given; i++) {
        k[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(coefficients, i));
        if (k[i] == -1.0 && PyErr_Occurred()) {
            return NULL;
        }
    }
    PyObject *objects[5] = {gradient, value, Py_None, Py_None, Py_None};
    for (Py_ssize_t i = 0; i < slot_count; i++) {
        objects[2 + i] = PyTuple_GET_ITEM(slots, i);
        if (i < OPTIMIZERS[which].required && objects[2 + i] == Py_None) {
            PyErr_Format(PyExc_TypeError, "optimizer_update(%s): slot %zd must be an array, not None", name, i + 1);
            return NULL;
        }
    }
    Py_buffer views[5];
    void *p[5];
    char kind = 0;
    Py_ssize_t size;
    int held = acquire_update("optimizer_update", objects, 5, views, p, &kind, &size);
    if (held < 0) {
        return NULL;
    }
    OptimizerKernel run = kind == 'f' ? OPTIMIZERS[which].f32 : OPTIMIZERS[which].f64;
    Py_BEGIN_ALLOW_THREADS
    run(size, p, k);
    Py_END_ALLOW_THREADS
    release(views, held);
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

/* relu_grad(g, y, r): r = g * (y > 0). */
static PyObject *relu_grad(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    if (!PyArg_ParseTuple(args, "OOO:relu_grad", &objects[0], &objects[1], &objects[2])) {
        return NULL;
    }
    Py_buffer views[3];
    char kind = 0;
    const Py_ssize_t size = element_count(objects[0]);
    if (size < 0) {
        return NULL;
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
    {"optimizer_update", optimizer_update, METH_VARARGS,
     "optimizer_update(name, gradient, value, slots, coefficients): an optimizer's update in place, in one pass "
     "(Adam, SGD, RMSprop, Adagrad, Adamax, Nadam, Adadelta; see the C source for each one's slots and "
     "coefficients)."},
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
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(g, y, r): r = g * (y > 0)."},
    {"add_bias", add_bias, METH_VARARGS, "add_bias(out, bias, relu): out += bias over the last axis, then ReLU."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_kernels", "Fused CPU kernels (see the C source).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cpu_kernels(void) { return PyModule_Create(&module); }
