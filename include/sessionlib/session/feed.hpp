// Feeds (DESIGN section 3). A feed_entry pairs a tensor with a value and checks
// the pair when it is built: element type, rank, and static dimensions where the
// value's shape is static, are compile errors. Contiguous row-major containers
// and xt::adapt views are read in place; other expressions are evaluated once.
#pragma once

#include <memory>
#include <tuple>
#include <vector>

#include "../core/report.hpp"
#include "../graph/handles.hpp"

namespace sessionlib {

namespace detail {
template <class E, class = void> struct static_rank_impl { static constexpr std::ptrdiff_t value = -1; };
template <class E>
struct static_rank_impl<E, std::void_t<decltype(std::tuple_size<typename E::shape_type>::value)>> {
  static constexpr std::ptrdiff_t value = static_cast<std::ptrdiff_t>(std::tuple_size<typename E::shape_type>::value);
};

template <class S> struct fixed_dims_impl { static constexpr bool known = false; };
template <std::size_t... I>
struct fixed_dims_impl<xt::fixed_shape<I...>> {
  static constexpr bool known = true;
  static constexpr std::array<std::ptrdiff_t, sizeof...(I)> value{static_cast<std::ptrdiff_t>(I)...};
};

template <class E, class = void> struct value_shape_impl { static constexpr bool known = false; };
template <class E>
struct value_shape_impl<E, std::void_t<typename E::shape_type>> : fixed_dims_impl<typename E::shape_type> {};

// Checks each static dimension, reporting the first pair that differs.
template <class S, class V, std::size_t I = 0>
constexpr void check_static_dims() {
  if constexpr (I < S::rank()) {
    constexpr std::ptrdiff_t want = S::static_extent(I), got = V::value[I];
    if constexpr (want != dyn && want != got) report::feed_dim_mismatch<want, got>();
    else check_static_dims<S, V, I + 1>();
  }
}

template <class T, class V>
concept NonNarrowingScalar = std::is_arithmetic_v<V> && requires(V v) { T{v}; };

template <class E>
concept ContiguousContainer = std::is_base_of_v<xt::xcontainer<E>, E>;
}  // namespace detail

/// One `{tensor, value}` entry of a feed dict.
struct feed_entry {
  Graph* graph = nullptr;
  output_ref id{};  // the fed output

  /// Checks at compile time that `value` can be fed to `target`.
  template <TensorLike X, class V>
  feed_entry(const X& target, V&& value) {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    using D = std::remove_cvref_t<V>;
    const auto t = as_tensor(target);
    graph = &t.graph();
    id = t.id();
    if constexpr (std::is_arithmetic_v<D>) {
      if constexpr (S::rank() != 0) {
        report::feed_rank_mismatch<S::rank(), 0>();  // a scalar fed to a tensor of rank > 0
      } else if constexpr (!detail::NonNarrowingScalar<T, D>) {
        report::feed_dtype_mismatch<T, D>();  // the scalar does not convert to T without narrowing
      } else {
        const T v{value};
        std::memcpy(inline_, &v, sizeof(T));
        inline_scalar_ = true;
        value_ = any_array::borrow(dtype_of<T>, dims{}, nullptr);
      }
    } else if constexpr (xt::is_xexpression<D>::value) {
      using VT = typename D::value_type;
      constexpr std::ptrdiff_t value_rank = detail::static_rank_impl<D>::value;
      if constexpr (!std::is_same_v<VT, T>) {
        report::feed_dtype_mismatch<T, VT>();  // the tensor's element type, then the value's
      } else if constexpr (value_rank >= 0 && static_cast<std::size_t>(value_rank) != S::rank()) {
        report::feed_rank_mismatch<S::rank(), static_cast<std::size_t>(value_rank)>();
      } else {
        if constexpr (detail::value_shape_impl<D>::known) detail::check_static_dims<S, detail::value_shape_impl<D>>();
        store(std::forward<V>(value));
      }
    } else {
      report::feed_dtype_mismatch<T, D>();  // not a scalar nor an xtensor expression
    }
  }

  /// The value as the runtime sees it (a view; valid while the entry lives).
  any_array view() const {
    if (inline_scalar_) return any_array::borrow(value_.dtype(), dims{}, inline_);
    return value_;
  }

 private:
  template <class V>
  void store(V&& value) {
    using D = std::remove_cvref_t<V>;
    const auto& e = value;
    using VT = typename D::value_type;
    const dims shape(e.shape().begin(), e.shape().end());
    if constexpr (detail::ContiguousContainer<D>) {
      if (e.layout() == xt::layout_type::row_major) {
        if constexpr (std::is_rvalue_reference_v<V&&> && !std::is_const_v<std::remove_reference_t<V>>) {
          // A temporary container: keep it alive with the entry, still without copying values.
          auto held = std::make_shared<D>(std::move(value));
          value_ = any_array::borrow(dtype_of<VT>, shape, held->data());
          keep_ = std::move(held);
        } else {
          value_ = any_array::borrow(dtype_of<VT>, shape, e.data());
        }
        return;
      }
    }
    value_ = any_array::from_expression(e);
  }

  any_array value_;
  std::shared_ptr<const void> keep_;
  alignas(8) unsigned char inline_[8] = {};
  bool inline_scalar_ = false;
};

/// A feed dict built at run time; holds views, so values must outlive the run.
using feed_dict = std::vector<feed_entry>;

/// The tensors a callable or partial run is fed, in parameter order.
template <class... X>
struct feed_list_t {
  std::tuple<Tensor<typename X::value_type, typename X::shape_type>...> tensors;
};

/// `sl::feed_list(x, y)`: the fed tensors of make_callable / partial_run_setup.
template <TensorLike... X>
feed_list_t<X...> feed_list(const X&... x) {
  return {std::tuple{as_tensor(x)...}};
}

}  // namespace sessionlib
