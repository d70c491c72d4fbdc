// Ops with several outputs: tf.split, tf.unstack, tf.unique, tf.nn.top_k,
// tf.nn.moments (and tf.stack, the inverse of unstack). Each adds one node whose outputs are the
// results; a result is a Tensor of (node, k), named "split:1" as in TF.
//
//     auto [a, b] = sl::split<2, 1>(x);          // two halves along axis 1
//     auto rows = sl::unstack(m);                 // std::array of m's rows
//     auto [values, indices] = sl::nn::top_k<3>(logits);
//     auto [mean, variance] = sl::nn::moments<0>(x);
//
// Kernels: runtime/kernels/split.hpp; gradients: train/grad_multi.hpp.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/kernels/split.hpp"
#include "reduce.hpp"

namespace sessionlib {

namespace report {
template <std::ptrdiff_t Dim, std::size_t Num>
constexpr void split_uneven() {
  // The dimension split, then the number of parts asked for.
  static_assert(always_false_dims<Dim, static_cast<std::ptrdiff_t>(Num)>,
                "sessionlib: split: the number of parts does not divide the dimension");
}
template <std::size_t Axis>
constexpr void unstack_dynamic() {
  // The axis whose static dimension is dyn: the number of results must be known.
  static_assert(always_false_dims<static_cast<std::ptrdiff_t>(Axis)>,
                "sessionlib: unstack: the axis must have a static dimension (use sl::split on a dyn axis)");
}
template <std::ptrdiff_t Columns, std::size_t K>
constexpr void top_k_too_few() {
  // The last dimension, then k.
  static_assert(always_false_dims<Columns, static_cast<std::ptrdiff_t>(K)>,
                "sessionlib: top_k: the last dimension is smaller than k");
}
}  // namespace report

namespace detail {
template <class S, std::size_t Axis, std::size_t N>
struct split_fn {
  static constexpr auto value = [] {
    auto d = S::extents;
    if (d[Axis] != dyn) d[Axis] /= static_cast<std::ptrdiff_t>(N);
    return d;
  }();
};
template <class S, std::size_t Axis>
struct unstack_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, S::rank() - 1> d{};
    for (std::size_t i = 0, j = 0; i < S::rank(); ++i)
      if (i != Axis) d[j++] = S::extents[i];
    return d;
  }();
};
template <class S, std::size_t Axis, std::size_t N>
struct stack_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, S::rank() + 1> d{};
    for (std::size_t i = 0, j = 0; i <= S::rank(); ++i) {
      if (i == Axis) d[i] = static_cast<std::ptrdiff_t>(N);
      else d[i] = S::extents[j++];
    }
    return d;
  }();
};
template <class S, std::size_t K>
struct top_k_fn {
  static constexpr auto value = [] {
    auto d = S::extents;
    d[S::rank() - 1] = static_cast<std::ptrdiff_t>(K);
    return d;
  }();
};

/// The N outputs of node `id` as tensors of one type.
template <class T, class S, std::size_t N>
std::array<Tensor<T, S>, N> outputs_of(Graph& g, node_id id) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<Tensor<T, S>, N>{Tensor<T, S>(&g, output_ref{id, static_cast<std::uint32_t>(I)})...};
  }(std::make_index_sequence<N>{});
}
}  // namespace detail

/// tf.split(x, N, axis=Axis): N equal parts along Axis, as a std::array of
/// tensors (outputs 0..N-1 of one "Split" node). A static dimension must divide
/// by N; a dyn one is checked at run time with TF's message.
template <std::size_t N, int Axis = 0, TensorLike X>
auto split(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  static_assert(N > 0, "sessionlib: split: the number of parts must be positive");
  constexpr std::size_t axis = algebra::norm_axis(Axis, S::rank());
  if constexpr (axis >= S::rank()) {
    report::axis_out_of_range<S::rank(), Axis>();  // the rank, then the axis
    return std::array<Tensor<T, S>, N>{};
  } else if constexpr (S::extents[axis] != dyn && S::extents[axis] % static_cast<std::ptrdiff_t>(N) != 0) {
    report::split_uneven<S::extents[axis], N>();  // the dimension, then N
    return std::array<Tensor<T, S>, N>{};
  } else {
    using R = shape_from<detail::split_fn<S, axis, N>>;
    attributes attr{.family = split_attrs{.axis = static_cast<std::int64_t>(axis), .num_split = static_cast<std::int64_t>(N)}};
    Graph& g = as_tensor(x).graph();
    const output_spec part{dtype_of<T>, {R::extents.begin(), R::extents.end()}};
    const node_id id = add_multi_output_node(
        g, {.op = "Split", .name = name.empty() ? "split" : name, .inputs = {as_tensor(x).id()}, .kernel = kernels::split_kernel<T>,
            .attr = std::move(attr)},
        std::vector<output_spec>(N, part));
    return detail::outputs_of<T, R, N>(g, id);
  }
}

/// tf.unstack(x, axis=Axis): the slices along Axis (its static dimension), that
/// axis removed, as a std::array (outputs of one "Unpack" node).
template <int Axis = 0, TensorLike X>
auto unstack(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  static_assert(S::rank() > 0, "sessionlib: unstack: a scalar has nothing to unstack");
  constexpr std::size_t axis = algebra::norm_axis(Axis, S::rank());
  if constexpr (axis >= S::rank()) {
    report::axis_out_of_range<S::rank(), Axis>();  // the rank, then the axis
    return std::array<Tensor<T, S>, 0>{};
  } else if constexpr (S::extents[axis] == dyn) {
    report::unstack_dynamic<axis>();
    return std::array<Tensor<T, S>, 0>{};
  } else {
    constexpr auto N = static_cast<std::size_t>(S::extents[axis]);
    using R = shape_from<detail::unstack_fn<S, axis>>;
    attributes attr{.family = pack_attrs{.axis = static_cast<std::int64_t>(axis), .num = static_cast<std::int64_t>(N)}};
    Graph& g = as_tensor(x).graph();
    const output_spec slice{dtype_of<T>, {R::extents.begin(), R::extents.end()}};
    const node_id id = add_multi_output_node(
        g, {.op = "Unpack", .name = name.empty() ? "unstack" : name, .inputs = {as_tensor(x).id()}, .kernel = kernels::unpack_kernel<T>,
            .attr = std::move(attr)},
        std::vector<output_spec>(N, slice));
    return detail::outputs_of<T, R, N>(g, id);
  }
}

/// tf.stack(xs, axis=Axis): tensors of one dtype and shape along a new axis ("Pack").
template <int Axis = 0, TensorLike X, TensorLike... Xs>
auto stack(const X& x, const Xs&... xs) {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  (detail::check_same_dtype<T, value_type_of<Xs>>(), ...);
  static_assert((std::is_same_v<S, shape_of<Xs>> && ...), "sessionlib: stack: the tensors have different static shapes");
  constexpr std::size_t axis = algebra::norm_axis(Axis, S::rank() + 1);
  if constexpr (axis > S::rank()) {
    report::axis_out_of_range<S::rank() + 1, Axis>();  // the result's rank, then the axis
    return Tensor<T, S>{};
  } else {
    attributes attr{.family = pack_attrs{.axis = static_cast<std::int64_t>(axis)}};
    return make_tensor<T, shape_from<detail::stack_fn<S, axis, 1 + sizeof...(Xs)>>>(
        common_graph(x, xs...), {.op = "Pack", .name = "stack", .inputs = {as_tensor(x).id(), as_tensor(xs).id()...},
                                 .kernel = kernels::pack_kernel<T>, .attr = std::move(attr)});
  }
}

/// tf.unique(x) over a vector: the distinct values in order of first appearance
/// (a `dyn` length: known only when run) and, for each element of x, the int32
/// position of its value among them (outputs of one "Unique" node; no gradient, as TF).
template <TensorLike X>
auto unique(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  static_assert(S::rank() == 1, "sessionlib: unique: the input must be a vector (rank 1)");
  using Y = shape<dyn>;
  Graph& g = as_tensor(x).graph();
  const node_id id = add_multi_output_node(
      g, {.op = "Unique", .name = name.empty() ? "Unique" : name, .inputs = {as_tensor(x).id()},
          .kernel = kernels::unique_kernel<T>},
      {output_spec{dtype_of<T>, {dyn}}, output_spec{dtype::int32, {S::extents[0]}}});
  return std::pair<Tensor<T, Y>, Tensor<std::int32_t, S>>{Tensor<T, Y>(&g, output_ref{id, 0}),
                                                          Tensor<std::int32_t, S>(&g, output_ref{id, 1})};
}

namespace nn {

/// tf.nn.top_k(x, K): the K largest values of each row (last axis), largest
/// first, and their int32 indices: a pair of tensors (outputs of one "TopKV2" node).
template <std::size_t K, TensorLike X>
auto top_k(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  static_assert(S::rank() > 0, "sessionlib: top_k: the input must have rank >= 1");
  static_assert(!std::is_same_v<T, bool>, "sessionlib: top_k: the input must be numeric");
  using R = shape_from<::sessionlib::detail::top_k_fn<S, K>>;
  if constexpr (S::extents[S::rank() - 1] != dyn && S::extents[S::rank() - 1] < static_cast<std::ptrdiff_t>(K)) {
    report::top_k_too_few<S::extents[S::rank() - 1], K>();  // the last dimension, then K
    return std::pair<Tensor<T, R>, Tensor<std::int32_t, R>>{};
  } else {
    attributes attr{.family = top_k_attrs{.k = static_cast<std::int64_t>(K)}};
    Graph& g = as_tensor(x).graph();
    const std::vector<std::ptrdiff_t> rs(R::extents.begin(), R::extents.end());
    const node_id id = add_multi_output_node(
        g, {.op = "TopKV2", .name = name, .inputs = {as_tensor(x).id()}, .kernel = kernels::top_k_kernel<T>,
            .attr = std::move(attr)},
        {output_spec{dtype_of<T>, rs}, output_spec{dtype::int32, rs}});
    return std::pair<Tensor<T, R>, Tensor<std::int32_t, R>>{Tensor<T, R>(&g, output_ref{id, 0}),
                                                            Tensor<std::int32_t, R>(&g, output_ref{id, 1})};
  }
}

/// tf.nn.moments(x, axes=Axes...): the mean and the (population) variance over
/// Axes, as a pair of tensors (outputs of one "Moments" node, one pass each).
/// `sl::keepdims` keeps the reduced axes as 1.
template <int... Axes, TensorLike X, class... Keep>
  requires(sizeof...(Keep) <= 1 && (std::is_same_v<Keep, keepdims_t> && ...))
auto moments(const X& x, Keep...) {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  static_assert(Floating<T>, "sessionlib: moments: the input must be float or double");
  constexpr bool keep = sizeof...(Keep) == 1;
  using R = shape_from<::sessionlib::detail::reduce_fn<S, keep, Axes...>>;
  if constexpr (!::sessionlib::detail::check_axes<S::rank(), Axes...>()) {
    return std::pair<Tensor<T, R>, Tensor<T, R>>{};
  } else {
    attributes attr{.family = moments_attrs{.axes = ::sessionlib::detail::normalized_axes<S::rank(), Axes...>(),
                                            .keep_dims = keep}};
    Graph& g = as_tensor(x).graph();
    const std::vector<std::ptrdiff_t> rs(R::extents.begin(), R::extents.end());
    const node_id id = add_multi_output_node(
        g, {.op = "Moments", .name = "moments", .inputs = {as_tensor(x).id()}, .kernel = kernels::moments_kernel<T>, .attr = std::move(attr)},
        {output_spec{dtype_of<T>, rs}, output_spec{dtype_of<T>, rs}});
    return std::pair<Tensor<T, R>, Tensor<T, R>>{Tensor<T, R>(&g, output_ref{id, 0}), Tensor<T, R>(&g, output_ref{id, 1})};
  }
}

}  // namespace nn
}  // namespace sessionlib
