"""The reference: each workload's training step written by hand in NumPy, as a careful user would
(im2col through ``sliding_window_view``, one GEMM per layer, in-place where it is natural, Adam
as Keras writes it). Same maths as the cuflow model, so its final loss is a correctness check too.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .workloads import CNN, EPSILON, LEARNING_RATE


class Adam:
    def __init__(self, params, lr=LEARNING_RATE, b1=0.9, b2=0.999, eps=EPSILON):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        alpha = self.lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            p -= alpha * m / (np.sqrt(v) + self.eps)


def softmax_xent(logits, y):
    """Mean sparse cross-entropy from logits and its gradient w.r.t. the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
    p = e / s
    p[rows, y] -= 1
    p /= len(y)
    return loss, p


def dense_backward(x, w, dz, need_dx=True):
    return x.T @ dz, dz.sum(0), (dz @ w.T if need_dx else None)


class MlpStep:
    def __init__(self, weights):
        self.params = [w.copy() for w in weights]
        self.opt = Adam(self.params)

    def __call__(self, x, y):
        w1, b1, w2, b2, w3, b3 = self.params
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        loss, d3 = softmax_xent(h2 @ w3 + b3, y)
        g3, c3, d2 = dense_backward(h2, w3, d3)
        d2 *= h2 > 0
        g2, c2, d1 = dense_backward(h1, w2, d2)
        d1 *= h1 > 0
        g1, c1, _ = dense_backward(x, w1, d1, need_dx=False)
        self.opt.step([g1, c1, g2, c2, g3, c3])
        return loss


def _cols(x):
    """im2col of a 3x3 valid convolution: (B*oh*ow, cin*9), columns ordered (cin, kh, kw)."""
    win = sliding_window_view(x, (3, 3), axis=(1, 2))  # (B, oh, ow, cin, 3, 3)
    return win.reshape(-1, win.shape[3] * 9)


def _conv_matrix(w):
    """(3, 3, cin, cout) -> (cin*9, cout) in the columns' (cin, kh, kw) order."""
    return w.transpose(2, 0, 1, 3).reshape(-1, w.shape[3])


def _pool(a):
    """2x2 max pooling (stride 2, floor): returns the pooled array and the cropped input."""
    b, h, w, c = a.shape
    a = a[:, :h // 2 * 2, :w // 2 * 2]
    return a.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4)), a


def _pool_backward(a_crop, pooled, dp, full_shape):
    b, h2, w2, c = pooled.shape
    win = a_crop.reshape(b, h2, 2, w2, 2, c)
    # ties only happen at relu's zeros, whose gradient the relu mask then drops
    d = (win == pooled[:, :, None, :, None]) * dp[:, :, None, :, None]
    out = np.zeros(full_shape, np.float32)
    out[:, :2 * h2, :2 * w2] = d.reshape(b, 2 * h2, 2 * w2, c)
    return out


def _col2im(dcols, shape):
    b, oh, ow, cin = shape[0], shape[1] - 2, shape[2] - 2, shape[3]
    d = dcols.reshape(b, oh, ow, cin, 3, 3)
    out = np.zeros(shape, np.float32)
    for i in range(3):
        for j in range(3):
            out[:, i:i + oh, j:j + ow] += d[..., i, j]
    return out


class CnnStep:
    def __init__(self, weights):
        self.params = [w.copy() for w in weights]
        self.opt = Adam(self.params)

    def __call__(self, x, y):
        k1, c1, k2, c2, w3, b3, w4, b4 = self.params
        bsz = len(x)
        f1, f2 = CNN["filters"]
        cols1 = _cols(x)
        z1 = cols1 @ _conv_matrix(k1) + c1
        a1 = np.maximum(z1, 0).reshape(bsz, 30, 30, f1)
        p1, a1c = _pool(a1)
        cols2 = _cols(p1)
        m2 = _conv_matrix(k2)
        z2 = cols2 @ m2 + c2
        a2 = np.maximum(z2, 0).reshape(bsz, 13, 13, f2)
        p2, a2c = _pool(a2)
        flat = p2.reshape(bsz, -1)
        h = np.maximum(flat @ w3 + b3, 0)
        loss, d4 = softmax_xent(h @ w4 + b4, y)
        g4, e4, dh = dense_backward(h, w4, d4)
        dh *= h > 0
        g3, e3, dflat = dense_backward(flat, w3, dh)
        dz2 = _pool_backward(a2c, p2, dflat.reshape(p2.shape), a2.shape).reshape(-1, f2)
        dz2 *= z2 > 0
        gk2, e2, dcols2 = dense_backward(cols2, m2, dz2)
        dp1 = _col2im(dcols2, p1.shape)
        dz1 = _pool_backward(a1c, p1, dp1, a1.shape).reshape(-1, f1)
        dz1 *= z1 > 0
        gk1, e1, _ = dense_backward(cols1, None, dz1, need_dx=False)
        gk1 = gk1.reshape(3, 3, 3, f1).transpose(1, 2, 0, 3)   # (cin,kh,kw,o) -> (kh,kw,cin,o)
        gk2 = gk2.reshape(f1, 3, 3, f2).transpose(1, 2, 0, 3)
        self.opt.step([gk1, e1, gk2, e2, g3, e3, g4, e4])
        return loss


def make_step(kind, weights):
    return (MlpStep if kind == "mlp" else CnnStep)(weights)
