"""Gradient-check cases for the Keras-3 ``ops`` names added for keras.ops parity (ops/numpy/,
ops/core.py, ops/math.py); merged into ``grad_cases.ops_table``."""

from __future__ import annotations

import numpy as np

from cuflow import ops

from .grad_cases import R, _onehot, anyv, distinct, fort, nonzero, pos, unary


# ---- the keras.ops-parity surface (ops/numpy/, ops/core.py, ops/math.py) ------------------------
def _first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def _cat(outs):
    return ops.concatenate([ops.reshape(o, (-1,)) for o in outs], 0)


def extra_ops_table():
    """Checks for the Keras-3 ``ops`` names; every unary gets the standard/size-1/transposed
    trio, the rest one or two representative calls."""
    t = {}
    unary_domains = {
        "absolute": anyv, "arcsinh": anyv, "arctan": anyv, "cosh": anyv, "sinh": anyv,
        "erf": anyv, "exp2": anyv, "log_sigmoid": anyv, "ravel": anyv,
        "tan": lambda *s: anyv(*s, lo=-1, hi=1), "log10": pos, "log2": pos,
        "arccos": lambda *s: anyv(*s, lo=-0.9, hi=0.9), "arcsin": lambda *s: anyv(*s, lo=-0.9,
                                                                                   hi=0.9),
        "arctanh": lambda *s: anyv(*s, lo=-0.9, hi=0.9),
        "arccosh": lambda *s: R.uniform(1.2, 3.0, size=s),
        "nan_to_num": anyv, "flip": anyv, "cumsum": anyv, "cumprod": anyv, "norm": anyv,
        "normalize": anyv, "amin": distinct, "sort": distinct, "average": anyv,
    }
    for name, make in unary_domains.items():
        if hasattr(ops, name):
            t[name] = unary(getattr(ops, name), make)
    two = [("arctan2", anyv, nonzero), ("logaddexp", anyv, anyv), ("outer", anyv, anyv),
           ("divide_no_nan", anyv, nonzero), ("append", anyv, anyv), ("mod", anyv, pos)]
    for name, ma, mb in two:
        if hasattr(ops, name):
            fn = getattr(ops, name)
            t[name] = [(fn, [ma(3, 4), mb(3, 4)]), (fn, [ma(1), mb(1)]),
                       (fn, [fort(ma(3, 4)), mb(3, 4)])]
    t["mod"] = [(ops.mod, [R.uniform(0.1, 0.9, (3, 4)) + 2 * R.integers(0, 3, (3, 4)),
                           np.full((3, 4), 2.0)])]  # away from the jumps at multiples of 2
    t["broadcast_to"] = [(lambda x: ops.broadcast_to(x, (2, 3, 4)), [anyv(3, 1)])]
    t["moveaxis"] = [(lambda x: ops.moveaxis(x, 0, 2), [fort(anyv(2, 3, 2))])]
    t["swapaxes"] = [(lambda x: ops.swapaxes(x, 0, 1), [fort(anyv(2, 3))])]
    t["roll"] = [(lambda x: ops.roll(x, 1, axis=1), [anyv(2, 3)])]
    t["repeat"] = [(lambda x: ops.repeat(x, 2, axis=0), [fort(anyv(2, 3))])]
    t["diag"] = [(ops.diag, [anyv(3)]), (ops.diag, [anyv(3, 3)])]
    t["diagonal"] = [(ops.diagonal, [fort(anyv(3, 4))])]
    t["trace"] = [(ops.trace, [anyv(3, 3)])]
    t["tril"] = [(ops.tril, [anyv(3, 4)])]
    t["triu"] = [(lambda x: ops.triu(x, 1), [fort(anyv(3, 4))])]
    t["diff"] = [(ops.diff, [anyv(2, 4)])]
    t["hstack"] = [(lambda a, b: ops.hstack([a, b]), [anyv(2, 3), anyv(2, 1)])]
    t["vstack"] = [(lambda a, b: ops.vstack([a, b]), [anyv(2, 3), fort(anyv(1, 3))])]
    t["take"] = [(lambda x: ops.take(x, np.array([2, 0, 2]), axis=1), [anyv(2, 3)])]
    t["take_along_axis"] = [(lambda x: ops.take_along_axis(x, np.array([[1], [0]]), axis=1),
                             [anyv(2, 3)])]
    t["slice"] = [(lambda x: ops.slice(x, (1, 0), (2, 2)), [anyv(3, 3)])]
    t["unstack"] = [(lambda x: _cat(ops.unstack(x, axis=1)), [anyv(2, 3)])]
    t["top_k"] = [(lambda x: _first(ops.top_k(x, 2)), [distinct(2, 4)])]
    t["moments"] = [(lambda x: _cat(ops.moments(x, axes=[0])), [anyv(3, 2)])]
    t["tensordot"] = [(lambda a, b: ops.tensordot(a, b, axes=1), [anyv(2, 3), anyv(3, 2)])]
    t["einsum"] = [(lambda a, b: ops.einsum("ij,jk->ik", a, b), [anyv(2, 3), fort(anyv(3, 2))]),
                   (lambda a: ops.einsum("ii->", a), [anyv(3, 3)])]
    t["convert_to_tensor"] = [(ops.convert_to_tensor, [anyv(2, 3)])]
    for name in ("binary_crossentropy", "categorical_crossentropy"):
        if hasattr(ops, name):
            target = R.integers(0, 2, (3, 4)).astype(float) if name[0] == "b" else _onehot(3, 4)
            t[name] = [(lambda yp, n=name, tg=target: getattr(ops, n)(tg, yp, from_logits=True),
                        [anyv(3, 4)])]
    if hasattr(ops, "sparse_categorical_crossentropy"):
        t["sparse_categorical_crossentropy"] = [
            (lambda yp: ops.sparse_categorical_crossentropy(np.array([1, 0, 3]), yp,
                                                            from_logits=True), [anyv(3, 4)])]
    # CTC: a repeated label (needs a blank between), an empty label row, a shorter input
    # (own generator: the shared R draws of the tables built after this one stay as they were)
    ctc_t, rg = np.array([[1, 1, 2], [0, 0, 0], [3, 1, 0]]), np.random.default_rng(7)
    t["ctc_loss"] = [(lambda z: ops.ctc_loss(ctc_t, z, [3, 0, 2], [5, 4, 3]),
                      [rg.uniform(-2, 2, (3, 5, 4))]),
                     (lambda z: ops.ctc_loss(ctc_t[:1], z, [2], [4], mask_index=3),
                      [fort(rg.uniform(-2, 2, (1, 4, 4)))])]
    return {k: v for k, v in t.items() if hasattr(ops, k)}


_BOOL = "bool or integer output: not differentiable"
_CTOR = "creates a tensor from a shape / scalars: no float input"
_META = "returns metadata, not a tensor function of the input's values"
EXTRA_OPS_EXCLUDED = {
    "all": _BOOL, "any": _BOOL, "isclose": _BOOL, "isfinite": _BOOL, "isinf": _BOOL,
    "isnan": _BOOL, "logical_and": _BOOL, "logical_not": _BOOL, "logical_or": _BOOL,
    "logical_xor": _BOOL, "count_nonzero": _BOOL, "argsort": _BOOL,
    "floor_divide": "piecewise constant: zero gradient almost everywhere",
    "trunc": "piecewise constant: zero gradient almost everywhere",
    "arange": _CTOR, "empty": _CTOR, "eye": _CTOR, "full": _CTOR, "full_like": _CTOR,
    "identity": _CTOR, "linspace": _CTOR, "ones": _CTOR, "ones_like": _CTOR, "tri": _CTOR,
    "zeros": _CTOR, "zeros_like": _CTOR,
    "dtype": _META, "ndim": _META, "shape": _META, "size": _META, "is_tensor": _META,
    "convert_to_numpy": "leaves autodiff by design (a host NumPy array)",
    "cond": "control flow: its gradient is the chosen branch's, checked through that branch",
    "fori_loop": "control flow: its gradient is the body's, checked through the body's ops",
    "while_loop": "control flow: its gradient is the body's, checked through the body's ops",
}


