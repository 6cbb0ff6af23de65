"""``DataParallel``: synchronous data-parallel training, one process per GPU (or CPU), on MPI.

Launch ``mpirun -n N python train.py``; inside, ``with DataParallel().scope():`` build and
compile the model, then ``fit`` as usual. Every rank holds a full replica of the weights. Per
step, each rank runs forward + backward on its rows of the global batch, the gradients are
averaged over the ranks (one bucketed all-reduce per dtype: NCCL between GPUs, MPI between
CPUs) and every rank applies the same update, so the replicas stay identical.

The training loop always calls the hooks of ``model.distribute_strategy``
(``cuflow.trainers.distribution.DefaultStrategy``, which does nothing, outside every scope):
data sharding, ``prepare_fit``, ``reduce_gradients``, metric reduction for the logs, callback
filtering and ``abort_on_error``. ``DataParallel`` overrides them.
"""

from __future__ import annotations

import collections.abc
import contextlib
import logging
import warnings

import numpy as np

from ..trainers import distribution, step
from ..trainers.distribution import DefaultStrategy
from . import _buckets
from ._comm import LocalCollective, MpiCollective, import_mpi, local_rank, report_and_abort
from ._sharding import Shard

log = logging.getLogger("cuflow")

# rank r's dropout seed is rank 0's plus r times this odd constant (mod 2**63): independent
# streams, and rank 0 keeps the seed a one-process run with the same set_seed would use
_RANK_STRIDE = 0x9E3779B97F4A7C15


def get_strategy():
    """The strategy whose ``scope()`` is open, or None."""
    return distribution.scoped_strategy()


def is_chief(model=None) -> bool:
    """Whether this process should write files for ``model``: rank 0, or any process when the
    model is not trained data-parallel."""
    strategy = getattr(model, "distribute_strategy", None) if model is not None else \
        get_strategy()
    return strategy is None or strategy.rank == 0


def fold_seed(seed, rank):
    return (int(seed) + int(rank) * _RANK_STRIDE) & ((1 << 63) - 1)


def _xp_of(arr):
    if isinstance(arr, np.ndarray):
        return np
    import cupy

    return cupy


def _rows(x):
    from ..tree import flatten as _flatten

    leaves = _flatten(x)
    return int(leaves[0].shape[0]) if leaves else 0


class DataParallel(DefaultStrategy):
    """Data-parallel training over every rank of ``MPI.COMM_WORLD`` (spirit of Keras's
    ``MultiWorkerMirroredStrategy``).

    ``device``: "auto" (this rank's GPU, chosen by its local rank, when CuPy sees GPUs; else
    the CPU), "cpu" or "gpu". ``nccl``: "auto" uses NCCL for the gradient all-reduce between
    GPUs when ``cupy.cuda.nccl`` is available, True requires it, False uses MPI (through the
    host). ``comm``: an mpi4py communicator (default ``MPI.COMM_WORLD``) or a collective object
    like ``_comm.MpiCollective``. Without mpi4py and without a launcher, the strategy is a
    single process (size 1).

    Dropout: each rank draws its own masks (rank 0's seed folded with the rank), so every
    sample of the global batch gets an independent mask as in one process, but not the same
    mask bits a one-process run would draw.
    """

    def __init__(self, device="auto", nccl="auto", comm=None):
        if comm is not None and hasattr(comm, "allreduce_sum_"):
            self.collective = comm  # a collective object (tests, other transports)
        elif comm is None and import_mpi() is None:
            self.collective = LocalCollective()
            log.info("cuflow.distribute: mpi4py is not installed; DataParallel runs as a single "
                     "process (pip install 'cuflow[mpi]' and launch with mpirun for more)")
        else:
            self.collective = MpiCollective(comm)
        self.rank, self.size = self.collective.rank, self.collective.size
        self.local_rank = local_rank(getattr(self.collective, "comm", None))
        self.device = self._pick_device(device)
        from ..backend import set_device

        set_device(self.device)  # models built after this, in or out of scope, live here
        self._reducer = self._pick_reducer(nccl)
        self._buffers = {}  # reused every step: no allocation per step after the first
        self._grad_pattern = None  # which gradients are None (for ranks with an empty shard)
        self._warned = set()
        # the shared seed: every rank continues from rank 0's host generator (weight
        # initialisation, iterator seeds, shuffling)
        Shard(self.collective).sync_host_rng()
        if self.size > 1:
            log.info("cuflow.distribute: rank %d of %d on %s (local rank %d)", self.rank,
                     self.size, self.device, self.local_rank)

    # ---- setup -------------------------------------------------------------------------------
    def _pick_device(self, spec):
        from ..backend.selection import _probe_gpu, parse_device

        spec = str(spec).strip().lower()
        if spec not in ("auto", "cpu", "gpu"):
            raise ValueError(f"DataParallel(device=...) must be 'auto', 'cpu' or 'gpu'; received "
                             f"{spec!r} (the GPU index comes from the local rank)")
        if spec == "cpu":
            return "cpu"
        count, why = _probe_gpu()
        if count == 0:
            if spec == "gpu":
                return parse_device("gpu")  # raises DeviceError naming the cause
            return "cpu"
        if self.local_rank >= count:
            warnings.warn(f"cuflow.distribute: local rank {self.local_rank} shares a GPU (this "
                          f"machine has {count}); start at most {count} ranks per machine",
                          stacklevel=3)
        return parse_device(f"gpu:{self.local_rank % count}")

    def _pick_reducer(self, nccl):
        from ._nccl import NcclAllreducer, nccl_available

        if nccl not in (True, False, "auto"):
            raise ValueError(f"DataParallel(nccl=...) must be True, False or 'auto'; received "
                             f"{nccl!r}")
        on_gpu = self.device.startswith("gpu")
        if self.size == 1 or not on_gpu or nccl is False:
            return self.collective
        if not nccl_available():
            if nccl is True:
                raise RuntimeError("DataParallel(nccl=True): cupy.cuda.nccl is not available "
                                   "(install NCCL, e.g. pip install nvidia-nccl-cu12)")
            log.warning("cuflow.distribute: NCCL unavailable; gradients go through MPI on the "
                        "host (slower)")
            return self.collective
        return NcclAllreducer(self.collective, int(self.device.split(":")[1]))

    @contextlib.contextmanager
    def scope(self):
        """Models built and compiled inside train data-parallel
        (``model.distribute_strategy``)."""
        from ..backend import device as device_scope

        distribution.enter_scope(self)
        try:
            with device_scope(self.device):
                yield self
        finally:
            distribution.exit_scope(self)

    @property
    def num_replicas_in_sync(self):
        return self.size

    def __repr__(self):
        return f"<DataParallel rank {self.rank} of {self.size} on {self.device}>"

    # ---- failure -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def abort_on_error(self, what):
        """An exception on this rank ends the whole job (``Abort``) instead of leaving the other
        ranks blocked forever in their next collective."""
        try:
            yield
        except BaseException as exc:
            if self.size == 1:
                raise
            report_and_abort(self.collective, what, exc)
            raise  # not reached: Abort ends the process

    # ---- data --------------------------------------------------------------------------------
    def shard(self, data):
        """Attach this rank's shard to ``ArrayData`` / ``SequenceData`` (None passes)."""
        if data is None or self.size == 1:
            return data
        n = getattr(data, "n", None)
        if n is not None:
            smallest = min(int(data.batch_size), int(n))
            if smallest < self.size:
                raise ValueError(f"DataParallel over {self.size} ranks needs a global batch of "
                                 f"at least {self.size} rows; received batch_size="
                                 f"{data.batch_size} with {n} samples")
        source = getattr(data, "source", None)
        seed = getattr(source, "seed", None)
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            # iterators (ImageDataGenerator.flow) shuffle and augment from their seed: rank 0's
            # makes every rank build the same global batches
            source.seed = int(self.collective.bcast_obj(int(seed)))
            if hasattr(source, "index_array"):
                source.index_array = None  # redrawn from the shared seed
        data.shard = Shard(self.collective)
        return data

    # ---- fit ---------------------------------------------------------------------------------
    def prepare_fit(self, model):
        """Same weights, optimizer state and shared generators on every rank, then the step
        function: ``model.train_step``, or a zero-gradient contribution for an empty shard."""
        self._check_same_model(model)
        if model._overridden("train_step"):
            warnings.warn("cuflow.distribute: this model overrides train_step; its gradients "
                          "are averaged over the ranks only if it calls "
                          "model.distribute_strategy.reduce_gradients(grads, n_rows) before "
                          "optimizer.apply", stacklevel=4)
        self.broadcast_variables(model.weights)
        self._broadcast_optimizer(model)
        self._sync_dropout_rng()

        # the built-in (x, y, sample_weight) step; Keras-style train_step(data) overrides are
        # called by the loop itself and must average their gradients with reduce_gradients
        train = getattr(model, "_train_step", None) or model.train_step

        def step(x, y=None, sample_weight=None):
            if _rows(x) == 0:
                return self._empty_train_step(model)
            return train(x, y, sample_weight)

        return step

    def test_function(self, model, data=None):
        test = getattr(model, "_test_step", None) or model.test_step

        def step(x, y=None, sample_weight=None):
            if _rows(x):  # an empty shard adds nothing to the metric sums
                test(x, y, sample_weight)

        return step

    def _check_same_model(self, model):
        mine = [(tuple(v.shape), str(v.dtype)) for v in model.weights]
        if self.size > 1:
            everyone = self.collective.allgather(mine)
            for r, theirs in enumerate(everyone):
                if theirs != mine:
                    raise ValueError(f"DataParallel: rank {r} built a different model than rank "
                                     f"{self.rank} ({len(theirs)} vs {len(mine)} weights, or "
                                     f"other shapes); every rank must run the same script")

    def broadcast_variables(self, variables):
        """Rank 0's values of ``variables`` everywhere (one host broadcast per dtype)."""
        variables = list(variables)
        if self.size == 1 or not variables:
            return
        arrays = [v.numpy() for v in variables]
        for name, entries, total in _buckets.layout(arrays):
            buf = np.empty(total, dtype=name)
            if self.rank == 0:
                _buckets.pack(np, arrays, entries, buf)
            self.collective.bcast_(buf)
            if self.rank != 0:
                for i, shape, offset, size in entries:
                    variables[i].assign(buf[offset:offset + size].reshape(shape))

    def _broadcast_optimizer(self, model):
        opt = getattr(model, "optimizer", None)
        if opt is None or self.size == 1:
            return
        if not self.collective.bcast_obj(bool(getattr(opt, "built", False))):
            return  # built by the first step, from identical weights on every rank
        if not getattr(opt, "built", False):
            opt.build(model.trainable_weights)
        self._check_counts("optimizer variables", len(opt.variables))
        self.broadcast_variables(opt.variables)

    def _check_counts(self, what, count):
        counts = self.collective.allgather(int(count))
        if len(set(counts)) != 1:
            raise ValueError(f"DataParallel: ranks disagree on the number of {what}: {counts}")

    def _sync_dropout_rng(self):
        """Dropout draws from rank 0's seed folded with the rank: independent masks per rank
        (every sample of the global batch gets its own mask, as in one process)."""
        if self.size == 1:
            return
        bk = self._backend()
        state = getattr(bk, "rng_state", None)
        if state is None:
            return
        host = np.array(bk.to_numpy(state), dtype=np.int64).reshape(-1)
        self.collective.bcast_(host)
        state[...] = bk.asarray(host.reshape(state.shape))
        self.fold_rng_after_restore()

    def fold_rng_after_restore(self):
        """After every rank loaded rank 0's generator state (a backup), give each its own
        dropout stream again; rank 0 keeps its seed."""
        if self.size == 1 or self.rank == 0:
            return
        bk = self._backend()
        state = getattr(bk, "rng_state", None)
        if state is None:
            return
        host = np.array(bk.to_numpy(state), dtype=np.int64).reshape(-1)
        host[0] = fold_seed(host[0], self.rank)
        state[...] = bk.asarray(host.reshape(state.shape))

    def _backend(self):
        from ..backend import get_backend

        return get_backend(self.device)

    def _buffer(self, key, xp, size, dtype):
        buf = self._buffers.get(key)
        if buf is None or buf.size != size or _xp_of(buf) is not xp:
            buf = self._buffers[key] = xp.empty(size, dtype=dtype)
        return buf

    # ---- gradients ---------------------------------------------------------------------------
    def reduce_gradients(self, grads, n_local):
        """Average of every rank's gradients weighted by its rows: ``sum_r n_r g_r / sum_r n_r``.
        Each rank's loss is a mean over its ``n_r`` rows, so this is exactly the gradient of
        the mean loss over the whole global batch, uneven shards included. One all-reduce per
        dtype; the count rides in the last element of each buffer."""
        if self.size == 1:
            return grads
        grads = list(grads)
        self._grad_pattern = [g is None for g in grads]
        out = list(grads)
        for name, entries, total in _buckets.layout(grads):
            xp = _xp_of(grads[entries[0][0]])
            buf = self._buffer(("grads", name), xp, total + 1, name)
            _buckets.pack(xp, grads, entries, buf, scale=float(n_local))
            buf[total] = float(n_local)
            self._reducer.allreduce_sum_(buf)
            body = buf[:total]
            body /= buf[total:]  # device scalar: no host read on the GPU
            _buckets.unpack(body, entries, out)
        return out

    def _empty_train_step(self, model):
        """This rank has no rows in this global batch (its last one, smaller than the number of
        ranks): it still joins the all-reduce, with weight 0, and applies the same update."""
        variables = step.variables_to_train(model)
        pattern = self._grad_pattern or [False] * len(variables)
        grads = [None if skip else v._backend.xp.zeros(v.shape, dtype=v.dtype)
                 for v, skip in zip(variables, pattern)]
        model.optimizer.apply(self.reduce_gradients(grads, 0), variables)

    def sync_non_trainable(self, model):
        """Average float non-trainable weights (BatchNormalization's moving statistics, which
        each rank updates from its own shard) so the replicas are identical at epoch ends."""
        if self.size == 1:
            return
        variables = [v for v in model.non_trainable_weights if v.dtype.kind == "f"]
        arrays = [v.data for v in variables]
        for name, entries, total in _buckets.layout(arrays):
            xp = _xp_of(arrays[entries[0][0]])
            buf = self._buffer(("non_trainable", name), xp, total, name)
            _buckets.pack(xp, arrays, entries, buf, scale=1.0 / self.size)
            self._reducer.allreduce_sum_(buf)
            for i, shape, offset, size in entries:
                variables[i].assign(buf[offset:offset + size].reshape(shape))

    # ---- metrics and callbacks ---------------------------------------------------------------
    def batch_logs(self, named_metrics):
        """Metric results over all ranks (a collective: every rank calls it at the same step);
        values are computed from the summed state when read, as ``LazyLogs``."""
        return ReducedLogs(self._reduce_metric_states(named_metrics))

    def epoch_logs(self, named_metrics):
        return {name: float(value) for name, value in self.batch_logs(named_metrics).items()}

    def _reduce_metric_states(self, named):
        items = sorted(named, key=lambda nm: nm[0])
        arrays, owners = [], []
        for name, metric in items:
            if not _summable(metric):
                if name not in self._warned:
                    self._warned.add(name)
                    warnings.warn(f"cuflow.distribute: metric {name!r} keeps no add_variable "
                                  f"state, so its logged value is rank {self.rank}'s alone",
                                  stacklevel=4)
                owners.append((name, metric, None))
                continue
            state = metric._ensure_state()
            keys = list(metric._specs)
            owners.append((name, metric, (len(arrays), keys)))
            arrays += [state[k] for k in keys]
        reduced = list(arrays)
        if self.size > 1 and arrays:
            for dtype, entries, total in _buckets.layout(arrays):
                xp = _xp_of(arrays[entries[0][0]])
                buf = self._buffer(("metrics", dtype), xp, total, dtype)
                _buckets.pack(xp, arrays, entries, buf)
                self._reducer.allreduce_sum_(buf)
                _buckets.unpack(buf, entries, reduced)
        out = []
        for name, metric, where in owners:
            if where is None:
                out.append((name, metric, None))
            else:
                start, keys = where
                out.append((name, metric, dict(zip(keys, reduced[start:start + len(keys)]))))
        return out

    def any(self, flag):
        """True on every rank when it is True on one (``stop_training`` set by a callback)."""
        return self.collective.any(flag) if self.size > 1 else bool(flag)

    def filter_callbacks(self, callbacks):
        """Callbacks run on every rank (they see identical, reduced logs and so take identical
        decisions: early stopping, learning-rate changes); only rank 0 prints and writes logs."""
        if self.rank == 0:
            return callbacks
        callbacks.callbacks = [c for c in callbacks.callbacks if not _prints(c)]
        callbacks._progbar = None
        return callbacks


# the callbacks that print or write logs, by class name (subclasses included): cuflow.callbacks
# imports this package (is_chief), so this package does not import it back
_PRINTING_CALLBACKS = frozenset({"ProgbarLogger", "CSVLogger"})


def _prints(callback):
    return any(cls.__name__ in _PRINTING_CALLBACKS and cls.__module__.startswith("cuflow.")
               for cls in type(callback).__mro__)


def _summable(metric):
    from ..metrics.base import Metric

    cls = type(metric)
    return bool(getattr(metric, "_specs", None)) and cls.result is Metric.result and \
        cls._result is not Metric._result


class ReducedLogs(collections.abc.Mapping):
    """Metric results from summed state, computed (and cached) on first read."""

    def __init__(self, entries):
        self._entries = entries
        self._cache = {}

    def __getitem__(self, key):
        if key not in self._cache:
            found = [(m, st) for name, m, st in self._entries if name == key]
            if not found:
                raise KeyError(key)
            metric, state = found[0]
            if state is None:
                value = metric.result()
                self._cache[key] = float(value)
            else:
                xp = _xp_of(next(iter(state.values())))
                self._cache[key] = float(xp.asarray(metric._result(xp, state))
                                         .astype(metric.dtype))
        return self._cache[key]

    def __iter__(self):
        return iter([name for name, _, _ in self._entries])

    def __len__(self):
        return len(self._entries)
