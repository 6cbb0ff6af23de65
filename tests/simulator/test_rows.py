"""``kernels/rows.cu`` run by the simulator through ``backend/cuda/rows.py`` against
``backend/numpy/rows.py``: one thread per short row, blocks of 32 to 1024 threads per long row
(every block width, rows wider than four blocks), more rows than blocks (the grid-stride row
loop), NaN / +-inf / huge / all -inf rows, misaligned starts, every dtype."""

from __future__ import annotations

import pytest

from cuflow.backend.cuda import rows as gk
from cuflow.backend.numpy import rows as nk

from ._twin import DTYPES, ROW_WIDTHS, assert_twin, both, get, put, row_values

# with one SM, a 1024-thread row kernel gets 2 blocks, a 32-thread one 64: 70 rows wrap
ROWS = {1: 300, 16: 300, 17: 70, 33: 70, 129: 20, 257: 9, 1000: 6, 4097: 5}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", ROW_WIDTHS)
def test_rows(sim, n, dtype):
    rows = ROWS[n]
    x = row_values(rows, n, dtype, seed=n)
    dy = row_values(rows, n, dtype, seed=n + 1)[::-1].copy()
    dy[~(abs(dy) < 1e3)] = 0.5
    for xd in both(x) if n in (17, 1000) else [put(x)]:
        assert_twin(get(gk.softmax_forward(xd)), nk.softmax_forward(x), dtype)
        assert_twin(get(gk.log_softmax_forward(xd)), nk.log_softmax_forward(x), dtype)
        assert_twin(get(gk.logsumexp(xd)), nk.logsumexp(x), dtype)
        assert_twin(get(gk.row_max(xd)), nk.row_max(x), dtype)
        assert (get(gk.row_argmax(xd)) == nk.row_argmax(x)).all()
    y, ly = nk.softmax_forward(x), nk.log_softmax_forward(x)
    assert_twin(get(gk.softmax_backward(put(y), put(dy))), nk.softmax_backward(y, dy), dtype)
    assert_twin(get(gk.log_softmax_backward(put(ly), put(dy))), nk.log_softmax_backward(ly, dy),
                dtype)
    want = "cf_thread_r" if n <= 16 else "cf_block_r"
    assert all(want in e for e in sim.names())


def test_empty_batch_launches_nothing(sim):
    x = row_values(0, 5, "float32", 0)
    assert get(gk.softmax_forward(put(x))).shape == (0, 5)
    assert sim.launches == []
