// Index ops: tf.gather (axis as a template argument, 0 by default) and
// tf.one_hot. Kernels and attribute layouts: runtime/kernels/array_index.hpp.
#pragma once

#include "../runtime/kernels/array_index.hpp"
#include "op_support.hpp"

namespace sessionlib {

namespace detail {
template <class P, class I, std::size_t Axis>
struct gather_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, P::rank() + I::rank() - 1> out{};
    std::size_t j = 0;
    for (std::size_t i = 0; i < Axis; ++i) out[j++] = P::extents[i];
    for (std::size_t i = 0; i < I::rank(); ++i) out[j++] = I::extents[i];
    for (std::size_t i = Axis + 1; i < P::rank(); ++i) out[j++] = P::extents[i];
    return out;
  }();
};

template <class S, std::ptrdiff_t Depth>
struct one_hot_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, S::rank() + 1> out{};
    for (std::size_t i = 0; i < S::rank(); ++i) out[i] = S::extents[i];
    out[S::rank()] = Depth;
    return out;
  }();
};

template <class I>
inline constexpr bool gather_index = std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t>;
}  // namespace detail

/// tf.gather: slices of `params` along Axis picked by `indices` (int32 or
/// int64): `sl::gather(embeddings, ids)`, `sl::gather<1>(m, cols)`. The result's
/// shape is params[:Axis] + indices + params[Axis+1:]. An index outside the
/// axis is sl::invalid_argument ("indices[3] = 7 is not in [0, 5)").
template <int Axis = 0, TensorLike P, TensorLike I>
auto gather(const P& params, const I& indices, const std::string& name = "") {
  using T = value_type_of<P>;
  using SP = shape_of<P>;
  using Index = value_type_of<I>;
  constexpr std::size_t axis = algebra::norm_axis(Axis, SP::rank());
  if constexpr (!detail::gather_index<Index>) {
    report::gather_indices_not_integer<Index>();  // the indices' element type
    return Tensor<T, SP>{};
  } else if constexpr (axis >= SP::rank()) {
    report::axis_out_of_range<SP::rank(), Axis>();  // params' rank, then the axis
    return Tensor<T, SP>{};
  } else {
    attributes attr{.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)}};
    return make_tensor<T, shape_from<detail::gather_fn<SP, shape_of<I>, axis>>>(
        common_graph(params, indices), {.op = "GatherV2", .name = name,
                                        .inputs = {as_tensor(params).id(), as_tensor(indices).id()},
                                        .kernel = kernels::gather_kernel<T, Index>, .attr = std::move(attr)});
  }
}

namespace nn {
/// tf.nn.embedding_lookup(params, ids) for one params tensor: the rows of
/// `params` at `ids` (int32 or int64), shaped ids' shape + params' row
/// (gather along axis 0). Its gradient to params is rows (TF's IndexedSlices):
/// an optimizer updates only the rows looked up.
template <TensorLike P, TensorLike I>
auto embedding_lookup(const P& params, const I& ids, const std::string& name = "embedding_lookup") {
  return gather<0>(params, ids, name);
}
}  // namespace nn

/// tf.one_hot: `sl::one_hot<10>(labels)` is a float tensor of labels' shape plus
/// a last axis of 10; on_value where the index matches, off_value elsewhere
/// (also for indices outside [0, Depth)). `sl::one_hot<10, double>(...)` picks
/// the element type.
template <std::ptrdiff_t Depth, Element T = float, TensorLike I>
auto one_hot(const I& indices, T on_value = T{1}, T off_value = T{0}, const std::string& name = "") {
  static_assert(Depth >= 0, "sessionlib: one_hot: depth must be >= 0");
  using Index = value_type_of<I>;
  using S = shape_of<I>;
  if constexpr (!detail::gather_index<Index> && !std::is_same_v<Index, std::uint8_t>) {
    report::one_hot_indices_not_integer<Index>();  // the indices' element type
    return Tensor<T, S>{};
  } else {
    attributes attr{.family = one_hot_attrs{.depth = Depth, .on_value = static_cast<double>(on_value),
                                            .off_value = static_cast<double>(off_value)}};
    return make_tensor<T, shape_from<detail::one_hot_fn<S, Depth>>>(
        as_tensor(indices).graph(), {.op = "OneHot", .name = name, .inputs = {as_tensor(indices).id()},
                                     .kernel = kernels::one_hot_kernel<Index, T>, .attr = std::move(attr)});
  }
}

}  // namespace sessionlib
