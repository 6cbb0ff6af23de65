"""losses.metric_learning: Circle loss against the Keras doc numbers and a float64 NumPy
reference, reference embeddings, and the loss mask that keeps unmatched rows out of the mean."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import losses

from ._reference import R, ref_circle

CIRCLE_Y = np.array([1, 1, 2, 2, 3])
CIRCLE_E = np.array([[0.70014004, -0.42008403, 0.14002801, 0.56011203],
                     [0.17609018, 0.70436073, -0.52827054, 0.44022545],
                     [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
                     [0.32163376, -0.75047877, 0.53605627, -0.21442251],
                     [0.51261459, -0.34174306, 0.17087153, 0.76892189]])
CIRCLE_REF_Y = np.array([1, 1, 2, 2, 3, 4])
CIRCLE_REF_E = np.array([[0.40824829, -0.54433105, 0.27216553, 0.68041382],
                         [0.76376261, 0.10910895, -0.54554473, 0.32732684],
                         [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
                         [0.52981294, -0.13245324, 0.79471941, -0.26490647],
                         [0.54554473, -0.32732684, 0.10910895, 0.76376261],
                         [-0.27216553, 0.68041382, 0.40824829, -0.54433105]])


def test_circle_keras_examples():
    approx = lambda v: pytest.approx(v, rel=1e-5)  # noqa: E731
    assert float(losses.Circle(gamma=80.0, margin=0.4)(CIRCLE_Y, CIRCLE_E)) == approx(188.3883)
    assert float(losses.Circle(gamma=256, margin=0.25)(CIRCLE_Y, CIRCLE_E)) == approx(652.7617)
    got = losses.circle(CIRCLE_Y, CIRCLE_E, ref_labels=CIRCLE_REF_Y,
                        ref_embeddings=CIRCLE_REF_E, gamma=80.0, margin=0.4,
                        remove_diagonal=False)
    np.testing.assert_allclose(got.numpy(), [61.5844, 94.3465, 276.9344, 90.9873, 48.8963],
                               rtol=1e-5)
    sw = np.array([2.0, 2.0, 1.0, 1.0, 0.5])
    assert float(losses.Circle()(CIRCLE_Y, CIRCLE_E, sample_weight=sw)) == approx(244.91918)
    np.testing.assert_allclose(losses.Circle(reduction=None)(CIRCLE_REF_Y, CIRCLE_REF_E).numpy(),
                               [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0], rtol=1e-5)
    assert float(losses.Circle(reduction="sum")(CIRCLE_REF_Y, CIRCLE_REF_E)) == approx(264.8446)
    assert float(losses.Circle(reduction="mean_with_sample_weight")(
        CIRCLE_Y, CIRCLE_E, sample_weight=sw)) == approx(163.27948)


def test_circle_matches_reference(device):
    e = R.normal(size=(8, 4))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    lab = np.array([0, 0, 1, 1, 1, 2, 3, 3])
    ref = R.normal(size=(6, 4))
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    rl = np.array([0, 1, 2, 3, 0, 5])
    np.testing.assert_allclose(losses.circle(lab, cf.Tensor(e, device=device)).numpy(),
                               ref_circle(lab, e), rtol=1e-10)
    got = losses.circle(lab, cf.Tensor(e, device=device), ref_labels=rl,
                        ref_embeddings=cf.Tensor(ref, device=device), remove_diagonal=False,
                        gamma=16.0, margin=0.3)
    np.testing.assert_allclose(got.numpy(), ref_circle(lab, e, rl, ref, False, 16.0, 0.3),
                               rtol=1e-10)
    # the unmatched label 2 row is 0 and does not count in the mean
    want = ref_circle(lab, e)
    assert float(losses.Circle()(lab, e)) == pytest.approx(want.sum() / 7, rel=1e-10)


def test_circle_function_through_compile_keeps_the_mask():
    # compile(loss="circle") wraps the function; its unmatched rows still leave the mean
    wrapped = losses.LossFunctionWrapper(losses.get("circle"))
    assert float(wrapped(CIRCLE_Y, CIRCLE_E)) == pytest.approx(188.3883, rel=1e-5)


def test_circle_defaults_like_keras():
    ci = losses.Circle()
    assert (ci.gamma, ci.margin, ci.remove_diagonal) == (80.0, 0.4, True)
