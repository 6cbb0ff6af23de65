// Host build of the kernels' per-element and per-row math (the very headers NVRTC compiles),
// exported with C linkage for tests/backend/test_kernel_math.py (loaded through ctypes).
// Built by the test with: g++ -O2 -shared -fPIC -std=c++17 -I<repo>/kernels host_kernels.cpp
#include "cf_activations.cuh"
#include "cf_losses.cuh"
#include "cf_rows.cuh"

typedef long long ll;

#define CF_NAME_ENTRY(name) #name,
static const char* kActNames[] = {CF_ACTIVATION_LIST(CF_NAME_ENTRY)};
static const char* kLossNames[] = {CF_ELEM_LOSS_LIST(CF_NAME_ENTRY)};

template <class T> static void act_fwd(int id, const T* x, T* y, ll n, double a) {
  int k = 0;
#define CF_FWD_CASE(name) \
  if (id == k++) { for (ll i = 0; i < n; ++i) y[i] = cf_act_##name::fwd<T>(x[i], T(a)); return; }
  CF_ACTIVATION_LIST(CF_FWD_CASE)
}
template <class T> static void act_bwd(int id, const T* x, const T* y, const T* dy, T* dx, ll n,
                                       double a) {
  int k = 0;
#define CF_BWD_CASE(name)                                                       \
  if (id == k++) {                                                              \
    for (ll i = 0; i < n; ++i) dx[i] = cf_act_##name::bwd<T>(x[i], y[i], dy[i], T(a)); \
    return;                                                                     \
  }
  CF_ACTIVATION_LIST(CF_BWD_CASE)
}
template <class T> static void elem_loss(int id, const T* t, const T* p, T* loss, T* grad, ll rows,
                                         ll n, double delta, double ls_a, double ls_b) {
  cf_serial_reducer r;
  for (ll row = 0; row < rows; ++row) {
    int k = 0;
    T* g = grad ? grad + row * n : 0;
#define CF_LOSS_CASE(name)                                                                   \
  if (id == k++)                                                                             \
    loss[row] = cf_row_elem_loss<cf_loss_##name>(r, t + row * n, p + row * n, g, n, delta,   \
                                                 ls_a, ls_b);
    CF_ELEM_LOSS_LIST(CF_LOSS_CASE)
  }
}

// Row ops. op: 0 softmax, 1 log_softmax, 2 softmax_bwd(a=y, b=dy), 3 log_softmax_bwd,
// 4 logsumexp, 5 row_max, 6 row_argmax (iout), 7 cce(a=t, b=p), 8 cce_logits, 9 sparse_ce
// (labels, b=p), 10 sparse_ce_logits, 11 categorical_hinge, 12 cosine_similarity.
// Per-row scalar results go to out1[row]; row results / gradients to out2 (nullable for losses).
template <class T> static void row_op(int op, const T* a, const T* b, const ll* labels, T* out1,
                                      T* out2, ll* iout, ll rows, ll n, double p0, double p1) {
  cf_serial_reducer r;
  for (ll row = 0; row < rows; ++row) {
    const T* ar = a ? a + row * n : 0;
    const T* br = b ? b + row * n : 0;
    T* o2 = out2 ? out2 + row * n : 0;
    switch (op) {
      case 0: cf_row_softmax(r, ar, o2, n); break;
      case 1: cf_row_log_softmax(r, ar, o2, n); break;
      case 2: cf_row_softmax_bwd(r, ar, br, o2, n); break;
      case 3: cf_row_log_softmax_bwd(r, ar, br, o2, n); break;
      case 4: out1[row] = cf_row_logsumexp(r, ar, n); break;
      case 5: out1[row] = cf_row_max(r, ar, n); break;
      case 6: iout[row] = cf_row_argmax(r, ar, n); break;
      case 7: out1[row] = cf_row_cce(r, ar, br, o2, n, p0, p1); break;
      case 8: out1[row] = cf_row_cce_logits(r, ar, br, o2, n, p0, p1); break;
      case 9: out1[row] = cf_row_sparse_ce(r, labels[row], br, o2, n); break;
      case 10: out1[row] = cf_row_sparse_ce_logits(r, labels[row], br, o2, n); break;
      case 11: out1[row] = cf_row_categorical_hinge(r, ar, br, o2, n); break;
      case 12: out1[row] = cf_row_cosine_similarity(r, ar, br, o2, n); break;
    }
  }
}

extern "C" {
int cf_host_n_activations() { return sizeof(kActNames) / sizeof(kActNames[0]); }
const char* cf_host_activation_name(int i) { return kActNames[i]; }
int cf_host_n_elem_losses() { return sizeof(kLossNames) / sizeof(kLossNames[0]); }
const char* cf_host_elem_loss_name(int i) { return kLossNames[i]; }

#define CF_EXPORT(T, sfx)                                                                      \
  void cf_host_act_fwd_##sfx(int id, const T* x, T* y, ll n, double a) {                       \
    act_fwd<T>(id, x, y, n, a);                                                                \
  }                                                                                            \
  void cf_host_act_bwd_##sfx(int id, const T* x, const T* y, const T* dy, T* dx, ll n,         \
                             double a) {                                                       \
    act_bwd<T>(id, x, y, dy, dx, n, a);                                                        \
  }                                                                                            \
  void cf_host_elem_loss_##sfx(int id, const T* t, const T* p, T* loss, T* grad, ll rows,      \
                               ll n, double delta, double ls_a, double ls_b) {                 \
    elem_loss<T>(id, t, p, loss, grad, rows, n, delta, ls_a, ls_b);                            \
  }                                                                                            \
  void cf_host_row_op_##sfx(int op, const T* a, const T* b, const ll* labels, T* out1,         \
                            T* out2, ll* iout, ll rows, ll n, double p0, double p1) {          \
    row_op<T>(op, a, b, labels, out1, out2, iout, rows, n, p0, p1);                            \
  }
CF_EXPORT(float, f32)
CF_EXPORT(double, f64)
}
