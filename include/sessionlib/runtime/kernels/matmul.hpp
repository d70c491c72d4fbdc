// Matrix multiplication kernels ("MatMul", "BatchMatMulV2"). float and double go
// to OpenBLAS's gemm, writing straight into the reused output buffer; integer
// types take a plain blocked loop. Leading (batch) axes broadcast as in numpy.
//
// Node attributes: matmul_attrs (graph/op_attrs.hpp).
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "../kernel.hpp"
#include "elementwise.hpp"

namespace sessionlib::kernels {

namespace detail {

/// One (possibly transposed) row-major matrix product, packed (leading
/// dimensions are the matrices' own widths): C[m,n] = alpha op(A)[m,k] op(B)[k,n] + beta C
/// (alpha for float and double only).
/// Shared with conv.hpp's im2col products.
struct gemm_dims {
  std::size_t m, n, k;
  bool ta, tb;
};

inline void gemm(const gemm_dims& g, const float* a, const float* b, float* c, float beta = 0.0f,
                 float alpha = 1.0f) {
  cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(g.m), static_cast<blasint>(g.n), static_cast<blasint>(g.k), alpha, a,
              static_cast<blasint>(g.ta ? g.m : g.k), b, static_cast<blasint>(g.tb ? g.k : g.n), beta, c,
              static_cast<blasint>(g.n));
}

inline void gemm(const gemm_dims& g, const double* a, const double* b, double* c, double beta = 0.0,
                 double alpha = 1.0) {
  cblas_dgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(g.m), static_cast<blasint>(g.n), static_cast<blasint>(g.k), alpha, a,
              static_cast<blasint>(g.ta ? g.m : g.k), b, static_cast<blasint>(g.tb ? g.k : g.n), beta, c,
              static_cast<blasint>(g.n));
}

/// The integer product: i-k-j order over tiles of k and j, so a tile of B's rows
/// stays in cache while every row of C is updated from it.
template <class T>
void gemm(const gemm_dims& g, const T* a, const T* b, T* c, T beta = T{0}) {
  constexpr std::size_t kb = 64, jb = 256;
  const std::size_t m = g.m, n = g.n, k = g.k;
  if (beta == T{0}) std::fill(c, c + m * n, T{0});
  else if (beta != T{1}) for (std::size_t i = 0; i < m * n; ++i) c[i] = static_cast<T>(c[i] * beta);
  // Strides of op(A) and op(B) over (row, column).
  const std::size_t a_row = g.ta ? 1 : k, a_col = g.ta ? m : 1;
  const std::size_t b_row = g.tb ? 1 : n, b_col = g.tb ? k : 1;
  for (std::size_t k0 = 0; k0 < k; k0 += kb) {
    const std::size_t k1 = std::min(k, k0 + kb);
    for (std::size_t j0 = 0; j0 < n; j0 += jb) {
      const std::size_t j1 = std::min(n, j0 + jb);
      for (std::size_t i = 0; i < m; ++i) {
        T* ci = c + i * n;
        for (std::size_t p = k0; p < k1; ++p) {
          const T aip = a[i * a_row + p * a_col];
          const T* bp = b + p * b_row;
          for (std::size_t j = j0; j < j1; ++j) ci[j] = static_cast<T>(ci[j] + aip * bp[j * b_col]);
        }
      }
    }
  }
}

/// The matrix product of the last two axes of shapes `da` and `db` under the
/// transpose flags; fails, naming the node, on a rank below 2 or inner
/// dimensions that differ (TF's messages).
inline gemm_dims matrix_dims(const kernel_context& ctx, const dims& da, const dims& db, bool ta, bool tb) {
  const std::size_t ra = da.size(), rb = db.size();
  if (ra < 2 || rb < 2)
    ctx.fail("In[0] and In[1] must have rank >= 2: " + bracket_shape(da) + " vs. " + bracket_shape(db));
  const std::size_t m = ta ? da[ra - 1] : da[ra - 2], ka = ta ? da[ra - 2] : da[ra - 1];
  const std::size_t kb = tb ? db[rb - 1] : db[rb - 2], n = tb ? db[rb - 2] : db[rb - 1];
  if (ka != kb) ctx.fail("Matrix size-incompatible: In[0]: " + bracket_shape(da) + ", In[1]: " + bracket_shape(db));
  return {m, n, ka, ta, tb};
}

}  // namespace detail

/// out = op(a) @ op(b) over the last two axes; the leading axes broadcast.
/// Works for any element type with a detail::gemm overload (float, double, integers).
template <class T>
void matmul_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  const any_array& b = ctx.input(1);
  const matmul_attrs& at = ctx.attrs<matmul_attrs>();
  const bool ta = at.transpose_a, tb = at.transpose_b;
  const dims& da = a.shape();
  const dims& db = b.shape();
  const detail::gemm_dims g = detail::matrix_dims(ctx, da, db, ta, tb);
  const std::size_t m = g.m, n = g.n, ka = g.k;

  // Batch axes: broadcast the leading dimensions.
  dims ba(da.begin(), da.end() - 2), bb(db.begin(), db.end() - 2);
  const std::size_t nb = std::max(ba.size(), bb.size());
  dims batch;
  batch.resize(nb);
  for (std::size_t i = 0; i < nb; ++i) {
    const std::size_t x = i < nb - ba.size() ? 1 : ba[i - (nb - ba.size())];
    const std::size_t y = i < nb - bb.size() ? 1 : bb[i - (nb - bb.size())];
    if (x != y && x != 1 && y != 1)
      ctx.fail("In[0] and In[1] must have compatible batch dimensions: " + bracket_shape(da) + " vs. " +
               bracket_shape(db));
    batch[i] = x == 1 ? y : x;
  }
  dims out = batch;
  out.push_back(m);
  out.push_back(n);
  ctx.out.ensure(dtype_of<T>, out);

  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = ctx.out.data<T>();
  const std::size_t count = batch.elements(), msize = m * n;
  if (msize == 0 || count == 0) return;
  if (ka == 0) {  // an empty sum: zeros (and BLAS rejects a leading dimension of 0)
    std::fill(pc, pc + count * msize, T{0});
    return;
  }
  const std::size_t asize = m * ka, bsize = ka * n;
  if (nb == 0 || (ba == batch && bb == batch)) {  // plain or same-shape batches: contiguous
    for (std::size_t i = 0; i < count; ++i) detail::gemm(g, pa + i * asize, pb + i * bsize, pc + i * msize);
    return;
  }
  // Broadcast batches: matrix offsets of a and b per output matrix.
  const auto sa = broadcast_strides(ba, batch), sb = broadcast_strides(bb, batch);
  std::array<std::size_t, dims::max_rank> idx{};
  std::size_t ia = 0, ib = 0;
  for (std::size_t i = 0; i < count; ++i) {
    detail::gemm(g, pa + ia * asize, pb + ib * bsize, pc + i * msize);
    for (std::size_t ax = nb; ax-- > 0;) {
      ia += sa[ax];
      ib += sb[ax];
      if (++idx[ax] < batch[ax]) break;
      ia -= sa[ax] * batch[ax];
      ib -= sb[ax] * batch[ax];
      idx[ax] = 0;
    }
  }
}

}  // namespace sessionlib::kernels
