"""cuflow.metrics.iou_metrics: the IoU family against the keras.io examples and scikit-learn's
jaccard score, ignored and absent classes, and the histogram the confusion matrix is built with."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow
from cuflow import metrics
from cuflow.testing import on_every_device

from ._helpers import _run, _t, check_keras_example

_OH_T = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])

_OH_P = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])

_OH_W = [0.1, 0.2, 0.3, 0.4]

# (id, factory, y_true, y_pred, expected, sample_weight, expected weighted)
KERAS_EXAMPLES = [
    ("iou", lambda: metrics.IoU(num_classes=2, target_class_ids=[0]), [0, 0, 1, 1],
     [0, 1, 0, 1], 0.33333334, [0.3, 0.3, 0.3, 0.1], 0.33333334),
    ("binary_iou", lambda: metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3),
     [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], 0.33333334, [0.2, 0.3, 0.4, 0.1], 0.17361112),
    ("mean_iou", lambda: metrics.MeanIoU(num_classes=2), [0, 0, 1, 1], [0, 1, 0, 1],
     0.33333334, [0.3, 0.3, 0.3, 0.1], 0.23809525),
]


@pytest.mark.parametrize("case", KERAS_EXAMPLES, ids=[c[0] for c in KERAS_EXAMPLES])
@on_every_device
def test_keras_io_examples(case, device):
    check_keras_example(case, device)


@on_every_device
def test_keras_io_examples_one_hot(device):
    # the keras.io pages print these two rounded
    one_hot = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    assert float(_run(one_hot, _OH_T, _OH_P, _OH_W, device)) == pytest.approx(
        (0 / 0.9 + 0.1 / 0.7) / 2, rel=1e-5)
    assert float(_run(metrics.OneHotMeanIoU(num_classes=3), _OH_T, _OH_P, _OH_W,
                      device)) == pytest.approx((0.1 / 0.7) / 3, rel=1e-5)


@on_every_device
def test_iou_family_matches_sklearn_jaccard(rng, device, skm):
    k = 4
    yt = rng.integers(0, k, size=(6, 10))  # a small "segmentation map"
    yp = np.where(rng.uniform(size=yt.shape) < 0.6, yt, rng.integers(0, k, size=yt.shape))
    w = rng.uniform(size=yt.shape)
    per_class = skm.jaccard_score(yt.ravel(), yp.ravel(), labels=list(range(k)), average=None,
                                  sample_weight=w.ravel())
    iou = metrics.IoU(num_classes=k, target_class_ids=[1, 3])
    mean_iou = metrics.MeanIoU(num_classes=k)
    for m in (iou, mean_iou):
        for lo, hi in ((0, 2), (2, 6)):
            m.update_state(_t(yt[lo:hi], device), _t(yp[lo:hi], device),
                           sample_weight=_t(w[lo:hi], device))
    assert float(iou.result()) == pytest.approx(per_class[[1, 3]].mean(), rel=1e-5)
    assert float(mean_iou.result()) == pytest.approx(per_class.mean(), rel=1e-5)
    cm = skm.confusion_matrix(yt.ravel(), yp.ravel(), sample_weight=w.ravel())
    np.testing.assert_allclose(mean_iou.variables[0].numpy(), cm, rtol=1e-6)
    # one-hot labels and scores: argmax over the class axis
    scores = np.eye(k)[yp] * 0.7 + rng.uniform(size=yp.shape + (k,)) * 0.2
    oh = metrics.OneHotMeanIoU(num_classes=k)
    assert float(_run(oh, np.eye(k)[yt], scores, w, device)) == pytest.approx(
        per_class.mean(), rel=1e-5)
    ohi = metrics.OneHotIoU(num_classes=k, target_class_ids=[2])
    assert float(_run(ohi, np.eye(k)[yt], scores, w, device)) == pytest.approx(
        per_class[2], rel=1e-5)
    dense_pred = metrics.MeanIoU(num_classes=k, sparse_y_pred=False)
    assert float(_run(dense_pred, yt, scores, w, device)) == pytest.approx(
        per_class.mean(), rel=1e-5)


@on_every_device
def test_iou_ignore_class_and_absent_classes(device, skm):
    yt = np.array([0, 1, 255, 1, 255, 0])
    yp = np.array([0, 1, 1, 0, 0, 0])
    m = metrics.MeanIoU(num_classes=3, ignore_class=255)
    keep = yt != 255
    want = skm.jaccard_score(yt[keep], yp[keep], labels=[0, 1], average=None).mean()
    # class 2 never occurs: it is left out of the mean, not counted as 0
    assert float(_run(m, yt, yp, device=device)) == pytest.approx(want, rel=1e-5)
    b = metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)  # >= threshold is class 1
    assert float(_run(b, [1, 1, 0], [0.5, 0.2, 0.7], device=device)) == pytest.approx(
        1 / 3, rel=1e-5)


def test_weighted_histogram_matches_bincount(rng):
    from cuflow.metrics._inputs import weighted_histogram

    # the backend's scatter_add into a buffer of the known size: no host read of max(index)
    index = rng.integers(0, 12, size=200)
    w = rng.uniform(size=200).astype(np.float32)
    got = weighted_histogram(cuflow.Tensor(index), cuflow.Tensor(w), 15)
    assert got.dtype == np.float64 and got.shape == (15,)
    np.testing.assert_array_equal(got.numpy(), np.bincount(index, weights=w.astype(np.float64),
                                                           minlength=15))


@pytest.mark.parametrize("make,exc,match", [
    (lambda: metrics.IoU(target_class_ids=[0]), TypeError, "num_classes"),
    (lambda: metrics.MeanIoU(), TypeError, "num_classes"),
    (lambda: metrics.IoU(3, [3]), ValueError, r"Target class id 3 is out of range.*\[0, 3\)"),
    (lambda: metrics.MeanIoU(0), ValueError, "num_classes"),
])
def test_bad_arguments_raise(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
