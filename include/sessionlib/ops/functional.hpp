// TF's higher-order functions over the first dimension of a tensor: sl::scan,
// sl::map_fn, sl::foldl and sl::foldr. Each is one Scan node whose kernel runs
// `fn`'s body (a frame, as a while_loop's body: ops/control_flow.hpp) once per
// element, reading each element in place and, for scan and map_fn, writing
// each result into its row of the output.
//
// Checked at compile time: elems has at least one dimension; fn takes
// (accumulator, element) or, for map_fn, (element); the accumulator keeps its
// type ("sessionlib: scan: fn changes the accumulator's type", naming the
// accumulator's type and fn's result; a `dyn` dimension may change); map_fn's
// fn returns a tensor.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>

#include "control_flow.hpp"

namespace sessionlib {

namespace report {
template <class Elems>
constexpr void scan_elems_rank() {
  // Elems is the tensor given: scan, map_fn and the folds run over its first dimension.
  static_assert(always_false<Elems>, "sessionlib: scan: elems must have at least one dimension");
}
template <class Result>
constexpr void scan_fn_result() {
  // Result is what fn returns (void if it cannot take the arguments): fn(acc, x) for
  // scan and the folds, fn(x) for map_fn, each returning one tensor.
  static_assert(always_false<Result>, "sessionlib: scan: fn must take (accumulator, element) or, for map_fn, (element) "
                                      "and return a tensor");
}
template <class Accumulator, class Returned>
constexpr void scan_accumulator_changes() {
  // The accumulator's type (the initializer's), then fn's result type: the same
  // dtype and rank, its static dimensions kept (declare them sl::dyn to let them vary).
  static_assert(always_false<Accumulator, Returned>, "sessionlib: scan: fn changes the accumulator's type");
}
}  // namespace report

namespace detail {
template <class S> struct row_shape_impl {};
template <std::ptrdiff_t First, std::ptrdiff_t... Rest> struct row_shape_impl<shape<First, Rest...>> {
  using type = shape<Rest...>;
  static constexpr std::ptrdiff_t first = First;
};
/// Shape S without its first dimension (one element of elems).
template <class S> using row_shape = typename row_shape_impl<S>::type;

template <std::ptrdiff_t N, class S> struct stacked_impl {};
template <std::ptrdiff_t N, std::ptrdiff_t... D> struct stacked_impl<N, shape<D...>> {
  using type = shape<N, D...>;
};
/// Shape S with a first dimension N (N results stacked).
template <std::ptrdiff_t N, class S> using stacked_shape = typename stacked_impl<N, S>::type;

/// The Scan node shared by scan, map_fn, foldl and foldr; R is its result.
template <class R, class Acc, class F, class E, class... Init>
R scan_node(F& fn, const E& elems, bool reverse, bool stacks, const std::string& name, const Init&... init) {
  using T = value_type_of<E>;
  using X = Tensor<T, row_shape<shape_of<E>>>;
  Graph& g = as_tensor(elems).graph();
  auto scope = g.name_scope(name);
  std::vector<body_record> bodies(1);
  if constexpr (sizeof...(Init) == 1) build_body<Acc, X>(g, "fn", fn, bodies[0]);
  else build_body<X>(g, "fn", fn, bodies[0]);
  control_flow_attrs attrs;
  attrs.reverse = reverse;
  attrs.accumulates = sizeof...(Init) == 1;
  attrs.stacks = stacks;
  std::vector<output_ref> lead{as_tensor(elems).id(), as_tensor(init).id()...};
  const node_id id = add_control_flow_node(g, "Scan", "Scan", std::move(lead), bodies, std::move(attrs),
                                           kernels::scan_kernel, output_specs(static_cast<std::tuple<R>*>(nullptr)));
  return R(&g, output_ref{id, 0});
}

/// Checks fn(acc, x) for scan and the folds; true when it fits.
template <class E, class Acc, class F>
constexpr bool check_accumulating() {
  if constexpr (shape_of<E>::rank() == 0) {
    report::scan_elems_rank<E>();  // see its comment
    return false;
  } else {
    using X = Tensor<value_type_of<E>, row_shape<shape_of<E>>>;
    using RF = apply_result_t<F, std::tuple<Acc, X>>;
    if constexpr (!TensorLike<RF>) {
      report::scan_fn_result<RF>();  // see its comment
      return false;
    } else if constexpr (!fits_variable<Acc, structure_t<RF>>) {
      report::scan_accumulator_changes<Acc, structure_t<RF>>();  // see its comment
      return false;
    } else {
      return true;
    }
  }
}
}  // namespace detail

/// TF's tf.scan: acc = fn(acc, elems[i]) for each i along elems' first
/// dimension, starting from `initializer`; returns every acc stacked
/// (Tensor<T, shape<N, acc dims...>> for elems of first dimension N).
template <class F, TensorLike E, TensorLike I>
auto scan(F&& fn, const E& elems, const I& initializer, const std::string& name = "scan") {
  using Acc = Tensor<value_type_of<I>, shape_of<I>>;
  if constexpr (!detail::check_accumulating<E, Acc, F>()) {
    return;  // reported by check_accumulating
  } else {
    using R = Tensor<value_type_of<I>, detail::stacked_shape<detail::row_shape_impl<shape_of<E>>::first, shape_of<I>>>;
    return detail::scan_node<R, Acc>(fn, elems, false, true, name, initializer);
  }
}

/// TF's tf.foldl: acc = fn(acc, elems[i]) for i = 0, 1, ...; returns the last acc.
template <class F, TensorLike E, TensorLike I>
auto foldl(F&& fn, const E& elems, const I& initializer, const std::string& name = "foldl") {
  using Acc = Tensor<value_type_of<I>, shape_of<I>>;
  if constexpr (!detail::check_accumulating<E, Acc, F>()) {
    return;  // reported by check_accumulating
  } else {
    return detail::scan_node<Acc, Acc>(fn, elems, false, false, name, initializer);
  }
}

/// TF's tf.foldr: acc = fn(acc, elems[i]) for i = N-1, N-2, ...; returns the last acc.
template <class F, TensorLike E, TensorLike I>
auto foldr(F&& fn, const E& elems, const I& initializer, const std::string& name = "foldr") {
  using Acc = Tensor<value_type_of<I>, shape_of<I>>;
  if constexpr (!detail::check_accumulating<E, Acc, F>()) {
    return;  // reported by check_accumulating
  } else {
    return detail::scan_node<Acc, Acc>(fn, elems, true, false, name, initializer);
  }
}

/// TF's tf.map_fn: fn(elems[i]) for each i along elems' first dimension,
/// stacked (Tensor<R, shape<N, result dims...>>).
template <class F, TensorLike E>
auto map_fn(F&& fn, const E& elems, const std::string& name = "map") {
  if constexpr (shape_of<E>::rank() == 0) {
    report::scan_elems_rank<E>();  // see its comment
    return;
  } else {
    using X = Tensor<value_type_of<E>, detail::row_shape<shape_of<E>>>;
    using RF = detail::apply_result_t<F, std::tuple<X>>;
    if constexpr (!TensorLike<RF>) {
      report::scan_fn_result<RF>();  // see its comment
      return;
    } else {
      using Y = detail::structure_t<RF>;
      using R = Tensor<value_type_of<Y>, detail::stacked_shape<detail::row_shape_impl<shape_of<E>>::first, shape_of<Y>>>;
      return detail::scan_node<R, void>(fn, elems, false, true, name);
    }
  }
}

}  // namespace sessionlib
