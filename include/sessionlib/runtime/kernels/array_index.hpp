// Index kernels: gather (rows picked by an index tensor) and one_hot.
//
// Node attributes:
//   "GatherV2"  gather_kernel<T, I>    inputs {params, indices}; axis_attrs
//   "OneHot"    one_hot_kernel<I, T>   inputs {indices}; one_hot_attrs; the new axis is last
// I is the index element type (int32, int64; one_hot also uint8), T the values'.
#pragma once

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// out[o, i..., j] = params[o, indices[i...], j] along `axis`.
template <class T, class I>
void gather_kernel(kernel_context& ctx);

/// out[i..., d] = on_value if indices[i...] == d else off_value; indices outside
/// [0, depth) give a row of off_value (as TF).
template <class I, class T>
void one_hot_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "array_index_impl.hpp"
#endif
