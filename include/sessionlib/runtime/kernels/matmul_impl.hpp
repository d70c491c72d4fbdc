// The bodies of the kernels matmul.hpp declares: included by matmul.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "elementwise.hpp"

#include "matmul.hpp"

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

/// op(A) op(B) for float and double, split into one OpenBLAS call per thread
/// of `arena` (the session's intra-op threads; null: the current arena's) over
/// the larger dimension of C when the product is large enough. OpenBLAS itself
/// runs single-threaded (kernels/blas_threads.hpp): its idle workers spin for
/// a while after every call, taking the core an input pipeline's runner or a
/// second rank needs, while oneTBB's workers sleep.
SESSIONLIB_DECLARE void gemm(tbb::task_arena* arena, const gemm_dims& g, const float* a, const float* b, float* c,
                             float beta = 0.0f, float alpha = 1.0f);
SESSIONLIB_DECLARE void gemm(tbb::task_arena* arena, const gemm_dims& g, const double* a, const double* b, double* c,
                             double beta = 0.0, double alpha = 1.0);

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

/// Integer products run on the calling thread.
template <class T>
void gemm(tbb::task_arena*, const gemm_dims& g, const T* a, const T* b, T* c, T beta = T{0}) {
  gemm(g, a, b, c, beta);
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
    for (std::size_t i = 0; i < count; ++i) detail::gemm(ctx.split_arena, g, pa + i * asize, pb + i * bsize, pc + i * msize);
    return;
  }
  // Broadcast batches: matrix offsets of a and b per output matrix.
  const auto sa = broadcast_strides(ba, batch), sb = broadcast_strides(bb, batch);
  std::array<std::size_t, dims::max_rank> idx{};
  std::size_t ia = 0, ib = 0;
  for (std::size_t i = 0; i < count; ++i) {
    detail::gemm(ctx.split_arena, g, pa + ia * asize, pb + ib * bsize, pc + i * msize);
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

#if SESSIONLIB_DEFINITIONS
#include <tbb/parallel_for.h>

namespace sessionlib::kernels::detail {

inline void blas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
                      std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}
inline void blas_gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
                      std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

template <class T>
void gemm_split(tbb::task_arena* arena, const gemm_dims& g, const T* a, const T* b, T* c, T beta, T alpha) {
  // Multiply-adds a thread must get for a split to pay for waking it (~10 us of work).
  constexpr std::size_t min_work = std::size_t{1} << 18;
  const std::size_t lda = g.ta ? g.m : g.k, ldb = g.tb ? g.k : g.n, ldc = g.n;
  const int threads = arena ? arena->max_concurrency() : tbb::this_task_arena::max_concurrency();
  const bool by_rows = g.m >= g.n;
  const std::size_t extent = by_rows ? g.m : g.n;
  const std::size_t parts =
      std::min({static_cast<std::size_t>(std::max(threads, 1)), g.m * g.n * g.k / min_work, extent});
  if (parts <= 1) {
    blas_gemm(g.ta, g.tb, g.m, g.n, g.k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  split_work(arena, [&] {
    tbb::parallel_for(std::size_t{0}, parts, [&](std::size_t p) {
      const std::size_t lo = extent * p / parts, hi = extent * (p + 1) / parts;
      if (by_rows)  // rows lo..hi of op(A) and of C
        blas_gemm(g.ta, g.tb, hi - lo, g.n, g.k, alpha, a + (g.ta ? lo : lo * lda), lda, b, ldb, beta, c + lo * ldc, ldc);
      else  // columns lo..hi of op(B) and of C
        blas_gemm(g.ta, g.tb, g.m, hi - lo, g.k, alpha, a, lda, b + (g.tb ? lo * ldb : lo), ldb, beta, c + lo, ldc);
    });
  });
}

SESSIONLIB_INLINE void gemm(tbb::task_arena* arena, const gemm_dims& g, const float* a, const float* b, float* c,
                            float beta, float alpha) {
  gemm_split(arena, g, a, b, c, beta, alpha);
}
SESSIONLIB_INLINE void gemm(tbb::task_arena* arena, const gemm_dims& g, const double* a, const double* b, double* c,
                            double beta, double alpha) {
  gemm_split(arena, g, a, b, c, beta, alpha);
}

}  // namespace sessionlib::kernels::detail
#endif
