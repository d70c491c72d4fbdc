// Layout kernels: reshape, expand_dims, squeeze (same values, new shape),
// transpose, concat and slice (values moved). All read run-time shapes only.
//
// Node attributes (graph/op_attrs.hpp), for code that builds these nodes at run time:
//   "Reshape"     reshape_kernel        reshape_attrs
//   "ExpandDims"  expand_dims_kernel    expand_dims_attrs
//   "Squeeze"     squeeze_kernel        squeeze_attrs
//   "Transpose"   transpose_kernel<T>   transpose_attrs
//   "ConcatV2"    concat_kernel<T>      axis_attrs; any number of inputs
//   "Slice"       slice_kernel<T>       slice_attrs
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// Reshape; one -1 in the requested shape is inferred.
SESSIONLIB_DECLARE void reshape_kernel(kernel_context& ctx);

/// Inserts a dimension of 1 at `dim`.
SESSIONLIB_DECLARE void expand_dims_kernel(kernel_context& ctx);

/// Drops the axes `squeeze_dims`, each of which must be 1.
SESSIONLIB_DECLARE void squeeze_kernel(kernel_context& ctx);

/// Output axis i is input axis perm[i].
template <class T>
void transpose_kernel(kernel_context& ctx);

/// Concatenates every input along `axis`.
template <class T>
void concat_kernel(kernel_context& ctx);

/// The block begin[i], size[i] of the input (size -1: to the end of the axis).
template <class T>
void slice_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "array_impl.hpp"
#endif
