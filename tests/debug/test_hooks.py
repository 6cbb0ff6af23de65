"""The debugging hooks the trainer and Model call: each is inert until its feature is asked for,
and the NaN guard that fit(nan_bundle=...) installs saves a bundle only for a non-finite loss."""

from __future__ import annotations

import numpy as np

import cuflow
from cuflow.backend import selection
from cuflow.debug import hooks
from cuflow.debug.nan_bundle import NanGuard

from .helpers import data, mlp


def test_features_off_cost_nothing():
    model = mlp()
    assert not getattr(selection, "_measure_pending", False)
    assert hooks.maybe_pick_device(model, *data(), 8) is None
    for rate in (None, 0):
        with hooks.kernel_verifier(rate, model):  # a context that does nothing
            pass


def test_the_nan_guard_saves_only_non_finite_losses(tmp_path, capsys):
    model = mlp()
    x, y = data(8)
    guard = hooks.nan_guard(str(tmp_path / "b.npz"), model)
    assert isinstance(guard, NanGuard) and guard.random_state is None
    ok = cuflow.Tensor(np.float32(0.5))
    assert guard(ok, x, y, None) is False and not (tmp_path / "b.npz").exists()
    assert "host" in guard.random_state  # the next step's pre-forward state, kept
    bad = cuflow.Tensor(np.float32(np.nan))
    assert guard(bad, x, y, None) is True and (tmp_path / "b.npz").exists()
    assert "saved the step" in capsys.readouterr().out


def test_fit_installs_the_guard_only_when_asked(tmp_path):
    model = mlp()
    x, y = data(16)
    model.fit(x, y, batch_size=8, verbose=0)
    assert model._loss_check is None
    model.fit(x, y, batch_size=8, verbose=0, nan_bundle=str(tmp_path / "n.npz"))
    assert isinstance(model._loss_check, NanGuard) and model._loss_check.model is model
    assert not (tmp_path / "n.npz").exists()  # every loss was finite
