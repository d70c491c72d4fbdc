// sl::callable<Sig>: what make_callable returns. It is called as the
// std::function<Sig> it wraps (and converts to one), but it checks its arguments'
// types first: an argument whose element type or rank differs from its fed
// tensor's, or a missing argument, is a compile error naming the argument's
// position and both types. A std::function taking `const xt::xtensor<T, N>&`
// would accept an array of any dtype or rank through xtensor's converting
// constructor and fail at run time (swapped arguments crashed so, issue 17).
//
//     auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, y));
//     // sl::callable<std::tuple<sl::none_t, float>(const xt::xtensor<float, 2>&,
//     //                                            const xt::xtensor<std::int64_t, 1>&)>
//     step(xb, yb);   // step(yb, xb): "sessionlib: callable: an argument's element type differs ..."
#pragma once

#include <array>
#include <cstdlib>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "../core/error.hpp"
#include "../core/report.hpp"
#include "../core/shape.hpp"
#include "../core/xtensor.hpp"

namespace sessionlib {

namespace detail {

/// Parameter P of a callable: `const xt::xtensor<T, N>&` (a fed array), T (a fed
/// scalar), `R&` (sl::into's target), or another type (RunOptions, RunMetadata*).
template <class P> struct callable_param { static constexpr int kind = 3; };
template <class T, std::size_t N>
struct callable_param<const xt::xtensor<T, N>&> {
  static constexpr int kind = 0;
  using value_type = T;
  static constexpr std::size_t rank = N;
};
template <class P>
  requires std::is_arithmetic_v<P>
struct callable_param<P> { static constexpr int kind = 1; };
template <class P>
  requires(!std::is_const_v<P>)
struct callable_param<P&> { static constexpr int kind = 2; };

/// The static rank of xtensor expression E, or -1 when it is known only at run time.
template <class E, class = void> struct expression_rank { static constexpr std::ptrdiff_t value = -1; };
template <class E>
struct expression_rank<E, std::void_t<decltype(std::tuple_size<typename E::shape_type>::value)>> {
  static constexpr std::ptrdiff_t value = static_cast<std::ptrdiff_t>(std::tuple_size<typename E::shape_type>::value);
};

/// Whether argument A fits parameter P (Argument: its 1-based position); reports
/// the first mismatch and returns false.
template <std::size_t Argument, class P, class A>
constexpr bool check_callable_argument() {
  using D = std::remove_cvref_t<A>;
  using param = callable_param<P>;
  if constexpr (param::kind == 0) {
    using T = typename param::value_type;
    if constexpr (!xt::is_xexpression<D>::value) {
      report::callable_argument_dtype<Argument, T, D>();  // not an xtensor expression (a scalar for an array?)
      return false;
    } else if constexpr (!std::is_same_v<typename D::value_type, T>) {
      report::callable_argument_dtype<Argument, T, typename D::value_type>();  // the tensor's dtype, then the value's
      return false;
    } else if constexpr (expression_rank<D>::value >= 0 && static_cast<std::size_t>(expression_rank<D>::value) != param::rank) {
      report::callable_argument_rank<Argument, param::rank, static_cast<std::size_t>(expression_rank<D>::value)>();
      return false;
    } else {
      return true;
    }
  } else if constexpr (param::kind == 1) {
    // A fed scalar: as in a feed dict, any arithmetic value that converts without narrowing.
    if constexpr (!(std::is_arithmetic_v<D> && requires(D v) { P{v}; })) {
      report::callable_argument_dtype<Argument, P, D>();  // the tensor's dtype, then the value's
      return false;
    } else {
      return true;
    }
  } else if constexpr (param::kind == 2) {
    using R = std::remove_reference_t<P>;
    if constexpr (!std::is_same_v<D, R>) {
      report::into_target_mismatch<R, D>();  // what run() returns for the fetches, then the target given
      return false;
    } else if constexpr (!std::is_lvalue_reference_v<A> || std::is_const_v<std::remove_reference_t<A>>) {
      report::into_target_not_lvalue<R, A>();
      return false;
    } else {
      return true;
    }
  } else if constexpr (!std::is_convertible_v<A, P>) {
    report::callable_argument_type<Argument, P, A>();
    return false;
  } else {
    return true;
  }
}

/// Checks every argument against its parameter; only the first mismatch is reported.
template <std::size_t I, class Params, class... A>
constexpr bool check_callable_arguments() {
  if constexpr (I == sizeof...(A)) {
    return true;
  } else {
    using P = std::tuple_element_t<I, Params>;
    using Arg = std::tuple_element_t<I, std::tuple<A...>>;
    if constexpr (!check_callable_argument<I + 1, P, Arg>()) return false;
    else return check_callable_arguments<I + 1, Params, A...>();
  }
}

}  // namespace detail

template <class Sig>
class callable;

/// A prepared run of signature `R(P...)`: one parameter per fed tensor, in
/// feed_list order (`T` for rank 0, `const xt::xtensor<T, N>&` otherwise).
/// Arguments of the wrong dtype, rank or count are compile errors; an
/// expression whose rank is known only at run time (xt::xarray) is checked when
/// called (sl::invalid_argument, as a feed of that shape). Copies share the
/// prepared plan; it converts to std::function<R(P...)>.
template <class R, class... P>
class callable<R(P...)> {
 public:
  using result_type = R;
  using function_type = std::function<R(P...)>;

  callable() = default;
  /// `f` runs; `names[i]` and `shapes[i]` describe parameter i's fed tensor
  /// ("x:0", "(?, 784)") for the run-time rank check.
  callable(function_type f, std::array<std::string, sizeof...(P)> names, std::array<std::string, sizeof...(P)> shapes)
      : f_(std::move(f)), names_(std::move(names)), shapes_(std::move(shapes)) {}

  /// Runs with `args`, one per parameter; their types are checked at compile time.
  template <class... A>
  R operator()(A&&... args) const {
    if constexpr (sizeof...(A) != sizeof...(P)) {
      report::callable_arity<sizeof...(P), sizeof...(A)>();  // parameters, then arguments given
      std::abort();
    } else if constexpr (!detail::check_callable_arguments<0, std::tuple<P...>, A...>()) {
      std::abort();  // reported above
    } else {
      return call(std::index_sequence_for<P...>{}, std::forward<A>(args)...);
    }
  }

  /// The wrapped std::function (no argument checks: an xtensor of another rank
  /// converts to its parameters).
  const function_type& function() const noexcept { return f_; }
  operator function_type() const { return f_; }  // NOLINT: the std::function make_callable once returned
  explicit operator bool() const noexcept { return static_cast<bool>(f_); }

 private:
  template <std::size_t... I, class... A>
  R call(std::index_sequence<I...>, A&&... args) const {
    (check_rank<I, P>(args), ...);
    return f_(std::forward<A>(args)...);
  }

  /// An expression of run-time rank (xt::xarray) must have the fed tensor's rank.
  template <std::size_t I, class Param, class A>
  void check_rank(const A& a) const {
    using D = std::remove_cvref_t<A>;
    if constexpr (detail::callable_param<Param>::kind == 0 && detail::expression_rank<D>::value < 0) {
      if (a.dimension() != detail::callable_param<Param>::rank)
      {
        std::string shape = "(";
        for (std::size_t d = 0; d < a.dimension(); ++d) shape += (d ? ", " : "") + std::to_string(a.shape()[d]);
        throw invalid_argument("Cannot feed value of shape " + shape + (a.dimension() == 1 ? ",)" : ")") +
                                   " for Tensor '" + names_[I] + "', which has shape " + shapes_[I],
                               names_[I]);
      }
    }
  }

  function_type f_;
  std::array<std::string, sizeof...(P)> names_;
  std::array<std::string, sizeof...(P)> shapes_;
};

}  // namespace sessionlib
