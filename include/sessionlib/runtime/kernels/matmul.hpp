// Matrix multiplication kernels ("MatMul", "BatchMatMulV2"). float and double go
// to OpenBLAS's gemm, writing straight into the reused output buffer; integer
// types take a plain blocked loop. Leading (batch) axes broadcast as in numpy.
//
// Node attributes: matmul_attrs (graph/op_attrs.hpp).
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// out = op(a) @ op(b) over the last two axes; the leading axes broadcast.
/// Works for any element type with a detail::gemm overload (float, double, integers).
template <class T>
void matmul_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "matmul_impl.hpp"
#endif
