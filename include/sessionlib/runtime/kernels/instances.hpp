// The kernels the implementation library (src/sessionlib.cpp) compiles once.
// In a unit built with -DSESSIONLIB_SEPARATE these are explicit instantiation
// declarations (extern template), so the unit neither instantiates nor emits
// them; src/sessionlib.cpp holds the matching definitions; header-only builds
// see nothing here.
//
// Most kernel families' bodies are not visible in a separate unit at all: the
// reductions (they need oneTBB) and the families split into a declaring
// kernels/X.hpp and a defining kernels/X_impl.hpp (array, array_fill,
// array_index, split, sparse, sparse_grad, nn, conv, grad, matmul, state,
// random), which X.hpp includes only where SESSIONLIB_DEFINITIONS is 1. For
// those the library must hold every specialization a typed builder can name,
// for every dtype the builder admits, or a user's program fails to link: each
// family's block below says which builders and dtypes, through the dtype lists
// SESSIONLIB_FOR_FLOATING ... SESSIONLIB_FOR_ELEMENT (core/dtype.hpp's concepts).
// Kernels named only inside hidden bodies (the gradient builders, the
// optimizers) are instantiated in the library by those bodies anyway.
//
// The elementwise kernels (elementwise.hpp, math.hpp, pairs.hpp, select.hpp)
// stay visible: a user's own functor runs through binary_kernel and
// unary_kernel. Their float and double instances below are a build-time saving
// only; an integer op or a cast the list lacks is instantiated where it is used.
#pragma once

#include <cstdint>
#include <string>

#include "../../config.hpp"
#include "array.hpp"
#include "array_fill.hpp"
#include "array_index.hpp"
#include "conv.hpp"
#include "elementwise.hpp"
#include "grad.hpp"
#include "math.hpp"
#include "matmul.hpp"
#include "nn.hpp"
#include "pairs.hpp"
#include "random.hpp"
#include "reduce.hpp"
#include "select.hpp"
#include "sparse_grad.hpp"
#include "split.hpp"
#include "state.hpp"
#if SESSIONLIB_DEFINITIONS
// The optimizers' update kernels: only the update builders name them, and a
// separate unit sees those as declarations (train/optimizers.hpp).
#include "apply.hpp"
#include "apply_sparse.hpp"
#endif

#if defined(SESSIONLIB_EXTERN_TEMPLATE)

namespace sessionlib::kernels {

#define SESSIONLIB_KERNEL_(...) SESSIONLIB_EXTERN_TEMPLATE void __VA_ARGS__(kernel_context&);
#define SESSIONLIB_BLOCK_(...) \
  SESSIONLIB_EXTERN_TEMPLATE void __VA_ARGS__(const void* const*, const std::size_t*, void*, std::size_t);
// An elementwise op Fn from T to R: its kernel and its block function (fusion).
#define SESSIONLIB_MAP_(kind, T, R, Fn) \
  SESSIONLIB_KERNEL_(kind##_kernel<T, R, Fn>) \
  SESSIONLIB_BLOCK_(kind##_block<T, R, Fn>)
// A pairable op Second: what runs it after a paired first op (runtime/kernels/pairs.hpp).
#define SESSIONLIB_PAIRS_(T, Second) \
  SESSIONLIB_EXTERN_TEMPLATE block_fn pair_after<T, Second>(pair_op); \
  SESSIONLIB_BLOCK_(pair_block<T, fn::add, Second>) \
  SESSIONLIB_BLOCK_(pair_block<T, fn::sub, Second>) \
  SESSIONLIB_BLOCK_(pair_block<T, fn::mul, Second>) \
  SESSIONLIB_BLOCK_(pair_block<T, fn::relu, Second>)

// The dtype lists the typed builders admit (core/dtype.hpp's concepts): each
// calls X(T) for every T of its list.
#define SESSIONLIB_FOR_FLOATING(X) X(float) X(double)
#define SESSIONLIB_FOR_INTEGER(X) X(std::int32_t) X(std::int64_t) X(std::uint8_t)
#define SESSIONLIB_FOR_NUMERIC(X) SESSIONLIB_FOR_FLOATING(X) SESSIONLIB_FOR_INTEGER(X)
#define SESSIONLIB_FOR_TRIVIAL(X) SESSIONLIB_FOR_NUMERIC(X) X(bool)
#define SESSIONLIB_FOR_ELEMENT(X) SESSIONLIB_FOR_TRIVIAL(X) X(std::string)

// Every reduction over T (float and double below, and the other dtypes after).
#define SESSIONLIB_REDUCE_KERNELS_(T) \
  SESSIONLIB_KERNEL_(reduce_kernel<T, reducers::sum>) \
  SESSIONLIB_KERNEL_(reduce_kernel<T, reducers::mean>) \
  SESSIONLIB_KERNEL_(reduce_kernel<T, reducers::max>) \
  SESSIONLIB_KERNEL_(reduce_kernel<T, reducers::min>) \
  SESSIONLIB_KERNEL_(reduce_kernel<T, reducers::prod>) \
  SESSIONLIB_KERNEL_(arg_reduce_kernel<T, true>) \
  SESSIONLIB_KERNEL_(arg_reduce_kernel<T, false>)

#define SESSIONLIB_FLOATING_KERNELS_(T) \
  SESSIONLIB_MAP_(binary, T, T, fn::add) \
  SESSIONLIB_MAP_(binary, T, T, fn::sub) \
  SESSIONLIB_MAP_(binary, T, T, fn::mul) \
  SESSIONLIB_MAP_(binary, T, T, fn::div) \
  SESSIONLIB_MAP_(binary, T, T, fn::maximum) \
  SESSIONLIB_MAP_(binary, T, T, fn::minimum) \
  SESSIONLIB_MAP_(binary, T, T, fn::squared_difference) \
  SESSIONLIB_MAP_(binary, T, T, grad::fn::pow) \
  SESSIONLIB_MAP_(binary, T, T, grad::fn::greater_mask) \
  SESSIONLIB_MAP_(binary, T, T, grad::fn::greater_equal_mask) \
  SESSIONLIB_MAP_(binary, T, T, grad::fn::less_equal_mask) \
  SESSIONLIB_MAP_(binary, T, T, grad::fn::equal_mask) \
  SESSIONLIB_MAP_(binary, T, bool, fn::equal) \
  SESSIONLIB_MAP_(binary, T, bool, fn::less) \
  SESSIONLIB_MAP_(binary, T, bool, fn::greater) \
  SESSIONLIB_MAP_(unary, T, T, fn::neg) \
  SESSIONLIB_MAP_(unary, T, T, fn::abs) \
  SESSIONLIB_MAP_(unary, T, T, fn::exp) \
  SESSIONLIB_MAP_(unary, T, T, fn::log) \
  SESSIONLIB_MAP_(unary, T, T, fn::log1p) \
  SESSIONLIB_MAP_(unary, T, T, fn::sqrt) \
  SESSIONLIB_MAP_(unary, T, T, fn::rsqrt) \
  SESSIONLIB_MAP_(unary, T, T, fn::square) \
  SESSIONLIB_MAP_(unary, T, T, fn::tanh) \
  SESSIONLIB_MAP_(unary, T, T, fn::sigmoid) \
  SESSIONLIB_MAP_(unary, T, T, fn::relu) \
  SESSIONLIB_MAP_(unary, T, T, fn::reciprocal) \
  SESSIONLIB_MAP_(unary, T, T, nn_fn::relu6) \
  SESSIONLIB_MAP_(unary, T, T, nn_fn::elu) \
  SESSIONLIB_MAP_(unary, T, T, grad::fn::exp) \
  SESSIONLIB_MAP_(unary, T, T, grad::fn::log) \
  SESSIONLIB_MAP_(unary, T, T, grad::fn::sin) \
  SESSIONLIB_MAP_(unary, T, T, grad::fn::cos) \
  SESSIONLIB_MAP_(unary, T, T, grad::fn::sign) \
  SESSIONLIB_PAIRS_(T, fn::add) \
  SESSIONLIB_PAIRS_(T, fn::sub) \
  SESSIONLIB_PAIRS_(T, fn::mul) \
  SESSIONLIB_REDUCE_KERNELS_(T) \
  SESSIONLIB_KERNEL_(select_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::sum_to_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::broadcast_to_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::reshape_like_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::size_ratio_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::relu_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::prod_others_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::concat_slice_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::concat_pad_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::slice_pad_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::slice_like_kernel<T>) \
  SESSIONLIB_KERNEL_(grad::gather_grad_kernel<T, std::int32_t>) \
  SESSIONLIB_KERNEL_(grad::gather_grad_kernel<T, std::int64_t>) \
  SESSIONLIB_KERNEL_(grad::gather_axis_kernel<T, std::int32_t>) \
  SESSIONLIB_KERNEL_(grad::gather_axis_kernel<T, std::int64_t>) \
  SESSIONLIB_KERNEL_(grad::add_n_kernel<T>) \

SESSIONLIB_FLOATING_KERNELS_(float)
SESSIONLIB_FLOATING_KERNELS_(double)

#if SESSIONLIB_DEFINITIONS
#define SESSIONLIB_APPLY_KERNELS_(T) \
  SESSIONLIB_KERNEL_(apply_gradient_descent_kernel<T>) \
  SESSIONLIB_KERNEL_(apply_gradient_descent_matmul_kernel<T>) \
  SESSIONLIB_KERNEL_(apply_momentum_kernel<T>) \
  SESSIONLIB_KERNEL_(apply_adam_kernel<T>) \
  SESSIONLIB_KERNEL_(adam_finish_kernel<T>) \
  SESSIONLIB_KERNEL_(apply_rms_prop_kernel<T>) \
  SESSIONLIB_KERNEL_(apply_adagrad_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_apply_gradient_descent_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_apply_momentum_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_apply_adam_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_apply_rms_prop_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_apply_adagrad_kernel<T>) \

SESSIONLIB_APPLY_KERNELS_(float)
SESSIONLIB_APPLY_KERNELS_(double)
#undef SESSIONLIB_APPLY_KERNELS_
#endif

// The reductions of the other dtypes too (SESSIONLIB_REDUCE_KERNELS_, above):
// their bodies need oneTBB, which a separate unit does not see (reduce.hpp),
// so the library holds every one.
SESSIONLIB_REDUCE_KERNELS_(std::int32_t)
SESSIONLIB_REDUCE_KERNELS_(std::int64_t)
SESSIONLIB_REDUCE_KERNELS_(std::uint8_t)
SESSIONLIB_KERNEL_(reduce_kernel<bool, reducers::any>)
SESSIONLIB_KERNEL_(reduce_kernel<bool, reducers::all>)

// ---- Families whose bodies a separate unit does not see ---------------------
// (kernels/X.hpp declares, kernels/X_impl.hpp defines): every specialization a
// typed builder can name, for every dtype the builder admits.

// Layout, index and fill kernels (array.hpp, array_index.hpp, array_fill.hpp):
// ops/array*.hpp take any element type; range numeric ones; gather's indices
// are int32 or int64, one_hot's also uint8.
#define SESSIONLIB_ARRAY_KERNELS_(T) \
  SESSIONLIB_KERNEL_(transpose_kernel<T>) \
  SESSIONLIB_KERNEL_(concat_kernel<T>) \
  SESSIONLIB_KERNEL_(slice_kernel<T>) \
  SESSIONLIB_KERNEL_(fill_kernel<T>) \
  SESSIONLIB_KERNEL_(fill_like_kernel<T>) \
  SESSIONLIB_KERNEL_(gather_kernel<T, std::int32_t>) \
  SESSIONLIB_KERNEL_(gather_kernel<T, std::int64_t>)
// one_hot's on and off values are numbers (one_hot_attrs), so not strings.
#define SESSIONLIB_ONE_HOT_KERNELS_(T) \
  SESSIONLIB_KERNEL_(one_hot_kernel<std::int32_t, T>) \
  SESSIONLIB_KERNEL_(one_hot_kernel<std::int64_t, T>) \
  SESSIONLIB_KERNEL_(one_hot_kernel<std::uint8_t, T>)
#define SESSIONLIB_RANGE_KERNELS_(T) SESSIONLIB_KERNEL_(range_kernel<T>)
SESSIONLIB_FOR_ELEMENT(SESSIONLIB_ARRAY_KERNELS_)
SESSIONLIB_FOR_TRIVIAL(SESSIONLIB_ONE_HOT_KERNELS_)
SESSIONLIB_FOR_NUMERIC(SESSIONLIB_RANGE_KERNELS_)
#undef SESSIONLIB_RANGE_KERNELS_
#undef SESSIONLIB_ONE_HOT_KERNELS_
#undef SESSIONLIB_ARRAY_KERNELS_

// Split, stack, unique, top_k and moments (split.hpp): split, unstack, stack
// and unique take any element type, top_k all but bool, moments and the
// gradient of top_k float and double.
#define SESSIONLIB_SPLIT_KERNELS_(T) \
  SESSIONLIB_KERNEL_(split_kernel<T>) \
  SESSIONLIB_KERNEL_(unpack_kernel<T>) \
  SESSIONLIB_KERNEL_(pack_kernel<T>) \
  SESSIONLIB_KERNEL_(unique_kernel<T>)
#define SESSIONLIB_TOP_K_KERNELS_(T) SESSIONLIB_KERNEL_(top_k_kernel<T>)
#define SESSIONLIB_MOMENTS_KERNELS_(T) \
  SESSIONLIB_KERNEL_(moments_kernel<T>) \
  SESSIONLIB_KERNEL_(top_k_grad_kernel<T>)
SESSIONLIB_FOR_ELEMENT(SESSIONLIB_SPLIT_KERNELS_)
SESSIONLIB_FOR_NUMERIC(SESSIONLIB_TOP_K_KERNELS_)
SESSIONLIB_TOP_K_KERNELS_(std::string)
SESSIONLIB_FOR_FLOATING(SESSIONLIB_MOMENTS_KERNELS_)
#undef SESSIONLIB_MOMENTS_KERNELS_
#undef SESSIONLIB_TOP_K_KERNELS_
#undef SESSIONLIB_SPLIT_KERNELS_

// Sparse kernels (sparse.hpp, sparse_grad.hpp): ops/sparse.hpp's SparseTensor
// ops constrain no element type, so every one their kernel compiles for: to
// dense, reduce_sum (strings concatenate), reorder and retain any; matmul and
// add all but string; embedding_lookup_sparse and the gradients float, double.
#define SESSIONLIB_SPARSE_MOVE_KERNELS_(T) \
  SESSIONLIB_KERNEL_(sparse_to_dense_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_reduce_sum_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_reorder_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_retain_kernel<T>)
#define SESSIONLIB_SPARSE_MATH_KERNELS_(T) \
  SESSIONLIB_KERNEL_(sparse_dense_matmul_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_add_kernel<T>)
#define SESSIONLIB_SPARSE_GRAD_KERNELS_(T) \
  SESSIONLIB_KERNEL_(gather_nd_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_add_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_reduce_sum_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_dense_matmul_grad_values_kernel<T>) \
  SESSIONLIB_KERNEL_(embedding_lookup_sparse_kernel<T>) \
  SESSIONLIB_KERNEL_(embedding_lookup_sparse_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(embedding_lookup_sparse_grad_rows_kernel<T>)
SESSIONLIB_FOR_ELEMENT(SESSIONLIB_SPARSE_MOVE_KERNELS_)
SESSIONLIB_FOR_TRIVIAL(SESSIONLIB_SPARSE_MATH_KERNELS_)
SESSIONLIB_FOR_FLOATING(SESSIONLIB_SPARSE_GRAD_KERNELS_)
#undef SESSIONLIB_SPARSE_GRAD_KERNELS_
#undef SESSIONLIB_SPARSE_MATH_KERNELS_
#undef SESSIONLIB_SPARSE_MOVE_KERNELS_

// nn and conv kernels (nn.hpp, conv.hpp): ops/nn.hpp and ops/conv.hpp take
// float and double (labels int32 or int64), but bias_add, which constrains no
// element type: every one its kernel adds. The gradients' kernels too.
#define SESSIONLIB_NN_KERNELS_(T) \
  SESSIONLIB_KERNEL_(leaky_relu_kernel<T>) \
  SESSIONLIB_KERNEL_(leaky_relu_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(relu6_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(elu_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(softmax_kernel<T>) \
  SESSIONLIB_KERNEL_(log_softmax_kernel<T>) \
  SESSIONLIB_KERNEL_(softmax_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(log_softmax_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(softmax_xent_kernel<T>) \
  SESSIONLIB_KERNEL_(softmax_xent_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(softmax_xent_labels_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(sparse_softmax_xent_kernel<T, std::int32_t>) \
  SESSIONLIB_KERNEL_(sparse_softmax_xent_kernel<T, std::int64_t>) \
  SESSIONLIB_KERNEL_(sparse_softmax_xent_grad_kernel<T, std::int32_t>) \
  SESSIONLIB_KERNEL_(sparse_softmax_xent_grad_kernel<T, std::int64_t>) \
  SESSIONLIB_KERNEL_(sigmoid_xent_kernel<T>) \
  SESSIONLIB_KERNEL_(sigmoid_xent_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(l2_loss_kernel<T>) \
  SESSIONLIB_KERNEL_(bias_add_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(dropout_mask_kernel<T>) \
  SESSIONLIB_KERNEL_(conv2d_kernel<T>) \
  SESSIONLIB_KERNEL_(conv2d_backprop_input_kernel<T>) \
  SESSIONLIB_KERNEL_(conv2d_backprop_filter_kernel<T>) \
  SESSIONLIB_KERNEL_(max_pool_kernel<T>) \
  SESSIONLIB_KERNEL_(max_pool_grad_kernel<T>) \
  SESSIONLIB_KERNEL_(avg_pool_kernel<T>) \
  SESSIONLIB_KERNEL_(avg_pool_grad_kernel<T>)
#define SESSIONLIB_BIAS_ADD_KERNELS_(T) SESSIONLIB_KERNEL_(bias_add_kernel<T>)
SESSIONLIB_FOR_FLOATING(SESSIONLIB_NN_KERNELS_)
SESSIONLIB_FOR_ELEMENT(SESSIONLIB_BIAS_ADD_KERNELS_)
#undef SESSIONLIB_BIAS_ADD_KERNELS_
#undef SESSIONLIB_NN_KERNELS_

// matmul (matmul.hpp): every dtype but bool and string (ops/linalg.hpp).
// Variables' updates (state.hpp): every dtype but string (ops/state.hpp's
// Variable constrains none, but the kernels copy bytes). Random
// sources (random.hpp): normal and truncated normal float and double, uniform
// numeric dtypes but uint8 (ops/random.hpp).
#define SESSIONLIB_MATMUL_KERNELS_(T) SESSIONLIB_KERNEL_(matmul_kernel<T>)
#define SESSIONLIB_ASSIGN_KERNELS_(T) \
  SESSIONLIB_KERNEL_(assign_kernel<T>) \
  SESSIONLIB_KERNEL_(assign_add_kernel<T>) \
  SESSIONLIB_KERNEL_(assign_sub_kernel<T>)
#define SESSIONLIB_NORMAL_KERNELS_(T) \
  SESSIONLIB_KERNEL_(random_normal_kernel<T>) \
  SESSIONLIB_KERNEL_(truncated_normal_kernel<T>)
#define SESSIONLIB_UNIFORM_KERNELS_(T) SESSIONLIB_KERNEL_(random_uniform_kernel<T>)
SESSIONLIB_FOR_NUMERIC(SESSIONLIB_MATMUL_KERNELS_)
SESSIONLIB_FOR_TRIVIAL(SESSIONLIB_ASSIGN_KERNELS_)
SESSIONLIB_FOR_FLOATING(SESSIONLIB_NORMAL_KERNELS_)
SESSIONLIB_FOR_FLOATING(SESSIONLIB_UNIFORM_KERNELS_)
SESSIONLIB_UNIFORM_KERNELS_(std::int32_t)
SESSIONLIB_UNIFORM_KERNELS_(std::int64_t)
#undef SESSIONLIB_UNIFORM_KERNELS_
#undef SESSIONLIB_NORMAL_KERNELS_
#undef SESSIONLIB_ASSIGN_KERNELS_
#undef SESSIONLIB_MATMUL_KERNELS_

#undef SESSIONLIB_REDUCE_KERNELS_
#undef SESSIONLIB_FLOATING_KERNELS_
#undef SESSIONLIB_PAIRS_
#undef SESSIONLIB_MAP_
#undef SESSIONLIB_BLOCK_
#undef SESSIONLIB_KERNEL_
#undef SESSIONLIB_FOR_ELEMENT
#undef SESSIONLIB_FOR_TRIVIAL
#undef SESSIONLIB_FOR_NUMERIC
#undef SESSIONLIB_FOR_INTEGER
#undef SESSIONLIB_FOR_FLOATING

}  // namespace sessionlib::kernels

#endif  // SESSIONLIB_EXTERN_TEMPLATE
