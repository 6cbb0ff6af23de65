"""The NVRTC loader (backend/cuda/compile.py): every kernel source compiles for Ampere and
Hopper without a GPU or driver (wherever CuPy and the nvidia-cuda-nvrtc-cu12 wheel are installed,
CI included), every template instantiation a family launches exists, each ``.cu`` belongs to
exactly one family module, compile errors carry the log, includes are inlined once, and the
compiled signatures drive the launch checker the other CUDA tests use."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from cuflow.backend.cuda import compile as kernels

from . import _fake_device as fd


def _nvrtc_loads():
    try:
        from cupy_backends.cuda.libs import nvrtc

        nvrtc.getVersion()
        return True
    except Exception:
        return False


needs_nvrtc = pytest.mark.skipif(not _nvrtc_loads(),
                                 reason="libnvrtc not loadable (install nvidia-cuda-nvrtc-cu12)")


@needs_nvrtc
@pytest.mark.parametrize("arch", ["compute_80", "compute_90"])
@pytest.mark.parametrize("source", kernels.SOURCES)
def test_source_compiles(source, arch):
    sizes = kernels.compile_all_with_nvrtc(arch, sources=[source])
    assert sizes[source] > 0


def test_every_cu_file_is_registered():
    on_disk = sorted(p.name for p in kernels.kernels_dir().glob("*.cu"))
    assert on_disk == sorted(kernels.SOURCES)


def test_each_source_belongs_to_the_family_module_that_declares_it():
    for family, source in zip(kernels.FAMILIES, kernels.SOURCES):
        module = importlib.import_module(f"cuflow.backend.cuda.{family}")
        assert kernels.family(source) is module and module.SOURCE == source
        exprs = kernels.name_expressions(source)
        assert exprs == list(module.NAME_EXPRESSIONS) and len(set(exprs)) == len(exprs) > 0
    with pytest.raises(ValueError, match="unknown kernel source 'nope.cu'"):
        kernels.family("nope.cu")


def test_kernels_dir_holds_the_sources_and_options_point_at_it():
    d = kernels.kernels_dir()
    assert (d / "cf_common.cuh").is_file()
    assert kernels.compile_options() == ("-std=c++17", f"-I{d}")
    assert kernels.dtype_ctype(np.dtype("float16")) == "cf_half"
    assert kernels.float_types(half=False) == ("float", "double")


@needs_nvrtc
def test_compile_error_carries_the_log(tmp_path, monkeypatch):
    (tmp_path / "cf_common.cuh").write_text("#pragma once\n")
    (tmp_path / "activations.cu").write_text('#include "cf_common.cuh"\nthis is not C++;\n')
    monkeypatch.setattr(kernels, "kernels_dir", lambda: tmp_path)
    monkeypatch.setattr(kernels, "name_expressions", lambda source: [])
    with pytest.raises(kernels.KernelCompileError, match="activations.cu.*compute_80"):
        kernels.compile_all_with_nvrtc("compute_80", sources=["activations.cu"])


def test_includes_are_inlined_once():
    code = kernels.expand_source("losses.cu")
    assert '#include "' not in code
    assert code.count("struct cf_serial_reducer {") == 1


def test_grids_fill_the_device_and_stop_at_the_need(monkeypatch):
    monkeypatch.setattr(kernels, "sm_count", lambda device_id: 10)
    monkeypatch.setattr(kernels, "_device_id", lambda: 0)
    assert kernels.grid_for_elements(1) == 1
    assert kernels.grid_for_elements(256 * 1000) == 80  # 10 SMs x 8 waves
    assert kernels.grid_for_rows(3, 256) == 3
    assert kernels.grid_for_rows(10**6, 256) == 80  # 2048 / 256 blocks per SM


# ---- the launch checker built from the compiled signatures ----------------------------------

def test_signature_parser_reads_templates_and_pointers():
    if not fd.tools_available():
        pytest.skip("needs CuPy's NVRTC binding and c++filt")
    sig = fd.signatures("optimizers.cu")
    assert sig["cf_fused_clip_scale<float>"] == ["double const*", "long long", "double const*",
                                                 "float*"]
    assert len(sig["cf_set_pointers"]) == 34
    assert fd.parse_demangled("void f<a<b, c> >(x<y, z>*, int)") == ["x<y, z>*", "int"]


def test_checker_rejects_wrong_launches(checker):
    import cupy

    k = checker.get_kernel("reductions.cu", "cf_sumsq_partial<float>")
    x = cupy.empty(8, np.float32)
    part = cupy.empty(4, np.float64)
    k((1,), (256,), (x, np.int64(8), part))  # right
    bad = [
        ((1,), (256,), (x, 8, part)),  # Python int for long long
        ((1,), (256,), (x, np.int32(8), part)),  # int32 for long long
        ((1,), (256,), (x, np.int64(8))),  # missing argument
        ((1,), (256,), (part, np.int64(8), part)),  # double array for float*
        ((1,), (100,), (x, np.int64(8), part)),  # block reduction needs whole warps
        ((1,), (2048,), (x, np.int64(8), part)),  # block too large
        ((1, 70000), (32,), (x, np.int64(8), part)),  # grid.y too large
        ((1,), (256,), (x[::2], np.int64(4), part)),  # strided pointer
    ]
    for grid, block, args in bad:
        with pytest.raises(fd.LaunchError):
            k(grid, block, args)
    v = checker.get_kernel("activations.cu", "cf_relu_fwd_vec4<float>")
    base = cupy.empty(64, np.float32)
    with pytest.raises(fd.LaunchError, match="16-byte"):
        v((1,), (256,), (base[1:9], base[16:24], np.int64(2), np.float64(0)))
