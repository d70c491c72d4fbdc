// Generators: tf.fill, tf.zeros, tf.ones over a static shape; tf.zeros_like,
// tf.ones_like in another tensor's run-time shape; tf.range. Sources take an
// optional Graph& first (default: the thread's default graph).
// Kernels and attribute layouts: runtime/kernels/array_fill.hpp.
#pragma once

#include "../runtime/kernels/array_fill.hpp"
#include "op_support.hpp"

namespace sessionlib {

namespace detail {
template <class T>
attributes value_attr(T value) {
  attributes attr;
  attr.value = any_array(dtype_of<T>, dims{});
  *attr.value.template data<T>() = value;
  return attr;
}

template <class T, class S>
Tensor<T, S> fill_node(Graph& g, T value, const char* default_name, const std::string& name) {
  if constexpr (S::rank_dynamic() != 0) {
    report::shape_not_static<S>();  // fill, zeros and ones need every dimension; see zeros_like
    return {};
  } else {
    return make_tensor<T, S>(g, {.op = "Fill", .name = name.empty() ? default_name : name,
                                 .kernel = kernels::fill_kernel<T>, .attr = value_attr(value)});
  }
}

template <class T, TensorLike X>
Tensor<T, shape_of<X>> fill_like_node(const X& x, T value, const char* op, const std::string& name) {
  return make_tensor<T, shape_of<X>>(as_tensor(x).graph(), {.op = op, .name = name, .inputs = {as_tensor(x).id()},
                                                             .kernel = kernels::fill_like_kernel<T>,
                                                             .attr = value_attr(value)});
}
}  // namespace detail

/// tf.fill: `sl::fill<sl::shape<2, 3>>(g, 5.0f)` is a Tensor<float, shape<2, 3>> of 5s.
template <Shape S, Element T>
Tensor<T, S> fill(Graph& g, T value, const std::string& name = "") {
  return detail::fill_node<T, S>(g, value, "Fill", name);
}
template <Shape S, Element T>
Tensor<T, S> fill(T value, const std::string& name = "") {
  return fill<S>(get_default_graph(), value, name);
}

/// tf.zeros: `sl::zeros<float, sl::shape<3, 4>>(g)`.
template <Element T, Shape S>
Tensor<T, S> zeros(Graph& g, const std::string& name = "") {
  return detail::fill_node<T, S>(g, T{0}, "zeros", name);
}
template <Element T, Shape S>
Tensor<T, S> zeros(const std::string& name = "") {
  return zeros<T, S>(get_default_graph(), name);
}

/// tf.ones: `sl::ones<float, sl::shape<3, 4>>(g)`.
template <Element T, Shape S>
Tensor<T, S> ones(Graph& g, const std::string& name = "") {
  return detail::fill_node<T, S>(g, T{1}, "ones", name);
}
template <Element T, Shape S>
Tensor<T, S> ones(const std::string& name = "") {
  return ones<T, S>(get_default_graph(), name);
}

/// tf.zeros_like: zeros of x's dtype and (run-time) shape.
template <TensorLike X>
auto zeros_like(const X& x, const std::string& name = "") {
  return detail::fill_like_node(x, value_type_of<X>{0}, "ZerosLike", name);
}

/// tf.ones_like: ones of x's dtype and (run-time) shape.
template <TensorLike X>
auto ones_like(const X& x, const std::string& name = "") {
  return detail::fill_like_node(x, value_type_of<X>{1}, "OnesLike", name);
}

/// tf.range from scalar tensors: start, start + delta, ... below limit (above,
/// for a negative delta); a 1-D tensor whose length is known at run time.
template <TensorLike S, TensorLike L, TensorLike D>
auto range(const S& start, const L& limit, const D& delta, const std::string& name = "") {
  using T = value_type_of<S>;
  static_assert(Numeric<T>, "sessionlib: range: bool has no range");
  detail::check_same_dtype<T, value_type_of<L>>();
  detail::check_same_dtype<T, value_type_of<D>>();
  static_assert(shape_of<S>::rank() == 0 && shape_of<L>::rank() == 0 && shape_of<D>::rank() == 0,
                "sessionlib: range: start, limit and delta must be scalars");
  return make_tensor<T, shape<dyn>>(
      common_graph(start, limit, delta),
      {.op = "Range", .name = name, .inputs = {as_tensor(start).id(), as_tensor(limit).id(), as_tensor(delta).id()},
       .kernel = kernels::range_kernel<T>});
}

/// tf.range from values: `sl::range(g, 0, 10, 2)` is {0, 2, 4, 6, 8}.
template <Numeric T>
Tensor<T, shape<dyn>> range(Graph& g, T start, T limit, T delta = T{1}, const std::string& name = "") {
  return range(constant(g, start), constant(g, limit), constant(g, delta), name);
}
/// `sl::range(g, 5)` is {0, 1, 2, 3, 4}.
template <Numeric T>
Tensor<T, shape<dyn>> range(Graph& g, T limit) {
  return range(g, T{0}, limit, T{1});
}
template <Numeric T>
Tensor<T, shape<dyn>> range(T start, T limit, T delta = T{1}, const std::string& name = "") {
  return range(get_default_graph(), start, limit, delta, name);
}
template <Numeric T>
Tensor<T, shape<dyn>> range(T limit) {
  return range(get_default_graph(), T{0}, limit, T{1});
}

}  // namespace sessionlib
