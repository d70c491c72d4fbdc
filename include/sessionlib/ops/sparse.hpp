// Sparse tensors (TF's tf.sparse): the placeholder, and the ops over
// sl::SparseTensor (graph/sparse.hpp). A SparseTensor is three graph values;
// the ops take them as three inputs and ops that return one are nodes with
// several outputs (TF's SparseAdd: indices, values, dense_shape).
//
//     auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 100>>(g, "sp");
//     auto y = sl::sparse_tensor_dense_matmul(sp, w);   // Tensor<float, shape<dyn, 10>> for w: shape<100, 10>
//     sess.run(y, {{sp, sl::SparseTensorValue<float, 2>{indices, values, dense_shape}}});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../graph/sparse.hpp"
#include "../graph/sparse_attrs.hpp"
#include "../runtime/kernels/sparse_grad.hpp"
#include "constant.hpp"
#include "reduce.hpp"

namespace sessionlib {

/// tf.sparse_placeholder: a SparseTensor to be fed, as TF makes it three
/// placeholders in a name scope: "<name>/indices" (int64, (?, rank)),
/// "<name>/values" (T, (?)) and "<name>/shape" (int64, (rank)).
template <Element T, Shape S>
SparseTensor<T, S> sparse_placeholder(Graph& g, const std::string& name = "") {
  static_assert(S::rank() >= 1, "sessionlib: sparse_placeholder: the dense shape must have rank 1 or more");
  using ST = SparseTensor<T, S>;
  auto scope = g.name_scope(name.empty() ? "SparsePlaceholder" : name);
  const auto indices = placeholder<std::int64_t, shape_of<typename ST::indices_type>>(g, "indices");
  const auto values = placeholder<T, shape<dyn>>(g, "values");
  const auto dense_shape = placeholder<std::int64_t, shape_of<typename ST::dense_shape_type>>(g, "shape");
  return ST(&g, indices.id(), values.id(), dense_shape.id());
}
template <Element T, Shape S>
SparseTensor<T, S> sparse_placeholder(const std::string& name = "") {
  return sparse_placeholder<T, S>(get_default_graph(), name);
}

namespace report {
template <std::ptrdiff_t InnerA, std::ptrdiff_t InnerB>
constexpr void sparse_matmul_mismatch() {
  // The inner dimensions of op(A) and op(B).
  static_assert(always_false_dims<InnerA, InnerB>, "sessionlib: sparse_tensor_dense_matmul: inner dimensions differ");
}
template <std::ptrdiff_t A, std::ptrdiff_t B>
constexpr void sparse_add_shape_mismatch() {
  // The first pair of static dimensions that differ.
  static_assert(always_false_dims<A, B>, "sessionlib: sparse_add: the operands' dense shapes differ");
}
template <class What>
constexpr void sparse_operand_dtype() {
  // What: the operand whose element type differs.
  static_assert(always_false<What>, "sessionlib: sparse op: the operands' element types differ");
}
}  // namespace report

namespace detail {
template <class S, bool AdjA, bool AdjB, class BS>
struct sparse_matmul_fn {
  static constexpr std::array<std::ptrdiff_t, 2> value{AdjA ? S::extents[1] : S::extents[0],
                                                       AdjB ? BS::extents[0] : BS::extents[1]};
};
template <class S, class S2>
struct sparse_merge_fn {
  static constexpr auto value = [] {
    auto d = S::extents;
    for (std::size_t i = 0; i < d.size(); ++i)
      if (d[i] == dyn) d[i] = S2::extents[i];
    return d;
  }();
};
/// The first static dimension where A and B differ, or -1.
template <class A, class B>
constexpr std::ptrdiff_t first_shape_clash() {
  for (std::size_t i = 0; i < A::rank(); ++i)
    if (A::extents[i] != dyn && B::extents[i] != dyn && A::extents[i] != B::extents[i]) return static_cast<std::ptrdiff_t>(i);
  return -1;
}
/// The outputs of a node that returns a sparse tensor: indices, values[, dense_shape].
template <class T, std::size_t Rank>
std::vector<output_spec> sparse_specs(bool with_shape) {
  std::vector<output_spec> o{{dtype::int64, {dyn, static_cast<std::ptrdiff_t>(Rank)}}, {dtype_of<T>, {dyn}}};
  if (with_shape) o.push_back({dtype::int64, {static_cast<std::ptrdiff_t>(Rank)}});
  return o;
}
}  // namespace detail

/// tf.sparse.to_dense (TF's SparseToDense): the dense Tensor<T, S>, `default_value`
/// where no entry is. With `validate_indices`, indices must be in row-major
/// order without repeats (TF's messages); bounds are always checked.
template <class T, class S>
Tensor<T, S> sparse_tensor_to_dense(const SparseTensor<T, S>& sp, T default_value = T{}, bool validate_indices = true,
                                    const std::string& name = "") {
  Graph& g = sp.graph();
  const auto dv = constant(g, default_value);
  attributes a{.family = sparse_to_dense_attrs{.validate_indices = validate_indices}};
  return make_tensor<T, S>(g, {.op = "SparseToDense", .name = name,
                               .inputs = {sp.indices_id(), sp.dense_shape_id(), sp.values_id(), dv.id()},
                               .kernel = kernels::sparse_to_dense_kernel<T>, .attr = std::move(a)});
}

/// tf.sparse.sparse_dense_matmul (TF's SparseTensorDenseMatMul): op(sp) x op(b)
/// for a sparse matrix and a dense one; op transposes where the adjoint flag
/// (a template argument: it decides the result's type) is set. Static inner
/// dimensions that differ are a compile error.
template <bool AdjointA = false, bool AdjointB = false, class T, class S, TensorLike B>
auto sparse_tensor_dense_matmul(const SparseTensor<T, S>& sp, const B& b, const std::string& name = "") {
  using BS = shape_of<B>;
  static_assert(S::rank() == 2 && BS::rank() == 2, "sessionlib: sparse_tensor_dense_matmul: both operands must be matrices");
  using R = shape_from<detail::sparse_matmul_fn<S, AdjointA, AdjointB, BS>>;
  constexpr std::ptrdiff_t inner_a = AdjointA ? S::extents[0] : S::extents[1];
  constexpr std::ptrdiff_t inner_b = AdjointB ? BS::extents[1] : BS::extents[0];
  if constexpr (!std::is_same_v<value_type_of<B>, T>) {
    report::sparse_operand_dtype<value_type_of<B>>();  // b's element type differs from the SparseTensor's
    return Tensor<T, R>();
  } else if constexpr (inner_a != dyn && inner_b != dyn && inner_a != inner_b) {
    report::sparse_matmul_mismatch<inner_a, inner_b>();  // the inner dimensions of op(sp) and op(b)
    return Tensor<T, R>();
  } else {
    Graph& g = common_graph(sp.values(), b);
    attributes a{.family = sparse_dense_matmul_attrs{.adjoint_a = AdjointA, .adjoint_b = AdjointB}};
    return make_tensor<T, R>(g, {.op = "SparseTensorDenseMatMul", .name = name,
                                 .inputs = {sp.indices_id(), sp.values_id(), sp.dense_shape_id(), as_tensor(b).id()},
                                 .kernel = kernels::sparse_dense_matmul_kernel<T>, .attr = std::move(a)});
  }
}

namespace detail {
template <bool Keep, int... Axes, class T, class S>
auto sparse_reduce_sum_op(const SparseTensor<T, S>& sp, const std::string& name) {
  using RS = shape_from<reduce_fn<S, Keep, Axes...>>;
  if constexpr (!check_axes<S::rank(), Axes...>()) {
    return Tensor<T, RS>();
  } else {
    attributes a{.family = sparse_reduce_sum_attrs{.reduction_axes = normalized_axes<S::rank(), Axes...>(), .keep_dims = Keep}};
    return make_tensor<T, RS>(sp.graph(), {.op = "SparseReduceSum", .name = name,
                                           .inputs = {sp.indices_id(), sp.values_id(), sp.dense_shape_id()},
                                           .kernel = kernels::sparse_reduce_sum_kernel<T>, .attr = std::move(a)});
  }
}
}  // namespace detail

/// tf.sparse.reduce_sum (TF's SparseReduceSum): the dense sum over Axes (all
/// when none), as sl::reduce_sum: `sparse_reduce_sum<1>(sp)`, `sparse_reduce_sum<1>(sp, sl::keepdims)`.
template <int... Axes, class T, class S>
auto sparse_reduce_sum(const SparseTensor<T, S>& sp, const std::string& name = "") {
  return detail::sparse_reduce_sum_op<false, Axes...>(sp, name);
}
template <int... Axes, class T, class S>
auto sparse_reduce_sum(const SparseTensor<T, S>& sp, keepdims_t, const std::string& name = "") {
  return detail::sparse_reduce_sum_op<true, Axes...>(sp, name);
}

/// tf.sparse.add of two SparseTensors (TF's SparseAdd): entries at one index
/// are summed and kept when |sum| >= thresh. Both must be in row-major order
/// (sl::sparse_reorder); dense shapes must agree (static ones at compile time).
template <class T, class S, class S2>
auto sparse_add(const SparseTensor<T, S>& a, const SparseTensor<T, S2>& b, double thresh = 0.0, const std::string& name = "") {
  static_assert(S::rank() == S2::rank(), "sessionlib: sparse_add: the operands' ranks differ");
  using R = shape_from<detail::sparse_merge_fn<S, S2>>;
  constexpr std::ptrdiff_t clash = detail::first_shape_clash<S, S2>();
  if constexpr (clash >= 0) {
    report::sparse_add_shape_mismatch<S::extents[clash], S2::extents[clash]>();  // the static dimensions that differ
    return SparseTensor<T, R>();
  } else {
    Graph& g = common_graph(a.values(), b.values());
    attributes at{.family = sparse_add_attrs{.thresh = thresh}};
    const node_id id = add_multi_output_node(
        g, {.op = "SparseAdd", .name = name,
            .inputs = {a.indices_id(), a.values_id(), a.dense_shape_id(), b.indices_id(), b.values_id(), b.dense_shape_id()},
            .kernel = kernels::sparse_add_kernel<T>, .attr = std::move(at)},
        detail::sparse_specs<T, S::rank()>(true));
    return SparseTensor<T, R>(&g, output_ref{id, 0}, output_ref{id, 1}, output_ref{id, 2});
  }
}

/// tf.sparse.reorder (TF's SparseReorder): the same sparse tensor with its
/// entries in row-major order.
template <class T, class S>
SparseTensor<T, S> sparse_reorder(const SparseTensor<T, S>& sp, const std::string& name = "") {
  Graph& g = sp.graph();
  const node_id id = add_multi_output_node(
      g, {.op = "SparseReorder", .name = name, .inputs = {sp.indices_id(), sp.values_id(), sp.dense_shape_id()},
          .kernel = kernels::sparse_reorder_kernel<T>},
      detail::sparse_specs<T, S::rank()>(false));
  return SparseTensor<T, S>(&g, output_ref{id, 0}, output_ref{id, 1}, sp.dense_shape_id());
}

/// tf.sparse.reshape (TF's SparseReshape) to NewS; at most one dyn dimension,
/// inferred as TF's -1. Static element counts that differ are a compile error.
template <Shape NewS, class T, class S>
SparseTensor<T, NewS> sparse_reshape(const SparseTensor<T, S>& sp, const std::string& name = "") {
  static_assert(NewS::rank_dynamic() <= 1, "sessionlib: sparse_reshape: at most one dimension may be dyn (TF's -1)");
  if constexpr (S::rank_dynamic() == 0 && NewS::rank_dynamic() == 0 && S::static_size() != NewS::static_size()) {
    report::reshape_mismatch<S::static_size(), NewS::static_size()>();  // the element counts before and after
    return {};
  } else {
    Graph& g = sp.graph();
    std::vector<std::int64_t> new_shape;
    for (auto e : NewS::extents) new_shape.push_back(e == dyn ? -1 : e);
    attributes a{.family = sparse_reshape_attrs{.new_shape = std::move(new_shape)}};
    const node_id id = add_multi_output_node(
        g, {.op = "SparseReshape", .name = name, .inputs = {sp.indices_id(), sp.dense_shape_id()},
            .kernel = kernels::sparse_reshape_kernel, .attr = std::move(a)},
        {{dtype::int64, {dyn, static_cast<std::ptrdiff_t>(NewS::rank())}},
         {dtype::int64, {static_cast<std::ptrdiff_t>(NewS::rank())}}});
    return SparseTensor<T, NewS>(&g, output_ref{id, 0}, sp.values_id(), output_ref{id, 1});
  }
}

/// tf.sparse.retain: the entries whose `keep_mask` (bool, one per value) is
/// true; the dense shape is kept. (A sessionlib op: TF composes it of where
/// and gather.)
template <class T, class S, TensorLike M>
SparseTensor<T, S> sparse_retain(const SparseTensor<T, S>& sp, const M& keep_mask, const std::string& name = "") {
  static_assert(std::is_same_v<value_type_of<M>, bool> && shape_of<M>::rank() == 1,
                "sessionlib: sparse_retain: keep_mask must be a bool vector (one entry per value)");
  Graph& g = common_graph(sp.values(), keep_mask);
  const node_id id = add_multi_output_node(
      g, {.op = "SparseRetain", .name = name, .inputs = {sp.indices_id(), sp.values_id(), as_tensor(keep_mask).id()},
          .kernel = kernels::sparse_retain_kernel<T>},
      detail::sparse_specs<T, S::rank()>(false));
  return SparseTensor<T, S>(&g, output_ref{id, 0}, output_ref{id, 1}, sp.dense_shape_id());
}

namespace nn {
namespace detail {
template <class T, class P, class S, class... W>
auto embedding_lookup_sparse_op(const P& params, const SparseTensor<std::int64_t, S>& sp_ids, const std::string& combiner,
                                const std::string& name, const W&... weights) {
  using PS = shape_of<P>;
  static_assert(PS::rank() == 2, "sessionlib: embedding_lookup_sparse: params must be a matrix (vocabulary, dim)");
  static_assert(S::rank() == 2, "sessionlib: embedding_lookup_sparse: sp_ids must be a SparseTensor of rank 2 (batch, ids)");
  static_assert(std::is_floating_point_v<T>, "sessionlib: embedding_lookup_sparse: params must be float or double");
  if (combiner != "sum" && combiner != "mean" && combiner != "sqrtn")
    throw invalid_argument("combiner must be one of 'mean', 'sqrtn' or 'sum'");
  Graph& g = common_graph(params, sp_ids.values());
  attributes a{.family = embedding_lookup_sparse_attrs{.combiner = combiner}};
  std::vector<output_ref> in{as_tensor(params).id(), sp_ids.indices_id(), sp_ids.values_id(), sp_ids.dense_shape_id()};
  (in.push_back(weights.values_id()), ...);
  return make_tensor<T, shape<S::extents[0], PS::extents[1]>>(
      g, {.op = "EmbeddingLookupSparse", .name = name, .inputs = std::move(in),
          .kernel = kernels::embedding_lookup_sparse_kernel<T>, .attr = std::move(a)});
}
}  // namespace detail

/// tf.nn.embedding_lookup_sparse(params, sp_ids, sp_weights, combiner): row r
/// of the result combines params[id] for the ids in row r of sp_ids, weighted
/// by sp_weights' values (same indices) or by 1 for sl::none: "sum", "mean"
/// (the weighted mean) or "sqrtn" (the sum over the root of the squared
/// weights' sum). Empty rows give zeros; the result has dense_shape[0] rows.
template <TensorLike P, class S, class WS>
auto embedding_lookup_sparse(const P& params, const SparseTensor<std::int64_t, S>& sp_ids,
                             const SparseTensor<value_type_of<P>, WS>& sp_weights, const std::string& combiner = "mean",
                             const std::string& name = "") {
  return detail::embedding_lookup_sparse_op<value_type_of<P>>(params, sp_ids, combiner, name, sp_weights);
}
template <TensorLike P, class S>
auto embedding_lookup_sparse(const P& params, const SparseTensor<std::int64_t, S>& sp_ids, none_t,
                             const std::string& combiner = "mean", const std::string& name = "") {
  return detail::embedding_lookup_sparse_op<value_type_of<P>>(params, sp_ids, combiner, name);
}
}  // namespace nn

}  // namespace sessionlib
