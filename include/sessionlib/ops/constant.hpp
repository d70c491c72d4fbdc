// Sources: constants (scalars, C-array literals, xtensor containers) and placeholders.
#pragma once

#include <cstring>
#include <string>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernel.hpp"

namespace sessionlib {

namespace kernels {
/// A constant's output shares the value stored on the node: nothing is copied.
inline void constant_kernel(kernel_context& ctx) { ctx.out = ctx.n.attr.value; }

inline void placeholder_kernel(kernel_context& ctx) {
  // TF names no shape for a placeholder of unknown rank.
  throw invalid_argument("You must feed a value for placeholder tensor '" + ctx.n.name + "' with dtype " +
                             std::string(dtype_message_name(ctx.n.type)) +
                             (ctx.n.unknown_rank ? std::string() : " and shape " + static_shape_string(ctx.n.shape)),
                         ctx.n.name);
}
}  // namespace kernels

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// A Const node holding `value`, of dtype `type` and the static shape `rank`
/// extents at `extents`: one copy for all static shapes.
SESSIONLIB_INLINE node_id constant_erased(Graph& g, any_array value, const std::string& name, dtype type,
                                          const std::ptrdiff_t* extents, std::size_t rank) {
  attributes a;
  a.value = std::move(value);
  return add_static_node(g, {.op = "Const", .name = name, .kernel = kernels::constant_kernel, .attr = std::move(a)},
                         type, extents, rank);
}
#else
SESSIONLIB_DECLARE node_id constant_erased(Graph& g, any_array value, const std::string& name, dtype type,
                                           const std::ptrdiff_t* extents, std::size_t rank);
#endif
template <class T, class S>
Tensor<T, S> constant_node(Graph& g, any_array value, const std::string& name) {
  return Tensor<T, S>(&g, constant_erased(g, std::move(value), name, dtype_of<T>, S::extents.data(), S::extents.size()));
}

template <class T> struct c_array_traits { using element = T; using shape_type = shape<>; };
template <class T, std::size_t N> struct c_array_traits<T[N]> {
  using element = typename c_array_traits<T>::element;
  template <class> struct prepend;
  template <std::ptrdiff_t... D> struct prepend<shape<D...>> { using type = shape<static_cast<std::ptrdiff_t>(N), D...>; };
  using shape_type = typename prepend<typename c_array_traits<T>::shape_type>::type;
};

template <class A>
any_array from_c_array(const A& a) {
  using tr = c_array_traits<A>;
  using T = typename tr::element;
  using S = typename tr::shape_type;
  dims d(S::extents.begin(), S::extents.end());
  any_array v(dtype_of<T>, d);
  // Nested C arrays are contiguous, row-major.
  any_array::copy_elements(dtype_of<T>, v.raw(), &a, sizeof(A) / sizeof(T));
  return v;
}
}  // namespace detail

/// A scalar constant: Tensor<T, shape<>>.
template <Element T>
Tensor<T, shape<>> constant(Graph& g, T value, const std::string& name = "") {
  any_array v(dtype_of<T>, dims{});
  *v.data<T>() = value;
  return detail::constant_node<T, shape<>>(g, std::move(v), name);
}
/// A string constant from a literal: `constant(g, "abc")` is Tensor<std::string, shape<>>.
inline Tensor<std::string, shape<>> constant(Graph& g, const char* value, const std::string& name = "") {
  return constant(g, std::string(value), name);
}
/// A 1-D constant from a literal: `constant(g, {10, 20})` is Tensor<int, shape<2>>.
template <Element T, std::size_t N>
Tensor<T, shape<N>> constant(Graph& g, const T (&values)[N], const std::string& name = "") {
  return detail::constant_node<T, shape<N>>(g, detail::from_c_array(values), name);
}
/// A 2-D constant from a nested literal: `{{1.f, 2.f}, {3.f, 4.f}}` is Tensor<float, shape<2, 2>>.
template <Element T, std::size_t M, std::size_t N>
Tensor<T, shape<M, N>> constant(Graph& g, const T (&values)[M][N], const std::string& name = "") {
  return detail::constant_node<T, shape<M, N>>(g, detail::from_c_array(values), name);
}
/// A 3-D constant from a nested literal.
template <Element T, std::size_t L, std::size_t M, std::size_t N>
Tensor<T, shape<L, M, N>> constant(Graph& g, const T (&values)[L][M][N], const std::string& name = "") {
  return detail::constant_node<T, shape<L, M, N>>(g, detail::from_c_array(values), name);
}
/// A constant from an xtensor expression; static shape S (default: all dynamic)
/// is checked against the value's shape.
template <class S = void, class E>
  requires xt::is_xexpression<E>::value
auto constant(Graph& g, const E& value, const std::string& name = "") {
  using T = typename E::value_type;
  any_array v = any_array::from_expression(value);
  if constexpr (std::is_void_v<S>) {
    using evaluated = std::decay_t<decltype(xt::eval(value))>;
    constexpr std::size_t N = std::tuple_size<typename evaluated::shape_type>::value;  // xarray: give S explicitly
    return detail::constant_node<T, dyn_shape<N>>(g, std::move(v), name);
  } else {
    if (!shape_fits(S::extents, v.shape()))
      throw invalid_argument("constant: value of shape " + to_string(v.shape()) + " does not fit shape " +
                             static_shape_string(S::extents));
    return detail::constant_node<T, S>(g, std::move(v), name);
  }
}

/// Default-graph forms.
template <Element T> Tensor<T, shape<>> constant(T value, const std::string& name = "") {
  return constant(get_default_graph(), value, name);
}
template <Element T, std::size_t N> Tensor<T, shape<N>> constant(const T (&values)[N], const std::string& name = "") {
  return constant(get_default_graph(), values, name);
}
template <Element T, std::size_t M, std::size_t N>
Tensor<T, shape<M, N>> constant(const T (&values)[M][N], const std::string& name = "") {
  return constant(get_default_graph(), values, name);
}

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// A Placeholder node of dtype `type` and the static shape of `rank` extents:
/// what placeholder<T, S> adds, built here rather than in each unit.
SESSIONLIB_INLINE node_id placeholder_node(Graph& g, dtype type, const std::ptrdiff_t* extents, std::size_t rank,
                                           const std::string& name) {
  return add_static_node(g, {.op = "Placeholder", .name = name, .kernel = kernels::placeholder_kernel}, type, extents,
                         rank);
}
/// A Placeholder node of dtype `type` and unknown rank.
SESSIONLIB_INLINE output_ref unknown_rank_placeholder(Graph& g, dtype type, const std::string& name) {
  node n = make_node({.op = "Placeholder", .name = name, .kernel = kernels::placeholder_kernel}, type, {});
  n.unknown_rank = true;
  return output_ref{g.add_node(std::move(n))};
}
#else
SESSIONLIB_DECLARE node_id placeholder_node(Graph& g, dtype type, const std::ptrdiff_t* extents, std::size_t rank,
                                            const std::string& name);
SESSIONLIB_DECLARE output_ref unknown_rank_placeholder(Graph& g, dtype type, const std::string& name);
#endif
}  // namespace detail

/// A placeholder: a tensor that must be fed.
template <Element T, Shape S = shape<>>
Tensor<T, S> placeholder(Graph& g, const std::string& name = "") {
  return Tensor<T, S>(&g, detail::placeholder_node(g, dtype_of<T>, S::extents.data(), S::extents.size(), name));
}
template <Element T, Shape S = shape<>>
Tensor<T, S> placeholder(const std::string& name = "") {
  return placeholder<T, S>(get_default_graph(), name);
}

/// A placeholder of unknown rank (TF's `tf.placeholder(tf.float32, shape=None)`):
/// `sl::placeholder<float, sl::unknown_rank>(g, "x")` is fed an expression of
/// any rank (an xt::xarray) and fetched as an sl::any_array.
template <Element T, class S>
  requires std::is_same_v<S, unknown_rank>
UnknownRankTensor<T> placeholder(Graph& g, const std::string& name = "") {
  return UnknownRankTensor<T>(&g, detail::unknown_rank_placeholder(g, dtype_of<T>, name));
}
template <Element T, class S>
  requires std::is_same_v<S, unknown_rank>
UnknownRankTensor<T> placeholder(const std::string& name = "") {
  return placeholder<T, S>(get_default_graph(), name);
}
/// `sl::placeholder(g, "x")` without the dtype and shape: reported (they are
/// template arguments, so the tensor's type can carry them).
template <class... None, class... Args>
  requires(sizeof...(None) == 0)
auto placeholder(Args&&...) {
  [[maybe_unused]] constexpr bool reported = (report::placeholder_needs_type<None...>(), true);  // write placeholder<float, sl::shape<sl::dyn, 784>>(g, "x")
  return Tensor<float, shape<>>();
}

}  // namespace sessionlib
