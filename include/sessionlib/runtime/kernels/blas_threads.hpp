// OpenBLAS's thread count, set from SessionConfig::intra_op_threads so that
// matmul uses the cores the session was given. OpenBLAS keeps one process-wide
// setting: the last session created with an explicit count decides it.
#pragma once

#include <cblas.h>

namespace sessionlib::kernels {

/// Sets OpenBLAS's thread count (n > 0); 0 leaves OpenBLAS's default (all cores).
inline void set_blas_threads(int n) {
  if (n > 0) openblas_set_num_threads(n);
}

}  // namespace sessionlib::kernels
