// Kernels of variables: read, assign, assign_add/sub, is-initialized and the
// uninitialized report; and `locked_variable`, the helper every kernel that
// updates a variable in place (optimizer apply kernels) goes through.
//
// The protocol: a variable's value lives in its session's `variable_slot`.
// Readers take a shared reference to the buffer under the slot's mutex and read
// it after releasing the mutex; writers hold the mutex and write in place only
// when no reader holds the buffer, else they write a fresh buffer (copy on
// write). So a reader never sees a torn value, and updates are serialised.
#pragma once

#include <cstring>
#include <mutex>
#include <string>

#include "../kernel.hpp"
#include "elementwise.hpp"

namespace sessionlib::kernels {

/// "Attempting to use uninitialized value w", naming variable `index` of `g`.
[[noreturn]] inline void throw_uninitialized(const Graph& g, std::int32_t index) {
  const std::string& name = g.at(g.variable_node(static_cast<std::size_t>(index))).name;
  throw failed_precondition("Attempting to use uninitialized value " + name, name);
}

/// True when `a` owns its buffer and no reader holds it, so it may be written in place.
/// Copying the handle is an acquire on the reference count: it orders the last
/// reader's release of the buffer before our writes (use_count() alone is a
/// relaxed load, which would leave the reader's reads and our writes unordered).
inline bool writable_in_place(const any_array& a) noexcept {
  if (!a.unique()) return false;
  any_array acquire = a;
  return true;
}

/// The variable a kernel updates, locked for the kernel's lifetime.
///
///     locked_variable v(ctx);              // locks; fails if uninitialized
///     T* w = v.writable<T>();              // in place, or a private copy
///     for (...) w[i] -= lr * g[i];
///     ctx.out = v.value();                 // optional: output the new value
///
/// For optimizer apply kernels: the update is atomic with respect to other
/// updates of the same variable, and readers holding the old buffer keep it.
class locked_variable {
 public:
  /// Locks the slot of `ctx`'s variable (`ctx.n.attr.variable`); throws
  /// sl::failed_precondition "Attempting to use uninitialized value w" when
  /// `require_initialized` and it has no value in this session.
  explicit locked_variable(kernel_context& ctx, bool require_initialized = true)
      : slot_(ctx.variable()), lock_(slot_.m) {
    if (require_initialized && !slot_.initialized) throw_uninitialized(ctx.graph, ctx.n.attr.variable);
  }
  locked_variable(const locked_variable&) = delete;
  locked_variable& operator=(const locked_variable&) = delete;

  bool initialized() const noexcept { return slot_.initialized; }
  /// The current value (shared; do not write through it: use writable()).
  const any_array& value() const noexcept { return slot_.value; }
  const dims& shape() const noexcept { return slot_.value.shape(); }

  /// The value's buffer, made safe to write: in place when no reader holds
  /// it, else a private copy of the current value (copy on write).
  template <class T>
  T* writable() {
    if (!writable_in_place(slot_.value)) slot_.value = slot_.value.clone();
    return slot_.value.template data<T>();
  }

  /// A buffer of `type` and `shape` to overwrite entirely (old contents are
  /// undefined): in place when possible; marks the variable initialized.
  template <class T>
  T* overwrite(const dims& shape) {
    if (!(writable_in_place(slot_.value) && slot_.value.dtype() == dtype_of<T> && slot_.value.shape() == shape))
      slot_.value = any_array(dtype_of<T>, shape);
    slot_.initialized = true;
    return slot_.value.template data<T>();
  }

 private:
  variable_slot& slot_;
  std::unique_lock<std::mutex> lock_;
};

/// A variable's node: its output shares the session's current value.
inline void variable_read_kernel(kernel_context& ctx) {
  variable_slot& slot = ctx.variable();
  std::unique_lock lock(slot.m);
  if (!slot.initialized) {
    lock.unlock();
    throw_uninitialized(ctx.graph, ctx.n.attr.variable);
  }
  ctx.out = slot.value;
}

/// Assign: the variable takes input 0's value (whose shape must fit the
/// variable's static shape); the output is the new value.
template <class T>
void assign_kernel(kernel_context& ctx) {
  const any_array& v = ctx.input(0);
  if (!shape_fits(ctx.n.shape, v.shape())) {
    std::string lhs = "[";
    for (std::size_t i = 0; i < ctx.n.shape.size(); ++i) {
      if (i) lhs.push_back(',');
      lhs.append(ctx.n.shape[i] < 0 ? std::string("?") : std::to_string(ctx.n.shape[i]));
    }
    ctx.fail("Assign requires shapes of both tensors to match. lhs shape= " + lhs + "] rhs shape= " +
             bracket_shape(v.shape()));
  }
  locked_variable var(ctx, /*require_initialized=*/false);
  T* out = var.overwrite<T>(v.shape());
  if (v.size()) std::memcpy(out, v.data<T>(), v.size() * sizeof(T));
  ctx.out = var.value();
}

namespace detail {
template <class T, bool Subtract>
void assign_update(kernel_context& ctx) {
  const any_array& d = ctx.input(0);
  locked_variable var(ctx);
  if (!(var.shape() == d.shape()))
    ctx.fail("Cannot update variable with shape " + bracket_shape(var.shape()) + " using a Tensor with shape " +
             bracket_shape(d.shape()) + ", shapes must be equal.");
  const T* pd = d.data<T>();
  T* pv = var.writable<T>();
  const std::size_t n = d.size();
  if constexpr (Subtract) {
    for (std::size_t i = 0; i < n; ++i) pv[i] = static_cast<T>(pv[i] - pd[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i) pv[i] = static_cast<T>(pv[i] + pd[i]);
  }
  ctx.out = var.value();
}
}  // namespace detail

/// AssignAdd: variable += input 0 (same shape); the output is the new value.
template <class T>
void assign_add_kernel(kernel_context& ctx) { detail::assign_update<T, false>(ctx); }

/// AssignSub: variable -= input 0 (same shape); the output is the new value.
template <class T>
void assign_sub_kernel(kernel_context& ctx) { detail::assign_update<T, true>(ctx); }

/// IsVariableInitialized: a bool scalar.
inline void is_initialized_kernel(kernel_context& ctx) {
  variable_slot& slot = ctx.variable();
  bool init;
  {
    std::lock_guard lock(slot.m);
    init = slot.initialized;
  }
  ctx.out.ensure(dtype::bool_, dims{});
  *ctx.out.data<bool>() = init;
}

/// ReportUninitializedVariables: for each variable index of variables_attrs,
/// true when it has no value in this session.
inline void report_uninitialized_kernel(kernel_context& ctx) {
  const auto& idx = ctx.attrs<variables_attrs>().variables;
  ctx.out.ensure(dtype::bool_, dims{idx.size()});
  bool* out = ctx.out.data<bool>();
  for (std::size_t i = 0; i < idx.size(); ++i) {
    variable_slot& slot = ctx.state.variable(static_cast<std::int32_t>(idx[i]));
    std::lock_guard lock(slot.m);
    out[i] = !slot.initialized;
  }
}

}  // namespace sessionlib::kernels
