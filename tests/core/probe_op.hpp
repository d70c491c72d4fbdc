// A test-only op built the way users add their own: a typed front function over
// a named kernel. It copies its input and records each run and the address of
// the input it saw, so tests can observe what the executor ran and what it copied.
#pragma once

#include <atomic>
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/session/session.hpp>

namespace probe {
namespace sl = sessionlib;

inline std::atomic<int> runs{0};
inline std::atomic<const void*> last_input{nullptr};

template <class T>
void probe_kernel(sl::kernel_context& ctx) {
  ++runs;
  const sl::any_array& in = ctx.input(0);
  last_input = in.raw();
  ctx.out.ensure(in.dtype(), in.shape());
  std::copy(in.data<T>(), in.data<T>() + in.size(), ctx.out.data<T>());
}

/// Identity that counts its runs.
template <sl::TensorLike X>
auto probe(const X& x, const std::string& name = "") {
  using T = sl::value_type_of<X>;
  return sl::make_tensor<T, sl::shape_of<X>>(sl::as_tensor(x).graph(),
                                             {.op = "Probe", .name = name, .inputs = {sl::as_tensor(x).id()},
                                              .kernel = probe_kernel<T>});
}
}  // namespace probe

namespace probe {
/// A user's own attribute family (graph/attrs.hpp): what a tagged probe adds.
struct tag_attrs {
  static constexpr const char* family = "ProbeTag";
  std::int64_t tag = 0;
  double scale = 1;
  static constexpr auto fields() {
    return std::tuple{sl::attr_field("tag", &tag_attrs::tag), sl::attr_field("scale", &tag_attrs::scale, sl::attr_kind::own)};
  }
  friend bool operator==(const tag_attrs&, const tag_attrs&) = default;
};

/// A probe that multiplies by its attribute `scale`.
template <class T>
void tagged_kernel(sl::kernel_context& ctx) {
  ++runs;
  const sl::any_array& in = ctx.input(0);
  const T scale = static_cast<T>(ctx.attrs<tag_attrs>().scale);
  ctx.out.ensure(in.dtype(), in.shape());
  for (std::size_t i = 0; i < in.size(); ++i) ctx.out.data<T>()[i] = in.data<T>()[i] * scale;
}

template <sl::TensorLike X>
auto tagged(const X& x, std::int64_t tag, double scale) {
  using T = sl::value_type_of<X>;
  return sl::make_tensor<T, sl::shape_of<X>>(sl::as_tensor(x).graph(),
                                             {.op = "TaggedProbe", .inputs = {sl::as_tensor(x).id()},
                                              .kernel = tagged_kernel<T>, .attr = {.family = tag_attrs{.tag = tag, .scale = scale}}});
}
}  // namespace probe
