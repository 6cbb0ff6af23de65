"""Every RawKernel launch of the GPU wrappers against its kernel's C++ parameters, on the CPU.

The wrappers (``cupy_kernels``, ``fused_optim``, ``counter_rng``) run on host-backed CuPy arrays
and a stand-in for ``get_kernel`` (``fake_device``): argument count, pointer element types,
exact scalar types, float4 alignment and grid/block limits are checked for every launch, so a
mismatch shows up here and not as garbage or a sticky error on the GPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from . import fake_device as fd

pytestmark = pytest.mark.skipif(not fd.tools_available(),
                                reason="needs CuPy's NVRTC binding and c++filt")

ROW_SHAPES = [(1, 1), (7, 5), (3, 16), (3, 17), (5, 300), (2, 5000)]
DTYPES = ["float32", "float64", "float16"]


@pytest.fixture
def checker(monkeypatch):
    c = fd.LaunchChecker()
    with fd.host_arrays():
        fd.install(monkeypatch, c)
        yield c


def _gk():
    from cuflow.backend import cupy_kernels

    return cupy_kernels


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def test_signature_parser_reads_templates_and_pointers():
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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 5, (1 << 14) + 3])
def test_activation_launches(checker, dtype, n):
    gk = _gk()
    for name in gk.ACTIVATIONS:
        x = fd.device_array(_rand(n, dtype))
        y = gk.activation_forward(name, x, alpha=0.2 if name == "leaky_relu" else None)
        dy = fd.device_array(_rand(n, dtype, 1))
        gk.activation_backward(name, x, y, dy, alpha=None)
    names = checker.names()
    if dtype == "float32" and n > (1 << 14):
        assert any(e.endswith("_vec4<float>") for e in names)
        assert any(e == "cf_relu_fwd<float>" for e in names)  # the tail of 3
    else:
        assert not any("vec4" in e for e in names)


def test_activation_misaligned_view_takes_the_scalar_path(checker):
    gk = _gk()
    n = (1 << 15)
    x = fd.device_array(_rand(n, "float32"), offset_bytes=4)  # 4-byte aligned only
    gk.activation_forward("relu", x)
    assert checker.names() == ["cf_relu_fwd<float>"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_row_launches(checker, dtype, shape):
    gk = _gk()
    x = fd.device_array(_rand(shape, dtype))
    dy = fd.device_array(_rand(shape, dtype, 1))
    gk.softmax_backward(gk.softmax_forward(x), dy)
    gk.log_softmax_backward(gk.log_softmax_forward(x), dy)
    gk.logsumexp(x)
    gk.row_max(x)
    assert str(gk.row_argmax(x).dtype) == "int64"
    assert len(checker.launches) == 7
    want = "cf_thread_r" if shape[-1] <= 16 else "cf_block_r"
    assert all(want in e for e in checker.names())


def _loss_args(name, shape, dtype, label_dtype="int64"):
    rng = np.random.default_rng(3)
    if name == "sparse_categorical_crossentropy":
        t = rng.integers(0, shape[-1], size=shape[:-1]).astype(label_dtype)
    else:
        t = rng.uniform(0, 1, size=shape).astype(dtype)
    p = rng.uniform(0.1, 1, size=shape).astype(dtype)
    return fd.device_array(t), fd.device_array(p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 40)])
def test_loss_launches(checker, monkeypatch, dtype, shape):
    from cuflow.backend import numpy_kernels as nk

    gk = _gk()
    monkeypatch.setattr(gk, "_capturing", lambda: True)  # no host read of the label range
    count = 0
    for name in nk.LOSSES:
        if name in ("hinge", "squared_hinge"):
            continue  # their {0,1} test runs CuPy's own kernels (not available here)
        for from_logits in ([False, True] if name in nk.FROM_LOGITS_LOSSES else [False]):
            for need_grad in (True, False):
                labels = ["int64", "int32"] if name == "sparse_categorical_crossentropy" \
                    else ["int64"]
                for lt in labels:
                    t, p = _loss_args(name, shape, dtype, lt)
                    ls = 0.1 if name in nk.SMOOTHING_LOSSES else 0.0
                    per, grad = gk.loss_forward_backward(name, t, p, from_logits, ls, 0.7,
                                                         need_grad)
                    assert per.shape == shape[:-1] and (grad is None) != need_grad
                    count += 1
    assert len(checker.launches) == count


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1,), (7, 3), (300, 70), (100000, 2)])
def test_reduction_launches(checker, dtype, shape):
    gk = _gk()
    x = fd.device_array(_rand(shape, dtype))
    assert gk.sum_batch(x).shape == shape[1:]
    out = gk.global_l2_norm([x, fd.device_array(_rand((33,), dtype)),
                             fd.device_array(np.zeros((0,), dtype))])
    assert out.shape == () and str(out.dtype) == ("float64" if dtype == "float64" else
                                                  "float32")


@pytest.mark.parametrize("label_dtype", ["int32", "int64"])
def test_accuracy_launches(checker, label_dtype):
    gk = _gk()
    p = fd.device_array(_rand((9, 4), "float32"))
    labels = fd.device_array(np.arange(9) % 4, label_dtype)
    assert gk.accuracy_count(labels, p, "sparse").dtype == np.int64
    onehot = fd.device_array(np.eye(4, dtype=np.float32)[np.arange(9) % 4])
    gk.accuracy_count(onehot, p, "categorical")
    gk.accuracy_count(fd.device_array(np.ones((9, 4), np.float32)), p, "binary", 0.3)
    assert [e.split("<")[0] for e in checker.names()] == [
        "cf_accuracy_fwd", "cf_accuracy_fwd", "cf_binary_accuracy_fwd"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_counter_rng_launches(checker, dtype):
    from cuflow.backend import counter_rng

    state = fd.device_array(counter_rng.initial_state(5))
    out = counter_rng.uniform_cupy((3, 5), dtype, state)
    assert out.shape == (3, 5) and str(out.dtype) == dtype
    assert [e for e in checker.names()][-1] == "cf_counter_advance"


def _updater(kind, opts, sizes, dtype, nslots):
    """A FusedUpdater with its device tables on host-backed arrays (no uploads)."""
    from cuflow.backend import fused_optim as fo

    u = fo.FusedUpdater.__new__(fo.FusedUpdater)
    u.spec = fo.Spec(kind, opts, [[None] * len(sizes)] * nslots)
    u.dtype = dtype
    u.nt = len(sizes)
    u.device_id = 0
    u.ncols = 2 + max(3, nslots)
    chunks = fo.chunk_table(sizes)
    u.nchunks = chunks.shape[1]
    u.grid = max(1, min(u.nchunks, fd.SM_COUNT * 8))
    u.sumsq_grid = max(1, min(u.nchunks, fd.SM_COUNT * 4))
    u.sizes = fd.device_array(np.asarray(sizes, np.int64))
    u.flags = fd.device_array(np.ones(len(sizes), np.int32))
    u.chunks = fd.device_array(chunks if chunks.size else np.zeros((2, 1), np.int64))
    u.ptrs = fd.device_array(np.zeros(u.ncols * u.nt, np.int64))
    u.scal = fd.device_array(np.zeros(fo.NSCAL, np.float64))
    u.clip_scale = fd.device_array(np.ones(1, dtype))
    u.partial = fd.device_array(np.zeros(u.sumsq_grid, np.float64))
    return u


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,opts,nslots", [
    ("sgd", 0, 0), ("sgd", 8 | 16 | 1 | 4, 1), ("adam", 2 | 4 | 32, 3), ("rmsprop", 8 | 64, 3)])
def test_fused_optimizer_launches(checker, dtype, kind, opts, nslots):
    from cuflow.backend import fused_optim as fo

    sizes = [3, 40000, 0] + [5] * 40  # 43 tensors: two cf_set_pointers launches
    u = _updater(kind, opts, sizes, dtype, nslots)
    grads = [fd.device_array(np.zeros(n, dtype)) for n in sizes]
    u.set_grads(grads)
    u.launch()
    names = checker.names()
    assert names[:2] == ["cf_set_pointers", "cf_set_pointers"]
    ct = fo._CTYPES[dtype]
    tail = ([f"cf_fused_sumsq<{ct}>", f"cf_fused_clip_scale<{ct}>"] if opts & fo.OPT_CLIP
            else []) + [f"cf_fused_{kind}<{ct}>"]
    assert names[2:] == tail
    # the pointer table received every gradient pointer, in order, in column 1
    ptr_args = [a for _, e, _, _, args in checker.launches if e == "cf_set_pointers"
                for a in args[2:2 + int(args[1])]]
    assert [int(p) for p in ptr_args] == [g.data.ptr for g in grads]
    first_dst = checker.launches[0][4][0]
    assert first_dst.data.ptr == u.ptrs.data.ptr + 8 * u.nt


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 4), (5, 3), (64, 32), (3000, 7)])
def test_bias_activation_launches(checker, dtype, shape):
    gk = _gk()
    if not hasattr(gk, "bias_activation_forward"):
        pytest.skip("no fused bias + activation kernels")
    for name in ("relu", "gelu", "sigmoid", "linear"):
        z = fd.device_array(_rand(shape, dtype))
        b = fd.device_array(_rand(shape[-1:], dtype, 1))
        pre, y = gk.bias_activation_forward(name, z, b)
        dy = fd.device_array(_rand(shape, dtype, 2))
        for need_bias in (True, False):
            dz, db = gk.bias_activation_backward(name, pre, y, dy, need_bias=need_bias)
            assert dz.shape == shape and (db is None) != need_bias
    assert all(s in ("bias_act.cu", "reductions.cu") for s, *_ in checker.launches)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,ks,strides,dils,pads", [
    ((2, 9, 3), (3,), (1,), (1,), ((2, 0),)),                         # 1-D causal
    ((2, 7, 6, 4), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),         # 2-D same
    ((1, 8, 9, 3), (2, 3), (2, 1), (1, 2), ((0, 0), (0, 0))),         # strides, dilation
])
def test_window_launches(checker, dtype, x_shape, ks, strides, dils, pads):
    from cuflow.backend import numpy_kernels as nk

    gk = _gk()
    outs = tuple(max((s + pb + pa - (k - 1) * d - 1) // st + 1, 0) for s, k, st, d, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, dils, pads))
    x = fd.device_array(_rand(x_shape, dtype))
    cols = gk.im2col(x, ks, strides, dils, pads, outs)
    assert cols.shape == (x_shape[0] * int(np.prod(outs)), int(np.prod(ks)) * x_shape[-1])
    oc = fd.device_array(_rand((int(np.prod(ks)), cols.shape[0], x_shape[-1]), dtype, 1))
    dx = gk.col2im(oc, x_shape, ks, strides, dils, pads, outs)
    assert dx.shape == x_shape
    assert [s for s, *_ in checker.launches] == ["im2col.cu", "im2col.cu"]
    # the launches were only checked, not run: the twin has the shapes the wrappers allocated
    assert nk.im2col(fd.read(x), ks, strides, dils, pads, outs).shape == cols.shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,ks,strides,pads", [
    ((2, 9, 3), (2,), (2,), ((0, 0),)),
    ((2, 7, 6, 4), (3, 3), (1, 2), ((1, 1), (1, 1))),
])
def test_max_pool_launches(checker, dtype, x_shape, ks, strides, pads):
    gk = _gk()
    outs = tuple(max((s + pb + pa - k) // st + 1, 0) for s, k, st, (pb, pa)
                 in zip(x_shape[1:-1], ks, strides, pads))
    x = fd.device_array(_rand(x_shape, dtype))
    y = gk.max_pool_forward(x, ks, strides, pads, outs)
    g = fd.device_array(_rand(y.shape, dtype, 1))
    dx = gk.max_pool_backward(g, x, y, ks, strides, pads, outs)
    assert y.shape == (x_shape[0],) + outs + (x_shape[-1],) and dx.shape == x_shape
    assert [s for s, *_ in checker.launches] == ["pool.cu", "pool.cu"]
