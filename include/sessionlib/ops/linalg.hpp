// Linear algebra: matmul (tf.linalg.matmul / tf.matmul), 2-D and batched, with
// transpose flags as template arguments:
//
//   sl::matmul(a, b)                                   // a @ b
//   sl::matmul<sl::transpose_a>(a, b)                  // a^T @ b   (TF: transpose_a=True)
//   sl::matmul<sl::transpose_a | sl::transpose_b>(a, b)
//   sl::matmul<false, true>(a, b)                      // the same flags, positionally
//
// Rank-2 operands make a "MatMul" node; higher ranks a "BatchMatMulV2" node whose
// leading axes broadcast. Both use kernels::matmul_kernel<T> with
// matmul_attrs {transpose_a, transpose_b}.
#pragma once

#include "../config.hpp"
#include "../runtime/kernels/matmul.hpp"
#include "op_support.hpp"

namespace sessionlib {

/// Transpose flags of sl::matmul; combine with `|`.
enum class matmul_flags : unsigned { none = 0, transpose_a = 1, transpose_b = 2 };
constexpr matmul_flags operator|(matmul_flags a, matmul_flags b) noexcept {
  return static_cast<matmul_flags>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has_flag(matmul_flags f, matmul_flags bit) noexcept {
  return (static_cast<unsigned>(f) & static_cast<unsigned>(bit)) != 0;
}
/// matmul transposes its first operand (TF's transpose_a=True).
inline constexpr matmul_flags transpose_a = matmul_flags::transpose_a;
/// matmul transposes its second operand (TF's transpose_b=True).
inline constexpr matmul_flags transpose_b = matmul_flags::transpose_b;

namespace detail {
template <class SA, class SB, bool TA, bool TB>
struct matmul_fn {
  static constexpr auto result = algebra::matmul(SA::extents, SB::extents, TA, TB);
  static constexpr auto value = result.dims;
};

/// Batch (leading) axes of a static shape.
template <class S>
struct batch_dims_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, S::rank() - 2> a{};
    for (std::size_t i = 0; i + 2 < S::rank(); ++i) a[i] = S::extents[i];
    return a;
  }();
};

#if SESSIONLIB_DEFINITIONS
/// The MatMul (BatchMatMulV2 when `batched`) node of a and b, of dtype `type`
/// and the static shape `rank` extents at `extents`: matmul_node checks the
/// shapes at compile time and calls this, one copy for all static shapes.
SESSIONLIB_INLINE node_id matmul_erased(Graph& g, output_ref a, output_ref b, bool transpose_a, bool transpose_b,
                                        bool batched, kernel_fn kernel, std::string_view name, dtype type,
                                        const std::ptrdiff_t* extents, std::size_t rank) {
  attributes attr{.family = matmul_attrs{.transpose_a = transpose_a, .transpose_b = transpose_b}};
  return add_static_node(g, {.op = batched ? "BatchMatMulV2" : "MatMul", .name = std::string(name), .inputs = {a, b},
                             .kernel = kernel, .attr = std::move(attr)},
                         type, extents, rank);
}
#else
SESSIONLIB_DECLARE node_id matmul_erased(Graph& g, output_ref a, output_ref b, bool transpose_a, bool transpose_b,
                                         bool batched, kernel_fn kernel, std::string_view name, dtype type,
                                         const std::ptrdiff_t* extents, std::size_t rank);
#endif

template <bool TA, bool TB, TensorLike A, TensorLike B>
auto matmul_node(const A& a, const B& b, std::string_view name) {
  using T = value_type_of<A>;
  using SA = shape_of<A>;
  using SB = shape_of<B>;
  check_same_dtype<T, value_type_of<B>>();
  static_assert(!std::is_same_v<T, bool>, "sessionlib: matmul: bool tensors cannot be multiplied");
  static_assert(!StringElement<T>, "sessionlib: matmul: string tensors cannot be multiplied");
  if constexpr (SA::rank() < 2 || SB::rank() < 2) {
    report::matmul_rank<SA::rank(), SB::rank()>();  // TF: "Shape must be rank 2"
    return Tensor<T, shape<>>{};
  } else {
    constexpr std::ptrdiff_t ka = SA::extents[TA ? SA::rank() - 2 : SA::rank() - 1];
    constexpr std::ptrdiff_t kb = SB::extents[TB ? SB::rank() - 1 : SB::rank() - 2];
    constexpr auto batch = algebra::broadcast(batch_dims_fn<SA>::value, batch_dims_fn<SB>::value);
    if constexpr (ka != dyn && kb != dyn && ka != kb) {
      report::matmul_mismatch<ka, kb>();  // the inner dimensions of op(a) and op(b)
      return Tensor<T, shape<>>{};
    } else if constexpr (!batch.ok) {
      report::matmul_batch_mismatch<batch.bad_a, batch.bad_b>();  // the first batch pair that cannot broadcast
      return Tensor<T, shape<>>{};
    } else {
      using S = shape_from<matmul_fn<SA, SB, TA, TB>>;
      Graph& g = common_graph(a, b);
      return Tensor<T, S>(&g, matmul_erased(g, as_tensor(a).id(), as_tensor(b).id(), TA, TB,
                                            SA::rank() > 2 || SB::rank() > 2, kernels::matmul_kernel<T>, name,
                                            dtype_of<T>, S::extents.data(), S::extents.size()));
    }
  }
}
}  // namespace detail

/// Matrix product of the last two axes of `a` and `b`; leading axes broadcast.
/// Flags as `sl::matmul<sl::transpose_b>(a, b)`. Inner dimensions that differ
/// statically are a compile error; at run time, sl::invalid_argument.
template <matmul_flags Flags, TensorLike A, TensorLike B>
auto matmul(const A& a, const B& b, std::string_view name = {}) {
  return detail::matmul_node<has_flag(Flags, transpose_a), has_flag(Flags, transpose_b)>(a, b, name);
}

/// Matrix product with TF's positional flags: `sl::matmul<TransposeA, TransposeB>(a, b)`.
template <bool TransposeA = false, bool TransposeB = false, TensorLike A, TensorLike B>
auto matmul(const A& a, const B& b, std::string_view name = {}) {
  return detail::matmul_node<TransposeA, TransposeB>(a, b, name);
}

}  // namespace sessionlib
