"""Fixtures of the CUDA tests that run without a GPU: the launch checker (host-backed CuPy
arrays, every launch checked against the kernel's compiled signature) and the host-compiled
kernel math."""

from __future__ import annotations

import pytest

from . import _fake_device as fd
from . import _host


@pytest.fixture
def checker(monkeypatch):
    if not fd.tools_available():
        pytest.skip("needs CuPy's NVRTC binding and c++filt")
    c = fd.LaunchChecker()
    with fd.host_arrays():
        fd.install(monkeypatch, c)
        yield c


@pytest.fixture(scope="session")
def host_lib(tmp_path_factory):
    if _host.CXX is None:
        pytest.skip("no C++ compiler (g++/c++/clang++) on PATH")
    return _host.build(tmp_path_factory.mktemp("hostk"))
