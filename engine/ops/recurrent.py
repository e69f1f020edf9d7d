"""Fused recurrent sequence ops (SimpleRNN, LSTM, GRU) with hand-written backprop through time.

Each op runs a whole sequence: the input projections of every time step are
one GEMM up front, each step does one recurrent GEMM into a preallocated
buffer and a handful of in-place ufuncs, and the backward pass walks the steps
in reverse, then computes the kernel, recurrent-kernel and input gradients
with one GEMM each over all steps. LSTM, the hot one, goes further: it runs
feature-major (``(features, batch)`` blocks) and folds the input projection
into each step's GEMM (see ``lstm``).

Layouts and gate orders are Keras's (LSTM i, f, c, o; GRU z, r, h). Masked
steps keep the previous state (and output, unless ``zero_output_for_mask``).
The result is one packed tensor of shape ``(batch, T_out + n_states, units)``:
the outputs (all steps in processing order when ``return_sequences``, else
the last one), then the final states. Layers slice it.
"""

from __future__ import annotations

import threading
from typing import Any

from engine.autograd.tape import is_grad_enabled, record
from engine.autograd.tensor import Tensor
from engine.backend import xp
from engine.ops._core import _wrap

FUSED_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear", "hard_sigmoid")
_buffers = threading.local()


def _needs_grad(parents: tuple[Tensor, ...]) -> bool:
    return is_grad_enabled() and any(p.requires_grad for p in parents)


def _workspace(name: str, shape: tuple[int, ...], dtype: Any) -> Any:
    """A per-thread scratch array reused across inference calls of the same shape (results are copied out)."""
    cache = getattr(_buffers, "arrays", None)
    if cache is None:
        cache = _buffers.arrays = {}
    key = (name, tuple(shape), str(dtype))
    array = cache.get(key)
    if array is None or not isinstance(array, xp.ndarray):
        if len(cache) > 64:  # many shapes seen (varying batch sizes): start over rather than grow
            cache.clear()
        array = cache[key] = xp.empty(shape, dtype=dtype)
    return array


def _act_(name: str, a: Any) -> None:
    """Apply an activation in place."""
    if name == "tanh":
        xp.tanh(a, out=a)
    elif name == "sigmoid":
        a *= 0.5
        xp.tanh(a, out=a)
        a *= 0.5
        a += 0.5
    elif name == "relu":
        xp.maximum(a, 0, out=a)
    elif name == "hard_sigmoid":
        a *= 1.0 / 6.0
        a += 0.5
        xp.clip(a, 0, 1, out=a)


def _dact(name: str, y: Any) -> Any:
    """The activation's derivative, computed from its output ``y`` (a new array)."""
    if name == "tanh":
        d = y * y
        xp.subtract(1, d, out=d)
        return d
    if name == "sigmoid":
        d = 1 - y
        d *= y
        return d
    if name == "relu":
        return (y > 0).astype(y.dtype)
    if name == "hard_sigmoid":
        d = ((y > 0) & (y < 1)).astype(y.dtype)
        d *= 1.0 / 6.0
        return d
    return xp.ones_like(y)


def _dact_into(name: str, y: Any, out: Any) -> Any:
    """``_dact`` written into ``out``."""
    if name == "tanh":
        xp.multiply(y, y, out=out)
        xp.subtract(1, out, out=out)
    elif name == "sigmoid":
        xp.subtract(1, y, out=out)
        out *= y
    else:
        out[...] = _dact(name, y)
    return out


class _Sequence:
    """Time-major views of one call's inputs: projections, mask, output packing."""

    def __init__(self, x: Tensor, mask: Any, go_backwards: bool, rdrop: Any, return_sequences: bool, zero_out: bool):
        data = x.data
        self.B, self.T, self.D = data.shape
        self.dtype = data.dtype
        self.go_backwards = go_backwards
        seq = data[:, ::-1] if go_backwards else data
        self.X = xp.ascontiguousarray(seq.transpose(1, 0, 2)).reshape(self.T * self.B, self.D)
        self.M = self.keep = None
        if mask is not None:
            mask = xp.asarray(mask)
            m = mask[:, ::-1] if go_backwards else mask
            self.M = xp.ascontiguousarray(m.T).astype(self.dtype)[:, :, None]  # (T, B, 1)
            self.keep = self.M == 0
        self.rdrop = None if rdrop is None else xp.asarray(rdrop, dtype=self.dtype)
        self.return_sequences = return_sequences
        self.zero_out = zero_out and mask is not None

    def h_in(self, H: Any) -> Any:
        """The recurrent-GEMM operand of every step: h_{t-1}, times the recurrent dropout mask."""
        prev = H[:-1]
        return prev if self.rdrop is None else prev * self.rdrop

    def pack(self, H: Any, states: list[Any]) -> Any:
        T = self.T
        t_out = T if self.return_sequences else 1
        out = xp.empty((self.B, t_out + len(states), H.shape[-1]), dtype=self.dtype)
        if self.return_sequences:
            seq = H[1:] * self.M if self.zero_out else H[1:]
            out[:, :T] = seq.transpose(1, 0, 2)
        else:
            out[:, 0] = states[0] * self.M[T - 1] if self.zero_out else states[0]
        for k, s in enumerate(states):
            out[:, t_out + k] = s
        return out

    def split_grad(self, g: Any) -> tuple[Any, Any, list[Any]]:
        """(per-step output grads (T, B, u) or None, initial dh, final-state grads)."""
        t_out = self.T if self.return_sequences else 1
        states = [g[:, t_out + k] for k in range(g.shape[1] - t_out)]
        dh = xp.array(states[0], dtype=self.dtype)
        G = None
        if self.return_sequences:
            G = g[:, : self.T].transpose(1, 0, 2)
            if self.zero_out:
                G = G * self.M
        else:
            last = g[:, 0] * self.M[self.T - 1] if self.zero_out else g[:, 0]
            dh += last
        return G, dh, states[1:]

    def input_grad(self, dZ2: Any, W: Any) -> Any:
        gx = (dZ2 @ W.T).reshape(self.T, self.B, self.D).transpose(1, 0, 2)
        if self.go_backwards:
            gx = gx[:, ::-1]
        return xp.ascontiguousarray(gx)


def _mask_data(mask: Any) -> Any:
    if mask is None:
        return None
    return mask.data if isinstance(mask, Tensor) else mask


def simple_rnn(
    x: Any, h0: Any, kernel: Any, recurrent_kernel: Any, bias: Any = None, *, mask: Any = None,
    go_backwards: bool = False, return_sequences: bool = False, zero_output_for_mask: bool = False,
    recurrent_dropout_mask: Any = None, activation: str = "tanh",
) -> Tensor:  # fmt: skip
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``; packed (outputs, h_T)."""
    x, h0, kernel, recurrent_kernel = _wrap(x), _wrap(h0), _wrap(kernel), _wrap(recurrent_kernel)
    bias = None if bias is None else _wrap(bias)
    s = _Sequence(x, _mask_data(mask), go_backwards, recurrent_dropout_mask, return_sequences, zero_output_for_mask)
    B, T, u = s.B, s.T, recurrent_kernel.shape[0]
    W, R = kernel.data, recurrent_kernel.data
    H = xp.empty((T + 1, B, u), dtype=s.dtype)
    H[0] = h0.data
    xp.matmul(s.X, W, out=H[1:].reshape(T * B, u))
    if bias is not None:
        H[1:] += bias.data
    tmp = xp.empty((B, u), dtype=s.dtype)
    for t in range(T):
        h_prev = H[t] if s.rdrop is None else H[t] * s.rdrop
        xp.matmul(h_prev, R, out=tmp)
        h = H[t + 1]
        h += tmp
        _act_(activation, h)
        if s.keep is not None:
            xp.copyto(h, H[t], where=s.keep[t])
    parents = (x, h0, kernel, recurrent_kernel) + (() if bias is None else (bias,))

    def backward(g):
        G, dh, _ = s.split_grad(g)
        D = _dact(activation, H[1:])
        if s.M is not None:
            D *= s.M
        dZ = xp.empty((T, B, u), dtype=s.dtype)
        RT = xp.ascontiguousarray(R.T)
        carry = xp.empty((B, u), dtype=s.dtype)
        for t in range(T - 1, -1, -1):
            if G is not None:
                dh += G[t]
            xp.multiply(dh, D[t], out=dZ[t])
            if s.keep is not None:
                xp.multiply(dh, s.keep[t], out=carry)
            xp.matmul(dZ[t], RT, out=dh)
            if s.rdrop is not None:
                dh *= s.rdrop
            if s.keep is not None:
                dh += carry
        dZ2 = dZ.reshape(T * B, u)
        grads = [
            s.input_grad(dZ2, W) if x.requires_grad else None,
            dh if h0.requires_grad else None,
            s.X.T @ dZ2 if kernel.requires_grad else None,
            s.h_in(H).reshape(T * B, u).T @ dZ2 if recurrent_kernel.requires_grad else None,
        ]
        if bias is not None:
            grads.append(dZ2.sum(axis=0) if bias.requires_grad else None)
        return grads

    return record(s.pack(H, [H[T]]), parents, backward)


def lstm(
    x: Any, h0: Any, c0: Any, kernel: Any, recurrent_kernel: Any, bias: Any = None, *, mask: Any = None,
    go_backwards: bool = False, return_sequences: bool = False, zero_output_for_mask: bool = False,
    recurrent_dropout_mask: Any = None, activation: str = "tanh", recurrent_activation: str = "sigmoid",
) -> Tensor:  # fmt: skip
    """A Keras LSTM over a whole sequence; packed (outputs, h_T, c_T).

    Internally the gate columns are permuted from Keras's (i, f, c, o) to
    (o, i, f, c) so that the three recurrent-activation gates are adjacent and
    the three gradients multiplied by dc are one broadcast multiply.

    The recurrence runs feature-major: step t's operand is the column block
    ``[h_{t-1}; x_t; 1]`` of shape ``(u + D [+ 1], batch)`` and one GEMM with
    ``[R; W; b]^T`` writes its four gates straight into a contiguous ``(4u,
    batch)`` block (no separate input projection or add pass), so every gate
    slice the per-step ufuncs touch is contiguous. Backward, the recurrent,
    kernel and bias gradients are then one GEMM over all steps.
    """
    x, h0, c0 = _wrap(x), _wrap(h0), _wrap(c0)
    kernel, recurrent_kernel = _wrap(kernel), _wrap(recurrent_kernel)
    bias = None if bias is None else _wrap(bias)
    s = _Sequence(x, _mask_data(mask), go_backwards, recurrent_dropout_mask, return_sequences, zero_output_for_mask)
    B, T, D, u = s.B, s.T, s.D, recurrent_kernel.shape[0]
    dt = s.dtype
    perm = xp.concatenate([xp.arange(3 * u, 4 * u), xp.arange(0, 3 * u)])
    W, R = kernel.data[:, perm], recurrent_kernel.data[:, perm]
    # Common case: sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, so with the three sigmoid gates' rows halved
    # one tanh over all four gates activates them, and two passes finish the sigmoids.
    halved = activation == "tanh" and recurrent_activation == "sigmoid"
    u2, u3 = 2 * u, 3 * u
    K = u + D + (0 if bias is None else 1)
    Wcat = xp.empty((4 * u, K), dtype=dt)  # [R; W; b]^T in the permuted gate order
    Wcat[:, :u], Wcat[:, u : u + D] = R.T, W.T
    if bias is not None:
        Wcat[:, u + D] = bias.data[perm]
    if halved:
        Wcat[:u3] *= 0.5
    parents = (x, h0, c0, kernel, recurrent_kernel) + (() if bias is None else (bias,))
    # Inference keeps no gate or cell history: reused buffers (no page faults) and rolling slots.
    train = _needs_grad(parents)
    HX = xp.empty((T + 1, K, B), dtype=dt) if train else _workspace("lstm_HX", (T + 1, K, B), dt)
    HX[:T, u : u + D] = s.X.reshape(T, B, D).transpose(0, 2, 1)
    if bias is not None:
        HX[:, u + D] = 1
    HX[0, :u] = h0.data.T
    H = HX[:, :u]  # (T + 1, u, B): h_t is HX[t + 1, :u]
    A = xp.empty((T, 4 * u, B), dtype=dt) if train else _workspace("lstm_A", (1, 4 * u, B), dt)
    C = xp.empty((T + 1, u, B), dtype=dt) if train else _workspace("lstm_C", (2, u, B), dt)
    TC = xp.empty((T, u, B), dtype=dt) if train else _workspace("lstm_TC", (1, u, B), dt)
    C[0] = c0.data.T
    MT = None if s.M is None else s.M.transpose(0, 2, 1)  # (T, 1, B)
    keepT = None if s.keep is None else s.keep.transpose(0, 2, 1)
    rdT = None if s.rdrop is None else xp.ascontiguousarray(s.rdrop.T)
    operand = None if rdT is None else xp.empty((K, B), dtype=dt)
    ig = xp.empty((u, B), dtype=dt)
    matmul, multiply, tanh, copyto = xp.matmul, xp.multiply, xp.tanh, xp.copyto
    for t in range(T):
        a = A[t] if train else A[0]
        h_prev, h = H[t], H[t + 1]
        c_prev, c = (C[t], C[t + 1]) if train else (C[t & 1], C[(t + 1) & 1])
        tc = TC[t] if train else TC[0]
        if rdT is None:
            matmul(Wcat, HX[t], out=a)
        else:
            operand[...] = HX[t]
            operand[:u] *= rdT
            matmul(Wcat, operand, out=a)
        if halved:
            tanh(a, out=a)
            sig = a[:u3]
            sig *= 0.5
            sig += 0.5
        else:
            _act_(recurrent_activation, a[:u3])
            _act_(activation, a[u3:])
        multiply(a[u2:u3], c_prev, out=c)
        multiply(a[u:u2], a[u3:], out=ig)
        c += ig
        if activation == "tanh":
            tanh(c, out=tc)
        else:
            tc[...] = c
            _act_(activation, tc)
        multiply(a[:u], tc, out=h)
        if keepT is not None:
            copyto(h, h_prev, where=keepT[t])
            copyto(c, c_prev, where=keepT[t])
    h_last, c_last = H[T], (C[T] if train else C[T & 1])
    out = xp.empty((B, (T if return_sequences else 1) + 2, u), dtype=dt)
    if return_sequences:
        out[:, :T] = H[1:].transpose(2, 0, 1)
        if s.zero_out:
            out[:, :T] *= s.M.transpose(1, 0, 2)
    else:
        out[:, 0] = h_last.T
        if s.zero_out:
            out[:, 0] *= s.M[T - 1]
    out[:, -2], out[:, -1] = h_last.T, c_last.T

    def backward(g):
        G, dh0, (g_c,) = s.split_grad(g)
        dh = xp.ascontiguousarray(dh0.T)
        dc = xp.ascontiguousarray(g_c.T, dtype=dt)
        GT = None if G is None else xp.ascontiguousarray(G.transpose(0, 2, 1))  # (T, u, B)
        # Per-step derivative factors for all steps at once, in reused scratch buffers (no page faults).
        d_rec = _dact_into(recurrent_activation, A[:, :u3], _workspace("lstm_drec", (T, u3, B), dt))
        P1 = _dact_into(activation, TC, _workspace("lstm_P1", (T, u, B), dt))
        P1 *= A[:, :u]  # dc += dh * o * act'(c)
        Qo = multiply(TC, d_rec[:, :u], out=_workspace("lstm_Qo", (T, u, B), dt))  # d(o) = dh*act(c)*o'
        Q = _workspace("lstm_Q", (T, 3, u, B), dt)
        multiply(A[:, u3:], d_rec[:, u:u2], out=Q[:, 0])  # i: dc * g * i'
        multiply(C[:-1], d_rec[:, u2:u3], out=Q[:, 1])  # f: dc * c_{t-1} * f'
        _dact_into(activation, A[:, u3:], Q[:, 2])
        Q[:, 2] *= A[:, u:u2]  # g: dc * i * g'
        F = A[:, u2:u3]
        if MT is not None:
            P1 *= MT
            Qo *= MT
            Q *= MT[:, None]
            F = F * MT + keepT
        dZ = _workspace("lstm_dZ", (T, 4 * u, B), dt)
        dZ4 = dZ.reshape(T, 4, u, B)
        tmp_u = xp.empty((u, B), dtype=dt)
        carry = xp.empty((u, B), dtype=dt)
        for t in range(T - 1, -1, -1):
            if GT is not None:
                dh += GT[t]
            multiply(dh, P1[t], out=tmp_u)
            dc += tmp_u
            multiply(dh, Qo[t], out=dZ4[t, 0])
            multiply(dc, Q[t], out=dZ4[t, 1:])
            dc *= F[t]
            if keepT is not None:
                multiply(dh, keepT[t], out=carry)
            matmul(R, dZ[t], out=dh)
            if rdT is not None:
                dh *= rdT
            if keepT is not None:
                dh += carry
        # Feature-major over all steps, (4u, T*B) and (K, T*B): the weight gradients are one GEMM.
        Z3 = _workspace("lstm_Z", (4 * u, T, B), dt)
        Z3[...] = dZ.transpose(1, 0, 2)
        Z = Z3.reshape(4 * u, T * B)
        grads = [None, dh.T if h0.requires_grad else None, dc.T if c0.requires_grad else None, None, None]
        if x.requires_grad:
            gx = (W @ Z).reshape(D, T, B).transpose(2, 1, 0)
            grads[0] = xp.ascontiguousarray(gx[:, ::-1] if go_backwards else gx)
        want_b = bias is not None and bias.requires_grad
        if kernel.requires_grad or recurrent_kernel.requires_grad or want_b:
            ops = _workspace("lstm_HXt", (K, T, B), dt)
            ops[...] = HX[:T].transpose(1, 0, 2)
            if rdT is not None:
                ops[:u] *= rdT[:, None]
            gcat = Z @ ops.reshape(K, T * B).T  # (4u, K): [R; W; b] gradients, transposed
            if recurrent_kernel.requires_grad:
                grads[4] = _unpermute(gcat[:, :u].T, perm)
            if kernel.requires_grad:
                grads[3] = _unpermute(gcat[:, u : u + D].T, perm)
        if bias is not None:
            grads.append(_unpermute(gcat[:, u + D], perm) if want_b else None)
        return grads

    return record(out, parents, backward)


def _unpermute(grad: Any, perm: Any) -> Any:
    out = xp.empty(grad.shape, dtype=grad.dtype)
    out[..., perm] = grad
    return out


def gru(
    x: Any, h0: Any, kernel: Any, recurrent_kernel: Any, bias: Any = None, *, mask: Any = None,
    go_backwards: bool = False, return_sequences: bool = False, zero_output_for_mask: bool = False,
    recurrent_dropout_mask: Any = None, activation: str = "tanh", recurrent_activation: str = "sigmoid",
    reset_after: bool = True,
) -> Tensor:  # fmt: skip
    """A Keras GRU over a whole sequence (gates z, r, h); packed (outputs, h_T).

    ``reset_after=True`` (bias shape (2, 3u)): ``hh = act(x_h + r * (h @ R_h + b_rec_h))``;
    ``reset_after=False`` (bias (3u,)): ``hh = act(x_h + (r * h) @ R_h)``.
    """
    x, h0, kernel, recurrent_kernel = _wrap(x), _wrap(h0), _wrap(kernel), _wrap(recurrent_kernel)
    bias = None if bias is None else _wrap(bias)
    s = _Sequence(x, _mask_data(mask), go_backwards, recurrent_dropout_mask, return_sequences, zero_output_for_mask)
    if reset_after:
        H, state = _gru_after_forward(s, h0, kernel, recurrent_kernel, bias, activation, recurrent_activation)
    else:
        H, state = _gru_before_forward(s, h0, kernel, recurrent_kernel, bias, activation, recurrent_activation)
    parents = (x, h0, kernel, recurrent_kernel) + (() if bias is None else (bias,))

    def backward(g):
        G, dh, _ = s.split_grad(g)
        if reset_after:
            dXP, dh, gR, gb = _gru_after_backward(s, H, state, G, dh, recurrent_kernel.data, bias is not None)
        else:
            dXP, dh, gR, gb = _gru_before_backward(s, H, state, G, dh, recurrent_kernel.data, activation,
                                                   recurrent_activation)  # fmt: skip
        grads = [
            s.input_grad(dXP, kernel.data) if x.requires_grad else None,
            dh if h0.requires_grad else None,
            s.X.T @ dXP if kernel.requires_grad else None,
            gR if recurrent_kernel.requires_grad else None,
        ]
        if bias is not None:
            grads.append(gb if bias.requires_grad else None)
        return grads

    return record(s.pack(H, [H[s.T]]), parents, backward)


def _gru_update(s: _Sequence, H: Any, a: Any, t: int, u: int) -> None:
    """h_t = z * h_{t-1} + (1 - z) * hh, written as hh + z * (h_{t-1} - hh); masked rows keep h_{t-1}."""
    h = H[t + 1]
    hh = a[:, 2 * u :]
    xp.subtract(H[t], hh, out=h)
    h *= a[:, :u]
    h += hh
    if s.keep is not None:
        xp.copyto(h, H[t], where=s.keep[t])


def _gru_after_forward(s, h0, kernel, recurrent_kernel, bias, activation, recurrent_activation):
    B, T, u = s.B, s.T, recurrent_kernel.shape[0]
    u2 = 2 * u
    R = recurrent_kernel.data
    A = s.X @ kernel.data
    b_rec_h = None
    if bias is not None:
        b = bias.data
        A += b[0]
        A[:, :u2] += b[1, :u2]
        b_rec_h = b[1, u2:]
    A = A.reshape(T, B, 3 * u)
    H = xp.empty((T + 1, B, u), dtype=s.dtype)
    H[0] = h0.data
    RH = xp.empty((T, B, u), dtype=s.dtype)  # the recurrent h projection (with its bias), for dr
    rec = xp.empty((B, 3 * u), dtype=s.dtype)
    tmp = xp.empty((B, u), dtype=s.dtype)
    for t in range(T):
        a = A[t]
        xp.matmul(H[t] if s.rdrop is None else H[t] * s.rdrop, R, out=rec)
        a[:, :u2] += rec[:, :u2]
        _act_(recurrent_activation, a[:, :u2])
        if b_rec_h is None:
            RH[t] = rec[:, u2:]
        else:
            xp.add(rec[:, u2:], b_rec_h, out=RH[t])
        xp.multiply(a[:, u:u2], RH[t], out=tmp)
        a[:, u2:] += tmp
        _act_(activation, a[:, u2:])
        _gru_update(s, H, a, t, u)
    return H, (A, RH, activation, recurrent_activation)


def _gru_gate_factors(s, H, A, u, activation, recurrent_activation):
    z, hh = A[..., :u], A[..., 2 * u :]
    dz_f = H[:-1] - hh
    dz_f *= _dact(recurrent_activation, z)
    dhh_f = 1 - z
    dhh_f *= _dact(activation, hh)
    Zk = z
    if s.M is not None:
        dz_f *= s.M
        dhh_f *= s.M
        Zk = z * s.M + s.keep
    return dz_f, dhh_f, Zk


def _gru_after_backward(s, H, state, G, dh, R, has_bias):
    A, RH, activation, recurrent_activation = state
    B, T, u = s.B, s.T, R.shape[0]
    u2 = 2 * u
    dz_f, dhh_f, Zk = _gru_gate_factors(s, H, A, u, activation, recurrent_activation)
    dr_f = RH * _dact(recurrent_activation, A[..., u:u2])
    r = A[..., u:u2]
    dRec = xp.empty((T, B, 3 * u), dtype=s.dtype)
    DP = xp.empty((T, B, u), dtype=s.dtype)
    RT = xp.ascontiguousarray(R.T)
    carry = xp.empty((B, u), dtype=s.dtype)
    for t in range(T - 1, -1, -1):
        if G is not None:
            dh += G[t]
        d = dRec[t]
        xp.multiply(dh, dz_f[t], out=d[:, :u])
        xp.multiply(dh, dhh_f[t], out=DP[t])
        xp.multiply(DP[t], dr_f[t], out=d[:, u:u2])
        xp.multiply(DP[t], r[t], out=d[:, u2:])
        xp.multiply(dh, Zk[t], out=carry)
        xp.matmul(d, RT, out=dh)
        if s.rdrop is not None:
            dh *= s.rdrop
        dh += carry
    dRec2 = dRec.reshape(T * B, 3 * u)
    dXP = dRec.copy()
    dXP[..., u2:] = DP
    dXP = dXP.reshape(T * B, 3 * u)
    gR = s.h_in(H).reshape(T * B, u).T @ dRec2
    gb = xp.stack([dXP.sum(axis=0), dRec2.sum(axis=0)]) if has_bias else None
    return dXP, dh, gR, gb


def _gru_before_forward(s, h0, kernel, recurrent_kernel, bias, activation, recurrent_activation):
    B, T, u = s.B, s.T, recurrent_kernel.shape[0]
    u2 = 2 * u
    R = recurrent_kernel.data
    R_zr, R_h = xp.ascontiguousarray(R[:, :u2]), xp.ascontiguousarray(R[:, u2:])
    A = s.X @ kernel.data
    if bias is not None:
        A += bias.data
    A = A.reshape(T, B, 3 * u)
    H = xp.empty((T + 1, B, u), dtype=s.dtype)
    H[0] = h0.data
    RHin = xp.empty((T, B, u), dtype=s.dtype)  # r * h_{t-1}: the operand of the h-gate GEMM
    rec = xp.empty((B, u2), dtype=s.dtype)
    tmp = xp.empty((B, u), dtype=s.dtype)
    for t in range(T):
        a = A[t]
        h_prev = H[t] if s.rdrop is None else H[t] * s.rdrop
        xp.matmul(h_prev, R_zr, out=rec)
        a[:, :u2] += rec
        _act_(recurrent_activation, a[:, :u2])
        xp.multiply(a[:, u:u2], h_prev, out=RHin[t])
        xp.matmul(RHin[t], R_h, out=tmp)
        a[:, u2:] += tmp
        _act_(activation, a[:, u2:])
        _gru_update(s, H, a, t, u)
    return H, (A, RHin)


def _gru_before_backward(s, H, state, G, dh, R, activation, recurrent_activation):
    A, RHin = state
    B, T, u = s.B, s.T, R.shape[0]
    u2 = 2 * u
    dz_f, dhh_f, Zk = _gru_gate_factors(s, H, A, u, activation, recurrent_activation)
    h_in = s.h_in(H)
    dr_f = h_in * _dact(recurrent_activation, A[..., u:u2])
    r = A[..., u:u2]
    R_zrT = xp.ascontiguousarray(R[:, :u2].T)
    R_hT = xp.ascontiguousarray(R[:, u2:].T)
    dXP = xp.empty((T, B, 3 * u), dtype=s.dtype)
    drh = xp.empty((B, u), dtype=s.dtype)
    carry = xp.empty((B, u), dtype=s.dtype)
    for t in range(T - 1, -1, -1):
        if G is not None:
            dh += G[t]
        d = dXP[t]
        xp.multiply(dh, dz_f[t], out=d[:, :u])
        xp.multiply(dh, dhh_f[t], out=d[:, u2:])
        xp.matmul(d[:, u2:], R_hT, out=drh)
        xp.multiply(drh, dr_f[t], out=d[:, u:u2])
        xp.multiply(dh, Zk[t], out=carry)
        xp.matmul(d[:, :u2], R_zrT, out=dh)
        drh *= r[t]
        dh += drh
        if s.rdrop is not None:
            dh *= s.rdrop
        dh += carry
    dXP2 = dXP.reshape(T * B, 3 * u)
    gR = xp.empty_like(R)
    gR[:, :u2] = h_in.reshape(T * B, u).T @ dXP2[:, :u2]
    gR[:, u2:] = RHin.reshape(T * B, u).T @ dXP2[:, u2:]
    return dXP2, dh, gR, dXP2.sum(axis=0)
