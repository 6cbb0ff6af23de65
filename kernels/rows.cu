// rows.cu - last-axis kernels over a (rows, n) contiguous matrix: softmax, log_softmax (fwd/bwd),
// logsumexp, row max, row argmax.
//
// Each kernel is a template over the storage type T and a reducer R:
//   R = cf_block_reducer : one block per row (grid-stride over rows), any row length;
//   R = cf_serial_reducer: one thread per row (grid-stride over rows), for short rows.
// The math itself lives in cf_rows.cuh and is shared with the host C++ test build.
#include "cf_rows.cuh"

template <class T, class R>
__global__ void CF_MAX_1024 cf_softmax_fwd(const T* x, T* y, cf_index rows, cf_index n) {
  R r;
  CF_ROWS_LOOP(R) cf_row_softmax(r, x + row * n, y + row * n, n);
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_softmax_bwd(const T* y, const T* dy, T* dx, cf_index rows,
                                           cf_index n) {
  R r;
  CF_ROWS_LOOP(R) cf_row_softmax_bwd(r, y + row * n, dy + row * n, dx + row * n, n);
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_log_softmax_fwd(const T* x, T* y, cf_index rows, cf_index n) {
  R r;
  CF_ROWS_LOOP(R) cf_row_log_softmax(r, x + row * n, y + row * n, n);
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_log_softmax_bwd(const T* y, const T* dy, T* dx, cf_index rows,
                                               cf_index n) {
  R r;
  CF_ROWS_LOOP(R) cf_row_log_softmax_bwd(r, y + row * n, dy + row * n, dx + row * n, n);
}

// Results that are one value per row are written by the row's first thread only.
template <class T, class R>
__global__ void CF_MAX_1024 cf_logsumexp_fwd(const T* x, T* out, cf_index rows, cf_index n) {
  R r;
  CF_ROWS_LOOP(R) {
    T v = cf_from<T>(cf_row_logsumexp(r, x + row * n, n));
    if (!R::per_block || threadIdx.x == 0) out[row] = v;
  }
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_row_max_fwd(const T* x, T* out, cf_index rows, cf_index n) {
  R r;
  CF_ROWS_LOOP(R) {
    T v = cf_from<T>(cf_row_max(r, x + row * n, n));
    if (!R::per_block || threadIdx.x == 0) out[row] = v;
  }
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_row_argmax_fwd(const T* x, long long* out, cf_index rows,
                                              cf_index n) {
  R r;
  CF_ROWS_LOOP(R) {
    cf_index k = cf_row_argmax(r, x + row * n, n);
    if (!R::per_block || threadIdx.x == 0) out[row] = k;
  }
}
