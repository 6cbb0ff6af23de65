"""``BackupAndRestore``: resume an interrupted ``fit`` where it stopped (Keras semantics).

At each epoch end (or every ``save_freq`` batches) one file ``backup_dir/backup.cuflow-backup``
is replaced atomically: a zip of the weights, the optimizer state and ``state.json`` (the epoch,
the random generators' states as JSON, the SHA-256 of each array member). A process killed at
any moment leaves either the previous backup or the new one, never a mix. On
``on_train_begin`` an existing backup is verified, restored, and the model is told to resume
from the next epoch through ``model.resume_from_epoch`` (read by the training loop).

Random state: the host generator (shuffling, initializers), each backend's counter-based
dropout generator (``bk.rng_state``, restored in place) and the CPU backend's NumPy generator
(Gaussian noise) are saved as JSON, so a resumed CPU run is bit-identical to an uninterrupted
one. CuPy's own generator (Gaussian noise on the GPU) has no portable state and is not saved.

Data-parallel (``cuflow.distribute``): rank 0 writes and deletes the backup; every rank restores
from it, so ``backup_dir`` must be on a filesystem all ranks see. Rank 0 decides whether a backup
exists, and the ranks wait for each other after restoring, so rank 0 never replaces or deletes
the file while another rank still reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile

import numpy as np

from .callback import Callback

BACKUP_NAME = "backup.cuflow-backup"
_MEMBERS = ("state.json", "model.weights.npz", "optimizer.npz")
_STATE_VERSION = 1


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _rng_states():
    """JSON-able states of the generators training draws from (no pickles)."""
    from .. import random as cf_random
    from ..backend.selection import _backends

    states = {"host": cf_random.host_rng().bit_generator.state, "counters": {}}
    for bk in _backends.values():
        gen = getattr(bk, "_rng", None)
        if isinstance(gen, np.random.Generator):  # the NumPy backend; CuPy's is not portable
            states[bk.device] = gen.bit_generator.state
        counter = getattr(bk, "rng_state", None)  # dropout's counter-based generator
        if counter is not None:
            host = bk.to_numpy(counter)
            states["counters"][bk.device] = {"dtype": host.dtype.str,
                                             "values": host.reshape(-1).tolist()}
    return states


def _restore_rng(states):
    from .. import random as cf_random
    from ..backend.selection import _backends

    cf_random.host_rng().bit_generator.state = states["host"]
    counters = states.get("counters") or {}
    for bk in _backends.values():
        gen = getattr(bk, "_rng", None)
        if bk.device in states and isinstance(gen, np.random.Generator):
            gen.bit_generator.state = states[bk.device]
        saved = counters.get(bk.device)
        counter = getattr(bk, "rng_state", None) if saved is not None else None
        if counter is not None:
            values = np.asarray(saved["values"], dtype=np.dtype(saved["dtype"]))
            # in place: a captured CUDA graph holds this array's address
            counter[...] = bk.asarray(values.reshape(counter.shape))


class BackupAndRestore(Callback):
    """``BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True)``.

    ``save_freq``: "epoch", or an int N to also back up every N batches (a run resumed from a
    mid-epoch backup repeats that epoch from its start with the backed-up weights, as Keras).
    ``delete_checkpoint``: remove the backup when ``fit`` finishes normally.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir; received an empty path")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and
                                         not isinstance(save_freq, bool) and save_freq > 0):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive int "
                             f"number of batches; received {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self._current_epoch = 0
        self._batches_seen = 0

    @property
    def backup_path(self):
        return os.path.join(self.backup_dir, BACKUP_NAME)

    # ---- hooks -------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        strategy = self.model.distribute_strategy
        exists = os.path.exists(self.backup_path)
        if strategy.size > 1:
            at_rank0 = strategy.collective.bcast_obj(exists)  # rank 0's view decides
            if at_rank0 and not exists:
                raise FileNotFoundError(f"BackupAndRestore: rank 0 has a backup at "
                                        f"{self.backup_path!r} but rank {strategy.rank} cannot "
                                        f"see it; put backup_dir on a filesystem shared by all "
                                        f"ranks")
            exists = at_rank0
        if exists:
            self.model.resume_from_epoch(self._restore())  # the fit loop starts there
            strategy.fold_rng_after_restore()  # data-parallel: each rank its own dropout stream
        if strategy.size > 1:
            strategy.collective.barrier()  # nobody rewrites the file before all have read it

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            # mid-epoch: resuming repeats this epoch, so record the one before as completed
            self._save(self._current_epoch - 1)

    def on_epoch_end(self, epoch, logs=None):
        self._save(epoch)

    def on_train_end(self, logs=None):
        from ..distribute import is_chief

        # an exception or a kill never reaches here, so the backup survives exactly then
        if self.delete_checkpoint and is_chief(self.model) and os.path.exists(self.backup_path):
            os.remove(self.backup_path)

    # ---- file --------------------------------------------------------------------------------
    def _save(self, completed_epoch):
        from ..distribute import is_chief
        from ..saving import archive, weights

        if not is_chief(self.model):
            return  # data-parallel: identical replicas, rank 0 writes

        os.makedirs(self.backup_dir, exist_ok=True)
        model = self.model
        weights_npz = archive.npz_bytes(weights.collect(model))
        members = [("model.weights.npz", weights_npz, zipfile.ZIP_STORED)]
        state = {"version": _STATE_VERSION, "epoch": int(completed_epoch),
                 "rng": _rng_states(), "weights_sha256": _sha256(weights_npz)}
        opt = getattr(model, "optimizer", None)
        if opt is not None and getattr(opt, "built", False):
            store = {}
            opt.save_own_variables(store)
            opt_npz = archive.npz_bytes(store)
            state["optimizer_sha256"] = _sha256(opt_npz)
            members.append(("optimizer.npz", opt_npz, zipfile.ZIP_STORED))
        text = json.dumps(state).encode("utf-8")
        members.insert(0, ("state.json", text, zipfile.ZIP_DEFLATED))
        archive.atomic_write(self.backup_path, lambda f: archive.write_zip(f, members))

    def _restore(self):
        """Load and verify the backup into the model; returns the epoch to resume from."""
        from ..saving import archive, validate, weights

        what = f"backup {self.backup_path!r}"
        members = archive.read_zip(self.backup_path, what, lambda n: n in _MEMBERS)
        if "state.json" not in members or "model.weights.npz" not in members:
            raise ValueError(f"{what} lacks state.json or model.weights.npz: not a "
                             f"BackupAndRestore file")
        state = validate.parse_json(members["state.json"], f"{what} state.json")
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION or \
                not isinstance(state.get("epoch"), int) or not isinstance(state.get("rng"), dict):
            raise ValueError(f"{what}: unreadable state.json (expected version {_STATE_VERSION} "
                             f"with an int epoch and rng states)")
        epoch = state["epoch"]
        stores = {}
        for member, key in (("model.weights.npz", "weights_sha256"),
                            ("optimizer.npz", "optimizer_sha256")):
            if member in members:
                if state.get(key) != _sha256(members[member]):
                    raise ValueError(f"{what}: {member} does not match its hash in state.json: "
                                     f"the file is corrupt or was modified")
                stores[member] = archive.read_npz(members[member], f"{what} {member}")
        groups = weights.group_arrays(stores["model.weights.npz"], what)
        mine = {path for path, _, vs in weights.weight_groups(self.model) if vs}
        # the same script in a new process gives the same layer names; a model rebuilt in the
        # same process gets fresh auto-names (dense_2), so fall back to layer order + shapes
        load = weights.load_by_path if mine == set(groups) else weights.load_by_order
        load(self.model, groups, what)
        opt = getattr(self.model, "optimizer", None)
        if "optimizer.npz" in stores and opt is not None:
            weights.restore_optimizer(self.model, stores["optimizer.npz"], what, strict=True)
        _restore_rng(state["rng"])
        return epoch + 1
