// Kernels of conv2d (NHWC input, HWIO filter) and of max/avg pooling, with the
// nodes their gradients build. conv2d is im2col + one OpenBLAS gemm per chunk
// of output rows, into a per-thread scratch buffer that only ever grows, so a
// run allocates nothing once shapes are stable. A 1x1, stride-1 convolution
// needs no im2col: the input already is the column matrix.
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// Conv2D(input NHWC, filter HWIO) -> [n, oh, ow, out_channels].
template <class T>
void conv2d_kernel(kernel_context& ctx);

/// Conv2DBackpropInput(input, filter, dy) -> d input (the input gives the shape).
template <class T>
void conv2d_backprop_input_kernel(kernel_context& ctx);

/// Conv2DBackpropFilter(input, filter, dy) -> d filter (the filter gives the shape).
template <class T>
void conv2d_backprop_filter_kernel(kernel_context& ctx);

/// MaxPool(x) over window_attrs; padding never wins.
template <class T>
void max_pool_kernel(kernel_context& ctx);

/// MaxPoolGrad(x, y, dy): each dy goes to the first input in its window that
/// equals the pooled maximum (TF routes to the argmax the same way).
template <class T>
void max_pool_grad_kernel(kernel_context& ctx);

/// AvgPool(x): the mean of each window's in-bounds elements (padding not counted).
template <class T>
void avg_pool_kernel(kernel_context& ctx);

/// AvgPoolGrad(x, dy): each dy spread evenly over its window's in-bounds elements.
template <class T>
void avg_pool_grad_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "conv_impl.hpp"
#endif
