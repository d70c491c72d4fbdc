// The graph side of tensor handles (TF's get_session_handle / get_session_tensor):
// a SessionHandle<T, S> is what fetching yields a TensorHandle<T, S> (the value
// stays in the session); a HandlePlaceholder<T, S> is fed one. Both are small
// non-owning values like Tensor, and neither is TensorLike: a handle is no
// operand of ops. The ops are in ops/session_ops.hpp, TensorHandle in
// session/tensor_handle.hpp.
#pragma once

#include <string>

#include "handles.hpp"

namespace sessionlib {

/// A get_session_handle op's output: fetching it keeps the value of a
/// Tensor<T, S> in the session and yields an sl::TensorHandle<T, S>.
template <class T, class S>
class SessionHandle {
 public:
  using value_type = T;
  using shape_type = S;
  SessionHandle() = default;
  SessionHandle(Graph* g, output_ref id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  output_ref id() const noexcept { return id_; }
  /// TF's tensor name, "GetSessionHandle:0".
  std::string name() const { return g_->tensor_name(id_); }
  /// The get_session_handle op (a target, or a control input).
  Operation op() const noexcept { return Operation(g_, id_.node); }

 private:
  Graph* g_ = nullptr;
  output_ref id_{};
};

/// Where a run is fed a tensor handle: get_session_tensor's placeholder (fed an
/// sl::TensorHandle<T, S2> whose S2 fits S, checked at compile time), or, with
/// T = void, delete_session_tensor's (fed any handle).
template <class T = void, class S = void>
class HandlePlaceholder {
 public:
  using value_type = T;
  using shape_type = S;
  HandlePlaceholder() = default;
  HandlePlaceholder(Graph* g, output_ref id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  output_ref id() const noexcept { return id_; }
  std::string name() const { return g_->tensor_name(id_); }

 private:
  Graph* g_ = nullptr;
  output_ref id_{};
};

}  // namespace sessionlib
