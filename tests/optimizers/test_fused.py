"""The multi-tensor update seen from the optimizers (optimizers/fused.py): the declarations it
collects, the scalar vector it builds, the kernels' math (its NumPy oracle) against the
per-variable optimizers on the CPU, bit for bit without clipping, and on a GPU the fused kernels
against the per-variable path (eagerly, and replayed from a CUDA graph with changing scalars)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cuflow import optimizers as opt_mod
from cuflow.backend.cuda import optimizers as device
from cuflow.optimizers import fused
from cuflow.tensor import Variable

from ._fused_reference import reference_step

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
def test_kernel_math_equals_per_variable_optimizer(name):
    rng = np.random.default_rng(0)
    va = _variables(rng)
    vb = [Variable(v.numpy().copy(), name=v.name, device="cpu") for v in va]
    oa, ob = CONFIGS[name](), CONFIGS[name]()
    ob.build(vb)
    ob.exclude_from_weight_decay(var_names=["v1"])
    oa.exclude_from_weight_decay(var_names=["v1"])
    spec, reason = fused.spec_for(ob)
    assert spec is not None, reason
    for _ in range(4):
        grads = _grads(rng)
        oa.apply([g.copy() for g in grads], va)
        scal = fused.scalars_for(ob, ob._current_lr())
        reference_step(spec.kind, spec.opts, [v.data for v in vb], grads,
                       [[s.data for s in col] for col in spec.slots], fused.decay_flags(ob), scal)
        ob.iterations.data += 1
    clip = ob.global_clipnorm is not None
    for a, b in zip(va + oa.variables[2:], vb + ob.variables[2:]):
        if clip:  # the norm's summation order differs: last-bit differences only
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-6, atol=1e-7)
        else:
            np.testing.assert_array_equal(b.numpy(), a.numpy())


def test_spec_adds_the_base_class_options():
    v = [Variable(np.ones(3, np.float32), device="cpu")]
    o = opt_mod.SGD(0.1, momentum=0.5, weight_decay=0.1, loss_scale_factor=2.0,
                    global_clipnorm=1.0)
    o.build(v)
    spec, _ = fused.spec_for(o)
    assert spec.options == {"momentum", "weight_decay", "loss_scale", "global_clipnorm"}
    assert spec.opts == device.OPT_MOMENTUM | device.OPT_WD | device.OPT_LOSS_SCALE | \
        device.OPT_CLIP


def test_scalars_follow_the_kernel_layout():
    o = opt_mod.Adam(0.01, weight_decay=0.5, loss_scale_factor=4.0)
    o.build([Variable(np.ones(2, np.float32), device="cpu")])
    s = fused.scalars_for(o, 0.01)
    assert s.dtype == np.float64 and s.shape == (device.NSCAL,)
    assert s[device.S_LR] == 0.01 and s[device.S_WD_KEEP] == pytest.approx(1 - 0.5 * 0.01)
    assert s[device.S_LOSS_SCALE] == 4.0 and s[device.S_CLIP] == 0.0
    alpha = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
    assert s[device.S_K0:] == pytest.approx([alpha, 0.1, 0.001, 1e-7])


def test_spec_rejects_what_has_no_kernel():
    v = [Variable(np.ones(3, np.float32), device="cpu")]
    for o, why in [(opt_mod.Adam(clipnorm=1.0), "clipnorm"), (opt_mod.Nadam(), "no fused"),
                   (opt_mod.SGD(clipvalue=1.0), "clipvalue")]:
        o.build(v)
        spec, reason = fused.spec_for(o)
        assert spec is None and why in reason
    assert fused.spec_for(opt_mod.Adam())[1] == "optimizer not built"

    class Custom(opt_mod.Adam):
        def _update_step(self, items, lr):
            return super()._update_step(items, lr)

    o = Custom()
    o.build(v)
    assert fused.spec_for(o)[0] is None

    class Declared(opt_mod.Adam):  # inherits Adam's update and its declaration: still fused
        pass

    o = Declared()
    o.build(v)
    assert fused.spec_for(o)[0].kind == "adam"


def test_decay_flags_follow_the_exclusions():
    vs = [Variable(np.ones(2, np.float32), name=n, device="cpu") for n in ("kernel", "bias")]
    o = opt_mod.AdamW(0.01)
    o.build(vs)
    o.exclude_from_weight_decay(var_names=["bias"])
    np.testing.assert_array_equal(fused.decay_flags(o), [1, 0])


def test_cpu_optimizer_never_takes_the_fused_path(monkeypatch):
    called = []
    monkeypatch.setattr(fused, "try_apply", lambda *a: called.append(1) or True)
    v = Variable(np.ones(3, np.float32), device="cpu")
    o = opt_mod.Adam()
    o.apply([np.ones(3, np.float32)], [v])
    assert not called and not o._fused_last


def test_env_switch_disables(monkeypatch):
    monkeypatch.setenv("CUFLOW_FUSED_OPTIMIZER", "0")
    assert fused.disabled_by_env()
    monkeypatch.setenv("CUFLOW_FUSED_OPTIMIZER", "1")
    assert not fused.disabled_by_env()


class _HostUpdater:
    """Stands in for the device updater: records what the optimizer side hands over and runs
    the kernels' math (the oracle) on the host arrays it receives."""

    made = []

    def __init__(self, kind, options, sizes, flags, dtype, nslots):
        self.args = (kind, options, list(sizes), list(flags), dtype, nslots)
        self.written = []
        _HostUpdater.made.append(self)

    def step(self, params, grads, slots, scalars):
        assert len(slots) == self.args[5] and all(len(c) == len(params) for c in slots)
        reference_step(self.args[0], self.args[1], params, grads, slots, self.args[3], scalars)

    def write_scalars(self, values):
        self.written.append(values)


@pytest.fixture
def host_fused(monkeypatch):
    """The fused path on CPU variables: the glue of optimizers/fused.py runs for real."""
    import contextlib

    from cuflow.backend.numpy.backend import NumpyBackend

    _HostUpdater.made = []
    monkeypatch.setattr(device, "FusedUpdater", _HostUpdater)
    monkeypatch.setattr(fused, "_gpu_backend", lambda variables: variables[0]._backend)
    monkeypatch.setattr(NumpyBackend, "_on_device", lambda self: contextlib.nullcontext(),
                        raising=False)
    monkeypatch.setattr(opt_mod.Optimizer, "_try_fused",
                        lambda self, items: fused.try_apply(self, items))
    return _HostUpdater


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam_amsgrad_ls", "rmsprop_centered"])
def test_fused_glue_hands_the_updater_what_the_kernels_need(host_fused, name):
    rng = np.random.default_rng(3)
    va = _variables(rng)
    vb = [Variable(v.numpy().copy(), name=v.name, device="cpu") for v in va]
    oa, ob = CONFIGS[name](), CONFIGS[name]()
    for o in (oa, ob):
        o.exclude_from_weight_decay(var_names=["v1"])
    oa._fused_enabled = False  # the per-variable path
    for _ in range(3):
        grads = _grads(rng)
        oa.apply([g.copy() for g in grads], va)
        ob.apply([g.copy() for g in grads], vb)
        assert ob._fused_last and not oa._fused_last
    (updater,) = host_fused.made  # built once, at the first step
    kind, options, sizes, flags, dtype, nslots = updater.args
    spec, _ = fused.spec_for(ob)
    assert (kind, options, nslots) == (spec.kind, spec.opts, len(spec.slots))
    assert sizes == [int(np.prod(s)) for s in SHAPES] and dtype == "float32"
    assert flags == [1, 0, 1, 1, 1]  # v1 is excluded from weight decay
    for a, b in zip(va + oa.variables[2:], vb + ob.variables[2:]):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    fused.prepare_replay(ob)  # a replay writes the scalars of the next step
    np.testing.assert_array_equal(updater.written[-1], fused.scalars_for(ob, ob._current_lr()))


def test_ineligible_optimizer_is_remembered_with_its_reason(host_fused):
    v = [Variable(np.ones(3, np.float16), device="cpu")]
    o = opt_mod.Adam()
    o.apply([np.ones(3, np.float16)], v)
    assert o._fused is False and "float16" in o._fused_reason and not o._fused_last
    n = opt_mod.Nadam()
    n.apply([np.ones(3, np.float16)], [Variable(np.ones(3, np.float16), device="cpu")])
    assert n._fused_reason == "Nadam has no fused kernel"
    assert host_fused.made == []


# ---- GPU ------------------------------------------------------------------------------------

def _run_pair(name, steps, dtype="float32"):
    """Per-variable (fused disabled) and fused runs of one config on the GPU."""
    rng = np.random.default_rng(1)
    init = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [_grads(rng, dtype) for _ in range(steps)]
    out = []
    for use_fused in (False, True):
        vs = [Variable(a.copy(), name=f"v{i}", device="gpu:0") for i, a in enumerate(init)]
        o = CONFIGS[name]()
        o._fused_enabled = use_fused
        o.exclude_from_weight_decay(var_names=["v1"])
        for g in grads:
            o.apply([vs[0]._backend.asarray(x) for x in g], vs)
        assert o._fused_last == use_fused, getattr(o, "_fused_reason", None)
        out.append([v.numpy() for v in vs + o.variables[2:]])
    return out


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_gpu_fused_equals_per_variable(name):
    per_var, fast = _run_pair(name, 5)
    for a, b in zip(per_var, fast):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.gpu
def test_gpu_fused_float64_and_half_fallback():
    per_var, fast = _run_pair("adam", 3, "float64")
    for a, b in zip(per_var, fast):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    v = [Variable(np.ones(3, np.float16), device="gpu:0")]
    o = opt_mod.Adam()
    o.apply([v[0]._backend.asarray(np.ones(3, np.float16))], v)
    assert not o._fused_last and "float16" in o._fused_reason


@pytest.mark.gpu
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
