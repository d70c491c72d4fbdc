// The bodies of the kernels state.hpp declares: included by state.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include "state.hpp"

namespace sessionlib::kernels {

/// A variable's node: its output shares the session's current value.
SESSIONLIB_INLINE void variable_read_kernel(kernel_context& ctx) {
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
SESSIONLIB_INLINE void is_initialized_kernel(kernel_context& ctx) {
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
SESSIONLIB_INLINE void report_uninitialized_kernel(kernel_context& ctx) {
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
