"""Data-parallel training over MPI ranks (NCCL between GPUs): ``cuflow.distribute.DataParallel``.

    strategy = cuflow.distribute.DataParallel()
    with strategy.scope():
        model = build_model()
        model.compile(...)
    model.fit(x, y, batch_size=256)     # 256 = the global batch, split over the ranks

Launched with ``mpirun -n N python train.py``. Importing this package never imports mpi4py;
``DataParallel()`` does (and runs as a single process without it).
"""

from .strategy import DataParallel, fold_seed, get_strategy, is_chief

__all__ = ["DataParallel", "get_strategy", "is_chief", "fold_seed"]
