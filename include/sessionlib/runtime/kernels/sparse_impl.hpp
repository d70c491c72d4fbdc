// The bodies of the kernels sparse.hpp declares: included by sparse.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "elementwise.hpp"

#include "sparse.hpp"

namespace sessionlib::kernels {

namespace sparse {

using ::sessionlib::detail::sparse_bracketed;
using ::sessionlib::detail::sparse_index_text;
using ::sessionlib::detail::sparse_out_of_bounds;

/// A sparse tensor's three inputs starting at input `first`, checked as
/// TF's SparseTensor::Create does.
struct view {
  const std::int64_t* ix = nullptr;
  std::size_t nnz = 0, rank = 0;
  const std::int64_t* shape = nullptr;
  const any_array* values = nullptr;
};
inline view read(const kernel_context& ctx, std::size_t indices, std::size_t values, std::size_t shape) {
  const any_array& ix = ctx.input(indices);
  const any_array& sh = ctx.input(shape);
  if (ix.rank() != 2) ctx.fail("indices must be a matrix, but got: " + bracket_shape(ix.shape()));
  if (sh.rank() != 1) ctx.fail("Input shapes should be a vector but received shapes " + bracket_shape(sh.shape()));
  view v{ix.data<std::int64_t>(), ix.shape()[0], ix.shape()[1], sh.data<std::int64_t>(), nullptr};
  if (values != ~std::size_t{0}) {
    v.values = &ctx.input(values);
    if (v.values->rank() != 1) ctx.fail("vals must be a vec, but got: " + bracket_shape(v.values->shape()));
    if (v.values->shape()[0] != v.nnz)
      ctx.fail("indices and values rows (indexing dimension) must match. (indices = " + std::to_string(v.nnz) +
               ", values = " + std::to_string(v.values->shape()[0]) + ")");
  }
  if (sh.shape()[0] != v.rank) ctx.fail("Shape rank must be SparseTensor rank.");
  for (std::size_t d = 0; d < v.rank; ++d)
    if (v.shape[d] < 0) ctx.fail("Dimension " + std::to_string(v.shape[d]) + " must be >= 0");
  return v;
}

/// TF's SparseTensor::IndicesValid: each index inside the shape and, when
/// `ordered`, strictly increasing in row-major order.
inline void check_indices(const kernel_context& ctx, const view& v, bool ordered) {
  for (std::size_t n = 0; n < v.nnz; ++n) {
    bool valid = true, different = n == 0, increasing = true;
    for (std::size_t d = 0; d < v.rank; ++d) {
      const std::int64_t i = v.ix[n * v.rank + d];
      if (i < 0 || i >= v.shape[d]) valid = false;
      if (n > 0) {
        const std::int64_t diff = i - v.ix[(n - 1) * v.rank + d];
        if (diff > 0) different = true;
        if (!different && diff < 0) increasing = false;
      }
    }
    if (!valid) ctx.fail(sparse_out_of_bounds(v.ix, n, v.rank, v.shape));
    if (ordered && !increasing)
      ctx.fail(sparse_index_text(v.ix, n, v.rank) +
               " is out of order. Many sparse ops require sorted indices.\n"
               "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n");
    if (ordered && !different) ctx.fail(sparse_index_text(v.ix, n, v.rank) + " is repeated");
  }
}

/// Row-major position of entry n in a dense tensor of shape `shape`.
inline std::size_t linear(const std::int64_t* ix, std::size_t n, std::size_t rank, const std::int64_t* shape) {
  std::size_t p = 0;
  for (std::size_t d = 0; d < rank; ++d) p = p * static_cast<std::size_t>(shape[d]) + static_cast<std::size_t>(ix[n * rank + d]);
  return p;
}
/// -1, 0 or 1 as row a of `x` orders before, with or after row b of `y`.
inline int compare(const std::int64_t* x, std::size_t a, const std::int64_t* y, std::size_t b, std::size_t rank) {
  for (std::size_t d = 0; d < rank; ++d) {
    if (x[a * rank + d] < y[b * rank + d]) return -1;
    if (x[a * rank + d] > y[b * rank + d]) return 1;
  }
  return 0;
}
inline void write_int64(any_array& out, const dims& shape, const std::int64_t* src) {
  out.ensure(dtype::int64, shape);
  if (shape.elements()) std::memcpy(out.data<std::int64_t>(), src, shape.elements() * sizeof(std::int64_t));
}

}  // namespace sparse

/// SparseToDense: the dense tensor of `output_shape`, default_value where no
/// entry is; `validate` checks order and bounds (TF's validate_indices).
template <class T>
void sparse_to_dense(kernel_context& ctx, bool validate) {
  const any_array& ix = ctx.input(0);
  if (ix.rank() > 2)
    ctx.fail("sparse_indices should be a scalar, vector, or matrix, got shape " + bracket_shape(ix.shape()));
  const std::size_t nnz = ix.rank() > 0 ? ix.shape()[0] : 1, rank = ix.rank() > 1 ? ix.shape()[1] : 1;
  const any_array& os = ctx.input(1);
  if (os.rank() > 1) ctx.fail("output_shape should be a vector, got shape " + bracket_shape(os.shape()));
  if (os.size() != rank)
    ctx.fail("output_shape has incorrect number of elements: " + std::to_string(os.size()) + " should be: " +
             std::to_string(rank));
  const any_array& values = ctx.input(2);
  if (!(values.rank() == 0 || (values.rank() == 1 && values.size() == nnz)))
    ctx.fail("sparse_values has incorrect shape " + bracket_shape(values.shape()) + ", should be [] or [" +
             std::to_string(nnz) + "]");
  if (ctx.input(3).rank() != 0) ctx.fail("default_value should be a scalar.");
  const std::int64_t* shape = os.data<std::int64_t>();
  dims od;
  for (std::size_t d = 0; d < rank; ++d) {
    if (shape[d] < 0) ctx.fail("Dimension " + std::to_string(shape[d]) + " must be >= 0");
    od.push_back(static_cast<std::size_t>(shape[d]));
  }
  if (!shape_fits(ctx.n.shape, od))
    ctx.fail("SparseToDense: the dense shape " + bracket_shape(od) + " does not fit the SparseTensor's static shape " +
             static_shape_string(ctx.n.shape));
  const sparse::view v{ix.data<std::int64_t>(), nnz, rank, shape, nullptr};
  if (validate) sparse::check_indices(ctx, v, true);
  ctx.out.ensure(dtype_of<T>, od);
  T* out = ctx.out.data<T>();
  std::fill_n(out, od.elements(), ctx.input(3).scalar<T>());
  const T* val = values.data<T>();
  for (std::size_t n = 0; n < nnz; ++n) {
    for (std::size_t d = 0; d < rank; ++d)
      if (v.ix[n * rank + d] < 0 || v.ix[n * rank + d] >= shape[d])
        ctx.fail("Indices are not valid (out of bounds).  Shape: " + bracket_shape(od));
    out[sparse::linear(v.ix, n, rank, shape)] = values.rank() == 0 ? val[0] : val[n];
  }
}

/// SparseTensorDenseMatMul: op(A) x op(B) for sparse A (rank 2), dense B.
template <class T>
void sparse_dense_matmul(kernel_context& ctx, bool adjoint_a, bool adjoint_b) {
  const any_array& b = ctx.input(3);
  if (b.rank() != 2) ctx.fail("Tensor 'b' is not a matrix");
  const any_array& a_shape = ctx.input(2);
  if (a_shape.rank() != 1) ctx.fail("Tensor 'a_shape' is not a vector");
  if (a_shape.size() != 2) ctx.fail("Tensor 'a_shape' must have 2 elements");
  if (ctx.input(1).rank() != 1) ctx.fail("Tensor 'a_values' is not a vector");
  const any_array& a_ix = ctx.input(0);
  if (a_ix.rank() != 2) ctx.fail("Tensor 'a_indices' is not a matrix");
  const std::size_t nnz = a_ix.shape()[0];
  if (nnz != ctx.input(1).size()) ctx.fail("Number of rows of a_indices does not match number of entries in a_values");
  if (a_ix.shape()[1] != 2) ctx.fail("Number of columns of a_indices does not match number of entries in a_shape");
  const std::int64_t* as = a_shape.data<std::int64_t>();
  const auto outer_left = static_cast<std::size_t>(adjoint_a ? as[1] : as[0]);
  const std::size_t outer_right = adjoint_b ? b.shape()[0] : b.shape()[1];
  const auto inner_left = static_cast<std::size_t>(adjoint_a ? as[0] : as[1]);
  const std::size_t inner_right = adjoint_b ? b.shape()[1] : b.shape()[0];
  if (inner_left != inner_right)
    ctx.fail("Cannot multiply A and B because inner dimension does not match: " + std::to_string(inner_left) +
             " vs. " + std::to_string(inner_right) + ".  Did you forget a transpose?  Dimensions of A: [" +
             std::to_string(as[0]) + ", " + std::to_string(as[1]) + ").  Dimensions of B: " + bracket_shape(b.shape()));
  ctx.out.ensure(dtype_of<T>, dims{outer_left, outer_right});
  T* out = ctx.out.data<T>();
  std::fill_n(out, outer_left * outer_right, T{});
  const std::int64_t* ix = a_ix.data<std::int64_t>();
  const T* av = ctx.input(1).data<T>();
  const T* bv = b.data<T>();
  const std::size_t bcols = b.shape()[1];
  const int lhs = adjoint_a ? 1 : 0, rhs = adjoint_a ? 0 : 1;
  for (std::size_t i = 0; i < nnz; ++i) {
    const std::int64_t m = ix[2 * i + lhs], k = ix[2 * i + rhs];
    if (k < 0 || static_cast<std::size_t>(k) >= inner_right)
      ctx.fail("k (" + std::to_string(k) + ") from index[" + std::to_string(i) + "," + std::to_string(rhs) +
               "] out of bounds (>=" + std::to_string(inner_right) + ")");
    if (m < 0 || static_cast<std::size_t>(m) >= outer_left)
      ctx.fail("m (" + std::to_string(m) + ") from index[" + std::to_string(i) + "," + std::to_string(lhs) +
               "] out of bounds (>=" + std::to_string(outer_left) + ")");
    T* row = out + static_cast<std::size_t>(m) * outer_right;
    const T a = av[i];
    if (!adjoint_b) {
      const T* brow = bv + static_cast<std::size_t>(k) * bcols;
      for (std::size_t n = 0; n < outer_right; ++n) row[n] += a * brow[n];
    } else {
      for (std::size_t n = 0; n < outer_right; ++n) row[n] += a * bv[n * bcols + static_cast<std::size_t>(k)];
    }
  }
}

/// SparseReduceSum over `axes` (normalised, ascending), keeping them as 1s when `keep_dims`.
template <class T>
void sparse_reduce_sum(kernel_context& ctx, const std::vector<std::int64_t>& axes, bool keep_dims) {
  const sparse::view v = sparse::read(ctx, 0, 1, 2);
  sparse::check_indices(ctx, v, false);
  std::vector<bool> reduced(v.rank, false);
  for (auto a : axes) {
    if (a < 0 || static_cast<std::size_t>(a) >= v.rank)
      ctx.fail("Invalid reduction dimension " + std::to_string(a) + ", for input with " + std::to_string(v.rank) +
               " dimensions.");
    reduced[static_cast<std::size_t>(a)] = true;
  }
  dims od;
  std::vector<std::int64_t> kept_shape;  // the output's shape without the reduced axes
  for (std::size_t d = 0; d < v.rank; ++d) {
    if (!reduced[d]) {
      od.push_back(static_cast<std::size_t>(v.shape[d]));
      kept_shape.push_back(v.shape[d]);
    } else if (keep_dims) {
      od.push_back(1);
    }
  }
  ctx.out.ensure(dtype_of<T>, od);
  T* out = ctx.out.data<T>();
  std::fill_n(out, od.elements(), T{});
  const T* val = v.values->data<T>();
  for (std::size_t n = 0; n < v.nnz; ++n) {
    std::size_t p = 0;
    for (std::size_t d = 0, j = 0; d < v.rank; ++d)
      if (!reduced[d]) p = p * static_cast<std::size_t>(kept_shape[j++]) + static_cast<std::size_t>(v.ix[n * v.rank + d]);
    out[p] += val[n];
  }
}

/// SparseAdd of two sparse tensors of one dense shape, both in row-major
/// order: entries at one index are summed and kept when |sum| >= thresh.
template <class T>
void sparse_add(kernel_context& ctx, double thresh) {
  const sparse::view a = sparse::read(ctx, 0, 1, 2), b = sparse::read(ctx, 3, 4, 5);
  if (a.rank != b.rank)
    ctx.fail("Operands do not have the same ranks; got shapes: " + sparse::sparse_bracketed(a.shape, a.rank) + " and " +
             sparse::sparse_bracketed(b.shape, b.rank));
  for (std::size_t d = 0; d < a.rank; ++d)
    if (a.shape[d] != b.shape[d])
      ctx.fail("Operands' shapes do not match: got " + std::to_string(a.shape[d]) + " and " +
               std::to_string(b.shape[d]) + " for dimension " + std::to_string(d));
  const T* av = a.values->data<T>();
  const T* bv = b.values->data<T>();
  std::vector<const std::int64_t*> rows;
  std::vector<T> vals;
  std::size_t i = 0, j = 0;
  while (i < a.nnz && j < b.nnz) {
    const int c = sparse::compare(a.ix, i, b.ix, j, a.rank);
    if (c < 0) {
      rows.push_back(a.ix + i * a.rank);
      vals.push_back(av[i++]);
    } else if (c > 0) {
      rows.push_back(b.ix + j * b.rank);
      vals.push_back(bv[j++]);
    } else {
      const T s = static_cast<T>(av[i] + bv[j]);
      if (thresh <= std::abs(static_cast<double>(s))) {
        rows.push_back(a.ix + i * a.rank);
        vals.push_back(s);
      }
      ++i;
      ++j;
    }
  }
  for (; i < a.nnz; ++i) rows.push_back(a.ix + i * a.rank), vals.push_back(av[i]);
  for (; j < b.nnz; ++j) rows.push_back(b.ix + j * b.rank), vals.push_back(bv[j]);
  any_array& oi = ctx.output(0);
  oi.ensure(dtype::int64, dims{rows.size(), a.rank});
  for (std::size_t n = 0; n < rows.size(); ++n) std::copy_n(rows[n], a.rank, oi.data<std::int64_t>() + n * a.rank);
  any_array& ov = ctx.output(1);
  ov.ensure(dtype_of<T>, dims{vals.size()});
  std::copy(vals.begin(), vals.end(), ov.data<T>());
  sparse::write_int64(ctx.output(2), dims{a.rank}, a.shape);
}

/// SparseReorder: the entries in row-major order of their indices (stable).
template <class T>
void sparse_reorder_kernel(kernel_context& ctx) {
  const sparse::view v = sparse::read(ctx, 0, 1, 2);
  sparse::check_indices(ctx, v, false);
  std::vector<std::size_t> order(v.nnz);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return sparse::compare(v.ix, x, v.ix, y, v.rank) < 0; });
  any_array& oi = ctx.output(0);
  oi.ensure(dtype::int64, dims{v.nnz, v.rank});
  any_array& ov = ctx.output(1);
  ov.ensure(dtype_of<T>, dims{v.nnz});
  const T* val = v.values->data<T>();
  for (std::size_t n = 0; n < v.nnz; ++n) {
    std::copy_n(v.ix + order[n] * v.rank, v.rank, oi.data<std::int64_t>() + n * v.rank);
    ov.data<T>()[n] = val[order[n]];
  }
}

/// SparseReshape: inputs (indices, shape) to `new_shape` (at most one -1), as
/// TF's reshape_util.cc.
inline void sparse_reshape(kernel_context& ctx, const std::vector<std::int64_t>& new_shape) {
  const sparse::view v = sparse::read(ctx, 0, ~std::size_t{0}, 1);
  std::int64_t dense_size = 1;
  for (std::size_t d = 0; d < v.rank; ++d) dense_size *= v.shape[d];
  std::vector<std::int64_t> out_shape(new_shape.size());
  std::int64_t product = 1;
  std::ptrdiff_t unknown = -1;
  for (std::size_t d = 0; d < new_shape.size(); ++d) {
    const std::int64_t size = new_shape[d];
    if (size == -1) {
      if (unknown != -1)
        ctx.fail("only one output dimension may be -1, not both " + std::to_string(unknown) + " and " +
                 std::to_string(d));
      unknown = static_cast<std::ptrdiff_t>(d);
    } else {
      if (size < 0) ctx.fail("size " + std::to_string(d) + " must be non-negative, not " + std::to_string(size));
      product *= size;
      out_shape[d] = size;
    }
  }
  if (unknown != -1) {
    if (product <= 0)
      ctx.fail("reshape cannot infer the missing input size for an empty tensor unless all specified input sizes "
               "are non-zero");
    const std::int64_t missing = dense_size / product;
    if (product * missing != dense_size)
      ctx.fail("Input to reshape is a SparseTensor with " + std::to_string(dense_size) +
               " dense values, but the requested shape requires a multiple of " + std::to_string(product));
    out_shape[static_cast<std::size_t>(unknown)] = missing;
  }
  std::int64_t out_size = 1;
  for (auto s : out_shape) out_size *= s;
  if (out_size != dense_size)
    ctx.fail("Input to reshape is a tensor with " + std::to_string(dense_size) +
             " dense values, but the requested shape has " + std::to_string(out_size));
  const std::size_t orank = out_shape.size();
  any_array& oi = ctx.output(0);
  oi.ensure(dtype::int64, dims{v.nnz, orank});
  std::int64_t* o = oi.data<std::int64_t>();
  for (std::size_t n = 0; n < v.nnz; ++n) {
    auto p = static_cast<std::int64_t>(sparse::linear(v.ix, n, v.rank, v.shape));
    for (std::size_t d = orank; d-- > 0;) {
      o[n * orank + d] = out_shape[d] ? p % out_shape[d] : 0;
      if (out_shape[d]) p /= out_shape[d];
    }
  }
  sparse::write_int64(ctx.output(1), dims{orank}, out_shape.data());
}

/// SparseRetain: inputs (indices, values, keep (bool, nnz)): the entries where keep is true.
template <class T>
void sparse_retain_kernel(kernel_context& ctx) {
  const any_array& ixa = ctx.input(0);
  const any_array& values = ctx.input(1);
  const any_array& keep = ctx.input(2);
  const std::size_t nnz = values.size(), rank = ixa.shape()[1];
  if (keep.rank() != 1 || keep.size() != nnz)
    ctx.fail("sparse_retain: to_retain must be a vector of " + std::to_string(nnz) + " bools (one per value), got shape " +
             bracket_shape(keep.shape()));
  const bool* k = keep.data<bool>();
  const std::size_t kept = static_cast<std::size_t>(std::count(k, k + nnz, true));
  any_array& oi = ctx.output(0);
  oi.ensure(dtype::int64, dims{kept, rank});
  any_array& ov = ctx.output(1);
  ov.ensure(dtype_of<T>, dims{kept});
  for (std::size_t n = 0, j = 0; n < nnz; ++n) {
    if (!k[n]) continue;
    std::copy_n(ixa.data<std::int64_t>() + n * rank, rank, oi.data<std::int64_t>() + j * rank);
    ov.data<T>()[j++] = values.data<T>()[n];
  }
}

// The kernels as nodes run them: attributes read from the node (graph/sparse_attrs.hpp).
/// SparseToDense (sparse_to_dense_attrs).
template <class T> void sparse_to_dense_kernel(kernel_context& ctx) {
  sparse_to_dense<T>(ctx, ctx.attrs<sparse_to_dense_attrs>().validate_indices);
}
/// SparseTensorDenseMatMul (sparse_dense_matmul_attrs).
template <class T> void sparse_dense_matmul_kernel(kernel_context& ctx) {
  const sparse_dense_matmul_attrs& at = ctx.attrs<sparse_dense_matmul_attrs>();
  sparse_dense_matmul<T>(ctx, at.adjoint_a, at.adjoint_b);
}
/// SparseReduceSum (sparse_reduce_sum_attrs).
template <class T> void sparse_reduce_sum_kernel(kernel_context& ctx) {
  const sparse_reduce_sum_attrs& at = ctx.attrs<sparse_reduce_sum_attrs>();
  sparse_reduce_sum<T>(ctx, at.reduction_axes, at.keep_dims);
}
/// SparseAdd (sparse_add_attrs).
template <class T> void sparse_add_kernel(kernel_context& ctx) { sparse_add<T>(ctx, ctx.attrs<sparse_add_attrs>().thresh); }
/// SparseReshape (sparse_reshape_attrs).
SESSIONLIB_INLINE void sparse_reshape_kernel(kernel_context& ctx) { sparse_reshape(ctx, ctx.attrs<sparse_reshape_attrs>().new_shape); }

}  // namespace sessionlib::kernels
