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
SESSIONLIB_DECLARE void variable_read_kernel(kernel_context& ctx);

/// Assign: the variable takes input 0's value (whose shape must fit the
/// variable's static shape); the output is the new value.
template <class T>
void assign_kernel(kernel_context& ctx);

/// AssignAdd: variable += input 0 (same shape); the output is the new value.
template <class T>
void assign_add_kernel(kernel_context& ctx);

/// AssignSub: variable -= input 0 (same shape); the output is the new value.
template <class T>
void assign_sub_kernel(kernel_context& ctx);

/// IsVariableInitialized: a bool scalar.
SESSIONLIB_DECLARE void is_initialized_kernel(kernel_context& ctx);

/// ReportUninitializedVariables: for each variable index of variables_attrs,
/// true when it has no value in this session.
SESSIONLIB_DECLARE void report_uninitialized_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "state_impl.hpp"
#endif
