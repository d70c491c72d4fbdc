// Reductions over compile-time axes: `reduce_sum<1>(x)`, `reduce_sum<0, 2>(x)`,
// `reduce_sum(x)` (every axis: a scalar), `reduce_sum<1>(x, sl::keepdims)`
// (reduced axes kept as 1). Negative axes count from the end. The result shape
// comes from algebra::reduce; argmax/argmin give std::int64_t indices.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "../runtime/kernels/reduce.hpp"
#include "op_support.hpp"

namespace sessionlib {

/// Tag asking a reduction to keep reduced axes as extent 1 (TF's keepdims=True).
struct keepdims_t {
  explicit constexpr keepdims_t() = default;
};
/// `sl::reduce_sum<1>(x, sl::keepdims)`.
inline constexpr keepdims_t keepdims{};

namespace detail {
template <class S, bool Keep, int... Axes>
struct reduce_fn {
  static constexpr std::array<int, sizeof...(Axes)> axes{Axes...};
  static constexpr auto value = algebra::reduce<S::rank(), sizeof...(Axes), Keep>(S::extents, axes);
};

/// Index of the first axis outside [-R, R), or K when all are in range.
template <std::size_t R, std::size_t K>
constexpr std::size_t first_axis_out_of_range(const std::array<int, K>& axes) {
  for (std::size_t k = 0; k < K; ++k)
    if (algebra::norm_axis(axes[k], R) >= R) return k;
  return K;
}
/// The first normalised axis listed twice, or -1.
template <std::size_t R, std::size_t K>
constexpr std::ptrdiff_t first_repeated_axis(const std::array<int, K>& axes) {
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (algebra::norm_axis(axes[i], R) == algebra::norm_axis(axes[j], R))
        return static_cast<std::ptrdiff_t>(algebra::norm_axis(axes[i], R));
  return -1;
}

/// True when Axes suit rank R; otherwise reports the offending axis.
template <std::size_t R, int... Axes>
constexpr bool check_axes() {
  constexpr std::array<int, sizeof...(Axes)> axes{Axes...};
  constexpr std::size_t bad = first_axis_out_of_range<R>(axes);
  if constexpr (bad < sizeof...(Axes)) {
    report::reduce_axis_out_of_range<axes[bad], static_cast<std::ptrdiff_t>(R)>();  // the axis, then the rank
    return false;
  } else if constexpr (constexpr std::ptrdiff_t rep = first_repeated_axis<R>(axes); rep >= 0) {
    report::reduce_axis_repeated<rep>();  // the axis listed twice
    return false;
  } else {
    return true;
  }
}

/// The reduced axes as the kernel reads them: normalised, ascending; all axes when none is given.
template <std::size_t R, int... Axes>
std::vector<std::int64_t> normalized_axes() {
  std::vector<std::int64_t> v;
  if constexpr (sizeof...(Axes) == 0) {
    for (std::size_t i = 0; i < R; ++i) v.push_back(static_cast<std::int64_t>(i));
  } else {
    (v.push_back(static_cast<std::int64_t>(algebra::norm_axis(Axes, R))), ...);
    std::sort(v.begin(), v.end());
  }
  return v;
}

/// normalized_axes as a constant array, for reduce_erased.
template <std::size_t R, int... Axes>
constexpr auto normalized_axes_array() {
  std::array<std::int64_t, sizeof...(Axes) == 0 ? R : sizeof...(Axes)> a{};
  if constexpr (sizeof...(Axes) == 0) {
    for (std::size_t i = 0; i < R; ++i) a[i] = static_cast<std::int64_t>(i);
  } else {
    std::size_t i = 0;
    ((a[i++] = static_cast<std::int64_t>(algebra::norm_axis(Axes, R))), ...);
    std::sort(a.begin(), a.end());
  }
  return a;
}

#if SESSIONLIB_DEFINITIONS
/// The reduction node `op` of x over the `naxes` axes at `axes`, of dtype
/// `type` and the static shape of `rank` extents at `extents`: reduce_op checks
/// the axes at compile time and calls this, one copy for every reduction.
SESSIONLIB_INLINE node_id reduce_erased(Graph& g, const char* op, output_ref x, const std::int64_t* axes,
                                        std::size_t naxes, bool keep_dims, kernel_fn kernel, const std::string& name,
                                        dtype type, const std::ptrdiff_t* extents, std::size_t rank) {
  attributes a{.family = reduce_attrs{.axes = std::vector<std::int64_t>(axes, axes + naxes), .keep_dims = keep_dims}};
  return add_static_node(g, {.op = op, .name = name, .inputs = {x}, .kernel = kernel, .attr = std::move(a)}, type,
                         extents, rank);
}
#else
SESSIONLIB_DECLARE node_id reduce_erased(Graph& g, const char* op, output_ref x, const std::int64_t* axes,
                                         std::size_t naxes, bool keep_dims, kernel_fn kernel, const std::string& name,
                                         dtype type, const std::ptrdiff_t* extents, std::size_t rank);
#endif

/// Builds a reduction node; BoolOnly: reduce_any/reduce_all, else numeric dtypes.
template <class Red, bool Keep, bool BoolOnly, int... Axes, TensorLike X>
auto reduce_op(const char* op, const X& x, const std::string& name) {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  if constexpr (BoolOnly && !std::is_same_v<T, bool>) {
    report::not_bool<Red, T>();  // reduce_any / reduce_all take bool tensors
    return as_tensor(x);
  } else if constexpr (!BoolOnly && !Numeric<T>) {
    report::not_numeric<Red, T>();  // use reduce_any / reduce_all on bool tensors
    return as_tensor(x);
  } else if constexpr (!check_axes<S::rank(), Axes...>()) {
    return as_tensor(x);
  } else {
    using RS = shape_from<reduce_fn<S, Keep, Axes...>>;
    constexpr auto axes = normalized_axes_array<S::rank(), Axes...>();
    return Tensor<T, RS>(&as_tensor(x).graph(),
                         reduce_erased(as_tensor(x).graph(), op, as_tensor(x).id(), axes.data(), axes.size(), Keep,
                                       kernels::reduce_kernel<T, Red>, name, dtype_of<T>, RS::extents.data(),
                                       RS::extents.size()));
  }
}

/// Builds ArgMax / ArgMin over one axis: an int64 tensor of indices.
template <bool IsMax, int Axis, TensorLike X>
auto arg_reduce_op(const char* op, const X& x, const std::string& name) {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  if constexpr (!Numeric<T>) {
    report::not_numeric<std::bool_constant<IsMax>, T>();  // argmax / argmin take numeric tensors
    return as_tensor(x);
  } else if constexpr (!check_axes<S::rank(), Axis>()) {
    return as_tensor(x);
  } else {
    using RS = shape_from<reduce_fn<S, false, Axis>>;
    attributes a{.family = axis_attrs{.axis = normalized_axes<S::rank(), Axis>().at(0)}};
    return make_tensor<std::int64_t, RS>(
        as_tensor(x).graph(), {.op = op, .name = name, .inputs = {as_tensor(x).id()},
                               .kernel = kernels::arg_reduce_kernel<T, IsMax>, .attr = std::move(a)});
  }
}
}  // namespace detail

namespace detail {
/// A run-time axis (`reduce_mean(x, 1)`, also a list of them): axes are template arguments.
template <class I>
concept RuntimeAxis = std::is_integral_v<std::remove_cvref_t<I>> ||
                      (!std::is_convertible_v<const I&, std::string_view> && requires(const I& a) {
                        { *std::begin(a) } -> std::convertible_to<int>;
                      });
template <class I, TensorLike X>
auto report_runtime_axis(const X& x) {
  // Write sl::reduce_mean<1>(x), sl::reduce_sum<0, 1>(x, sl::keepdims), sl::argmax<1>(x).
  [[maybe_unused]] constexpr bool reported = (report::axis_not_template_argument<std::remove_cvref_t<I>>(), true);
  return as_tensor(x);
}
}  // namespace detail

#define SESSIONLIB_REDUCE(fname, kind, reducer, bool_only)                                                \
  template <int... Axes, TensorLike X>                                                                   \
  auto fname(const X& x, const std::string& name = "") {                                                  \
    return detail::reduce_op<kernels::reducers::reducer, false, bool_only, Axes...>(kind, x, name);       \
  }                                                                                                      \
  template <int... Axes, TensorLike X>                                                                   \
  auto fname(const X& x, keepdims_t, const std::string& name = "") {                                      \
    return detail::reduce_op<kernels::reducers::reducer, true, bool_only, Axes...>(kind, x, name);        \
  }                                                                                                      \
  template <int... Axes, TensorLike X, detail::RuntimeAxis I, class... Rest>                             \
  auto fname(const X& x, I, Rest&&...) {                                                                 \
    return detail::report_runtime_axis<I>(x);                                                            \
  }

/// Sum over Axes (all when none); numeric dtypes (integers wrap).
SESSIONLIB_REDUCE(reduce_sum, "Sum", sum, false)
/// Mean over Axes; integer dtypes divide the integer sum (TF's behaviour).
SESSIONLIB_REDUCE(reduce_mean, "Mean", mean, false)
/// Product over Axes; numeric dtypes.
SESSIONLIB_REDUCE(reduce_prod, "Prod", prod, false)
/// Maximum over Axes (-inf or the lowest value when empty); numeric dtypes.
SESSIONLIB_REDUCE(reduce_max, "Max", max, false)
/// Minimum over Axes (+inf or the highest value when empty); numeric dtypes.
SESSIONLIB_REDUCE(reduce_min, "Min", min, false)
/// Logical or over Axes; bool only.
SESSIONLIB_REDUCE(reduce_any, "Any", any, true)
/// Logical and over Axes; bool only.
SESSIONLIB_REDUCE(reduce_all, "All", all, true)
#undef SESSIONLIB_REDUCE

/// Index of the largest value along Axis (the first when tied): Tensor<std::int64_t, ...>.
template <int Axis = 0, TensorLike X>
auto argmax(const X& x, const std::string& name = "") {
  return detail::arg_reduce_op<true, Axis>("ArgMax", x, name);
}
/// Index of the smallest value along Axis (the first when tied): Tensor<std::int64_t, ...>.
template <int Axis = 0, TensorLike X>
auto argmin(const X& x, const std::string& name = "") {
  return detail::arg_reduce_op<false, Axis>("ArgMin", x, name);
}
template <int Axis = 0, TensorLike X, detail::RuntimeAxis I, class... Rest>
auto argmax(const X& x, I, Rest&&...) {
  return detail::report_runtime_axis<I>(x);
}
template <int Axis = 0, TensorLike X, detail::RuntimeAxis I, class... Rest>
auto argmin(const X& x, I, Rest&&...) {
  return detail::report_runtime_axis<I>(x);
}

}  // namespace sessionlib
