"""Our cuBLAS GEMM: the row-major/column-major planning on the CPU (emulated with NumPy views
of the same memory), library discovery errors, and on a GPU equality with cupy.matmul and
CUDA-graph capture."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cuflow.backend.cuda import cublas

# ---- CPU: the plan, executed by a NumPy emulation of column-major cuBLAS -----------------------

def _colmajor(flat, offset, rows, cols, ld):
    """The column-major (rows, cols) matrix with leading dimension ld starting at flat[offset]."""
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat[offset:], shape=(rows, cols),
                                           strides=(item, ld * item))


def _emulate(plan, a, b, flat_a, flat_b):
    """Run ``plan`` like cuBLAS would, reading a and b from their base buffers."""
    def off(x, flat):
        return (x.__array_interface__["data"][0] - flat.__array_interface__["data"][0]) \
            // x.itemsize

    oa, ob = off(a, flat_a), off(b, flat_b)
    out = np.zeros(int(np.prod(plan.out_shape)), dtype=np.float64)
    M, N, K = plan.M, plan.N, plan.K
    for i in range(plan.batch):
        if plan.op_p == cublas.OP_N:
            p = _colmajor(flat_b, ob + i * plan.stride_p, M, K, plan.ld_p)
        else:
            p = _colmajor(flat_b, ob + i * plan.stride_p, K, M, plan.ld_p).T
        if plan.op_q == cublas.OP_N:
            q = _colmajor(flat_a, oa + i * plan.stride_q, K, N, plan.ld_q)
        else:
            q = _colmajor(flat_a, oa + i * plan.stride_q, N, K, plan.ld_q).T
        c = p.astype(np.float64) @ q.astype(np.float64)  # (M, N) column-major = C^T
        cview = _colmajor(out, i * plan.stride_c, M, N, plan.M)
        cview[...] = c
    return out.reshape(plan.out_shape)


def _view(shape, kind, rng):
    """A float32 operand of ``shape`` laid out as: 'c' C-contiguous, 'f' a transposed view,
    'pad' rows padded (a slice of a wider array), 'bcast' a broadcast batch dim."""
    if kind == "c":
        flat = rng.normal(size=int(np.prod(shape)) + 3).astype(np.float32)
        return flat[:int(np.prod(shape))].reshape(shape), flat
    if kind == "f":
        swapped = shape[:-2] + (shape[-1], shape[-2])
        base, flat = _view(swapped, "c", rng)
        return np.swapaxes(base, -1, -2), flat
    if kind == "pad":
        wide = shape[:-1] + (shape[-1] + 5,)
        base, flat = _view(wide, "c", rng)
        return base[..., :shape[-1]], flat
    raise ValueError(kind)


SHAPES = [
    ((3, 4), (4, 5)), ((1, 4), (4, 1)), ((7, 1), (1, 6)), ((4,), (4, 3)), ((3, 4), (4,)),
    ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (1, 5, 4, 2)), ((6, 1, 4), (4, 3)), ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("ka", ["c", "f", "pad"])
@pytest.mark.parametrize("kb", ["c", "f", "pad"])
def test_plan_matches_numpy(sa, sb, ka, kb):
    rng = np.random.default_rng(0)
    if (ka != "c" and len(sa) < 2) or (kb != "c" and len(sb) < 2):
        pytest.skip("1-D operands have a single layout")
    a, fa = _view(sa, ka, rng)
    b, fb = _view(sb, kb, rng)
    es = lambda x: tuple(s // x.itemsize for s in x.strides)  # noqa: E731
    plan = cublas.plan_matmul(a.shape, es(a), b.shape, es(b))
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    if plan is None:  # allowed only for the patterns we document as fallbacks: a batch that
        # is no single stride (both sides broadcast in different dims, transposed batches)
        assert (sa, sb) == ((2, 1, 3, 4), (1, 5, 4, 2)) or \
            (ka == "f" and len(sa) > 2) or (kb == "f" and len(sb) > 2), (sa, sb, ka, kb)
        return
    assert plan.out_shape == want.shape
    np.testing.assert_allclose(_emulate(plan, a, b, fa, fb), want, rtol=1e-6, atol=1e-6)


def test_plan_folds_batch_into_rows_for_a_shared_weight():
    plan = cublas.plan_matmul((8, 16, 32), (512, 32, 1), (32, 10), (10, 1))
    assert plan.batch == 1 and plan.N == 8 * 16 and plan.M == 10 and plan.K == 32


def test_plan_never_passes_a_dimension_past_int32():
    # cuBLAS takes dimensions as C int: N = nbatch * m = 2**31 would wrap negative, 2**32 + 8
    # would wrap to 8 (a silently truncated product). Shapes only: nothing is allocated.
    m, k, n = 2**20, 4, 3
    for nbatch in (2**11, 2**12 + 1):  # nbatch * m = 2**31 and 2**32 + 2**20
        plan = cublas.plan_matmul((nbatch, m, k), (m * k, k, 1), (k, n), (n, 1))
        assert plan is not None and plan.batch == nbatch and plan.N == m  # batched instead
        assert max(plan.M, plan.N, plan.K, plan.ld_p, plan.ld_q, plan.batch) <= 2**31 - 1
    fold = cublas.plan_matmul((2**10, m, k), (m * k, k, 1), (k, n), (n, 1))
    assert fold.batch == 1 and fold.N == 2**30  # still one GEMM below the limit
    # a single GEMM with m past int32 has no cuBLAS plan: cupy.matmul takes it
    assert cublas.plan_matmul((2**31, k), (k, 1), (k, n), (n, 1)) is None
    # so does a batch count past int32
    assert cublas.plan_matmul((2**31, 2, k), (2 * k, k, 1), (2**31, k, n), (k * n, n, 1)) is None


def test_plan_rejects_mismatch_and_odd_strides():
    assert cublas.plan_matmul((3, 4), (4, 1), (5, 2), (2, 1)) is None
    assert cublas.plan_matmul((3, 4), (8, 2), (4, 2), (2, 1)) is None  # no unit stride
    assert cublas.plan_matmul((), (), (4, 2), (2, 1)) is None


def test_library_not_found_names_what_was_searched(monkeypatch):
    monkeypatch.setattr(cublas, "_candidates", lambda: ["/nope/libcublas.so.12", "libx.so"])

    def loader(path):
        raise OSError(f"cannot open {path}")

    with pytest.raises(cublas.CublasNotFound, match="/nope/libcublas.so.12.*libx.so"):
        cublas.find_library(loader=loader)


def test_library_needs_the_gemm_symbol(monkeypatch):
    monkeypatch.setattr(cublas, "_candidates", lambda: ["a.so", "b.so"])

    class Lib:
        pass

    class Good:
        cublasGemmEx = object()

    got = iter([Lib(), Good()])
    lib, path = cublas.find_library(loader=lambda p: next(got))
    assert isinstance(lib, Good) and path == "b.so"


def test_candidates_are_unique_and_skip_cublaslt():
    cands = cublas._candidates()
    assert len(cands) == len(set(cands))
    assert not any("cublasLt" in c for c in cands)


def test_candidates_prefer_cupys_cuda_major():
    paths = ["/a/libcublas.so.12", "/b/libcublas.so.13", "/c/libcublas.so"]
    assert cublas._prefer_major(paths, 13) == ["/b/libcublas.so.13", "/a/libcublas.so.12",
                                               "/c/libcublas.so"]
    assert cublas._prefer_major(paths, 12) == paths
    assert cublas._prefer_major(paths, None) == paths


def test_library_already_mapped_by_cupy_comes_first(tmp_path, monkeypatch):
    import ctypes
    import shutil

    src = next((p for p in ("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/"
                            "libz.so.1", "/lib64/libz.so.1") if os.path.exists(p)), None)
    if src is None:
        pytest.skip("no libz to stand in for a mapped libcublas")
    fake = tmp_path / "libcublas.so.13"
    shutil.copy(src, fake)
    ctypes.CDLL(str(fake))  # now in /proc/self/maps, as CuPy's libcublas would be
    assert str(fake) in cublas._loaded_in_process()
    monkeypatch.setattr(cublas, "_cuda_major", lambda: 13)
    assert cublas._candidates()[0] == str(fake)
    # it lacks cublasGemmEx, so find_library moves on and names it among those tried
    monkeypatch.setattr(cublas, "_candidates", lambda: [str(fake)])
    with pytest.raises(cublas.CublasNotFound, match="libcublas.so.13 \\(AttributeError\\)"):
        cublas.find_library()


def _header(name):
    roots = [os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME"), "/usr/local/cuda"]
    for mod in ("nvidia.cublas", "nvidia.cu13", "nvidia.cuda_runtime"):
        try:
            roots += list(__import__(mod, fromlist=["__path__"]).__path__)
        except Exception:
            pass
    for root in filter(None, roots):
        path = os.path.join(root, "include", name)
        if os.path.exists(path):
            with open(path) as f:
                return f.read()
    return None


def test_enum_values_match_the_cuda_headers():
    import re

    text = _header("cublas_api.h")
    if text is None:
        pytest.skip("cublas_api.h not installed (pip install nvidia-cublas-cu12)")

    def enum(name):
        return int(re.search(rf"\b{name}\s*=\s*(-?\d+)", text).group(1))

    assert (enum("CUBLAS_OP_N"), enum("CUBLAS_OP_T")) == (cublas.OP_N, cublas.OP_T)
    assert enum("CUBLAS_COMPUTE_32F") == cublas.COMPUTE_32F
    assert enum("CUBLAS_COMPUTE_64F") == cublas.COMPUTE_64F
    assert enum("CUBLAS_COMPUTE_32F_FAST_TF32") == cublas.COMPUTE_32F_FAST_TF32
    assert enum("CUBLAS_GEMM_DEFAULT") == cublas.GEMM_DEFAULT
    assert enum("CUBLAS_DEFAULT_MATH") == cublas.DEFAULT_MATH
    assert enum("CUBLAS_TF32_TENSOR_OP_MATH") == cublas.TF32_TENSOR_OP_MATH
    types = _header("library_types.h")
    if types is not None:
        for name, value in (("CUDA_R_32F", cublas.CUDA_R_32F), ("CUDA_R_64F", cublas.CUDA_R_64F),
                            ("CUDA_R_16F", cublas.CUDA_R_16F)):
            assert int(re.search(rf"\b{name}\s*=\s*(\d+)", types).group(1)) == value


def test_tf32_flag_defaults_off():
    assert cublas._tf32_enabled() in (False, True)


# ---- GPU ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("sa,sb", SHAPES + [((128, 784), (784, 256)), ((0, 4), (4, 3)),
                                            ((3, 0), (0, 2)), ((4, 64, 33), (4, 33, 17))])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.gpu
def test_gpu_matches_cupy_matmul(dtype, sa, sb, ta, tb):
    import cupy as cp

    if (ta and len(sa) < 2) or (tb and len(sb) < 2):
        pytest.skip("1-D operand")
    rng = np.random.default_rng(1)

    def make(shape, t):
        if t:
            shape = shape[:-2] + (shape[-1], shape[-2])
        x = cp.asarray(rng.normal(size=shape).astype(dtype))
        return cp.swapaxes(x, -1, -2) if t else x

    a, b = make(sa, ta), make(sb, tb)
    got = cublas.matmul(a, b)
    want = cp.matmul(a, b)
    if got is None:
        return  # documented fallback pattern: the backend uses cupy.matmul
    tol = {"float32": 1e-5, "float64": 1e-12, "float16": 2e-2}[dtype]
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(cp.asnumpy(got).astype(np.float64),
                               cp.asnumpy(want).astype(np.float64), rtol=tol, atol=tol)


@pytest.mark.gpu
def test_gpu_backend_matmul_goes_through_cublas(monkeypatch):
    import cupy as cp

    from cuflow.backend.cuda.backend import CupyBackend

    calls = []
    real = cublas.run
    monkeypatch.setattr(cublas, "run", lambda *a: calls.append(1) or real(*a))
    bk = CupyBackend(0)
    a = cp.ones((4, 3), cp.float32)
    out = bk.matmul(a, a.T)
    assert calls and float(out[0, 0]) == 3.0


@pytest.mark.gpu
def test_gpu_gemm_captures_into_a_graph_and_replays():
    import cupy as cp

    rng = np.random.default_rng(2)
    a = cp.asarray(rng.normal(size=(64, 32)).astype(np.float32))
    b = cp.asarray(rng.normal(size=(32, 48)).astype(np.float32))
    out = cp.empty((64, 48), cp.float32)
    stream = cp.cuda.Stream(non_blocking=True)
    cublas.handle_for(stream)
    cp.cuda.Device().synchronize()  # a, b were filled on the null stream
    with stream:
        stream.begin_capture()
        cublas.matmul(a, b, out=out)
        a_f = a.T.copy().T  # kept alive: the graph writes this buffer on every replay
        cublas.matmul(a_f, b, out=out)  # F-contiguous operand inside the graph too
        graph = stream.end_capture()
        graph.launch(stream)
    stream.synchronize()
    np.testing.assert_allclose(cp.asnumpy(out), cp.asnumpy(a) @ cp.asnumpy(b), rtol=1e-5,
                               atol=1e-5)
    with stream:  # on the replay stream: a non-blocking stream does not wait for the null one
        a[...] = 2.0  # replay sees the new input values
        graph.launch(stream)
    stream.synchronize()
    np.testing.assert_allclose(cp.asnumpy(out), 2.0 * cp.asnumpy(b).sum(0)[None, :]
                               .repeat(64, 0), rtol=1e-5)


@pytest.mark.gpu
def test_gpu_handle_creation_refused_during_capture():
    import cupy as cp

    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        stream.begin_capture()
        try:
            with pytest.raises(RuntimeError, match="before begin_capture"):
                cublas.handle_for(stream)
        finally:
            stream.end_capture()
