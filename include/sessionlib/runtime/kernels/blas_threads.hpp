// OpenBLAS's thread count. Sessions set it to 1: matmul splits its products
// over the session's intra-op threads itself (kernels/matmul.hpp), because
// OpenBLAS's idle workers spin on their cores for a while after every call,
// and OpenBLAS keeps one process-wide setting that cannot follow each session's.
#pragma once

#include <cblas.h>

namespace sessionlib::kernels {

/// Sets OpenBLAS's thread count (n > 0); 0 leaves OpenBLAS's default (all cores).
inline void set_blas_threads(int n) {
  if (n > 0) openblas_set_num_threads(n);
}

}  // namespace sessionlib::kernels
