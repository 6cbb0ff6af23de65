"""The multi-tensor optimizer update: its NumPy twin against the per-variable optimizers on the
CPU (identical math, bit for bit without clipping), the table helpers, the counter-based
random numbers, and on a GPU the fused kernels against the per-variable path (eagerly and
replayed from a CUDA graph with changing scalars)."""

from __future__ import annotations

import numpy as np
import pytest

import cuflow as cf
from cuflow import optimizers as opt_mod
from cuflow.backend import counter_rng, fused_optim
from cuflow.tensor import Variable
from cuflow.testing import gpu_available

requires_gpu = pytest.mark.skipif(not gpu_available(), reason="needs a CUDA GPU visible to CuPy")

SHAPES = [(5, 3), (3,), (40000,), (1,), (0,)]

CONFIGS = {
    "sgd": lambda: opt_mod.SGD(0.1),
    "sgd_momentum_wd": lambda: opt_mod.SGD(0.1, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov_clip": lambda: opt_mod.SGD(0.05, momentum=0.8, nesterov=True,
                                             global_clipnorm=0.5),
    "adam": lambda: opt_mod.Adam(0.01),
    "adam_amsgrad_ls": lambda: opt_mod.Adam(0.01, amsgrad=True, loss_scale_factor=8.0),
    "adamw_schedule": lambda: opt_mod.AdamW(
        opt_mod.schedules.ExponentialDecay(0.01, decay_steps=1, decay_rate=0.5),
        weight_decay=0.1),
    "adam_clip": lambda: opt_mod.Adam(0.01, global_clipnorm=1.0),
    "rmsprop": lambda: opt_mod.RMSprop(0.01),
    "rmsprop_momentum_centered": lambda: opt_mod.RMSprop(0.01, momentum=0.9, centered=True),
    "rmsprop_centered": lambda: opt_mod.RMSprop(0.01, centered=True),
}


def _variables(rng, dtype="float32", device="cpu"):
    return [Variable(rng.normal(size=s).astype(dtype), name=f"v{i}", device=device)
            for i, s in enumerate(SHAPES)]


def _grads(rng, dtype="float32"):
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_reference_step_equals_per_variable_optimizer(name):
    rng = np.random.default_rng(0)
    va = _variables(rng)
    vb = [Variable(v.numpy().copy(), name=v.name, device="cpu") for v in va]
    oa, ob = CONFIGS[name](), CONFIGS[name]()
    ob.build(vb)
    ob.exclude_from_weight_decay(var_names=["v1"])
    oa.exclude_from_weight_decay(var_names=["v1"])
    spec, reason = fused_optim.spec_for(ob)
    assert spec is not None, reason
    for _ in range(4):
        grads = _grads(rng)
        oa.apply([g.copy() for g in grads], va)
        scal = fused_optim.scalars_for(ob, spec, ob._current_lr())
        fused_optim.reference_step(spec.kind, spec.opts, [v.data for v in vb], grads,
                                   [[s.data for s in col] for col in spec.slots],
                                   fused_optim.decay_flags(ob), scal)
        ob.iterations.data += 1
    clip = ob.global_clipnorm is not None
    for a, b in zip(va + oa.variables[2:], vb + ob.variables[2:]):
        if clip:  # the norm's summation order differs: last-bit differences only
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-6, atol=1e-7)
        else:
            np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_spec_rejects_what_has_no_kernel():
    v = [Variable(np.ones(3, np.float32), device="cpu")]
    for o, why in [(opt_mod.Adam(clipnorm=1.0), "clipnorm"), (opt_mod.Nadam(), "no fused"),
                   (opt_mod.SGD(clipvalue=1.0), "clipvalue")]:
        o.build(v)
        spec, reason = fused_optim.spec_for(o)
        assert spec is None and why in reason

    class Custom(opt_mod.Adam):
        def _update_step(self, items, lr):
            return super()._update_step(items, lr)

    o = Custom()
    o.build(v)
    assert fused_optim.spec_for(o)[0] is None


def test_chunk_table_covers_every_element_once():
    sizes = [5, 0, 40000, 16384]
    table = fused_optim.chunk_table(sizes, chunk=16384)
    seen = {t: np.zeros(n, int) for t, n in enumerate(sizes)}
    for t, s in table.T:
        seen[t][s:s + 16384] += 1
    assert all((c == 1).all() for c in seen.values())
    assert table.dtype == np.int64 and table.shape == (2, 1 + 3 + 1)


def test_cpu_optimizer_never_takes_the_fused_path(monkeypatch):
    called = []
    monkeypatch.setattr(fused_optim, "try_apply", lambda *a: called.append(1) or True)
    v = Variable(np.ones(3, np.float32), device="cpu")
    o = opt_mod.Adam()
    o.apply([np.ones(3, np.float32)], [v])
    assert not called and not o._fused_last


def test_env_switch_disables(monkeypatch):
    monkeypatch.setenv("CUFLOW_FUSED_OPTIMIZER", "0")
    assert fused_optim.disabled_by_env()


# ---- counter-based random numbers -----------------------------------------------------------

def test_counter_uniform_is_a_function_of_seed_and_counter():
    s1 = counter_rng.initial_state(42)
    a = counter_rng.uniform_numpy((3, 4), "float32", s1)
    assert s1[1] == 12
    b = counter_rng.uniform_numpy((5,), "float32", s1)
    whole = counter_rng.uniform_numpy((17,), "float32", counter_rng.initial_state(42))
    np.testing.assert_array_equal(np.concatenate([a.ravel(), b]), whole)
    assert not np.array_equal(a.ravel(), counter_rng.uniform_numpy(
        (12,), "float32", counter_rng.initial_state(43)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_counter_uniform_range_and_moments(dtype):
    u = counter_rng.uniform_numpy((200000,), dtype, counter_rng.initial_state(7))
    assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
    assert abs(float(u.astype(np.float64).mean()) - 0.5) < 5e-3
    assert abs(float(u.astype(np.float64).var()) - 1 / 12) < 5e-3


def test_counter_uniform_validates():
    with pytest.raises(ValueError, match="shape \\(2,\\)"):
        counter_rng.uniform_numpy((3,), "float32", np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="supports"):
        counter_rng.uniform_numpy((3,), "int32", counter_rng.initial_state(1))


def test_counter_hash_matches_splitmix64():
    # splitmix64 reference (Vigna) for state x: x += golden; z = mix(x)
    def splitmix(x):
        m = (1 << 64) - 1
        z = x & m
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        return z ^ (z >> 31)

    seed, c = 123, 9
    key = splitmix(seed ^ 0x5851F42D4C957F2D)
    want = splitmix((key + c * 0x9E3779B97F4A7C15) & ((1 << 64) - 1))
    assert int(counter_rng.counter_hash(seed, [c])[0]) == want


def test_dropout_masks_reproducible_after_seed():
    x = cf.Tensor(np.ones((4, 8), np.float32))
    cf.utils.set_random_seed(3)
    a = cf.ops.dropout(x, 0.5).numpy()
    b = cf.ops.dropout(x, 0.5).numpy()
    cf.utils.set_random_seed(3)
    assert np.array_equal(cf.ops.dropout(x, 0.5).numpy(), a)
    assert not np.array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 2.0}


# ---- GPU ------------------------------------------------------------------------------------

def _run_pair(name, steps, dtype="float32"):
    """Per-variable (fused disabled) and fused runs of one config on the GPU."""
    rng = np.random.default_rng(1)
    init = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [_grads(rng, dtype) for _ in range(steps)]
    out = []
    for fused in (False, True):
        vs = [Variable(a.copy(), name=f"v{i}", device="gpu:0") for i, a in enumerate(init)]
        o = CONFIGS[name]()
        o._fused_enabled = fused
        o.exclude_from_weight_decay(var_names=["v1"])
        for g in grads:
            o.apply([vs[0]._backend.asarray(x) for x in g], vs)
        assert o._fused_last == fused, getattr(o, "_fused_reason", None)
        out.append([v.numpy() for v in vs + o.variables[2:]])
    return out


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_gpu_fused_equals_per_variable(name):
    per_var, fused = _run_pair(name, 5)
    for a, b in zip(per_var, fused):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.gpu
@requires_gpu
def test_gpu_fused_float64_and_half_fallback():
    per_var, fused = _run_pair("adam", 3, "float64")
    for a, b in zip(per_var, fused):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    v = [Variable(np.ones(3, np.float16), device="gpu:0")]
    o = opt_mod.Adam()
    o.apply([v[0]._backend.asarray(np.ones(3, np.float16))], v)
    assert not o._fused_last


@pytest.mark.gpu
@requires_gpu
def test_gpu_fused_update_replays_in_a_graph_with_new_scalars():
    import cupy as cp

    rng = np.random.default_rng(2)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    g = [cp.asarray(x) for x in _grads(rng)]
    ref = [Variable(a.copy(), device="gpu:0") for a in init]
    oref = CONFIGS["adamw_schedule"]()
    oref._fused_enabled = False
    for _ in range(4):
        oref.apply(g, ref)
    vs = [Variable(a.copy(), device="gpu:0") for a in init]
    o = CONFIGS["adamw_schedule"]()
    o.apply(g, vs)  # eager: builds the tables
    stream = cp.cuda.Stream(non_blocking=True)
    cp.cuda.Device().synchronize()  # the non-blocking stream does not wait for the null one
    with stream:
        it = int(o.iterations.data)
        stream.begin_capture()
        o.apply(g, vs)
        graph = stream.end_capture()
        o.iterations.data[...] = it
        for _ in range(3):
            o._fused_prepare_replay()
            graph.launch(stream)
            o.iterations.data += 1
    stream.synchronize()
    for a, b in zip(ref, vs):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_gpu_counter_uniform_equals_numpy(dtype):
    import cupy as cp

    st_cpu = counter_rng.initial_state(11)
    st_gpu = cp.asarray(st_cpu)
    for shape in [(3, 5), (100003,), (0,)]:
        want = counter_rng.uniform_numpy(shape, dtype, st_cpu)
        got = counter_rng.uniform_cupy(shape, dtype, st_gpu)
        np.testing.assert_array_equal(cp.asnumpy(got), want)
    np.testing.assert_array_equal(cp.asnumpy(st_gpu), st_cpu)


def test_cuda_hash_header_matches_numpy_on_the_host(tmp_path):
    """kernels/cf_random.cuh compiled with g++ gives the NumPy twin's bits."""
    import shutil
    import subprocess

    from cuflow.backend import kernels

    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no C++ compiler")
    src = tmp_path / "h.cpp"
    src.write_text('#include "cf_random.cuh"\n#include <cstdio>\nint main() {\n'
                   '  for (cf_u64 c = 0; c < 5; ++c) {\n'
                   '    cf_u64 h = cf_counter_hash(77ULL, 1000ULL + c);\n'
                   '    printf("%llu %.9g %.17g\\n", h, cf_unit<float>::of(h),'
                   ' cf_unit<double>::of(h));\n  }\n}\n')
    exe = tmp_path / "h"
    subprocess.run([cxx, "-std=c++17", f"-I{kernels.kernels_dir()}", str(src), "-o", str(exe)],
                   check=True, capture_output=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    state = np.array([77, 1000], np.int64)
    h = counter_rng.counter_hash(77, np.arange(1000, 1005, dtype=np.uint64))
    f32 = counter_rng.uniform_numpy((5,), "float32", state.copy())
    f64 = counter_rng.uniform_numpy((5,), "float64", state.copy())
    for i in range(5):
        assert int(lines[3 * i]) == int(h[i])
        assert np.float32(lines[3 * i + 1]) == f32[i]
        assert float(lines[3 * i + 2]) == f64[i]
