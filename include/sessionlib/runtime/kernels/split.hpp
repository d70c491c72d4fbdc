// Kernels of nodes with several outputs, and their inverses. Each writes output
// k to ctx.output(k) (a step's outputs are consecutive slots).
//
// Node attributes (graph/op_attrs.hpp):
//   "Split"    split_kernel<T>     split_attrs: num_split equal parts along axis
//   "Unpack"   unpack_kernel<T>    pack_attrs: the num slices along axis
//   "Pack"     pack_kernel<T>      pack_attrs: the inputs stacked along a new axis
//   "TopKV2"   top_k_kernel<T>     top_k_attrs: values (T) and indices (int32) of the k largest
//   "TopKGrad" top_k_grad_kernel<T> inputs (dvalues, indices, x): dvalues scattered into zeros of x's shape
//   "Moments"  moments_kernel<T>   moments_attrs: reduced axes (normalised, ascending), keep_dims
//   "Unique"   unique_kernel<T>    values in order of first appearance (dyn length), int32 index of each input element
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// tf.split with num equal parts: output k is the k-th part along `axis`.
template <class T>
void split_kernel(kernel_context& ctx);

/// tf.unstack: output k is slice k along `axis`, that axis removed.
template <class T>
void unpack_kernel(kernel_context& ctx);

/// tf.stack: the inputs, of one shape, along a new axis `axis`.
template <class T>
void pack_kernel(kernel_context& ctx);

/// tf.nn.top_k (sorted): the k largest of each row (last axis), largest first;
/// equal values keep their order (the lower index first), as TF's.
template <class T>
void top_k_kernel(kernel_context& ctx);

/// The gradient of top_k: dvalues (input 0) added at their indices (input 1,
/// int32, last axis) into zeros of x's shape (input 2).
template <class T>
void top_k_grad_kernel(kernel_context& ctx);

/// tf.nn.moments: output 0 the mean, output 1 the (population) variance over
/// `axes` (normalised, ascending); reduced axes kept as 1 with `keep_dims`.
template <class T>
void moments_kernel(kernel_context& ctx);

/// tf.unique over a vector: output 0 the distinct values in order of first
/// appearance, output 1 (int32, x's length) the position of each element's value in it.
template <class T>
void unique_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "split_impl.hpp"
#endif
