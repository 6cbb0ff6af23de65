// losses.cu - fused loss kernels: one launch writes the per-sample loss (one value per row of the
// (rows, n) y_pred matrix) and, when write_grad != 0, d(loss)/d(y_pred). There is no separate
// _bwd kernel for losses: the gradient falls out of the forward pass for free.
//
// Kernels are templates over the storage type T and the reducer R (cf_block_r: one block per
// row; cf_thread_r: one thread per row for short rows); the math is in cf_losses.cuh.
#include "cf_losses.cuh"

// Elementwise losses. `binary_flag` (nullable) points to a device int set when the whole batch
// of labels is in {0, 1}; hinge losses then map t -> 2t - 1 without a host round-trip.
#define CF_ELEM_LOSS_KERNEL(name)                                                            \
  template <class T, class R>                                                                \
  __global__ void CF_MAX_1024 cf_##name##_fwd(                                               \
                                  const T* t, const T* p, T* loss, T* grad, cf_index rows,   \
                                  cf_index n, double delta, double ls_a, double ls_b,        \
                                  int write_grad, const int* binary_flag) {                  \
    R r;                                                                                     \
    if (binary_flag && *binary_flag) { ls_a = 2.0; ls_b = -1.0; }                            \
    CF_ROWS_LOOP(R) {                                                                        \
      T v = cf_from<T>(cf_row_elem_loss<cf_loss_##name>(r, t + row * n, p + row * n,         \
                                                        write_grad ? grad + row * n : 0, n,  \
                                                        delta, ls_a, ls_b));                 \
      if (!R::per_block || threadIdx.x == 0) loss[row] = v;                                  \
    }                                                                                        \
  }
CF_ELEM_LOSS_LIST(CF_ELEM_LOSS_KERNEL)

#define CF_STORE_LOSS(expr)                          \
  T v = cf_from<T>(expr);                            \
  if (!R::per_block || threadIdx.x == 0) loss[row] = v;

template <class T, class R>
__global__ void CF_MAX_1024 cf_categorical_crossentropy_fwd(const T* t, const T* p, T* loss,
                                                            T* grad,
                                                cf_index rows, cf_index n, double ls_a,
                                                double ls_b, int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_cce(r, t + row * n, p + row * n, write_grad ? grad + row * n : 0, n,
                             ls_a, ls_b))
  }
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_categorical_crossentropy_logits_fwd(const T* t, const T* x, T* loss,
                                                                   T* grad,
                                                       cf_index rows, cf_index n, double ls_a,
                                                       double ls_b, int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_cce_logits(r, t + row * n, x + row * n,
                                    write_grad ? grad + row * n : 0, n, ls_a, ls_b))
  }
}

// L: label type (int or long long).
template <class T, class L, class R>
__global__ void CF_MAX_1024 cf_sparse_categorical_crossentropy_fwd(const L* labels, const T* p,
                                                                   T* loss,
                                                       T* grad, cf_index rows, cf_index n,
                                                       int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_sparse_ce(r, (long long)labels[row], p + row * n,
                                   write_grad ? grad + row * n : 0, n))
  }
}

// Fused softmax + sparse crossentropy (from logits).
template <class T, class L, class R>
__global__ void CF_MAX_1024 cf_sparse_categorical_crossentropy_logits_fwd(const L* labels,
                                                                          const T* x,
                                                              T* loss, T* grad, cf_index rows,
                                                              cf_index n, int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_sparse_ce_logits(r, (long long)labels[row], x + row * n,
                                          write_grad ? grad + row * n : 0, n))
  }
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_categorical_hinge_fwd(const T* t, const T* p, T* loss, T* grad,
                                                     cf_index rows,
                                         cf_index n, int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_categorical_hinge(r, t + row * n, p + row * n,
                                           write_grad ? grad + row * n : 0, n))
  }
}

template <class T, class R>
__global__ void CF_MAX_1024 cf_cosine_similarity_fwd(const T* t, const T* p, T* loss, T* grad,
                                                     cf_index rows,
                                         cf_index n, int write_grad) {
  R r;
  CF_ROWS_LOOP(R) {
    CF_STORE_LOSS(cf_row_cosine_similarity(r, t + row * n, p + row * n,
                                           write_grad ? grad + row * n : 0, n))
  }
}
