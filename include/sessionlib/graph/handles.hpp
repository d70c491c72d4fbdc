// Handles: small non-owning values ({graph, node id}) whose C++ type carries the
// element type and static shape. Variable<T, S> (ops/state.hpp) is one too.
#pragma once

#include <concepts>
#include <initializer_list>
#include <string>

#include "../config.hpp"
#include "../core/shape.hpp"
#include "graph.hpp"

namespace sessionlib {

struct feed_entry;

/// TF's `None`: what fetching an Operation returns.
struct none_t {
  friend constexpr bool operator==(none_t, none_t) noexcept { return true; }
};
inline constexpr none_t none{};

/// A node run for its effect (initializer, train op, group, no_op).
class Operation {
 public:
  Operation() = default;
  Operation(Graph* g, node_id id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  node_id id() const noexcept { return id_; }
  const std::string& name() const { return g_->at(id_).name; }
  /// Runs this operation in the thread's default session (session/default_session.hpp).
  void run(std::initializer_list<feed_entry> feeds = {}) const;
  /// Runs this operation in `session` (TF's `op.run(session=sess)`).
  void run(const Session& session, std::initializer_list<feed_entry> feeds = {}) const;
  friend bool operator==(const Operation& a, const Operation& b) noexcept { return a.g_ == b.g_ && a.id_ == b.id_; }

 private:
  Graph* g_ = nullptr;
  node_id id_ = no_node;
};

/// One output of a node (TF's tf.Tensor): element type `T`, static shape `S`.
template <class T, class S>
class Tensor {
  static_assert(Element<T>, "sessionlib: Tensor: T must be float, double, int32, int64, uint8 or bool");
  static_assert(Shape<S>, "sessionlib: Tensor: S must be sl::shape<...>");

 public:
  using value_type = T;
  using shape_type = S;
  static constexpr std::size_t rank = S::rank();

  Tensor() = default;
  /// Output `id.index` of node `id.node` (a node id alone: its output 0).
  Tensor(Graph* g, output_ref id) noexcept : g_(g), id_(id) {}

  Graph& graph() const noexcept { return *g_; }
  /// The output it is: (node, index).
  output_ref id() const noexcept { return id_; }
  /// TF's value_index: which output of its node it is.
  std::uint32_t value_index() const noexcept { return id_.index; }
  /// TF's tensor name: "op_name:index".
  std::string name() const { return g_->tensor_name(id_); }
  /// The name of the node that produces it.
  const std::string& op_name() const { return g_->at(id_.node).name; }
  /// The producing node as an Operation (to use as a control input or target).
  Operation op() const noexcept { return Operation(g_, id_.node); }
  static constexpr sessionlib::dtype dtype() noexcept { return dtype_of<T>; }
  /// Itself: what makes a Tensor TensorLike.
  const Tensor& tensor() const noexcept { return *this; }
  /// Evaluates in the thread's default session (session/default_session.hpp).
  auto eval(std::initializer_list<feed_entry> feeds = {}) const;
  /// Evaluates in `session` (TF's `t.eval(session=sess)`).
  auto eval(const Session& session, std::initializer_list<feed_entry> feeds = {}) const;

  friend bool operator==(const Tensor& a, const Tensor& b) noexcept { return a.g_ == b.g_ && a.id_ == b.id_; }

 private:
  Graph* g_ = nullptr;
  output_ref id_{};
};

/// The shape argument of a placeholder of unknown rank (TF's shape=None):
/// `sl::placeholder<float, sl::unknown_rank>(g, "x")`.
struct unknown_rank {};

/// A tensor whose rank is known only at run time: a placeholder of unknown
/// rank, fed any xtensor expression of element type T (an xt::xarray), fetched
/// as an sl::any_array. It is not an operand of typed ops (they need the rank).
template <class T>
class UnknownRankTensor {
  static_assert(Element<T>, "sessionlib: UnknownRankTensor: T must be float, double, int32, int64, uint8 or bool");

 public:
  using value_type = T;

  UnknownRankTensor() = default;
  UnknownRankTensor(Graph* g, output_ref id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  output_ref id() const noexcept { return id_; }
  /// TF's tensor name: "op_name:index".
  std::string name() const { return g_->tensor_name(id_); }
  const std::string& op_name() const { return g_->at(id_.node).name; }
  Operation op() const noexcept { return Operation(g_, id_.node); }
  static constexpr sessionlib::dtype dtype() noexcept { return dtype_of<T>; }

 private:
  Graph* g_ = nullptr;
  output_ref id_{};
};

namespace detail {
template <class X> struct is_tensor_impl : std::false_type {};
template <class T, class S> struct is_tensor_impl<Tensor<T, S>> : std::true_type {};
}  // namespace detail

/// Anything that stands for a typed tensor: Tensor, Variable.
template <class X>
concept TensorLike = requires(const X& x) {
  typename X::value_type;
  typename X::shape_type;
  { x.tensor() } -> std::convertible_to<Tensor<typename X::value_type, typename X::shape_type>>;
};

/// The Tensor a TensorLike stands for.
template <TensorLike X>
Tensor<typename X::value_type, typename X::shape_type> as_tensor(const X& x) { return x.tensor(); }

template <TensorLike X> using value_type_of = typename X::value_type;
template <TensorLike X> using shape_of = typename X::shape_type;

template <class T, class S>
Tensor<T, S> Graph::tensor(std::string_view name) {
  const output_ref id = lookup(name);
  const node& n = at(id);
  if (!n.has_output)
    throw invalid_argument("Can not convert '" + std::string(name) + "' into a Tensor: operation '" + n.name +
                               "' has no output",
                           n.name);
  const dtype type = n.output_type(id.index);
  const auto& shape = n.output_shape(id.index);
  // A loop, not std::equal: g++ 12 at -O1 warns (-Wnonnull) about the memcmp
  // std::equal becomes for a rank-0 S, whose extents have no data.
  bool same = shape.size() == S::rank();
  for (std::size_t i = 0; same && i < S::rank(); ++i) same = shape[i] == S::extents[i];
  if (type != dtype_of<T> || !same)
    throw invalid_argument("Tensor '" + tensor_name(id) + "' has dtype " + std::string(dtype_name(type)) +
                               " and shape " + static_shape_string(shape) + ", not dtype " +
                               std::string(dtype_name(dtype_of<T>)) + " and shape " + static_shape_string(S::extents),
                           n.name);
  return Tensor<T, S>(this, id);
}

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE Operation Graph::operation(std::string_view name) { return Operation(this, lookup(name).node); }
#endif

}  // namespace sessionlib
