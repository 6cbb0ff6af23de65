"""The checks AdaptiveAveragePooling and AdaptiveMaxPooling share: output_size forms and errors
(Keras's), shapes in both data formats, values against their op and loops, configs, gradients.
Each test file subclasses ``AdaptivePoolingChecks`` with its classes, op and reduction."""

from __future__ import annotations

import numpy as np
import pytest

from .._helpers import check_layer_gradients, round_trip
from .._helpers import run_on as run

R = np.random.default_rng(5)


class AdaptivePoolingChecks:
    CLASSES: dict  # rank -> layer class
    MODULE: str
    NAME: str  # "AdaptiveAveragePooling"

    @staticmethod
    def op(x, output_size):
        raise NotImplementedError

    @staticmethod
    def reduce(x, axis):
        raise NotImplementedError

    @pytest.mark.parametrize("rank", [1, 2, 3])
    def test_output_size_forms_shapes_and_config(self, rank, device):
        cls = self.CLASSES[rank]
        assert cls.__module__ == self.MODULE
        layer = cls(3, data_format="channels_first")
        assert layer.output_size == (3,) * rank
        assert layer.get_config()["output_size"] == (3,) * rank
        assert layer.get_config()["data_format"] == "channels_first"
        clone = round_trip(cls(list(range(2, 2 + rank))))
        assert clone.output_size == tuple(range(2, 2 + rank))
        spatial = (7, 5, 6)[:rank]
        x = R.normal(size=(2,) + spatial + (3,))
        out = tuple(range(2, 2 + rank))
        y = run(cls(out), x, device)
        assert y.shape == (2,) + out + (3,) == cls(out).compute_output_shape(x.shape)
        np.testing.assert_allclose(y.numpy(), self.op(x, out).numpy())
        first = np.moveaxis(x, -1, 1)
        yf = run(cls(out, data_format="channels_first"), first, device)
        assert yf.shape == (2, 3) + out
        np.testing.assert_allclose(yf.numpy(), np.moveaxis(y.numpy(), -1, 1))
        assert cls(out).compute_output_shape((None,) + (None,) * rank + (4,)) == \
            (None,) + out + (4,)

    def test_values_against_loops(self, device):
        x = R.normal(size=(2, 7, 3))
        y = run(self.CLASSES[1](3), x, device).numpy()
        windows = [(0, 3), (2, 5), (4, 7)]  # [floor(i 7 / 3), ceil((i + 1) 7 / 3))
        want = np.stack([self.reduce(x[:, a:b], axis=1) for a, b in windows], axis=1)
        np.testing.assert_allclose(y, want, rtol=1e-12)

    def test_output_size_errors_as_keras(self):
        with pytest.raises(ValueError, match=self.NAME + r"1D: `output_size` must be an "
                                             r"integer or 1 integer. Received: \(2, 2\)"):
            self.CLASSES[1]((2, 2))
        with pytest.raises(TypeError, match=r"`output_size` must be an integer or "
                                            r"\(height, width\) tuple. Received: \(2, 2, 2\)"):
            self.CLASSES[2]((2, 2, 2))
        with pytest.raises(TypeError,
                           match=r"\(depth, height, width\) tuple. Received: '2' of type"):
            self.CLASSES[3]("2")
        for bad in (0, (2, -1), (2, 1.5), True):
            with pytest.raises((ValueError, TypeError), match="output_size"):
                self.CLASSES[2](bad)
        with pytest.raises(ValueError, match="data_format"):
            self.CLASSES[2](2, data_format="nhwc")
        with pytest.raises(ValueError, match=r"expected ndim=4"):
            self.CLASSES[2](2)(np.ones((2, 4, 3), "float32"))

    def test_gradients(self, device):
        check_layer_gradients(lambda: self.CLASSES[2]((3, 2)), [(1, 5, 4, 2)], device)
