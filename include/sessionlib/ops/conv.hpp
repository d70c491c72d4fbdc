// conv2d, max_pool and avg_pool in NHWC (tf.nn.conv2d, tf.nn.max_pool,
// tf.nn.avg_pool). Strides and window sizes are template arguments and the
// padding a tag (sl::nn::SAME or sl::nn::VALID), so the result's static shape
// is computed when the input's spatial dimensions are static:
//   auto h = sl::nn::conv2d<2, 2>(x, w, sl::nn::SAME);   // strides 2, 2
//   auto p = sl::nn::max_pool<2, 2>(h, sl::nn::VALID);   // 2x2 window, strides 2, 2
#pragma once

#include <string>

#include "../runtime/kernels/conv.hpp"
#include "nn.hpp"

namespace sessionlib::nn {

/// TF's padding='SAME': the output has ceil(in / stride) positions.
struct same_t { static constexpr bool same = true; };
/// TF's padding='VALID': windows stay inside the input.
struct valid_t { static constexpr bool same = false; };
inline constexpr same_t SAME{};
inline constexpr valid_t VALID{};

/// sl::nn::SAME or sl::nn::VALID.
template <class P>
concept Padding = std::is_same_v<P, same_t> || std::is_same_v<P, valid_t>;

namespace detail {
/// Output extent of one spatial axis (dyn stays dyn).
constexpr std::ptrdiff_t window_out(std::ptrdiff_t in, std::ptrdiff_t k, std::ptrdiff_t s, bool same) {
  if (in == dyn) return dyn;
  if (same) return (in + s - 1) / s;
  return in >= k ? (in - k) / s + 1 : 0;
}

/// Extent `i` of S, or dyn past its rank (so a wrong rank reports, not crashes).
template <class S>
constexpr std::ptrdiff_t extent_or_dyn(std::size_t i) {
  if constexpr (S::rank() == 0) return dyn;
  else return i < S::rank() ? S::extents[i] : dyn;
}

/// [n, out(h), out(w), channels] for an NHWC input S.
template <class S, std::ptrdiff_t KH, std::ptrdiff_t KW, std::ptrdiff_t SH, std::ptrdiff_t SW, bool Same>
struct window_shape_fn {
  static constexpr std::array<std::ptrdiff_t, 4> value{
      extent_or_dyn<S>(0), window_out(extent_or_dyn<S>(1), KH, SH, Same), window_out(extent_or_dyn<S>(2), KW, SW, Same),
      extent_or_dyn<S>(3)};
};

/// conv2d's [n, oh, ow, out_channels]; a dynamic filter extent makes the output
/// extent dynamic too, except under SAME.
template <class S, class FS, std::ptrdiff_t SH, std::ptrdiff_t SW, bool Same>
struct conv_shape_fn {
  static constexpr std::ptrdiff_t kh = extent_or_dyn<FS>(0), kw = extent_or_dyn<FS>(1);
  static constexpr std::array<std::ptrdiff_t, 4> value{
      extent_or_dyn<S>(0), kh != dyn || Same ? window_out(extent_or_dyn<S>(1), kh, SH, Same) : dyn,
      kw != dyn || Same ? window_out(extent_or_dyn<S>(2), kw, SW, Same) : dyn, extent_or_dyn<FS>(3)};
};

template <class S, std::ptrdiff_t KH, std::ptrdiff_t KW, std::ptrdiff_t SH, std::ptrdiff_t SW, bool Same>
constexpr void check_window() {
  if constexpr (S::rank() != 4) {
    report::nn_rank<4, S::rank()>();  // NHWC input must be 4-D
  } else if constexpr (KH < 1 || KW < 1 || SH < 1 || SW < 1) {
    report::window_not_positive<KH, KW, SH, SW>();  // ksize, then strides
  } else if constexpr (!Same && extent_or_dyn<S>(1) != dyn && extent_or_dyn<S>(1) < KH) {
    report::window_exceeds_input<KH, extent_or_dyn<S>(1)>();  // window height, input height
  } else if constexpr (!Same && extent_or_dyn<S>(2) != dyn && extent_or_dyn<S>(2) < KW) {
    report::window_exceeds_input<KW, extent_or_dyn<S>(2)>();  // window width, input width
  }
}

template <class T, class S, std::ptrdiff_t KH, std::ptrdiff_t KW, std::ptrdiff_t SH, std::ptrdiff_t SW, bool Same>
auto pool(const char* op, kernel_fn k, const Tensor<T, S>& x, const std::string& name) {
  check_floating<T>();
  check_window<S, KH, KW, SH, SW, Same>();
  attributes a{.family = window_attrs{.window_h = KH, .window_w = KW, .stride_h = SH, .stride_w = SW, .same = Same}};
  return make_tensor<T, shape_from<window_shape_fn<S, KH, KW, SH, SW, Same>>>(
      x.graph(), {.op = op, .name = name, .inputs = {x.id()}, .kernel = k, .attr = std::move(a)});
}
}  // namespace detail

/// 2-D convolution of an NHWC `input` with an HWIO `filter` (TF's layouts),
/// strides SH x SW and the given padding; the result is [n, oh, ow, out_channels].
template <std::ptrdiff_t SH = 1, std::ptrdiff_t SW = SH, TensorLike X, TensorLike F, Padding P>
auto conv2d(const X& input, const F& filter, P /*padding*/, const std::string& name = "") {
  using T = value_type_of<X>;
  using S = shape_of<X>;
  using FS = shape_of<F>;
  detail::check_floating<T>();
  ::sessionlib::detail::check_same_dtype<T, value_type_of<F>>();
  if constexpr (FS::rank() != 4) {
    report::nn_rank<4, FS::rank()>();  // the HWIO filter must be 4-D
  } else {
    constexpr std::ptrdiff_t fh = FS::extents[0], fw = FS::extents[1];
    detail::check_window<S, (fh == dyn ? 1 : fh), (fw == dyn ? 1 : fw), SH, SW, P::same>();
    if constexpr (S::rank() == 4) {
      constexpr std::ptrdiff_t c = detail::extent_or_dyn<S>(3), fc = FS::extents[2];
      if constexpr (c != dyn && fc != dyn && c != fc) report::conv_channels_mismatch<c, fc>();  // input C, filter I
    }
  }
  // The window comes from the filter's shape.
  attributes a{.family = window_attrs{.stride_h = SH, .stride_w = SW, .same = P::same}};
  return make_tensor<T, shape_from<detail::conv_shape_fn<S, FS, SH, SW, P::same>>>(
      common_graph(input, filter),
      {.op = "Conv2D", .name = name, .inputs = {as_tensor(input).id(), as_tensor(filter).id()},
       .kernel = kernels::conv2d_kernel<T>, .attr = std::move(a)});
}

/// Max pooling of an NHWC tensor over KH x KW windows with strides SH x SW
/// (default: the window, non-overlapping).
template <std::ptrdiff_t KH, std::ptrdiff_t KW = KH, std::ptrdiff_t SH = KH, std::ptrdiff_t SW = KW, TensorLike X,
          Padding P>
auto max_pool(const X& value, P /*padding*/, const std::string& name = "") {
  using T = value_type_of<X>;
  return detail::pool<T, shape_of<X>, KH, KW, SH, SW, P::same>("MaxPool", kernels::max_pool_kernel<T>, as_tensor(value),
                                                                name);
}

/// Average pooling of an NHWC tensor over KH x KW windows with strides SH x SW;
/// under SAME, padded positions are not counted in the mean (as TF).
template <std::ptrdiff_t KH, std::ptrdiff_t KW = KH, std::ptrdiff_t SH = KH, std::ptrdiff_t SW = KW, TensorLike X,
          Padding P>
auto avg_pool(const X& value, P /*padding*/, const std::string& name = "") {
  using T = value_type_of<X>;
  return detail::pool<T, shape_of<X>, KH, KW, SH, SW, P::same>("AvgPool", kernels::avg_pool_kernel<T>, as_tensor(value),
                                                                name);
}

}  // namespace sessionlib::nn
