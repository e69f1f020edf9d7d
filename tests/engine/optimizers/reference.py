"""Straightforward float64 NumPy transcriptions of Keras 3's optimizer update formulas (test oracles)."""

from __future__ import annotations

import numpy as np


def f32(x: float) -> float:
    """Keras keeps the learning rate in a float32 variable."""
    return float(np.float32(x))


def sgd(w, grads, lr=0.01, momentum=0.0, nesterov=False):
    w, m = w.copy(), np.zeros_like(w)
    for g in grads:
        if momentum == 0:
            w = w - lr * g
            continue
        m = momentum * m - lr * g
        w = w + (momentum * m - lr * g if nesterov else m)
    return w


def rmsprop(w, grads, *, lr=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    w, v, mom, avg = w.copy(), np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        v = rho * v + (1 - rho) * g**2
        if centered:
            avg = rho * avg + (1 - rho) * g
            denominator = v - avg**2 + epsilon
        else:
            denominator = v + epsilon
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            mom = momentum * mom + increment
            w = w - mom
        else:
            w = w - increment
    return w


def adam(w, grads, *, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None):
    w, m, v, v_hat = w.copy(), np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if weight_decay is not None:
            w = w - w * weight_decay * lr
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
            denom = np.sqrt(v_hat) + epsilon
        else:
            denom = np.sqrt(v) + epsilon
        w = w - m * alpha / denom
    return w


def adagrad(w, grads, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    w, acc = w.copy(), np.full_like(w, initial_accumulator_value)
    for g in grads:
        acc = acc + g**2
        w = w - lr * g / np.sqrt(acc + epsilon)
    return w


def adadelta(w, grads, lr=0.001, rho=0.95, epsilon=1e-7):
    w, acc_g, acc_d = w.copy(), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -np.sqrt(acc_d + epsilon) * g / np.sqrt(acc_g + epsilon)
        acc_d = rho * acc_d + (1 - rho) * delta**2
        w = w + lr * delta
    return w


def adamax(w, grads, *, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    w, m, u = w.copy(), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - beta_1)
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - lr * m / ((1 - beta_1**t) * (u + epsilon))
    return w


def nadam(w, grads, *, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    w, m, v, u_product = w.copy(), np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(grads, start=1):
        u_t = beta_1 * (1 - 0.5 * 0.96**t)
        u_t_1 = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product = u_product * u_t
        u_product_next = u_product * u_t_1
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = u_t_1 * m / (1 - u_product_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + epsilon)
    return w, u_product
