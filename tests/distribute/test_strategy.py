"""``DataParallel`` without MPI: sharding, buckets, weighting, NCCL call shapes (with a fake
``cupy.cuda.nccl``), metric reduction, failure handling. Always runs (real MPI jobs:
``test_mpi.py``)."""

from __future__ import annotations

import contextlib
import ctypes
import io
import sys

import numpy as np
import pytest

import cuflow
from cuflow import callbacks, layers, metrics
from cuflow.distribute import (
    DataParallel,
    _buckets,
    _comm,
    _nccl,
    fold_seed,
    get_strategy,
    is_chief,
)
from cuflow.distribute._sharding import shard_bounds
from cuflow.models import Sequential
from cuflow.random import set_seed
from cuflow.trainers.distribution import DEFAULT


class FakeCollective:
    """Rank ``rank`` of ``size``; ``peers(buf)`` is what the other ranks add to an all-reduce
    (default: identical buffers, so the sum is ``size * buf``)."""

    def __init__(self, size=2, rank=0, peers=None):
        self.size, self.rank, self.peers = size, rank, peers
        self.aborted = None

    def allreduce_sum_(self, buf):
        if self.peers is None:
            buf *= self.size
        else:
            buf += self.peers(buf.copy())
        return buf

    def bcast_obj(self, obj):
        return obj

    def bcast_(self, buf):
        return buf

    def allgather(self, obj):
        return [obj] * self.size

    def any(self, flag):
        return bool(flag)

    def barrier(self):
        pass

    def abort(self, code=1):
        self.aborted = code


@pytest.fixture
def keep_device():
    before = cuflow.get_device()
    yield
    cuflow.set_device(before)


def strategy_with(collective):
    return DataParallel(device="cpu", comm=collective)


# ---- sharding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rows,size", [(64, 2), (8, 3), (2, 3), (0, 2), (130, 7), (5, 5)])
def test_shards_cover_the_batch_once_and_differ_by_at_most_one_row(rows, size):
    parts = [shard_bounds(10, 10 + rows, r, size) for r in range(size)]
    assert parts[0][0] == 10 and parts[-1][1] == 10 + rows
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))  # contiguous, in rank order
    sizes = [hi - lo for lo, hi in parts]
    assert max(sizes) - min(sizes) <= 1 and sorted(sizes, reverse=True) == sizes


def test_global_batch_smaller_than_world_is_refused(keep_device):
    from cuflow.trainers.data_adapters import ArrayData

    strategy = strategy_with(FakeCollective(size=4))
    data = ArrayData(np.zeros((10, 2), np.float32), np.zeros(10), batch_size=2)
    with pytest.raises(ValueError, match="global batch of at least 4 rows"):
        strategy.shard(data)


def test_sharded_array_data_yields_this_ranks_rows(keep_device):
    from cuflow.trainers.data_adapters import ArrayData

    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    data = ArrayData(x, None, batch_size=4)
    strategy_with(FakeCollective(size=3, rank=1)).shard(data)
    got = [b[0].numpy().ravel().tolist() for b in data.batches()]
    assert got == [[2.0], [6.0], [9.0]]  # batches [0..3] [4..7] [8, 9] -> rows 1 of 2-1-1 / 1-1-0


# ---- buckets and gradient weighting ----------------------------------------------------------
def test_layout_groups_by_dtype_and_skips_none():
    arrays = [np.ones((2, 3), np.float32), None, np.ones(4, np.float64), np.ones(5, np.float32)]
    lay = _buckets.layout(arrays)
    assert [(name, total) for name, _, total in lay] == [("float32", 11), ("float64", 4)]
    name, entries, total = lay[0]
    buf = _buckets.pack(np, [a * (i + 1) if a is not None else None
                             for i, a in enumerate(arrays)], entries, np.empty(total, name))
    out = _buckets.unpack(buf, entries, [None] * 4)
    np.testing.assert_array_equal(out[0], np.ones((2, 3)) * 1)
    np.testing.assert_array_equal(out[3], np.ones(5) * 4)
    assert out[1] is None and out[2] is None


def test_gradients_are_weighted_by_shard_rows(keep_device):
    """Rank 0 has 3 rows, its peer 1 row: the result is (3 g0 + 1 g1) / 4 per dtype, and
    None gradients stay None."""
    g0 = [np.full((2, 2), 1.0, np.float32), None, np.full(3, 10.0, np.float64)]
    g1 = [np.full((2, 2), 5.0, np.float32), None, np.full(3, 2.0, np.float64)]

    def peers(buf):  # the peer's packed buffer: its gradients times its 1 row, then the count
        which = 0 if buf.dtype == np.float32 else 2
        return np.concatenate([g1[which].ravel() * 1.0, [1.0]]).astype(buf.dtype)

    strategy = strategy_with(FakeCollective(peers=peers))
    out = strategy.reduce_gradients(g0, 3)
    np.testing.assert_allclose(out[0], np.full((2, 2), (3 * 1.0 + 5.0) / 4))
    np.testing.assert_allclose(out[2], np.full(3, (3 * 10.0 + 2.0) / 4))
    assert out[1] is None and out[0].dtype == np.float32 and out[2].dtype == np.float64


def test_empty_shard_contributes_zeros_with_weight_zero(keep_device):
    seen = []

    def peers(buf):
        seen.append(buf.copy())
        return np.concatenate([np.full(buf.size - 1, 8.0), [2.0]]).astype(buf.dtype)

    strategy = strategy_with(FakeCollective(peers=peers))
    with strategy.scope():
        model = Sequential([layers.Input((2,)), layers.Dense(1, use_bias=False)])
        model.compile(optimizer="sgd", loss="mse")
    model.trainable_weights[0].assign(np.zeros((2, 1), np.float32))
    strategy._grad_pattern = [False]
    strategy._empty_train_step(model)
    np.testing.assert_array_equal(seen[0], [0.0, 0.0, 0.0])  # zeros and a row count of 0
    # the peers packed sum(n_r g_r) = 8 over 2 rows: gradient 4, SGD(0.01) moves by -0.04
    np.testing.assert_allclose(model.get_weights()[0], np.full((2, 1), -0.04), rtol=1e-6)


def test_batchnorm_statistics_are_averaged_at_epoch_ends(keep_device):
    strategy = strategy_with(FakeCollective(peers=lambda buf: np.full_like(buf, 1.0)))
    with strategy.scope():
        model = Sequential([layers.Input((2,)), layers.BatchNormalization()])
    before = [w.numpy().copy() for w in model.non_trainable_weights]
    strategy.sync_non_trainable(model)
    for w, old in zip(model.non_trainable_weights, before):  # (ours + the peer's 2.0) / 2
        np.testing.assert_allclose(w.numpy(), old / 2 + 1.0, rtol=1e-6)


# ---- NCCL (CPU-side logic with a fake cupy.cuda.nccl) ---------------------------------------
class FakeNccl:
    NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64, NCCL_INT32, NCCL_INT64 = 6, 7, 8, 2, 4
    NCCL_SUM = 0
    calls = []

    @staticmethod
    def get_unique_id():
        return (1, 2, 3)

    class NcclCommunicator:
        def __init__(self, ndev, uid, rank):
            FakeNccl.calls.append(("init", ndev, uid, rank))

        def allReduce(self, send, recv, count, dtype, op, stream):
            FakeNccl.calls.append(("allReduce", send, recv, count, dtype, op, stream))
            ctype = {7: ctypes.c_float, 8: ctypes.c_double}[dtype]
            view = np.ctypeslib.as_array((ctype * count).from_address(recv))
            view *= 2  # two ranks with identical buffers

        def destroy(self):
            FakeNccl.calls.append(("destroy",))


class FakeCupy:
    class cuda:
        class Device:
            def __init__(self, index):
                self.index = index

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        @staticmethod
        def get_current_stream():
            return type("Stream", (), {"ptr": 1234})()


class DeviceArray(np.ndarray):
    """A NumPy array with CuPy's ``.data.ptr``, for the fake NCCL."""

    @property
    def data(self):
        return type("Mem", (), {"ptr": self.ctypes.data})()


def test_nccl_allreduce_passes_pointer_count_dtype_and_stream():
    FakeNccl.calls.clear()
    reducer = _nccl.NcclAllreducer(FakeCollective(), 0, nccl=FakeNccl, cupy=FakeCupy)
    assert FakeNccl.calls[0] == ("init", 2, (1, 2, 3), 0)
    buf = np.arange(5, dtype=np.float32).view(DeviceArray)
    reducer.allreduce_sum_(buf)
    _, send, recv, count, dtype, op, stream = FakeNccl.calls[1]
    assert send == recv == buf.ctypes.data and count == 5
    assert (dtype, op, stream) == (FakeNccl.NCCL_FLOAT32, FakeNccl.NCCL_SUM, 1234)
    np.testing.assert_array_equal(np.asarray(buf), np.arange(5) * 2)
    reducer.close()
    assert FakeNccl.calls[-1] == ("destroy",)


def test_nccl_dtype_mapping_and_refusals():
    assert _nccl.nccl_dtype(FakeNccl, np.float16) == FakeNccl.NCCL_FLOAT16
    assert _nccl.nccl_dtype(FakeNccl, "float64") == FakeNccl.NCCL_FLOAT64
    with pytest.raises(TypeError, match="complex64"):
        _nccl.nccl_dtype(FakeNccl, np.complex64)
    reducer = _nccl.NcclAllreducer(FakeCollective(), 0, nccl=FakeNccl, cupy=FakeCupy)
    strided = np.zeros(8, np.float32).view(DeviceArray)[::2]
    with pytest.raises(ValueError, match="contiguous"):
        reducer.allreduce_sum_(strided)


def test_gradients_averaged_through_nccl(keep_device):
    strategy = strategy_with(FakeCollective())
    strategy._reducer = _nccl.NcclAllreducer(strategy.collective, 0, nccl=FakeNccl,
                                             cupy=FakeCupy)
    strategy._buffers[("grads", "float32")] = np.empty(5, np.float32).view(DeviceArray)
    out = strategy.reduce_gradients([np.full((2, 2), 3.0, np.float32)], 16)
    np.testing.assert_allclose(np.asarray(out[0]), np.full((2, 2), 3.0))


# ---- metrics, callbacks, rng, failure ---------------------------------------------------------
def test_metric_states_are_summed_before_the_result(keep_device):
    mean = metrics.Mean(name="loss")
    mean.update_state(np.array([1.0, 3.0], np.float32))  # total 4, count 2 on this rank
    # the peer has total 20 over 2 samples (state order: total, count): mean 24 / 4
    strategy = strategy_with(FakeCollective(peers=lambda buf: np.array([20.0, 2.0])))
    logs = strategy.epoch_logs([("loss", mean)])
    assert logs == {"loss": 6.0}
    assert float(mean.result()) == 2.0  # the local state is untouched


def test_rank_one_runs_callbacks_but_does_not_print(keep_device, tmp_path):
    strategy = strategy_with(FakeCollective(rank=1))
    csv = callbacks.CSVLogger(str(tmp_path / "log.csv"))
    early = callbacks.EarlyStopping()
    cbs = callbacks.CallbackList([csv, early], add_history=True, add_progbar=True)
    kept = strategy.filter_callbacks(cbs).callbacks
    assert early in kept and csv not in kept
    assert not any(isinstance(c, callbacks.ProgbarLogger) for c in kept)


def test_dropout_seeds_fold_the_rank():
    assert fold_seed(123, 0) == 123
    seeds = {fold_seed(123, r) for r in range(64)}
    assert len(seeds) == 64 and all(0 <= s < 2**63 for s in seeds)


def test_an_exception_prints_the_rank_and_aborts(keep_device, monkeypatch):
    collective = FakeCollective(rank=1)
    strategy = strategy_with(collective)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(KeyError):  # the fake Abort returns; MPI's never does
        with strategy.abort_on_error("fit"):
            raise KeyError("missing")
    assert collective.aborted == 1
    assert "cuflow: rank 1 failed in fit: KeyError: 'missing'" in err.getvalue()


def test_one_process_strategy_trains_like_no_strategy(keep_device):
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    results = []
    for strategy in (None, strategy_with(_comm.LocalCollective())):
        set_seed(1)
        scope = strategy.scope() if strategy else contextlib.nullcontext()
        with scope:
            model = Sequential([layers.Input((3,)), layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
        assert model.distribute_strategy is (strategy or DEFAULT)
        assert get_strategy() is None and is_chief(model)
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        with pytest.raises(ZeroDivisionError):  # one process: errors propagate unchanged
            with strategy.abort_on_error("fit") if strategy else contextlib.nullcontext():
                raise ZeroDivisionError
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_launcher_environment(monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "3")
    assert _comm.local_rank() == 3
    monkeypatch.delenv("OMPI_COMM_WORLD_LOCAL_RANK")
    monkeypatch.setenv("MPI_LOCALRANKID", "1")
    assert _comm.local_rank() == 1
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if not installed
    monkeypatch.delenv("OMPI_COMM_WORLD_SIZE", raising=False)
    monkeypatch.delenv("PMI_SIZE", raising=False)
    monkeypatch.delenv("PMIX_SIZE", raising=False)
    assert _comm.import_mpi() is None
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    with pytest.raises(ImportError, match=r"cuflow\[mpi\]"):
        _comm.import_mpi()


def test_subclasses_of_the_printing_callbacks_are_quiet_on_other_ranks(keep_device, tmp_path):
    class MyBar(callbacks.ProgbarLogger):
        pass

    class Printer(callbacks.Callback):  # a user's own: runs on every rank
        pass

    strategy = strategy_with(FakeCollective(rank=2, size=3))
    mine, theirs = MyBar(), Printer()
    cbs = callbacks.CallbackList([mine, theirs])
    assert strategy.filter_callbacks(cbs).callbacks == [theirs]
    rank0 = strategy_with(FakeCollective(rank=0, size=3))
    cbs = callbacks.CallbackList([mine, theirs])
    assert rank0.filter_callbacks(cbs).callbacks == [mine, theirs]
