// The bodies of the kernels sparse_grad.hpp declares: included by sparse_grad.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "sparse_impl.hpp"

#include "sparse_grad.hpp"

namespace sessionlib::kernels {

/// The gradient of SparseTensorDenseMatMul's values: inputs (a_indices, b,
/// dy); entry i gets sum_n dy[m, n] * op(B)[k, n] (TF's _SparseTensorDenseMatMulGrad).
template <class T>
void sparse_dense_matmul_grad_values(kernel_context& ctx, bool adjoint_a, bool adjoint_b) {
  const any_array& a_ix = ctx.input(0);
  const any_array& b = ctx.input(1);
  const any_array& dy = ctx.input(2);
  const std::size_t nnz = a_ix.shape()[0], bcols = b.shape()[1], n_out = dy.shape()[1];
  ctx.out.ensure(dtype_of<T>, dims{nnz});
  T* out = ctx.out.data<T>();
  const std::int64_t* ix = a_ix.data<std::int64_t>();
  const T* bv = b.data<T>();
  const T* g = dy.data<T>();
  const int lhs = adjoint_a ? 1 : 0, rhs = adjoint_a ? 0 : 1;
  for (std::size_t i = 0; i < nnz; ++i) {
    const auto m = static_cast<std::size_t>(ix[2 * i + lhs]), k = static_cast<std::size_t>(ix[2 * i + rhs]);
    T s{};
    for (std::size_t n = 0; n < n_out; ++n) s += g[m * n_out + n] * (adjoint_b ? bv[n * bcols + k] : bv[k * bcols + n]);
    out[i] = s;
  }
}

/// The gradient of SparseReduceSum's values: inputs (indices, dy, dense_shape);
/// entry n gets dy at its index with the reduced axes dropped.
template <class T>
void sparse_reduce_sum_grad(kernel_context& ctx, const std::vector<std::int64_t>& axes) {
  const any_array& ixa = ctx.input(0);
  const std::size_t nnz = ixa.shape()[0], rank = ixa.shape()[1];
  const std::int64_t* ix = ixa.data<std::int64_t>();
  const std::int64_t* shape = ctx.input(2).data<std::int64_t>();
  std::vector<bool> reduced(rank, false);
  for (auto a : axes) reduced[static_cast<std::size_t>(a)] = true;
  const T* g = ctx.input(1).data<T>();
  ctx.out.ensure(dtype_of<T>, dims{nnz});
  T* out = ctx.out.data<T>();
  for (std::size_t n = 0; n < nnz; ++n) {
    std::size_t p = 0;
    for (std::size_t d = 0; d < rank; ++d)
      if (!reduced[d]) p = p * static_cast<std::size_t>(shape[d]) + static_cast<std::size_t>(ix[n * rank + d]);
    out[n] = g[p];
  }
}

/// GatherNd with full-rank indices: out[n] = params[indices[n, :]].
template <class T>
void gather_nd_kernel(kernel_context& ctx) {
  const any_array& params = ctx.input(0);
  const any_array& ixa = ctx.input(1);
  const std::size_t nnz = ixa.shape()[0], rank = ixa.shape()[1];
  if (rank != params.rank())
    ctx.fail("GatherNd: index depth " + std::to_string(rank) + " differs from the params' rank " +
             std::to_string(params.rank()));
  const std::int64_t* ix = ixa.data<std::int64_t>();
  ctx.out.ensure(dtype_of<T>, dims{nnz});
  T* out = ctx.out.data<T>();
  const T* p = params.data<T>();
  for (std::size_t n = 0; n < nnz; ++n) {
    std::size_t off = 0;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t i = ix[n * rank + d];
      if (i < 0 || static_cast<std::size_t>(i) >= params.shape()[d]) {
        std::string s = "indices[" + std::to_string(n) + "] = [";
        for (std::size_t e = 0; e < rank; ++e) {
          if (e) s += ", ";
          s += std::to_string(ix[n * rank + e]);
        }
        ctx.fail(s + "] does not index into param shape " + bracket_shape(params.shape()));
      }
      off = off * params.shape()[d] + static_cast<std::size_t>(i);
    }
    out[n] = p[off];
  }
}

/// SparseAddGrad: inputs (backprop_val_grad, a_indices, b_indices,
/// sum_indices); each entry of a and of b gets the gradient of the sum entry
/// at its index (0 where the sum dropped it).
template <class T>
void sparse_add_grad_kernel(kernel_context& ctx) {
  const T* g = ctx.input(0).data<T>();
  const any_array& ai = ctx.input(1);
  const any_array& bi = ctx.input(2);
  const any_array& si = ctx.input(3);
  const std::size_t rank = ai.shape()[1], sum_nnz = si.shape()[0];
  const std::int64_t* s = si.data<std::int64_t>();
  auto route = [&](const any_array& x, any_array& out) {
    const std::size_t nnz = x.shape()[0];
    out.ensure(dtype_of<T>, dims{nnz});
    T* o = out.data<T>();
    const std::int64_t* xi = x.data<std::int64_t>();
    std::size_t k = 0;
    for (std::size_t n = 0; n < nnz; ++n) {
      while (k < sum_nnz && sparse::compare(s, k, xi, n, rank) < 0) ++k;
      o[n] = k < sum_nnz && sparse::compare(s, k, xi, n, rank) == 0 ? g[k] : T{};
    }
  };
  route(ai, ctx.output(0));
  route(bi, ctx.output(1));
}

namespace sparse {
/// embedding_lookup_sparse's per-entry scale: weight / the row's denominator
/// (1 for "sum", the row's weight sum for "mean", the root of its squared
/// weights for "sqrtn"). Checks ids against `vocabulary`.
template <class T>
std::vector<T> embedding_scales(const kernel_context& ctx, const view& v, const std::int64_t* ids, const T* weights,
                                std::size_t vocabulary, std::size_t rows, const std::string& combiner) {
  std::vector<T> denom(rows, T{}), scale(v.nnz);
  for (std::size_t n = 0; n < v.nnz; ++n) {
    const std::int64_t r = v.ix[n * v.rank];
    if (r < 0 || static_cast<std::size_t>(r) >= rows)
      ctx.fail(sparse_out_of_bounds(v.ix, n, v.rank, v.shape));
    if (ids[n] < 0 || static_cast<std::size_t>(ids[n]) >= vocabulary)
      ctx.fail("indices[" + std::to_string(n) + "] = " + std::to_string(ids[n]) + " is not in [0, " +
               std::to_string(vocabulary) + ")");
    const T w = weights ? weights[n] : T{1};
    denom[static_cast<std::size_t>(r)] += combiner == "sqrtn" ? w * w : w;
  }
  for (std::size_t n = 0; n < v.nnz; ++n) {
    const T w = weights ? weights[n] : T{1};
    const T d = denom[static_cast<std::size_t>(v.ix[n * v.rank])];
    if (combiner == "sum") scale[n] = w;
    else if (combiner == "mean") scale[n] = d != T{} ? w / d : T{};
    else scale[n] = d != T{} ? w / std::sqrt(d) : T{};
  }
  return scale;
}
}  // namespace sparse

/// EmbeddingLookupSparse: inputs (params (V, D), indices, ids, dense_shape[,
/// weights]); row r of the output combines params[id] of the entries in row r.
template <class T>
void embedding_lookup_sparse(kernel_context& ctx, const std::string& combiner) {
  const any_array& params = ctx.input(0);
  const sparse::view v = sparse::read(ctx, 1, 2, 3);
  const T* weights = ctx.nin > 4 ? ctx.input(4).data<T>() : nullptr;
  if (ctx.nin > 4 && ctx.input(4).size() != v.nnz)
    ctx.fail("sp_weights has " + std::to_string(ctx.input(4).size()) + " values, sp_ids " + std::to_string(v.nnz));
  const std::size_t vocab = params.shape()[0], dim = params.shape()[1];
  const auto rows = static_cast<std::size_t>(v.shape[0]);
  const std::vector<T> scale =
      sparse::embedding_scales<T>(ctx, v, v.values->data<std::int64_t>(), weights, vocab, rows, combiner);
  ctx.out.ensure(dtype_of<T>, dims{rows, dim});
  T* out = ctx.out.data<T>();
  std::fill_n(out, rows * dim, T{});
  const T* p = params.data<T>();
  const std::int64_t* ids = v.values->data<std::int64_t>();
  for (std::size_t n = 0; n < v.nnz; ++n) {
    T* o = out + static_cast<std::size_t>(v.ix[n * v.rank]) * dim;
    const T* e = p + static_cast<std::size_t>(ids[n]) * dim;
    for (std::size_t c = 0; c < dim; ++c) o[c] += scale[n] * e[c];
  }
}

/// The gradient of EmbeddingLookupSparse to params: inputs (dy, params,
/// indices, ids, dense_shape[, weights]); dy's rows added, scaled, at the ids.
/// With `as_rows`, the scaled rows themselves, (nnz, dim), one per id: the
/// values of the gradient as TF's IndexedSlices (whose indices are the ids).
template <class T>
void embedding_lookup_sparse_grad(kernel_context& ctx, const std::string& combiner, bool as_rows = false) {
  const any_array& dy = ctx.input(0);
  const any_array& params = ctx.input(1);
  const sparse::view v = sparse::read(ctx, 2, 3, 4);
  const T* weights = ctx.nin > 5 ? ctx.input(5).data<T>() : nullptr;
  const std::size_t vocab = params.shape()[0], dim = params.shape()[1];
  const auto rows = static_cast<std::size_t>(v.shape[0]);
  const std::vector<T> scale =
      sparse::embedding_scales<T>(ctx, v, v.values->data<std::int64_t>(), weights, vocab, rows, combiner);
  const T* g = dy.data<T>();
  if (as_rows) {
    ctx.out.ensure(dtype_of<T>, dims{v.nnz, dim});
    T* out = ctx.out.data<T>();
    for (std::size_t n = 0; n < v.nnz; ++n) {
      const T* d = g + static_cast<std::size_t>(v.ix[n * v.rank]) * dim;
      for (std::size_t c = 0; c < dim; ++c) out[n * dim + c] = scale[n] * d[c];
    }
    return;
  }
  ctx.out.ensure(dtype_of<T>, dims{vocab, dim});
  T* out = ctx.out.data<T>();
  std::fill_n(out, vocab * dim, T{});
  const std::int64_t* ids = v.values->data<std::int64_t>();
  for (std::size_t n = 0; n < v.nnz; ++n) {
    T* o = out + static_cast<std::size_t>(ids[n]) * dim;
    const T* d = g + static_cast<std::size_t>(v.ix[n * v.rank]) * dim;
    for (std::size_t c = 0; c < dim; ++c) o[c] += scale[n] * d[c];
  }
}


// The kernels as nodes run them: attributes read from the node, which carries
// its forward node's (graph/sparse_attrs.hpp).
/// SparseTensorDenseMatMulGradValues (the product's sparse_dense_matmul_attrs).
template <class T> void sparse_dense_matmul_grad_values_kernel(kernel_context& ctx) {
  const sparse_dense_matmul_attrs& at = ctx.attrs<sparse_dense_matmul_attrs>();
  sparse_dense_matmul_grad_values<T>(ctx, at.adjoint_a, at.adjoint_b);
}
/// SparseReduceSumGrad (the reduction's sparse_reduce_sum_attrs).
template <class T> void sparse_reduce_sum_grad_kernel(kernel_context& ctx) {
  sparse_reduce_sum_grad<T>(ctx, ctx.attrs<sparse_reduce_sum_attrs>().reduction_axes);
}
/// EmbeddingLookupSparse (embedding_lookup_sparse_attrs).
template <class T> void embedding_lookup_sparse_kernel(kernel_context& ctx) {
  embedding_lookup_sparse<T>(ctx, ctx.attrs<embedding_lookup_sparse_attrs>().combiner);
}
/// EmbeddingLookupSparseGrad (the lookup's embedding_lookup_sparse_attrs).
template <class T> void embedding_lookup_sparse_grad_kernel(kernel_context& ctx) {
  embedding_lookup_sparse_grad<T>(ctx, ctx.attrs<embedding_lookup_sparse_attrs>().combiner);
}
/// EmbeddingLookupSparseGradRows: the same inputs, the rows of the gradient, (nnz, dim).
template <class T> void embedding_lookup_sparse_grad_rows_kernel(kernel_context& ctx) {
  embedding_lookup_sparse_grad<T>(ctx, ctx.attrs<embedding_lookup_sparse_attrs>().combiner, /*as_rows=*/true);
}

}  // namespace sessionlib::kernels
