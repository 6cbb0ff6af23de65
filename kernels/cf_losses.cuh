// cf_losses.cuh - loss math with Keras 3 semantics, fused: one pass gives the per-sample loss and
// d(loss)/d(y_pred). Per-sample means "reduced over the last axis" (mean for elementwise losses,
// sum for kl_divergence and the crossentropies), as Keras' loss functions do.
//
// Elementwise losses: f(t, p, delta, &g) -> per-element loss l, sets g = dl/dp. A NaN in t or p
// makes both l and g NaN. Clipping follows Keras (epsilon 1e-7); the gradient of a clip or a
// maximum passes through on the closed interval (TF's convention) and is 0 outside it.
#pragma once
#include "cf_common.cuh"
#include "cf_rows.cuh"

#define CF_EPS 1e-7
#define CF_LOG2 0.69314718055994530941723212145818

// Order = ELEM_LOSS_KERNELS in backend/names.py (tests/backend/test_names.py reads this list).
#define CF_ELEM_LOSS_LIST(X)                                                               \
  X(mean_squared_error) X(mean_absolute_error) X(huber) X(log_cosh) X(binary_crossentropy) \
  X(binary_crossentropy_logits) X(kl_divergence) X(hinge) X(squared_hinge) X(poisson)      \
  X(mean_absolute_percentage_error) X(mean_squared_logarithmic_error)

template <class C> CF_HD C cf_pass(bool inside) { return inside ? C(1) : C(0); }

struct cf_loss_mean_squared_error {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C e = p - t;
    g = C(2) * e;
    return e * e;
  }
};
struct cf_loss_mean_absolute_error {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C e = p - t;
    g = cf_sign(e);
    return cf_fabs(e);
  }
};
struct cf_loss_huber {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C delta, C& g) {
    C e = p - t, a = cf_fabs(e);
    bool quad = a <= delta;
    g = quad ? e : delta * cf_sign(e);
    return quad ? C(0.5) * e * e : delta * a - C(0.5) * delta * delta;
  }
};
// log(cosh(e)) = |e| + softplus(-2|e|) - log 2 (Keras' form with |e|: finite for e = -inf too).
struct cf_loss_log_cosh {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C e = p - t, a = cf_fabs(e);
    g = cf_tanh(e);
    return a + cf_softplus(C(-2) * a) - C(CF_LOG2);
  }
};
struct cf_loss_binary_crossentropy {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    const C lo = C(CF_EPS), hi = C(1.0 - CF_EPS);
    C q = cf_clip(p, lo, hi);
    g = cf_pass<C>(p >= lo && p <= hi) * (-t / q + (C(1) - t) / (C(1) - q));
    return -(t * cf_log(q) + (C(1) - t) * cf_log(C(1) - q));
  }
};
// From logits x: softplus(x) - t x, arranged so that no inf - inf or 0 * inf appears.
struct cf_loss_binary_crossentropy_logits {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C x, C, C& g) {
    g = cf_sigmoid(x) - t;
    C tail = cf_log1p(cf_exp(-cf_fabs(x)));
    return x >= C(0) ? cf_mul0(C(1) - t, x) + tail : tail - cf_mul0(t, x);
  }
};
struct cf_loss_kl_divergence {
  static const bool mean = false;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    const C lo = C(CF_EPS);
    C tc = cf_clip(t, lo, C(1)), pc = cf_clip(p, lo, C(1));
    g = cf_pass<C>(p >= lo && p <= C(1)) * (-tc / pc);
    return tc * cf_log(tc / pc);
  }
};
// hinge / squared_hinge receive labels already mapped {0,1} -> {-1,1} when the whole batch is
// binary (Keras' convert_binary_labels_to_hinge), see the `hinge_binary` flag below.
struct cf_loss_hinge {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C m = C(1) - t * p;
    g = m > C(0) ? -t : C(0);
    return cf_max(m, C(0));
  }
};
struct cf_loss_squared_hinge {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C m = cf_max(C(1) - t * p, C(0));
    g = C(-2) * t * m;
    return m * m;
  }
};
struct cf_loss_poisson {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C q = p + C(CF_EPS);
    g = C(1) - t / q;
    return p - t * cf_log(q);
  }
};
struct cf_loss_mean_absolute_percentage_error {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    C d = cf_max(cf_fabs(t), C(CF_EPS));
    g = C(100) * cf_sign(p - t) / d;
    return C(100) * (cf_fabs(t - p) / d);
  }
};
struct cf_loss_mean_squared_logarithmic_error {
  static const bool mean = true;
  template <class C> static CF_HD C f(C t, C p, C, C& g) {
    const C lo = C(CF_EPS);
    C pm = cf_max(p, lo) + C(1), tm = cf_max(t, lo) + C(1);
    C e = cf_log(pm) - cf_log(tm);
    g = cf_pass<C>(p >= lo) * C(2) * e / pm;
    return e * e;
  }
};

// One element with label smoothing t' = t * ls_a + ls_b (ls_a = 1, ls_b = 0 when unused) and
// the NaN rule.
template <class L, class C> CF_HD C cf_elem_loss(C t, C p, C delta, C ls_a, C ls_b, C& g) {
  t = t * ls_a + ls_b;
  C l = L::f(t, p, delta, g);
  if (cf_isnan(t) || cf_isnan(p)) { l = t + p; g = l; }
  return l;
}

// Row of an elementwise loss: returns the per-sample value, writes scale * g if grad != 0.
template <class L, class T, class R>
CF_HD typename cf_compute<T>::type cf_row_elem_loss(const R& r, const T* t, const T* p, T* grad,
                                                    cf_index n, double delta, double ls_a,
                                                    double ls_b) {
  typedef typename cf_compute<T>::type C;
  const C scale = L::mean ? C(1.0 / (double)n) : C(1);
  typename cf_acc<T>::type s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C g;
    s += cf_elem_loss<L>(cf_load(t[j]), cf_load(p[j]), C(delta), C(ls_a), C(ls_b), g);
    if (grad) grad[j] = cf_from<T>(g * scale);
  }
  return C(r.sum(s)) * scale;
}

// Categorical crossentropy on probabilities (Keras): q = p / sum(p), clipped to [eps, 1-eps],
// loss = -sum t' log q. dq_i/dp_j = (delta_ij - q_i) / S, so with gq_i = dloss/dq_i:
// dloss/dp_j = (gq_j - sum_i gq_i q_i) / S.
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_cce(const R& r, const T* t, const T* p, T* grad,
                                              cf_index n, double ls_a, double ls_b) {
  typedef typename cf_compute<T>::type C;
  typedef typename cf_acc<T>::type A;
  const C lo = C(CF_EPS), hi = C(1.0 - CF_EPS);
  A s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) s += cf_load(p[j]);
  const C S = C(r.sum(s));
  A loss = 0, dot = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C tj = cf_load(t[j]) * C(ls_a) + C(ls_b), q = cf_load(p[j]) / S, qc = cf_clip(q, lo, hi);
    loss -= tj * cf_log(qc);
    dot += cf_pass<C>(q >= lo && q <= hi) * (-tj / qc) * q;
  }
  const C L = C(r.sum(loss)), D = C(r.sum(dot));
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step()) {
      C tj = cf_load(t[j]) * C(ls_a) + C(ls_b), q = cf_load(p[j]) / S, qc = cf_clip(q, lo, hi);
      C gq = cf_pass<C>(q >= lo && q <= hi) * (-tj / qc);
      grad[j] = cf_from<T>((gq - D) / S);
    }
  return L;
}

// Categorical crossentropy on logits: loss = sum t' (lse - x) (0 * inf taken as 0, so -inf
// logits of classes with zero target are fine), grad = softmax(x) * sum(t') - t'.
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_cce_logits(const R& r, const T* t, const T* x,
                                                     T* grad, cf_index n, double ls_a,
                                                     double ls_b) {
  typedef typename cf_compute<T>::type C;
  typedef typename cf_acc<T>::type A;
  const C m = cf_row_max(r, x, n);
  const C s = C(cf_row_sumexp(r, x, n, m));
  const C lse = m + cf_log(s);
  A loss = 0, tsum = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C tj = cf_load(t[j]) * C(ls_a) + C(ls_b);
    loss += cf_mul0(tj, lse - cf_load(x[j]));
    tsum += tj;
  }
  const C L = C(r.sum(loss)), TS = C(r.sum(tsum));
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step()) {
      C tj = cf_load(t[j]) * C(ls_a) + C(ls_b);
      grad[j] = cf_from<T>(cf_exp(cf_load(x[j]) - m) / s * TS - tj);
    }
  return L;
}

// Sparse categorical crossentropy on probabilities: q = p_k / sum(p) clipped, loss = -log q.
// An out-of-range label (the Python wrapper rejects them; this guards a skipped check, e.g.
// inside CUDA-graph capture) gives NaN loss and gradient instead of an out-of-bounds read.
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_sparse_ce(const R& r, long long k, const T* p, T* grad,
                                                    cf_index n) {
  typedef typename cf_compute<T>::type C;
  const C lo = C(CF_EPS), hi = C(1.0 - CF_EPS);
  typename cf_acc<T>::type s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) s += cf_load(p[j]);
  const C S = C(r.sum(s));
  const bool ok = k >= 0 && k < n;
  const C nan = cf_inf<C>() - cf_inf<C>();
  const C q = ok ? cf_load(p[k]) / S : nan, qc = cf_clip(q, lo, hi);
  const C gq = ok ? cf_pass<C>(q >= lo && q <= hi) * (C(-1) / qc) : nan;
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step())
      grad[j] = cf_from<T>(((j == k ? gq : C(0)) - gq * q) / S);
  return -cf_log(qc);
}

// Sparse categorical crossentropy on logits: loss = lse - x_k, grad = softmax - onehot(k).
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_sparse_ce_logits(const R& r, long long k, const T* x,
                                                           T* grad, cf_index n) {
  typedef typename cf_compute<T>::type C;
  const C m = cf_row_max(r, x, n);
  const C s = C(cf_row_sumexp(r, x, n, m));
  const bool ok = k >= 0 && k < n;
  const C nan = cf_inf<C>() - cf_inf<C>();
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step())
      grad[j] = ok ? cf_from<T>(cf_exp(cf_load(x[j]) - m) / s - (j == k ? C(1) : C(0)))
                   : cf_from<T>(nan);
  return ok ? (m + cf_log(s)) - cf_load(x[k]) : nan;
}

// Keras categorical_hinge: pos = sum t p, neg = max (1 - t) p, loss = max(neg - pos + 1, 0).
// The gradient of max goes to the first maximal column (NumPy argmax order).
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_categorical_hinge(const R& r, const T* t, const T* p,
                                                            T* grad, cf_index n) {
  typedef typename cf_compute<T>::type C;
  typename cf_acc<T>::type pos = 0;
  C neg = -cf_inf<C>();
  cf_index k = n;
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C tj = cf_load(t[j]), pj = cf_load(p[j]), v = (C(1) - tj) * pj;
    pos += tj * pj;
    if (k == n || cf_argmax_better(v, j, neg, k)) { neg = v; k = j; }
  }
  r.argmax(neg, k);
  const C margin = neg - C(r.sum(pos)) + C(1);
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step()) {
      C tj = cf_load(t[j]);
      C gj = -tj + (j == k ? C(1) - tj : C(0));
      grad[j] = cf_from<T>(margin > C(0) ? gj : (cf_isnan(margin) ? margin : C(0)));
    }
  return cf_max(margin, C(0));
}

// Keras cosine_similarity: u = t * min(rsqrt(sum t^2), 1/eps), v likewise, loss = -sum u v.
// With r = rsqrt(P), P = sum p^2 (unclipped): dloss/dp_j = -r u_j + (u.p) r^3 p_j.
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_cosine_similarity(const R& r, const T* t, const T* p,
                                                            T* grad, cf_index n) {
  typedef typename cf_compute<T>::type C;
  typedef typename cf_acc<T>::type A;
  A tt = 0, pp = 0, tp = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C tj = cf_load(t[j]), pj = cf_load(p[j]);
    tt += tj * tj;
    pp += pj * pj;
    tp += tj * pj;
  }
  tt = r.sum(tt);
  pp = r.sum(pp);
  tp = r.sum(tp);
  const A cap = A(1.0 / CF_EPS);
  const A rt = cf_min(A(1) / cf_sqrt(tt), cap), rp_raw = A(1) / cf_sqrt(pp);
  const bool clipped = rp_raw > cap;
  const A rp = clipped ? cap : rp_raw;
  const A up = tp * rt;  // u . p
  if (grad)
    for (cf_index j = r.first(); j < n; j += r.step()) {
      A uj = A(cf_load(t[j])) * rt, pj = cf_load(p[j]);
      A gj = -rp * uj + (clipped ? A(0) : up * rp * rp * rp * pj);
      grad[j] = cf_from<T>(C(gj));
    }
  return C(-(up * rp));
}
