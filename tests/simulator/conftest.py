"""Fixtures of the simulator tier: ``sim`` routes every kernel launch of the REAL CUDA wrappers
(``backend/cuda/*.py``) into the kernels compiled for the CPU (``_sim.py``, ``cuda_sim.h``)."""

from __future__ import annotations

import os

import pytest

from ..backend.cuda import _fake_device as fd
from . import _sim
from ._fake_gpu import simulated_gpu


@pytest.fixture(scope="session")
def sim_build_dir(tmp_path_factory):
    why = _sim.available()
    if why:
        if os.environ.get("CUFLOW_REQUIRE_SIM") == "1":  # ci/cpu.sh: the tier must run
            pytest.fail(f"the simulator tier cannot run: {why}")
        pytest.skip(why)
    # shared by pytest-xdist workers (the libraries are keyed by content and built under a lock)
    return tmp_path_factory.getbasetemp().parent / "cfsim"


@pytest.fixture(params=["in order", "reversed"])
def sim(request, monkeypatch, sim_build_dir):
    """Every kernel test runs under both schedules (``cuda_sim.h``): a result that depends on
    the order of blocks, or on threads reading without a barrier, fails under one of them."""
    with _sim.sim_arrays() as arena:
        s = _sim.Simulator(sim_build_dir, arena)
        s.reverse = request.param == "reversed"
        # one SM: grids stay small, so every grid-stride loop wraps at modest sizes
        monkeypatch.setattr(fd, "SM_COUNT", 1)
        fd.install(monkeypatch, s)
        yield s


@pytest.fixture
def sim_gpu(monkeypatch, sim_build_dir):
    """``cuflow.device("gpu")`` is the simulated GPU (``_fake_gpu.py``) while the test runs."""
    with simulated_gpu(monkeypatch, sim_build_dir) as g:
        yield g


@pytest.fixture
def captured_steps(monkeypatch):
    """Every captured step (``trainers/captured_step.py``) made during the test, by kind."""
    from cuflow.trainers import captured_step

    made = {}
    for cls in ("CapturedTrainStep", "CapturedTestStep", "CapturedPredictStep"):
        base = getattr(captured_step, cls)

        def init(self, *a, _base=base, **k):
            _base.__init__(self, *a, **k)
            made.setdefault(self.kind, []).append(self)

        monkeypatch.setattr(captured_step, cls, type(cls, (base,), {"__init__": init}))
    return made
