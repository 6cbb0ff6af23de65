"""``cuflow.quantizers`` arithmetic against NumPy float64 references (Keras's formulas)."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow import quantizers

R = np.random.default_rng(11)


def ref_abs_max(x, axis, lo=-127, hi=127, eps=1e-7):
    scale = (hi / (np.max(np.abs(x.astype(np.float64)), axis=axis, keepdims=True) + eps))
    return np.clip(np.round(x * scale.astype(x.dtype)), lo, hi), scale


@pytest.mark.parametrize("axis", [0, -1, (0, 2)])
def test_abs_max_quantize_matches_reference(axis):
    x = R.normal(size=(4, 3, 5)).astype("float32")
    q, scale = quantizers.abs_max_quantize(x, axis)
    ref_q, ref_scale = ref_abs_max(x, axis)
    assert q.dtype == np.int8 and scale.dtype == np.float32
    np.testing.assert_allclose(scale.numpy(), ref_scale, rtol=1e-6)
    np.testing.assert_array_equal(q.numpy(), ref_q)
    # dequantized within half a step of the original
    assert np.all(np.abs(q.numpy() / scale.numpy() - x) <= 0.5 / scale.numpy() + 1e-6)


def test_abs_max_quantizer_default_axis_range_and_config():
    x = R.normal(size=(2, 6)).astype("float32")
    quantizer = quantizers.AbsMaxQuantizer(value_range=(-8, 7))
    q, scale = quantizer(x)
    assert scale.shape == (2, 1) and q.numpy().min() >= -8 and q.numpy().max() <= 7
    again = quantizers.deserialize(quantizers.serialize(quantizer))
    assert isinstance(again, quantizers.AbsMaxQuantizer) and again.value_range == (-8, 7)
    assert quantizers.AbsMaxQuantizer(axis=1).get_config()["axis"] == (1,)
    with pytest.raises(ValueError, match=r"within the interval \[-128, 127\]"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))


def test_pack_int4_keras_examples_and_round_trip():
    a = np.array([[-3, 7], [2, -8], [1, 0]], dtype=np.int8)
    packed, shape, n = quantizers.pack_int4(a, axis=0)
    np.testing.assert_array_equal(packed.numpy(), [[45, -121], [1, 0]])
    assert shape == (2, 2) and n == 3
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=0).numpy(), a)
    b = np.array([[-3, 7, 2], [-8, 1, 0]], dtype=np.int8)
    packed, _, n = quantizers.pack_int4(b, axis=1)
    np.testing.assert_array_equal(packed.numpy(), [[125, 2], [24, 0]])
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=1).numpy(), b)
    c = R.integers(-8, 8, size=(3, 5, 7)).astype(np.int8)
    for axis in (0, 1, -1):
        p, _, n = quantizers.pack_int4(c, axis=axis)
        np.testing.assert_array_equal(quantizers.unpack_int4(p, n, axis=axis).numpy(), c)


def test_pack_int4_errors():
    with pytest.raises(TypeError, match="Expected int8 tensor for packing, got float32"):
        quantizers.pack_int4(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        quantizers.pack_int4(np.zeros((2, 2), "int8"), dtype="int16")


def test_grouped_quantize_with_zero_point_matches_reference():
    x = R.normal(size=(10, 6)).astype("float32")
    q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size=4)
    assert q.shape == (10, 6) and scale.shape == (3, 6) and zero.shape == (3, 6)
    padded = np.concatenate([x, np.zeros((2, 6), "float32")]).reshape(3, 4, 6).astype(np.float64)
    lo, hi = padded.min(axis=1), padded.max(axis=1)
    ref_scale = (hi - lo + 1e-7) / 15
    ref_zero = np.clip(np.round(-lo / ref_scale) - 8, -8, 7)
    np.testing.assert_allclose(scale.numpy(), ref_scale, rtol=1e-5)
    np.testing.assert_array_equal(zero.numpy(), ref_zero)
    rows_scale = np.repeat(ref_scale, 4, axis=0)[:10]
    rows_zero = np.repeat(ref_zero, 4, axis=0)[:10]
    ref_q = np.clip(np.round(x / rows_scale.astype("float32")) + rows_zero, -8, 7)
    np.testing.assert_array_equal(q.numpy(), ref_q)
    groups = (np.arange(10) // 4).astype("float32")
    back = quantizers.dequantize_with_sz_map(q, scale, zero, groups, group_axis=0).numpy()
    np.testing.assert_allclose(back, (ref_q - rows_zero) * rows_scale, rtol=1e-5, atol=1e-6)
    # a group spanning both signs comes back within one step
    spans = (padded.min(axis=1) < 0) & (padded.max(axis=1) > 0)
    ok = np.repeat(spans, 4, axis=0)[:10]
    assert np.all((np.abs(back - x) <= rows_scale + 1e-6)[ok])


def test_quantize_and_dequantize_float8_grid():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = (R.normal(size=2000) * 300).astype("float32")
    for name, fmax in (("float8_e4m3fn", 448.0), ("float8_e5m2", 57344.0)):
        scale = np.float32(0.5)
        got = quantizers.quantize_and_dequantize(x, scale, name, "float32").numpy()
        ref = np.clip(x / scale, -fmax, fmax).astype(getattr(ml_dtypes, name))
        np.testing.assert_array_equal(got, ref.astype("float32") * scale)
    with pytest.raises(ValueError, match="unsupported quantized_dtype 'int8'"):
        quantizers.quantize_and_dequantize(x, 1.0, "int8", "float32")


def test_float8_scale_and_amax_history():
    amax = np.array([2.0, 0.0, np.inf], "float32")
    got = quantizers.compute_float8_scale(amax, np.float32(4.0), 448.0).numpy()
    np.testing.assert_allclose(got, [2.0 / 448.0, 4.0, 4.0], rtol=1e-6)
    history = np.array([1.0, 2.0, 3.0], "float32")
    new = quantizers.compute_float8_amax_history(np.array([-5.0, 1.0], "float32"), history)
    np.testing.assert_array_equal(new.numpy(), [5.0, 3.0, 1.0])
