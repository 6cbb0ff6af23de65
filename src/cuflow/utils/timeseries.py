"""``timeseries_dataset_from_array``: sliding windows over an array, as Keras."""

from __future__ import annotations

import numpy as np

from .dataset_utils import SampleDataset


class TimeseriesDataset(SampleDataset):
    """Windows ``data[start_index + p + k * sampling_rate]`` (k < sequence_length) for each start
    position ``p``; with targets, ``targets[start_index + p]`` for each window."""

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate,
                 start_index, batch_size, shuffle, seed):
        self._data = data
        self._targets = targets
        self._positions = start_positions
        self._offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self._start = start_index
        super().__init__(len(start_positions), batch_size, shuffle, seed)

    def _load(self, indices):
        pos = self._positions[indices].astype(np.int64) + self._start
        x = self._data[pos[:, None] + self._offsets]
        if self._targets is None:
            return x
        return x, self._targets[pos]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """A dataset of sliding windows over ``data`` (and the matching ``targets``), as
    ``keras.utils.timeseries_dataset_from_array``.

    Window ``i`` starts at ``data[start_index + p_i]`` with ``p_i = i * sequence_stride`` and holds
    ``sequence_length`` steps ``sampling_rate`` apart; its target is ``targets[start_index +
    p_i]``. Only rows in ``[start_index, end_index)`` are used. ``shuffle`` permutes the windows
    with ``np.random.RandomState(seed)`` exactly as Keras; later epochs reshuffle (see
    ``cuflow.utils.dataset_utils``). Returns a cuflow ``Dataset`` of ``(x, y)`` batches (``x``
    alone when ``targets`` is None; single windows when ``batch_size`` is None).
    """
    data = np.asarray(data)
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: "
                         f"sequence_length={sequence_length}")
    start_index = 0 if start_index is None else int(start_index)
    end_index = n if end_index is None else int(end_index)
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets) if isinstance(targets, list) else targets
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    return TimeseriesDataset(data, None if targets is None else np.asarray(targets),
                             start_positions, int(sequence_length), int(sampling_rate),
                             start_index, batch_size, shuffle, seed)
