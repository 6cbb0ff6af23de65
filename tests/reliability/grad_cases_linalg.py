"""Gradient checks for the linear-algebra, FFT and segment ops (ops/linalg/, fft.py, math.py),
merged into ``grad_cases.ops_table()``.

Well-conditioned inputs: diagonally dominant matrices for inverses and solves, symmetric
positive-definite ones built inside the checked function (``x x^T + 3 I``, so a perturbation of
any entry stays symmetric) for cholesky/eigh, random matrices (distinct singular values almost
surely) for svd/qr/lstsq. Eigen- and singular vectors enter squared: their sign is arbitrary.
A generator of its own keeps the shared draws of grad_cases unchanged.
"""

from __future__ import annotations

import numpy as np

from cuflow import ops

_R = np.random.default_rng(20250611)


def _u(*shape):
    return _R.uniform(-1.0, 1.0, size=shape)


def _wc(*shape):
    """Diagonally dominant square matrices: well conditioned."""
    return _u(*shape) + 3.0 * np.eye(shape[-1])


def _spd(x):
    return ops.matmul(x, ops.swapaxes(x, -1, -2)) + 3.0 * ops.eye(x.shape[-1], dtype=x.dtype)


def _pair(out):
    return ops.concatenate([ops.reshape(out[0], (-1,)), ops.reshape(out[1], (-1,))], 0)


def linalg_fft_table():
    t = {}
    t["inv"] = [(ops.inv, [_wc(3, 3)]), (ops.inv, [np.asfortranarray(_wc(2, 3, 3))])]
    t["det"] = [(ops.det, [_wc(2, 3, 3)]), (ops.det, [_wc(1, 1)])]
    t["slogdet"] = [(lambda x: ops.slogdet(x)[1], [_wc(2, 3, 3)])]
    t["logdet"] = [(ops.logdet, [_wc(3, 3)])]
    t["solve"] = [(ops.solve, [_wc(2, 3, 3), _u(3, 2)]), (ops.solve, [_wc(2, 3, 3), _u(2, 3)]),
                  (ops.solve, [_wc(3, 3), _u(3)])]
    t["solve_triangular"] = [
        (lambda a, b: ops.solve_triangular(a, b, lower=True), [_wc(3, 3), _u(3, 2)]),
        (ops.solve_triangular, [_wc(2, 3, 3), _u(2, 3)])]
    t["lstsq"] = [(ops.lstsq, [_u(5, 3), _u(5, 2)]), (ops.lstsq, [_u(2, 5, 3), _u(2, 5)]),
                  (ops.lstsq, [_u(3, 5), _u(3)])]
    t["cholesky"] = [(lambda x: ops.cholesky(_spd(x)), [_u(2, 3, 3)]),
                     (lambda x: ops.cholesky(_spd(x), upper=True), [_u(3, 3)])]
    t["eigh"] = [(lambda x: _pair((ops.eigh(_spd(x))[0], ops.eigh(_spd(x))[1] ** 2)),
                  [_u(2, 3, 3)])]
    t["qr"] = [(lambda x: _pair(ops.qr(x)), [_u(2, 4, 3)]),
               (lambda x: _pair(ops.qr(x, mode="complete")), [_u(3, 3)])]
    t["svd"] = [(lambda x: ops.svd(x, compute_uv=False), [_u(2, 4, 3)]),
                (lambda x: _pair((ops.svd(x, False)[0] ** 2, ops.svd(x, False)[1])),
                 [_u(4, 3)]),
                (lambda x: _pair((ops.svd(x, False)[2] ** 2, ops.svd(x)[0] ** 2)), [_u(3, 3)]),
                (lambda x: ops.svd(x, False)[2] ** 2, [_u(2, 3, 5)])]
    t["norm"] = [(lambda x, o=o: ops.norm(x, ord=o, axis=(0, 1)), [_u(3, 4)])
                 for o in (2, -2, "nuc")]
    t["erfinv"] = [(ops.erfinv, [_R.uniform(-0.95, 0.95, (3, 4))]),
                   (ops.erfinv, [np.array([0.9999, -0.6, 0.3])])]
    t["fft"] = [(lambda a, b: _pair(ops.fft((a, b))), [_u(2, 5), _u(2, 5)])]
    t["ifft"] = [(lambda a, b: _pair(ops.ifft((a, b))), [_u(2, 5), _u(2, 5)])]
    t["fft2"] = [(lambda a, b: _pair(ops.fft2((a, b))), [_u(3, 4), _u(3, 4)])]
    t["ifft2"] = [(lambda a, b: _pair(ops.ifft2((a, b))), [_u(2, 3, 2), _u(2, 3, 2)])]
    t["rfft"] = [(lambda x: _pair(ops.rfft(x)), [_u(2, 6)]),
                 (lambda x: _pair(ops.rfft(x, 7)), [_u(5)]),
                 (lambda x: _pair(ops.rfft(x, 4)), [_u(6)])]
    t["irfft"] = [(lambda a, b: ops.irfft((a, b)), [_u(2, 4), _u(2, 4)]),
                  (lambda a, b: ops.irfft((a, b), 7), [_u(4), _u(4)]),
                  (lambda a, b: ops.irfft((a, b), 4), [_u(5), _u(5)])]
    t["stft"] = [(lambda x: _pair(ops.stft(x, 4, 2, 6)), [_u(2, 9)]),
                 (lambda x: _pair(ops.stft(x, 3, 2, 3, window=None, center=False)), [_u(7)])]
    t["istft"] = [(lambda a, b: ops.istft((a, b), 4, 2, 6), [_u(5, 4), _u(5, 4)]),
                  (lambda a, b: ops.istft((a, b), 4, 3, 4, length=9, window="hamming",
                                          center=False), [_u(2, 3, 3), _u(2, 3, 3)])]
    t["extract_sequences"] = [(lambda x: ops.extract_sequences(x, 3, 2), [_u(2, 8)]),
                              (lambda x: ops.extract_sequences(x, 2, 3), [_u(9)])]
    ids = np.array([0, 2, 0, 2, -1])
    t["segment_sum"] = [(lambda d: ops.segment_sum(d, ids, 4), [_u(5, 2)]),
                        (lambda d: ops.segment_sum(d, np.array([[0, 1], [1, 1]])), [_u(2, 2, 3)])]
    # distinct values (no ties) so max is differentiable; ties are covered in tests/ops
    t["segment_max"] = [(lambda d: ops.segment_max(d, np.array([0, 1, 0, 1, -1]), 2),
                         [(_R.permutation(10) / 10.0 + 0.05).reshape(5, 2)])]
    return {k: v for k, v in t.items() if hasattr(ops, k)}


LINALG_EXCLUDED = {
    "eig": "general eigendecomposition: complex results, no gradient in Keras (as TF/JAX "
           "backends there)",
    "lu_factor": "LU with partial pivoting: no gradient in Keras; pivots are integers",
    "in_top_k": "bool output: not differentiable",
}
