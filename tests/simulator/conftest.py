"""Fixtures of the simulator tier: ``sim`` routes every kernel launch of the REAL CUDA wrappers
(``backend/cuda/*.py``) into the kernels compiled for the CPU (``_sim.py``, ``cuda_sim.h``)."""

from __future__ import annotations

import os

import pytest

from ..backend.cuda import _fake_device as fd
from . import _sim


@pytest.fixture(scope="session")
def sim_build_dir(tmp_path_factory):
    why = _sim.available()
    if why:
        if os.environ.get("CUFLOW_REQUIRE_SIM") == "1":  # ci/cpu.sh: the tier must run
            pytest.fail(f"the simulator tier cannot run: {why}")
        pytest.skip(why)
    # shared by pytest-xdist workers (the libraries are keyed by content and built under a lock)
    return tmp_path_factory.getbasetemp().parent / "cfsim"


@pytest.fixture
def sim(monkeypatch, sim_build_dir):
    with _sim.sim_arrays() as arena:
        s = _sim.Simulator(sim_build_dir, arena)
        # one SM: grids stay small, so every grid-stride loop wraps at modest sizes
        monkeypatch.setattr(fd, "SM_COUNT", 1)
        fd.install(monkeypatch, s)
        yield s
