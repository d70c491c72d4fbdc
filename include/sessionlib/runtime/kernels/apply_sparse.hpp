// Kernels of the optimizers' sparse update ops, for a gradient that is TF's
// IndexedSlices (the gradient of gather / embedding_lookup, train/indexed_slices.hpp):
// only the rows the indices name are touched, in the variable and in its
// slots, so a step costs time in proportion to the rows, not to the table.
// Inputs: 0 the learning rate, then one or more (values, indices) pairs; the
// pairs are one IndexedSlices' concatenation (TF's sum of IndexedSlices).
// Values are (rows, variable's row) in layout; indices int32 or int64.
//
// As TF: SparseApplyGradientDescent scatters each occurrence (TF1's scatter_sub
// of values * lr, linear, so duplicates need no summing); the others sum
// duplicate rows first, in the order they come (TF's
// _deduplicate_indexed_slices), then apply the dense formula per row (TF's
// SparseApplyMomentum, SparseApplyRMSProp, SparseApplyAdagrad).
// SparseApplyAdam is TF1's AdamOptimizer._apply_sparse_shared in one pass:
// m and v decay in every row, the gradient is added to its rows, and every
// row of the variable moves (TF1's Adam is not lazy).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "apply.hpp"

namespace sessionlib::kernels {

namespace detail {

/// How an index outside the variable is reported: TF's scatter ops say
/// "indices[0] = 7 is not in [0, 5)", its SparseApply* ops "Index 7 at offset 0
/// in indices is out of range".
enum class index_message : std::uint8_t { scatter, sparse_apply };

/// The rows one sparse update touches: every (values, indices) pair of the
/// node's inputs from 1 on, each index checked against the variable's first
/// dimension before anything is written.
template <class T>
class sparse_rows {
 public:
  /// `var` is the variable's shape (rank >= 1).
  sparse_rows(const kernel_context& ctx, const dims& var, index_message message)
      : entries_(scratch<entry>()), sum_(scratch<T>()) {
    entries_.clear();
    if (var.size() == 0) ctx.fail("var must be at least 1 dimensional, got shape []");
    const std::size_t first = var[0];
    row_ = 1;
    for (std::size_t i = 1; i < var.size(); ++i) row_ *= var[i];
    std::size_t offset = 0;
    for (std::size_t k = 1; k + 1 < ctx.nin; k += 2) {
      const any_array& values = ctx.input(k);
      const any_array& indices = ctx.input(k + 1);
      const std::size_t n = indices.size();
      if (values.size() != n * row_)
        ctx.fail("grad must be the same size as indices in the first dimension.");
      const T* v = values.data<T>();
      const auto add = [&](const auto* ix) {
        for (std::size_t i = 0; i < n; ++i, ++offset) {
          const auto at = static_cast<std::int64_t>(ix[i]);
          if (at < 0 || static_cast<std::size_t>(at) >= first) fail_index(ctx, message, at, offset, first);
          entries_.push_back({static_cast<std::size_t>(at), v + i * row_});
        }
      };
      if (indices.dtype() == dtype::int64) add(indices.data<std::int64_t>());
      else if (indices.dtype() == dtype::int32) add(indices.data<std::int32_t>());
      else ctx.fail("indices must be int32 or int64, got " + std::string(dtype_name(indices.dtype())));
    }
  }

  /// Elements in one row of the variable.
  std::size_t row_length() const noexcept { return row_; }

  /// f(row, values) for each index in input order, duplicates included.
  template <class F>
  void each(F&& f) const {
    for (const entry& e : entries_) f(e.row, e.values);
  }

  /// f(row, summed values) once per distinct row, rows ascending; a row's
  /// values are summed in input order (TF's unsorted_segment_sum).
  template <class F>
  void each_unique(F&& f) {
    std::stable_sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return a.row < b.row; });
    sum_.resize(row_);
    for (std::size_t i = 0; i < entries_.size();) {
      std::size_t j = i + 1;
      while (j < entries_.size() && entries_[j].row == entries_[i].row) ++j;
      if (j == i + 1) {
        f(entries_[i].row, entries_[i].values);
      } else {
        std::copy(entries_[i].values, entries_[i].values + row_, sum_.begin());
        for (std::size_t k = i + 1; k < j; ++k)
          for (std::size_t c = 0; c < row_; ++c) sum_[c] += entries_[k].values[c];
        f(entries_[i].row, static_cast<const T*>(sum_.data()));
      }
      i = j;
    }
  }

 private:
  struct entry {
    std::size_t row;
    const T* values;
  };
  // The thread's buffers, kept from step to step so that a step allocates
  // nothing once they have grown (a kernel runs one at a time on a thread).
  template <class E>
  static std::vector<E>& scratch() {
    thread_local std::vector<E> v;
    return v;
  }
  [[noreturn]] static void fail_index(const kernel_context& ctx, index_message m, std::int64_t at, std::size_t offset,
                                      std::size_t first) {
    if (m == index_message::scatter)
      ctx.fail("indices[" + std::to_string(offset) + "] = " + std::to_string(at) + " is not in [0, " +
               std::to_string(first) + ")");
    ctx.fail("Index " + std::to_string(at) + " at offset " + std::to_string(offset) + " in indices is out of range");
  }
  std::size_t row_ = 0;
  std::vector<entry>& entries_;
  std::vector<T>& sum_;
};

/// The variable's shape, once its mutex is held and it is initialised.
inline dims held_shape(held_slot& var) {
  var.require_initialized();
  return var.shape();
}
}  // namespace detail

/// SparseApplyGradientDescent: var[indices[i]] -= lr * values[i] for each i
/// (TF1's scatter_sub of values * lr; duplicates apply one after another).
template <class T>
void sparse_apply_gradient_descent_kernel(kernel_context& ctx) {
  const T lr = *ctx.input(0).data<T>();
  detail::held_slot var(ctx, ctx.n.attr.variable);
  std::lock_guard lock(var.mutex());
  const dims shape = detail::held_shape(var);
  detail::sparse_rows<T> rows(ctx, shape, detail::index_message::scatter);
  if (rows.row_length() == 0) return;
  T* w = var.writable<T>(shape, "var");
  const std::size_t len = rows.row_length();
  rows.each([&](std::size_t r, const T* g) {
    T* wr = w + r * len;
    for (std::size_t j = 0; j < len; ++j) wr[j] -= g[j] * lr;
  });
}

/// SparseApplyMomentum: per distinct row, accum = accum * momentum + grad;
/// var -= lr * accum, or with Nesterov var -= grad * lr + accum * momentum * lr.
template <class T>
void sparse_apply_momentum_kernel(kernel_context& ctx) {
  const T lr = *ctx.input(0).data<T>();
  const momentum_attrs& at = ctx.attrs<momentum_attrs>();
  const T momentum = static_cast<T>(at.momentum);
  const bool nesterov = at.use_nesterov;
  detail::held_slot var(ctx, ctx.n.attr.variable), accum(ctx, at.accum);
  std::scoped_lock lock(var.mutex(), accum.mutex());
  const dims shape = detail::held_shape(var);
  detail::sparse_rows<T> rows(ctx, shape, detail::index_message::sparse_apply);
  if (rows.row_length() == 0) return;
  T* w = var.writable<T>(shape, "var");
  T* a = accum.writable<T>(shape, "accum");
  const std::size_t len = rows.row_length();
  rows.each_unique([&](std::size_t r, const T* g) {
    T* wr = w + r * len;
    T* ar = a + r * len;
    for (std::size_t j = 0; j < len; ++j) {
      ar[j] = ar[j] * momentum + g[j];
      if (nesterov) wr[j] -= g[j] * lr + ar[j] * momentum * lr;
      else wr[j] -= lr * ar[j];
    }
  });
}

/// SparseApplyRMSProp: per distinct row, ms += (grad^2 - ms) * (1 - rho);
/// mom = mom * momentum + lr * grad / sqrt(ms + epsilon); var -= mom.
template <class T>
void sparse_apply_rms_prop_kernel(kernel_context& ctx) {
  const T lr = *ctx.input(0).data<T>();
  const rmsprop_attrs& at = ctx.attrs<rmsprop_attrs>();
  const T rho = static_cast<T>(at.rho), momentum = static_cast<T>(at.momentum), eps = static_cast<T>(at.epsilon);
  detail::held_slot var(ctx, ctx.n.attr.variable), mss(ctx, at.ms), moms(ctx, at.mom);
  std::scoped_lock lock(var.mutex(), mss.mutex(), moms.mutex());
  const dims shape = detail::held_shape(var);
  detail::sparse_rows<T> rows(ctx, shape, detail::index_message::sparse_apply);
  if (rows.row_length() == 0) return;
  T* w = var.writable<T>(shape, "var");
  T* ms = mss.writable<T>(shape, "ms");
  T* mom = moms.writable<T>(shape, "mom");
  const std::size_t len = rows.row_length();
  const T one_rho = T(1) - rho;
  rows.each_unique([&](std::size_t r, const T* g) {
    const std::size_t o = r * len;
    detail::simd_for<T>(len, [&]<class V>(std::size_t i) {
      using detail::load;
      const V gi = load<V>(g + i), ms0 = load<V>(ms + o + i);
      const V msi = ms0 + (gi * gi - ms0) * V(one_rho);
      detail::store(ms + o + i, msi);
      const V mi = load<V>(mom + o + i) * V(momentum) + V(lr) * gi / detail::vsqrt(msi + V(eps));
      detail::store(mom + o + i, mi);
      detail::store(w + o + i, load<V>(w + o + i) - mi);
    });
  });
}

/// SparseApplyAdagrad: per distinct row, accum += grad^2; var -= lr * grad / sqrt(accum).
template <class T>
void sparse_apply_adagrad_kernel(kernel_context& ctx) {
  const T lr = *ctx.input(0).data<T>();
  detail::held_slot var(ctx, ctx.n.attr.variable), acc(ctx, ctx.attrs<adagrad_attrs>().accum);
  std::scoped_lock lock(var.mutex(), acc.mutex());
  const dims shape = detail::held_shape(var);
  detail::sparse_rows<T> rows(ctx, shape, detail::index_message::sparse_apply);
  if (rows.row_length() == 0) return;
  T* w = var.writable<T>(shape, "var");
  T* a = acc.writable<T>(shape, "accum");
  const std::size_t len = rows.row_length();
  rows.each_unique([&](std::size_t r, const T* g) {
    const std::size_t o = r * len;
    detail::simd_for<T>(len, [&]<class V>(std::size_t i) {
      using detail::load;
      const V gi = load<V>(g + i);
      const V ai = load<V>(a + o + i) + gi * gi;
      detail::store(a + o + i, ai);
      detail::store(w + o + i, load<V>(w + o + i) - V(lr) * gi / detail::vsqrt(ai));
    });
  });
}

/// SparseApplyAdam, TF1's sparse Adam: with lr_t = lr * sqrt(1 - beta2^t) /
/// (1 - beta1^t), every row: m = m * beta1, v = v * beta2; the rows of the
/// (summed) gradient: m += grad * (1 - beta1), v += grad^2 * (1 - beta2); then
/// every row: var -= lr_t * m / (sqrt(v) + epsilon). adam_attrs as ApplyAdam's.
template <class T>
void sparse_apply_adam_kernel(kernel_context& ctx) {
  const T lr = *ctx.input(0).data<T>();
  const adam_attrs& at = ctx.attrs<adam_attrs>();
  const detail::adam_step<T> step(ctx, at, lr);
  const T beta1 = step.beta1, beta2 = step.beta2, eps = step.eps, lr_t = step.lr_t;
  detail::held_slot var(ctx, ctx.n.attr.variable), ms(ctx, at.m), vs(ctx, at.v);
  std::scoped_lock lock(var.mutex(), ms.mutex(), vs.mutex());
  const dims shape = detail::held_shape(var);
  detail::sparse_rows<T> rows(ctx, shape, detail::index_message::scatter);
  const std::size_t len = rows.row_length();
  if (len == 0) return;
  T* w = var.writable<T>(shape, "var");
  T* m = ms.writable<T>(shape, "m");
  T* v = vs.writable<T>(shape, "v");
  const T one_b1 = T(1) - beta1, one_b2 = T(1) - beta2;
  // Rows [from, to) without gradient: decay only.
  const auto decay = [&](std::size_t from, std::size_t to) {
    const std::size_t o = from * len;
    detail::simd_for<T>((to - from) * len, [&]<class V>(std::size_t i) {
      using detail::load;
      const V mi = load<V>(m + o + i) * V(beta1), vi = load<V>(v + o + i) * V(beta2);
      detail::store(m + o + i, mi);
      detail::store(v + o + i, vi);
      detail::store(w + o + i, load<V>(w + o + i) - V(lr_t) * mi / (detail::vsqrt(vi) + V(eps)));
    });
  };
  std::size_t next = 0;  // the first row not yet updated
  rows.each_unique([&](std::size_t r, const T* g) {
    decay(next, r);
    const std::size_t o = r * len;
    detail::simd_for<T>(len, [&]<class V>(std::size_t i) {
      using detail::load;
      const V gi = load<V>(g + i);
      const V mi = load<V>(m + o + i) * V(beta1) + gi * V(one_b1);
      const V vi = load<V>(v + o + i) * V(beta2) + gi * gi * V(one_b2);
      detail::store(m + o + i, mi);
      detail::store(v + o + i, vi);
      detail::store(w + o + i, load<V>(w + o + i) - V(lr_t) * mi / (detail::vsqrt(vi) + V(eps)));
    });
    next = r + 1;
  });
  decay(next, shape[0]);
}

}  // namespace sessionlib::kernels
