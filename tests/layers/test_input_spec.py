"""``InputSpec``: the Keras messages for every kind of violation, symbolic inputs, several
inputs, repr and config."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import layers as L

from ._helpers import f32


# ---- InputSpec --------------------------------------------------------------------------------
class _Checked(L.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs


@pytest.mark.parametrize("spec,x,match", [
    (L.InputSpec(ndim=2), f32(2, 3, 4),
     r'Input 0 of layer "c" is incompatible with the layer: expected ndim=2, found ndim=3. '
     r"Full shape received: \(2, 3, 4\)"),
    (L.InputSpec(min_ndim=3), f32(2, 3), "expected min_ndim=3, found ndim=2"),
    (L.InputSpec(max_ndim=2), f32(2, 3, 4), "expected max_ndim=2, found ndim=3"),
    (L.InputSpec(axes={-1: 5}), f32(2, 3),
     r"expected axis -1 of input shape to have value 5, but received input with shape \(2, 3\)"),
    (L.InputSpec(shape=(None, 4)), f32(2, 3), r"expected shape=\(None, 4\), found shape=\(2, 3\)"),
    (L.InputSpec(dtype="int32"), f32(2, 3), "expected dtype=int32, found dtype=float32"),
])
def test_input_spec_violations(spec, x, match):
    with pytest.raises(ValueError, match=match):
        _Checked(spec, name="c")(x)


def test_input_spec_accepts_and_checks_symbolic_inputs():
    layer = _Checked(L.InputSpec(ndim=3, axes={-1: 4}))
    np.testing.assert_array_equal(layer(f32(2, 3, 4)[:1]).shape, (1, 3, 4))
    assert layer(L.Input((3, 4))).shape == (None, 3, 4)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(L.Input((3, 5)))
    two = _Checked([L.InputSpec(ndim=2), L.InputSpec(ndim=3)], name="two")
    two([f32(2, 3), f32(2, 3, 1)])
    with pytest.raises(ValueError, match=r'Layer "two" expects 2 input\(s\), but it received 1'):
        two(f32(2, 3))


def test_input_spec_repr_config_and_errors():
    spec = L.InputSpec(dtype="float32", shape=(None, 3), axes={1: 3})
    assert repr(spec) == "InputSpec(dtype=float32, shape=(None, 3), ndim=2, axes={1: 3})"
    again = L.InputSpec.from_config(spec.get_config())
    assert again.get_config() == spec.get_config() and again.ndim == 2
    with pytest.raises(TypeError, match="Argument `axes` must be a dict with integer keys"):
        L.InputSpec(axes={"x": 1})
    with pytest.raises(ValueError, match="Axis 3 is greater than the maximum allowed value: 1"):
        L.InputSpec(ndim=2, axes={3: 1})
    with pytest.raises(TypeError, match="input_spec must be an instance of InputSpec"):
        _Checked("ndim=2")
