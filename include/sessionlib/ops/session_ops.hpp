// Tensor handles (TF's tf.get_session_handle, tf.get_session_tensor,
// tf.delete_session_tensor): a value kept inside the session between runs,
// fed back by handle without being copied out.
//
//     auto h = sess.run(sl::get_session_handle(c));               // sl::TensorHandle<float, sl::shape<>>
//     auto [hp, ht] = sl::get_session_tensor<float, sl::shape<>>(g);
//     float twice = sess.run(ht * 2.f, {{hp, h}});                 // ht reads the kept value
//     auto [dp, del] = sl::delete_session_tensor(g);
//     sess.run(del, {{dp, h}});                                    // or h.delete_tensor()
//
// A handle's placeholder is a string scalar, as TF's; users feed it
// TensorHandles (a handle's string is checked when the op runs).
#pragma once

#include <string>

#include "../config.hpp"
#include "../graph/builder.hpp"
#include "../graph/session_handles.hpp"
#include "../runtime/kernels/elementwise.hpp"
#include "../runtime/kernels/session_ops.hpp"
#include "constant.hpp"

namespace sessionlib {

/// TF's get_session_handle: fetching the result keeps `x`'s value in the
/// session and yields an sl::TensorHandle of x's dtype and shape.
template <TensorLike X>
SessionHandle<value_type_of<X>, shape_of<X>> get_session_handle(const X& x, const std::string& name = "") {
  using S = shape_of<X>;
  const auto t = as_tensor(x);
  const node_id id = add_static_node(t.graph(),
                                     {.op = "GetSessionHandle", .name = name, .inputs = {t.id()},
                                      .kernel = kernels::identity_kernel, .stateful = true},
                                     dtype_of<value_type_of<X>>, S::extents.data(), S::extents.size());
  return {&t.graph(), output_ref{id}};
}

/// get_session_tensor's result: the placeholder fed a handle, and the tensor
/// it yields (`auto [hp, ht] = sl::get_session_tensor<T, S>(g)`).
template <class T, class S>
struct session_tensor {
  HandlePlaceholder<T, S> handle;
  Tensor<T, S> tensor;
};

/// delete_session_tensor's result: the placeholder fed a handle, and the op
/// that drops its tensor from the session.
struct session_tensor_deleter {
  HandlePlaceholder<> handle;
  Operation deleter;
};

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// A placeholder for a handle string: a string scalar, as TF's.
SESSIONLIB_INLINE output_ref add_handle_placeholder(Graph& g) {
  return add_static_node(g, {.op = "Placeholder", .kernel = kernels::placeholder_kernel}, dtype::string, nullptr,
                         0);
}
#else
SESSIONLIB_DECLARE output_ref add_handle_placeholder(Graph& g);
#endif
}  // namespace detail

/// TF's get_session_tensor: a placeholder fed a TensorHandle<T, S2> (S2 fitting
/// S, checked at compile time) and the Tensor<T, S> it yields: the kept value
/// itself, shared with the session's store, not copied.
template <Element T, Shape S>
session_tensor<T, S> get_session_tensor(Graph& g, const std::string& name = "") {
  const output_ref h = detail::add_handle_placeholder(g);
  auto t = make_tensor<T, S>(g, {.op = "GetSessionTensor", .name = name, .inputs = {h},
                                 .kernel = kernels::get_session_tensor_kernel, .stateful = true});
  return {HandlePlaceholder<T, S>(&g, h), t};
}
template <Element T, Shape S>
session_tensor<T, S> get_session_tensor(const std::string& name = "") {
  return get_session_tensor<T, S>(get_default_graph(), name);
}

/// TF's delete_session_tensor: a placeholder fed any TensorHandle and the op
/// that drops its tensor ("Failed to delete a tensor with handle '...' in the
/// session store." when it is not kept).
#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE session_tensor_deleter delete_session_tensor(Graph& g, const std::string& name = "") {
  const output_ref h = detail::add_handle_placeholder(g);
  Operation del = make_operation(g, {.op = "DeleteSessionTensor", .name = name, .inputs = {h},
                                     .kernel = kernels::delete_session_tensor_kernel, .stateful = true});
  return {HandlePlaceholder<>(&g, h), del};
}
SESSIONLIB_INLINE session_tensor_deleter delete_session_tensor(const std::string& name = "") {
  return delete_session_tensor(get_default_graph(), name);
}
#else
SESSIONLIB_DECLARE session_tensor_deleter delete_session_tensor(Graph& g, const std::string& name = "");
SESSIONLIB_DECLARE session_tensor_deleter delete_session_tensor(const std::string& name = "");
#endif

}  // namespace sessionlib
