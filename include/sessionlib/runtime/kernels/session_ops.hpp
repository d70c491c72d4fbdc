// Kernels of tensor handles (TF's GetSessionTensor, DeleteSessionTensor): they
// read the handle string fed to their input (a string scalar, as TF's) and
// look it up in the session's tensor_store (runtime/state.hpp).
// GetSessionHandle itself is an identity: fetching it stores the value
// (session/tensor_handle.hpp), so only fetched handles keep a tensor, as TF's.
#pragma once

#include <string>
#include <string_view>

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// The handle string fed as a handle placeholder's value (a string scalar).
inline std::string_view handle_string(const any_array& a) noexcept {
  return *static_cast<const std::string*>(a.raw());
}

#if SESSIONLIB_DEFINITIONS
/// GetSessionTensor: the kept tensor, shared (never copied); it must fit the
/// node's dtype and static shape.
SESSIONLIB_INLINE void get_session_tensor_kernel(kernel_context& ctx) {
  const std::string_view handle = handle_string(ctx.input(0));
  any_array v = ctx.state.tensors()->get(handle);
  if (v.dtype() != ctx.n.type || !shape_fits(ctx.n.shape, v.shape()))
    ctx.fail("The tensor with handle '" + std::string(handle) + "' has dtype " + std::string(dtype_name(v.dtype())) +
             " and shape " + to_string(v.shape()) + ", which does not fit Tensor '" + ctx.n.name + ":0' of dtype " +
             std::string(dtype_name(ctx.n.type)) + " and shape " + static_shape_string(ctx.n.shape));
  ctx.out = std::move(v);
}

/// DeleteSessionTensor: drops the kept tensor (TF's message when it is not kept).
SESSIONLIB_INLINE void delete_session_tensor_kernel(kernel_context& ctx) {
  ctx.state.tensors()->erase(handle_string(ctx.input(0)));
}
#else
SESSIONLIB_DECLARE void get_session_tensor_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE void delete_session_tensor_kernel(kernel_context& ctx);
#endif

}  // namespace sessionlib::kernels
