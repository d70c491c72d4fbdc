// Array layout ops (tf.reshape, tf.transpose, tf.expand_dims, tf.squeeze,
// tf.concat, tf.slice). Axes, permutations, shapes and slice bounds are template
// arguments, so the result's static shape is computed and mistakes fail to compile.
// Index ops (gather, one_hot) are in array_index.hpp, generators (fill, zeros,
// range, ...) in array_fill.hpp. Kernels and attribute layouts: runtime/kernels/array.hpp.
#pragma once

#include <tuple>
#include <utility>

#include "../runtime/kernels/array.hpp"
#include "op_support.hpp"

namespace sessionlib {

namespace detail {
template <class From, class To>
struct reshape_fn {
  static constexpr auto result = algebra::reshape(From::extents, To::extents);
  static constexpr auto value = result.dims;
};

template <class S, int... Perm>
struct transpose_fn {
  static constexpr std::array<int, S::rank()> perm = [] {
    std::array<int, S::rank()> p{};
    if constexpr (sizeof...(Perm) == 0) {
      for (std::size_t i = 0; i < S::rank(); ++i) p[i] = static_cast<int>(S::rank() - 1 - i);
    } else {
      p = {Perm...};
    }
    return p;
  }();
  static constexpr auto value = algebra::transpose(S::extents, perm);
};

template <class S, std::size_t Axis>
struct expand_dims_fn {
  static constexpr auto value = algebra::expand_dims(S::extents, Axis);
};

template <class S, int... Axes>
struct squeeze_fn {
  static constexpr std::array<int, sizeof...(Axes)> axes{Axes...};
  static constexpr auto value = algebra::squeeze<algebra::squeeze_rank(S::extents, axes)>(S::extents, axes);
  /// The axes dropped, normalised and ascending (squeeze_attrs of the node).
  static std::vector<std::int64_t> dropped() {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < S::rank(); ++i) {
      bool drop = sizeof...(Axes) == 0 && S::extents[i] == 1;
      for (int ax : axes) drop = drop || algebra::norm_axis(ax, S::rank()) == i;
      if (drop) out.push_back(static_cast<std::int64_t>(i));
    }
    return out;
  }
};

template <std::size_t Axis, class... S>
struct concat_fn {
  static constexpr auto result = [] {
    constexpr std::size_t R = std::tuple_element_t<0, std::tuple<S...>>::rank();
    const std::array<std::array<std::ptrdiff_t, R>, sizeof...(S)> xs{S::extents...};
    algebra::rule_result<R> acc;
    acc.dims = xs[0];
    for (std::size_t i = 1; i < xs.size(); ++i) {
      const auto r = algebra::concat(acc.dims, xs[i], Axis);
      if (!r.ok) return r;
      acc.dims = r.dims;
    }
    return acc;
  }();
  static constexpr auto value = result.dims;
};

/// The rank of the first of S... whose rank is not R, or R.
template <std::size_t R, class... S>
constexpr std::size_t first_other_rank() {
  std::size_t out = R;
  ((out == R && S::rank() != R ? (out = S::rank(), 0) : 0), ...);
  return out;
}

/// The first listed axis whose static dimension is neither 1 nor dyn, with that
/// dimension; {0, 1} when there is none.
template <class S, std::size_t K>
constexpr std::pair<int, std::ptrdiff_t> first_non_one(const std::array<int, K>& axes) {
  for (int ax : axes) {
    const auto d = S::extents[algebra::norm_axis(ax, S::rank())];
    if (d != 1 && d != dyn) return {ax, d};
  }
  return {0, 1};
}

/// Static result of tf.slice; `bad_axis` < rank names the first axis out of bounds.
template <std::size_t R>
struct slice_result {
  std::array<std::ptrdiff_t, R> dims{};
  std::size_t bad_axis = R;
  std::ptrdiff_t begin = 0, size = 0, dim = 0;
};

template <class S, class Begin, class Size>
struct slice_fn {
  static constexpr auto result = [] {
    slice_result<S::rank()> r;
    for (std::size_t i = S::rank(); i-- > 0;) {
      const std::ptrdiff_t b = Begin::value[i], n = Size::value[i], d = S::extents[i];
      r.dims[i] = n != -1 ? n : (d == dyn ? dyn : d - b);
      const bool bad = b < 0 || n < -1 || (d != dyn && (b > d || (n != -1 && b + n > d)));
      if (bad) r.bad_axis = i, r.begin = b, r.size = n, r.dim = d;
    }
    return r;
  }();
  static constexpr auto value = result.dims;
};
}  // namespace detail

/// tf.reshape: `sl::reshape<sl::shape<sl::dyn, 28, 28>>(x)`. One `dyn` plays TF's
/// -1 (inferred); static element counts must agree at compile time, else
/// sl::invalid_argument at run time. Shares the input's buffer when it can.
template <Shape S, TensorLike X>
auto reshape(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  constexpr auto r = detail::reshape_fn<shape_of<X>, S>::result;
  if constexpr (!r.ok) {
    report::reshape_mismatch<r.bad_a, r.bad_b>();  // element counts before and after (-1, -1: two dyn dims)
    return Tensor<T, S>{};
  } else {
    attributes attr{.family = reshape_attrs{.shape = std::vector<std::int64_t>(S::extents.begin(), S::extents.end())}};
    return make_tensor<T, shape_from<detail::reshape_fn<shape_of<X>, S>>>(
        as_tensor(x).graph(), {.op = "Reshape", .name = name, .inputs = {as_tensor(x).id()},
                               .kernel = kernels::reshape_kernel, .attr = std::move(attr)});
  }
}

/// tf.transpose: `sl::transpose<1, 0>(x)`; output axis i is input axis Perm[i].
/// `sl::transpose(x)` reverses the axes.
template <int... Perm, TensorLike X>
auto transpose(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  if constexpr (sizeof...(Perm) != 0 &&
                (sizeof...(Perm) != S::rank() || !algebra::is_permutation<sizeof...(Perm)>({Perm...}))) {
    report::transpose_not_permutation<S::rank(), Perm...>();  // the input's rank, then the perm
    return Tensor<T, S>{};
  } else {
    using fn = detail::transpose_fn<S, Perm...>;
    attributes attr{.family = transpose_attrs{.perm = std::vector<std::int64_t>(fn::perm.begin(), fn::perm.end())}};
    return make_tensor<T, shape_from<fn>>(as_tensor(x).graph(),
                                          {.op = "Transpose", .name = name, .inputs = {as_tensor(x).id()},
                                           .kernel = kernels::transpose_kernel<T>, .attr = std::move(attr)});
  }
}

/// tf.expand_dims: inserts a dimension of 1 at Axis (in [-(rank+1), rank]).
template <int Axis, TensorLike X>
auto expand_dims(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  constexpr std::size_t axis = algebra::norm_axis(Axis, S::rank() + 1);
  if constexpr (axis > S::rank()) {
    report::axis_out_of_range<S::rank() + 1, Axis>();  // the output's rank, then the axis
    return Tensor<T, S>{};
  } else {
    attributes attr{.family = expand_dims_attrs{.dim = static_cast<std::int64_t>(axis)}};
    return make_tensor<T, shape_from<detail::expand_dims_fn<S, axis>>>(
        as_tensor(x).graph(), {.op = "ExpandDims", .name = name, .inputs = {as_tensor(x).id()},
                               .kernel = kernels::expand_dims_kernel, .attr = std::move(attr)});
  }
}

/// tf.squeeze: `sl::squeeze<1>(x)` drops axis 1, which must be 1 (statically, or
/// checked at run time when dyn); `sl::squeeze(x)` drops every static 1.
template <int... Axes, TensorLike X>
auto squeeze(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  constexpr std::array<int, sizeof...(Axes)> axes{Axes...};
  constexpr auto bad = detail::first_non_one<S>(axes);
  if constexpr (!algebra::axes_valid<S::rank()>(axes)) {
    report::axis_out_of_range<S::rank(), Axes...>();  // an axis is out of range or repeated
    return Tensor<T, S>{};
  } else if constexpr (bad.second != 1) {
    report::squeeze_not_one<bad.first, bad.second>();  // the axis, then its static dimension
    return Tensor<T, S>{};
  } else {
    using fn = detail::squeeze_fn<S, Axes...>;
    attributes attr{.family = squeeze_attrs{.squeeze_dims = fn::dropped()}};
    return make_tensor<T, shape_from<fn>>(as_tensor(x).graph(),
                                          {.op = "Squeeze", .name = name, .inputs = {as_tensor(x).id()},
                                           .kernel = kernels::squeeze_kernel, .attr = std::move(attr)});
  }
}

namespace detail {
template <int Axis, class X0, class... Xs>
auto concat_node(const std::string& name, const X0& x0, const Xs&... xs) {
  static_assert(TensorLike<X0> && (TensorLike<Xs> && ...), "sessionlib: concat: operands must be tensors");
  using T = value_type_of<X0>;
  using S0 = shape_of<X0>;
  constexpr std::size_t R = S0::rank();
  (check_same_dtype<T, value_type_of<Xs>>(), ...);
  constexpr std::size_t axis = algebra::norm_axis(Axis, R);
  constexpr std::size_t other_rank = first_other_rank<R, shape_of<Xs>...>();
  if constexpr (other_rank != R) {
    report::concat_rank_mismatch<R, other_rank>();  // the first operand's rank, then the first that differs
    return Tensor<T, S0>{};
  } else if constexpr (axis >= R) {
    report::axis_out_of_range<R, Axis>();  // the operands' rank, then the axis
    return Tensor<T, S0>{};
  } else if constexpr (constexpr auto r = concat_fn<axis, S0, shape_of<Xs>...>::result; !r.ok) {
    report::concat_mismatch<r.bad_a, r.bad_b>();  // the first pair of non-axis dimensions that differ
    return Tensor<T, S0>{};
  } else {
    attributes attr{.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)}};
    return make_tensor<T, shape_from<concat_fn<axis, S0, shape_of<Xs>...>>>(
        common_graph(x0, xs...), {.op = "ConcatV2", .name = name, .inputs = {as_tensor(x0).id(), as_tensor(xs).id()...},
                                  .kernel = kernels::concat_kernel<T>, .attr = std::move(attr)});
  }
}
}  // namespace detail

/// tf.concat: `sl::concat<1>(a, b, c)` joins along Axis; the other dimensions
/// must agree (at compile time where static, else at run time). A string after
/// the operands names the node: `sl::concat<0>(a, b, "joined")`.
template <int Axis, class... Args>
  requires(sizeof...(Args) >= 1)
auto concat(const Args&... args) {
  using Last = std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>;
  if constexpr (std::is_convertible_v<const Last&, std::string>) {
    static_assert(sizeof...(Args) >= 2, "sessionlib: concat: needs at least one tensor");
    const auto refs = std::forward_as_tuple(args...);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return detail::concat_node<Axis>(std::string(std::get<sizeof...(Args) - 1>(refs)), std::get<I>(refs)...);
    }(std::make_index_sequence<sizeof...(Args) - 1>{});
  } else {
    return detail::concat_node<Axis>(std::string(), args...);
  }
}

/// Begin offsets of sl::slice, one per axis.
template <std::ptrdiff_t... B>
struct offsets {
  static constexpr std::array<std::ptrdiff_t, sizeof...(B)> value{B...};
};
/// Sizes of sl::slice, one per axis; -1 takes the rest of the axis.
template <std::ptrdiff_t... N>
struct sizes {
  static constexpr std::array<std::ptrdiff_t, sizeof...(N)> value{N...};
};

/// tf.slice with static bounds: `sl::slice<sl::offsets<0, 1>, sl::sizes<2, -1>>(x)`
/// takes x[0:2, 1:]. Bounds past a static dimension fail to compile; past a
/// dynamic one, sl::invalid_argument at run time.
template <class Begin, class Size, TensorLike X>
auto slice(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  if constexpr (Begin::value.size() != S::rank() || Size::value.size() != S::rank()) {
    report::slice_rank_mismatch<S::rank(), Begin::value.size(), Size::value.size()>();
    return Tensor<T, S>{};
  } else if constexpr (constexpr auto r = detail::slice_fn<S, Begin, Size>::result; r.bad_axis < S::rank()) {
    report::slice_out_of_bounds<r.bad_axis, r.begin, r.size, r.dim>();  // axis, begin, size, static dimension
    return Tensor<T, S>{};
  } else {
    attributes attr{.family = slice_attrs{.begin = std::vector<std::int64_t>(Begin::value.begin(), Begin::value.end()),
                                          .size = std::vector<std::int64_t>(Size::value.begin(), Size::value.end())}};
    return make_tensor<T, shape_from<detail::slice_fn<S, Begin, Size>>>(
        as_tensor(x).graph(), {.op = "Slice", .name = name, .inputs = {as_tensor(x).id()},
                               .kernel = kernels::slice_kernel<T>, .attr = std::move(attr)});
  }
}

}  // namespace sessionlib
