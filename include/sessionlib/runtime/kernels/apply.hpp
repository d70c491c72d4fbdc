// Kernels of the optimizers' update ops (train/optimizers.hpp), as TF's
// training_ops: each updates a variable and its slots in place, under their
// slots' mutexes (taken together, deadlock-free), following the copy-on-write
// protocol of runtime/kernels/state.hpp. Inputs: 0 the gradient, 1 the learning
// rate (a scalar of the variable's dtype). attr.variable is the variable;
// each op's attribute struct (graph/op_attrs.hpp) names its slot variables and
// hyperparameters.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <xsimd/xsimd.hpp>

#include "matmul_impl.hpp"
#include "state.hpp"

namespace sessionlib::kernels {

namespace detail {
/// A variable slot, already locked by the caller: checks it is initialised and
/// gives its buffer, made writable (copy on write while a reader holds it).
class held_slot {
 public:
  held_slot(const kernel_context& ctx, std::int32_t index) : ctx_(ctx), index_(index), slot_(ctx.state.variable(index)) {}
  std::mutex& mutex() noexcept { return slot_.m; }
  /// Call with the mutex held.
  template <class T>
  T* writable(const dims& want, const char* what) {
    if (!slot_.initialized) throw_uninitialized(ctx_.graph, index_);
    if (!(slot_.value.shape() == want))
      ctx_.fail(std::string("var and ") + what + " do not have the same shape" + bracket_shape(want) + " " +
                bracket_shape(slot_.value.shape()));
    if (!writable_in_place(slot_.value)) slot_.value = slot_.value.clone();
    return slot_.value.template data<T>();
  }
  const dims& shape() const noexcept { return slot_.value.shape(); }
  /// Call with the mutex held.
  void require_initialized() const {
    if (!slot_.initialized) throw_uninitialized(ctx_.graph, index_);
  }

 private:
  const kernel_context& ctx_;
  std::int32_t index_;
  variable_slot& slot_;
};

/// The scalar value of variable `index` (a beta power), read under its mutex.
template <class T>
T read_scalar_variable(const kernel_context& ctx, std::int32_t index) {
  variable_slot& s = ctx.state.variable(index);
  std::lock_guard lock(s.m);
  if (!s.initialized) throw_uninitialized(ctx.graph, index);
  return *s.value.template data<T>();
}

/// The variable's buffer, checked against the gradient's shape; the mutex must be held.
template <class T>
T* var_buffer(const kernel_context& ctx, held_slot& var, const dims& grad) {
  var.require_initialized();
  if (!(var.shape() == grad))
    ctx.fail("var and grad do not have the same shape" + bracket_shape(var.shape()) + " " + bracket_shape(grad));
  return var.writable<T>(grad, "grad");
}

/// y += alpha * x. float and double go to OpenBLAS's axpy, which picks the
/// CPU's widest vectors at run time (our own loops are compiled for baseline
/// SSE2); a weight update streams the whole variable, so the width counts.
template <class T>
void axpy(std::size_t n, T alpha, const T* x, T* y) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    constexpr std::size_t most = static_cast<std::size_t>(std::numeric_limits<blasint>::max());
    for (std::size_t i = 0; i < n; i += most) {
      const auto len = static_cast<blasint>(std::min(most, n - i));
      if constexpr (std::is_same_v<T, float>) cblas_saxpy(len, alpha, x + i, 1, y + i, 1);
      else cblas_daxpy(len, alpha, x + i, 1, y + i, 1);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
  }
}

/// Runs `step(i, ops)` over [0, n) in xsimd batches, then the scalar tail.
/// std::sqrt may set errno, which keeps compilers from vectorising the
/// sqrt-and-divide updates by themselves; batches and scalars perform the
/// same IEEE operations, so results do not depend on where the tail starts.
template <class T, class Step>
void simd_for(std::size_t n, Step&& step) {
  using B = xsimd::batch<T>;
  std::size_t i = 0;
  for (; i + B::size <= n; i += B::size) step.template operator()<B>(i);
  for (; i < n; ++i) step.template operator()<T>(i);
}

template <class V, class T>
V load(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
void store(T* p, const V& v) {
  if constexpr (std::is_same_v<V, T>) *p = v;
  else v.store_unaligned(p);
}
template <class V>
V vsqrt(const V& v) {
  if constexpr (std::is_floating_point_v<V>) return std::sqrt(v);
  else return xsimd::sqrt(v);
}

/// Adam's step constants, read once per update: the hyperparameters in T and the
/// bias-corrected rate lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) (ApplyAdam
/// and SparseApplyAdam alike).
template <class T>
struct adam_step {
  T beta1, beta2, eps, lr_t;
  adam_step(const kernel_context& ctx, const adam_attrs& at, T lr)
      : beta1(static_cast<T>(at.beta1)), beta2(static_cast<T>(at.beta2)), eps(static_cast<T>(at.epsilon)) {
    const T b1p = read_scalar_variable<T>(ctx, at.beta1_power);
    const T b2p = read_scalar_variable<T>(ctx, at.beta2_power);
    lr_t = lr * std::sqrt(T(1) - b2p) / (T(1) - b1p);
  }
};
}  // namespace detail

/// ApplyGradientDescent: var -= lr * grad.
template <class T>
void apply_gradient_descent_kernel(kernel_context& ctx) {
  const any_array& grad = ctx.input(0);
  const T lr = *ctx.input(1).data<T>();
  detail::held_slot var(ctx, ctx.n.attr.variable);
  std::lock_guard lock(var.mutex());
  T* w = detail::var_buffer<T>(ctx, var, grad.shape());
  detail::axpy(grad.size(), -lr, grad.data<T>(), w);
}

/// MatMulApplyGradientDescent: var -= lr * op(a) op(b), for a gradient that is
/// a plain matrix product (a dense layer's weights): one gemm with alpha = -lr
/// and beta = 1 into the variable, so the gradient is never materialised (no
/// buffer, no zeroing pass, no axpy pass). Inputs a, b, lr; ints {ta, tb}.
template <class T>
void apply_gradient_descent_matmul_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  const any_array& b = ctx.input(1);
  const T lr = *ctx.input(2).data<T>();
  // The MatMul it replaces is rank 2 (optimizers.hpp folds only those).
  const detail::gemm_dims g =
      detail::matrix_dims(ctx, a.shape(), b.shape(), ctx.attrs<matmul_attrs>().transpose_a,
                          ctx.attrs<matmul_attrs>().transpose_b);
  detail::held_slot var(ctx, ctx.n.attr.variable);
  std::lock_guard lock(var.mutex());
  T* w = detail::var_buffer<T>(ctx, var, dims{g.m, g.n});
  if (g.k == 0 || g.m * g.n == 0) return;  // an empty sum adds nothing (and BLAS rejects a leading dimension of 0)
  detail::gemm(ctx.split_arena, g, a.data<T>(), b.data<T>(), w, T{1}, -lr);
}

/// ApplyMomentum: accum = accum * momentum + grad; var -= lr * accum, or with
/// Nesterov var -= lr * grad + lr * momentum * accum (momentum_attrs).
template <class T>
void apply_momentum_kernel(kernel_context& ctx) {
  const any_array& grad = ctx.input(0);
  const T lr = *ctx.input(1).data<T>();
  const momentum_attrs& at = ctx.attrs<momentum_attrs>();
  const T momentum = static_cast<T>(at.momentum);
  const bool nesterov = at.use_nesterov;
  detail::held_slot var(ctx, ctx.n.attr.variable), accum(ctx, at.accum);
  std::scoped_lock lock(var.mutex(), accum.mutex());
  T* w = detail::var_buffer<T>(ctx, var, grad.shape());
  T* a = accum.writable<T>(grad.shape(), "accum");
  const T* g = grad.data<T>();
  const std::size_t n = grad.size();
  if (nesterov) {
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = a[i] * momentum + g[i];
      w[i] -= g[i] * lr + a[i] * momentum * lr;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = a[i] * momentum + g[i];
      w[i] -= lr * a[i];
    }
  }
}

/// ApplyAdam, as tf.compat.v1's AdamOptimizer: with t the step,
/// lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m += (grad - m) * (1 - beta1);
/// v += (grad^2 - v) * (1 - beta2); var -= lr_t * m / (sqrt(v) + epsilon).
/// adam_attrs: slots m, v, variables beta1_power, beta2_power; beta1, beta2, epsilon.
template <class T>
void apply_adam_kernel(kernel_context& ctx) {
  const any_array& grad = ctx.input(0);
  const T lr = *ctx.input(1).data<T>();
  const adam_attrs& at = ctx.attrs<adam_attrs>();
  const detail::adam_step<T> step(ctx, at, lr);
  const T beta1 = step.beta1, beta2 = step.beta2, eps = step.eps, lr_t = step.lr_t;
  detail::held_slot var(ctx, ctx.n.attr.variable), ms(ctx, at.m), vs(ctx, at.v);
  std::scoped_lock lock(var.mutex(), ms.mutex(), vs.mutex());
  T* w = detail::var_buffer<T>(ctx, var, grad.shape());
  T* m = ms.writable<T>(grad.shape(), "m");
  T* v = vs.writable<T>(grad.shape(), "v");
  const T* g = grad.data<T>();
  const std::size_t n = grad.size();
  const T one_b1 = T(1) - beta1, one_b2 = T(1) - beta2;
  detail::simd_for<T>(n, [&]<class V>(std::size_t i) {
    using detail::load;
    const V gi = load<V>(g + i), m0 = load<V>(m + i), v0 = load<V>(v + i);
    const V mi = m0 + (gi - m0) * V(one_b1);
    const V vi = v0 + (gi * gi - v0) * V(one_b2);
    detail::store(m + i, mi);
    detail::store(v + i, vi);
    detail::store(w + i, load<V>(w + i) - V(lr_t) * mi / (detail::vsqrt(vi) + V(eps)));
  });
}

/// AdamFinish: beta1_power *= beta1, beta2_power *= beta2, once per step after
/// every ApplyAdam of the optimizer (adam_attrs: beta1_power, beta2_power, beta1, beta2).
template <class T>
void adam_finish_kernel(kernel_context& ctx) {
  const adam_attrs& at = ctx.attrs<adam_attrs>();
  for (const auto& [power, beta] : {std::pair{at.beta1_power, at.beta1}, std::pair{at.beta2_power, at.beta2}}) {
    detail::held_slot p(ctx, power);
    std::lock_guard lock(p.mutex());
    *p.writable<T>(dims{}, "beta_power") *= static_cast<T>(beta);
  }
}

/// ApplyRMSProp: ms += (grad^2 - ms) * (1 - rho); mom = mom * momentum +
/// lr * grad / sqrt(ms + epsilon); var -= mom (rmsprop_attrs).
template <class T>
void apply_rms_prop_kernel(kernel_context& ctx) {
  const any_array& grad = ctx.input(0);
  const T lr = *ctx.input(1).data<T>();
  const rmsprop_attrs& at = ctx.attrs<rmsprop_attrs>();
  const T rho = static_cast<T>(at.rho), momentum = static_cast<T>(at.momentum), eps = static_cast<T>(at.epsilon);
  detail::held_slot var(ctx, ctx.n.attr.variable), mss(ctx, at.ms), moms(ctx, at.mom);
  std::scoped_lock lock(var.mutex(), mss.mutex(), moms.mutex());
  T* w = detail::var_buffer<T>(ctx, var, grad.shape());
  T* ms = mss.writable<T>(grad.shape(), "ms");
  T* mom = moms.writable<T>(grad.shape(), "mom");
  const T* g = grad.data<T>();
  const std::size_t n = grad.size();
  const T one_rho = T(1) - rho;
  detail::simd_for<T>(n, [&]<class V>(std::size_t i) {
    using detail::load;
    const V gi = load<V>(g + i), ms0 = load<V>(ms + i);
    const V msi = ms0 + (gi * gi - ms0) * V(one_rho);
    detail::store(ms + i, msi);
    const V mi = load<V>(mom + i) * V(momentum) + V(lr) * gi / detail::vsqrt(msi + V(eps));
    detail::store(mom + i, mi);
    detail::store(w + i, load<V>(w + i) - mi);
  });
}

/// ApplyAdagrad: accum += grad^2; var -= lr * grad / sqrt(accum). ints: accum.
template <class T>
void apply_adagrad_kernel(kernel_context& ctx) {
  const any_array& grad = ctx.input(0);
  const T lr = *ctx.input(1).data<T>();
  detail::held_slot var(ctx, ctx.n.attr.variable), acc(ctx, ctx.attrs<adagrad_attrs>().accum);
  std::scoped_lock lock(var.mutex(), acc.mutex());
  T* w = detail::var_buffer<T>(ctx, var, grad.shape());
  T* a = acc.writable<T>(grad.shape(), "accum");
  const T* g = grad.data<T>();
  const std::size_t n = grad.size();
  detail::simd_for<T>(n, [&]<class V>(std::size_t i) {
    using detail::load;
    const V gi = load<V>(g + i);
    const V ai = load<V>(a + i) + gi * gi;
    detail::store(a + i, ai);
    detail::store(w + i, load<V>(w + i) - V(lr) * gi / detail::vsqrt(ai));
  });
}

/// AssignAddOne: the int64 scalar variable (the global step) += 1.
inline void increment_variable_kernel(kernel_context& ctx) {
  detail::held_slot s(ctx, ctx.n.attr.variable);
  std::lock_guard lock(s.mutex());
  *s.writable<std::int64_t>(dims{}, "global_step") += 1;
}

}  // namespace sessionlib::kernels
