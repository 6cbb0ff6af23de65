"""Hypothesis strategies for malformed inputs, drawn as small *descriptors* whose ``repr`` is a
reproducible description of the value (``Arr('float16', (0, 3), 'nan', 7)``), so a crash or hang
report names the case exactly; ``make()`` builds the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8", "bool", "object")
FILLS = ("normal", "nan", "inf", "zeros", "huge", "ints")
HUGE = (2**31, 2**40, 2**62)  # declared sizes that must be refused before any allocation


@dataclass(frozen=True)
class Arr:
    """A NumPy array (or, with ``kind``, the same values as a list / Tensor / transposed view)."""

    dtype: str
    shape: tuple
    fill: str
    seed: int
    kind: str = "array"  # array | list | tensor | transposed

    def make(self):
        import cuflow

        rng = np.random.default_rng(self.seed)
        a = np.asarray(rng.normal(0, 3, self.shape))
        if self.fill == "nan":
            a[rng.random(self.shape) < 0.3] = np.nan
        elif self.fill == "inf":
            a[rng.random(self.shape) < 0.3] = np.inf
            a[rng.random(self.shape) < 0.2] = -np.inf
        elif self.fill == "zeros":
            a = np.zeros(self.shape)
        elif self.fill == "huge":
            a = a * 1e300
        elif self.fill == "ints":
            a = np.asarray(rng.integers(-2, 5, self.shape), dtype=float)
        a = np.asarray(a)  # 0-d arithmetic returns NumPy scalars, not arrays
        with np.errstate(all="ignore"):  # NaN / Inf into integer dtypes is part of the test
            arr = np.asarray(a.astype(self.dtype if self.dtype != "object" else object))
        if self.kind == "list":
            return arr.tolist()
        if self.kind == "transposed":
            return arr.T
        if self.kind == "tensor":
            return cuflow.Tensor(arr) if self.dtype != "object" else arr
        return arr


@dataclass(frozen=True)
class Lit:
    """A literal Python value (None, a number, a string, a nested list ...)."""

    value: object

    def make(self):
        return self.value


def build(v):
    """Descriptors (possibly nested in lists / tuples / dicts) -> values."""
    if isinstance(v, (Arr, Lit)):
        return v.make()
    if isinstance(v, list):
        return [build(x) for x in v]
    if isinstance(v, tuple):
        return tuple(build(x) for x in v)
    if isinstance(v, dict):
        return {k: build(x) for k, x in v.items()}
    return v


small_dim = st.integers(0, 3)
shapes = st.lists(small_dim, min_size=0, max_size=6).map(tuple)


@st.composite
def arrays(draw, dtypes=DTYPES, shape=None, kinds=("array", "array", "tensor", "list",
                                                    "transposed")):
    return Arr(draw(st.sampled_from(dtypes)), draw(shapes) if shape is None else shape,
               draw(st.sampled_from(FILLS)), draw(st.integers(0, 2**16)),
               draw(st.sampled_from(kinds)))


odd_scalars = st.sampled_from([None, 0, 1, -1, 2.5, float("nan"), float("inf"), True, "x",
                               (), [], [[1, 2], [3]], object])
ints = st.one_of(st.integers(-3, 4), st.sampled_from(HUGE), st.sampled_from((-(2**40), 0)))
axes = st.one_of(st.none(), ints, st.tuples(ints, ints), st.sampled_from([1.0, "0", (0, 0)]))
sizes = st.one_of(ints, st.tuples(ints, ints), st.tuples(ints, ints, ints),
                  st.sampled_from([None, 2.0, "same", (), [2, "a"]]))
floats = st.one_of(st.floats(-2, 2), st.sampled_from([float("nan"), float("inf"), -1.0, 1.0,
                                                      1e300, 0.0]), st.sampled_from([None, "a"]))
strings = st.sampled_from(["valid", "same", "causal", "full", "VALID", "channels_first",
                           "channels_last", "relu", "bogus", "", "nearest", "bilinear"])


def tensor_or_junk(lists=True):
    """An array-like of any dtype / rank, or junk. ``lists=False`` for single-input layers:
    a Python list means "several inputs" to a layer (see the fuzz suite's known issues)."""
    if not lists:
        return st.one_of(arrays(kinds=("array", "tensor", "transposed")),
                         arrays(dtypes=("float32", "float64"), kinds=("array", "tensor")),
                         scalars_only.map(Lit))
    return st.one_of(arrays(), arrays(dtypes=("float32", "float64")),
                     odd_scalars.map(Lit))


scalars_only = st.sampled_from([None, 0, 1, -1, 2.5, float("nan"), float("inf"), True, "x",
                                object])


@st.composite
def shape_args(draw):
    """A target shape, possibly enormous or invalid."""
    n = draw(st.integers(0, 4))
    return tuple(draw(st.one_of(st.integers(-2, 4), st.sampled_from(HUGE))) for _ in range(n))
