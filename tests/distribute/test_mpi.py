"""Real MPI jobs (``mpirun -n 2`` / ``-n 3`` on the CPU) against one-process references.

Each job runs ``_mpi_worker.py``; the references train in this process with the same builders.
Skipped with a reason when mpi4py or mpirun is missing (``ci/cpu.sh`` installs both).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import cuflow
from cuflow.distribute._launch import mpi_missing_reason, mpirun_argv, mpirun_env

from . import _mpi_worker as worker

REASON = mpi_missing_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"MPI tests need MPI: {REASON}")

WORKER = Path(__file__).with_name("_mpi_worker.py")
SRC = str(Path(cuflow.__file__).resolve().parents[1])
RTOL, ATOL = 1e-5, 1e-6  # float32: the ranks sum the batch in another order


def launch(n, scenario, outdir, timeout=60):
    argv = mpirun_argv(n) + [sys.executable, str(WORKER), scenario, str(outdir)]
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=mpirun_env(SRC))
    return proc, time.monotonic() - start


def ok(proc):
    assert proc.returncode == 0, f"mpirun failed ({proc.returncode}):\n{proc.stdout}\n" \
                                 f"{proc.stderr}"


def load(outdir, name, rank):
    with np.load(Path(outdir) / f"{name}-rank{rank}.npz") as d:
        return {k: d[k] for k in d.files}


def weights(d):
    return [d[f"w{i}"] for i in range(sum(k.startswith("w") for k in d))]


def assert_same_training(got, model, history):
    for a, b in zip(weights(got), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    for key, values in history.items():
        np.testing.assert_allclose(got[f"h_{key}"], values, rtol=RTOL, atol=ATOL, err_msg=key)


@pytest.fixture(scope="module")
def equiv_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("equiv")
    proc, _ = launch(2, "equiv", out)
    ok(proc)
    return out


@pytest.mark.parametrize("case", ["plain", "shuffled", "flow"])
def test_two_ranks_match_one_process(equiv_run, case):
    """Same global batches (batch 64 over 2 ranks; 200 rows so the last batch is 8) give the
    same weights, train metrics and validation metrics as one process."""
    model, history = worker.fit_case(case, contextlib.nullcontext())
    for rank in (0, 1):
        assert_same_training(load(equiv_run, case, rank), model, history)
    # evaluate() shards too and sums the metric states over the ranks
    ref = model.evaluate(*worker.dataset(n=50, seed=1, image=case == "flow"),
                         batch_size=64, verbose=0, return_dict=True)
    got = load(equiv_run, case, 1)
    np.testing.assert_allclose(got["eval_loss"], ref["loss"], rtol=RTOL)
    np.testing.assert_allclose(got["eval_accuracy"], ref["accuracy"], rtol=RTOL)


def test_each_rank_trains_on_half_of_each_global_batch(equiv_run):
    for rank in (0, 1):
        rows = load(equiv_run, "plain", rank)["rows"]
        np.testing.assert_array_equal(rows, [32, 32, 32, 4] * 3)


def test_shuffle_changes_the_result(equiv_run):
    """The shuffled case really shuffled (otherwise its equivalence test proves nothing)."""
    plain, shuffled = load(equiv_run, "plain", 0), load(equiv_run, "shuffled", 0)
    assert not np.allclose(plain["w0"], shuffled["w0"])


def test_model_checkpoint_written_once_by_rank_zero(equiv_run):
    for case in ("plain", "shuffled", "flow"):
        files = sorted(p.name for p in Path(equiv_run).glob(f"{case}-ckpt-*"))
        assert files == [f"{case}-ckpt-{e}.weights.npz" for e in (1, 2, 3)]
    # the last checkpoint holds the final (identical) weights
    model = worker.build_model()
    model.load_weights(str(Path(equiv_run) / "plain-ckpt-3.weights.npz"))
    for a, b in zip(model.get_weights(), weights(load(equiv_run, "plain", 0))):
        np.testing.assert_array_equal(a, b)


def test_uneven_last_batch_with_an_empty_shard(tmp_path):
    """130 rows, batch 64, 3 ranks: the last global batch has 2 rows, so rank 2 joins the
    all-reduce with weight 0; the result still equals one process."""
    proc, _ = launch(3, "uneven", tmp_path)
    ok(proc)
    assert proc.stdout.count("Epoch 1/3") == 1  # verbose=2: rank 0 alone prints
    model, history = worker.fit_case("shuffled", contextlib.nullcontext(), n=130)
    for rank, rows in enumerate(([22, 22, 1], [21, 21, 1], [21, 21, 0])):
        got = load(tmp_path, "uneven", rank)
        np.testing.assert_array_equal(got["rows"], rows * 3)
        assert_same_training(got, model, history)


def test_dropout_masks_differ_across_ranks_weights_do_not(tmp_path):
    proc, _ = launch(2, "dropout", tmp_path)
    ok(proc)
    a, b = load(tmp_path, "dropout", 0), load(tmp_path, "dropout", 1)
    assert not np.array_equal(a["mask"], b["mask"])
    for wa, wb in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(wa, wb)


def test_a_failing_rank_ends_the_job_and_all_ranks_resume(tmp_path):
    """Rank 1 raises in epoch 3: the whole job exits non-zero promptly with the rank named.
    A second job resumes every rank from rank 0's backup and ends where an uninterrupted
    one-process run ends."""
    proc, elapsed = launch(2, "fail", tmp_path)
    assert proc.returncode != 0
    assert elapsed < 30, f"the job took {elapsed:.1f}s to end after a rank failed"
    assert "cuflow: rank 1 failed in fit: RuntimeError: injected failure" in proc.stderr
    assert (tmp_path / "backup" / "backup.cuflow-backup").exists()

    proc, _ = launch(2, "resume", tmp_path)
    ok(proc)
    model, history = worker.fit_case("shuffled", contextlib.nullcontext(), epochs=4)
    for rank in (0, 1):
        got = load(tmp_path, "resume", rank)
        np.testing.assert_array_equal(got["epochs"], [2, 3])  # resumed after epoch 2 (0-based 1)
        for a, b in zip(weights(got), model.get_weights()):
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    assert not (tmp_path / "backup" / "backup.cuflow-backup").exists()  # rank 0 cleaned up


def test_a_killed_rank_ends_the_job(tmp_path):
    proc, elapsed = launch(2, "kill", tmp_path)
    assert proc.returncode != 0
    assert elapsed < 30, f"the job took {elapsed:.1f}s to end after a rank was killed"
    assert not any(tmp_path.glob("kill-rank*.npz"))  # no rank finished training
