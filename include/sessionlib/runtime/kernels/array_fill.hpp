// Generating kernels: fill (zeros, ones), fill in another tensor's shape
// (zeros_like, ones_like), and range.
//
// Node attributes:
//   "Fill"                   fill_kernel<T>       no inputs; attr.value = the value (rank-0 array
//                                                 of T); the output shape is the node's static shape
//   "ZerosLike", "OnesLike"  fill_like_kernel<T>  input {x}; attr.value = the value; shape of x
//   "Range"                  range_kernel<T>      inputs {start, limit, delta}, rank-0 of T
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// Every element is attr.value, in the node's static shape.
template <class T>
void fill_kernel(kernel_context& ctx);

/// Every element is attr.value, in the shape of input 0.
template <class T>
void fill_like_kernel(kernel_context& ctx);

/// start, start + delta, ... up to (excluding) limit.
template <class T>
void range_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "array_fill_impl.hpp"
#endif
