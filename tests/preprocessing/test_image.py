"""ImageDataGenerator transforms: exact flips, rescale, whole-pixel shifts with each fill mode,
quarter turns against np.rot90, featurewise / samplewise statistics."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.preprocessing.image import ImageDataGenerator, apply_affine_transform

NP_PAD = {"nearest": "edge", "reflect": "symmetric", "wrap": "wrap", "constant": "constant"}


@pytest.fixture
def img():
    return np.arange(6 * 6 * 3, dtype=np.float32).reshape(6, 6, 3)


def shifted_rows(x, t, fill_mode, cval=0.0):
    """Output row r reads input row r + t; beyond the edge np.pad's equivalent mode decides."""
    h = x.shape[0]
    pad = ((abs(t), abs(t)), (0, 0), (0, 0))
    kw = {"constant_values": cval} if fill_mode == "constant" else {}
    padded = np.pad(x, pad, mode=NP_PAD[fill_mode], **kw)
    return padded[abs(t) + t:abs(t) + t + h]


def test_rescale_is_exact(img):
    gen = ImageDataGenerator(rescale=1.0 / 255)
    batch = next(gen.flow(img[None], batch_size=1, shuffle=False))
    np.testing.assert_array_equal(batch[0], img * np.float32(1.0 / 255))


def test_flips_are_exact(img):
    gen = ImageDataGenerator()
    np.testing.assert_array_equal(gen.apply_transform(img, {"flip_horizontal": True}),
                                  img[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(img, {"flip_vertical": True}), img[::-1])


def test_random_flips_give_either_image(img):
    gen = ImageDataGenerator(horizontal_flip=True)
    batch = next(gen.flow(np.repeat(img[None], 32, 0), batch_size=32, shuffle=False, seed=3))
    flipped = [np.array_equal(b, img[:, ::-1]) for b in batch]
    same = [np.array_equal(b, img) for b in batch]
    assert all(f or s for f, s in zip(flipped, same))
    assert 0 < sum(flipped) < 32


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "wrap", "constant"])
@pytest.mark.parametrize("t", [2, -3])
@pytest.mark.parametrize("order", [0, 1])
def test_whole_pixel_row_shifts_are_exact(img, fill_mode, t, order):
    gen = ImageDataGenerator(fill_mode=fill_mode, cval=-1.0, interpolation_order=order)
    out = gen.apply_transform(img, {"tx": t})
    np.testing.assert_array_equal(out, shifted_rows(img, t, fill_mode, cval=-1.0))


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "wrap", "constant"])
def test_whole_pixel_column_shifts_are_exact(img, fill_mode):
    gen = ImageDataGenerator(fill_mode=fill_mode)
    out = gen.apply_transform(img, {"ty": 4})
    expected = shifted_rows(img.transpose(1, 0, 2), 4, fill_mode).transpose(1, 0, 2)
    np.testing.assert_array_equal(out, expected)


def test_integer_shift_range_draws_whole_pixels(img):
    gen = ImageDataGenerator(width_shift_range=3, height_shift_range=3, fill_mode="wrap")
    for seed in range(10):
        p = gen.get_random_transform(img.shape, seed)
        assert p["tx"] == int(p["tx"]) and abs(p["tx"]) < 3
        assert p["ty"] == int(p["ty"]) and abs(p["ty"]) < 3


def test_fractional_shift_range_scales_with_size():
    gen = ImageDataGenerator(height_shift_range=0.5, width_shift_range=0.25)
    shifts = [gen.get_random_transform((40, 8, 3), s) for s in range(50)]
    assert max(abs(p["tx"]) for p in shifts) <= 20 and max(abs(p["tx"]) for p in shifts) > 10
    assert max(abs(p["ty"]) for p in shifts) <= 2


@pytest.mark.parametrize("order", [0, 1])
def test_quarter_turn_matches_rot90(img, order):
    chw = img.transpose(2, 0, 1)
    out = apply_affine_transform(chw, theta=90, order=order)  # Keras's channels_first defaults
    # Keras's matrix turns the content clockwise for a positive theta
    np.testing.assert_allclose(out.transpose(1, 2, 0), np.rot90(img, k=-1), atol=1e-4)
    out = apply_affine_transform(img, theta=-90, row_axis=0, col_axis=1, channel_axis=2,
                                 order=order)
    np.testing.assert_allclose(out, np.rot90(img, k=1), atol=1e-4)


def test_half_turn_and_identity(img):
    out = apply_affine_transform(img, theta=180, row_axis=0, col_axis=1, channel_axis=2)
    np.testing.assert_allclose(out, img[::-1, ::-1], atol=1e-4)
    assert apply_affine_transform(img, row_axis=0, col_axis=1, channel_axis=2) is img


def test_zoom_about_the_centre(img):
    x = np.arange(25, dtype=np.float32).reshape(5, 5, 1)
    gen = ImageDataGenerator(fill_mode="constant", cval=-1)
    out = gen.apply_transform(x, {"zx": 2.0, "zy": 2.0})  # zx > 1 zooms out, as Keras
    expected = np.full((5, 5), -1.0, np.float32)
    expected[1:4, 1:4] = x[0:5:2, 0:5:2, 0]
    np.testing.assert_array_equal(out[..., 0], expected)


def test_random_transform_is_deterministic_given_seed(img):
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, shear_range=10,
                             zoom_range=0.2, channel_shift_range=5, horizontal_flip=True)
    a = gen.random_transform(img, seed=7)
    b = gen.random_transform(img, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gen.random_transform(img, seed=8))
    assert a.shape == img.shape


def test_channels_first_matches_channels_last(img):
    kwargs = {"rotation_range": 20, "zoom_range": 0.1, "horizontal_flip": True}
    last = ImageDataGenerator(**kwargs).flow(np.stack([img, img + 1]), seed=5, batch_size=2)[0]
    first = ImageDataGenerator(data_format="channels_first", **kwargs).flow(
        np.stack([img, img + 1]).transpose(0, 3, 1, 2), seed=5, batch_size=2)[0]
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-6)


def test_featurewise_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal([10, -5, 3], [2, 4, 0.5], size=(20, 4, 4, 3)).astype(np.float32)
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(gen.std.ravel(), x.std(axis=(0, 1, 2)), rtol=1e-4)
    out = next(gen.flow(x, batch_size=20, shuffle=False))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_featurewise_statistics_include_rescale():
    x = np.full((2, 3, 3, 1), 100.0, np.float32)
    gen = ImageDataGenerator(featurewise_center=True, rescale=0.01)
    gen.fit(x)
    np.testing.assert_allclose(gen.mean, 1.0)
    np.testing.assert_allclose(gen.standardize(x[0]), 0.0, atol=1e-6)


def test_samplewise_normalisation():
    x = np.random.default_rng(1).normal(5, 3, (4, 5, 5, 3)).astype(np.float32)
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    out = next(gen.flow(x, batch_size=4, shuffle=False))
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)), 1, atol=1e-4)


def test_featurewise_without_fit_warns(img):
    gen = ImageDataGenerator(featurewise_center=True)
    with pytest.warns(UserWarning, match="fit"):
        gen.standardize(img)


def test_std_normalisation_implies_centering_with_a_warning():
    with pytest.warns(UserWarning, match="featurewise_center"):
        gen = ImageDataGenerator(featurewise_std_normalization=True)
    assert gen.featurewise_center


def test_zca_whitening_decorrelates():
    x = np.random.default_rng(2).normal(size=(200, 2, 2, 1)).astype(np.float32)
    x[..., 0, 0, 0] += x[..., 1, 1, 0]  # correlate two pixels
    with pytest.warns(UserWarning):
        gen = ImageDataGenerator(zca_whitening=True)
    gen.fit(x)
    out = gen.standardize(x).reshape(200, -1)
    cov = np.cov(out, rowvar=False, bias=True)
    np.testing.assert_allclose(cov, np.eye(4), atol=0.02)


def test_preprocessing_function_runs_after_augmentation_before_rescale(img):
    seen = []

    def fn(x):
        seen.append(x.copy())
        return x + 1

    gen = ImageDataGenerator(preprocessing_function=fn, rescale=2.0, vertical_flip=True)
    out = gen.flow(img[None], batch_size=1, seed=0)[0][0]
    assert len(seen) == 1
    np.testing.assert_array_equal(out, (seen[0] + 1) * 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"fill_mode": "mirror"}, "fill_mode"),
    ({"zoom_range": [1, 2, 3]}, "zoom_range"),
    ({"data_format": "nhwc"}, "data_format"),
    ({"validation_split": 1.0}, "validation_split"),
    ({"width_shift_range": "x"}, "width_shift_range"),
])
def test_argument_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)
