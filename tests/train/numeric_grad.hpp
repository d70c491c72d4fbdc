// Checks a symbolic gradient against central differences in double precision:
// f is the sum of y's elements, evaluated by feeding perturbed values of x to
// the same session that fetches sl::gradients(y, x).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <sessionlib/sessionlib.hpp>
#include <string>

namespace numeric_grad {
namespace sl = sessionlib;

inline double total(double v) { return v; }
template <class E>
  requires xt::is_xexpression<E>::value
double total(const E& e) { return xt::sum(e)(); }

inline xt::xarray<double> as_xarray(double v) { return xt::xarray<double>(v); }
template <class E>
  requires xt::is_xexpression<E>::value
xt::xarray<double> as_xarray(const E& e) { return xt::xarray<double>(e); }

/// The central difference of sum(y) at x0, one element of x at a time.
template <class Y, class X>
xt::xarray<double> central_difference(sl::Session& sess, const Y& y, const X& x, const xt::xarray<double>& x0,
                                      const sl::feed_dict& others = {}) {
  xt::xarray<double> out = xt::zeros<double>(x0.shape());
  xt::xarray<double> xv = x0;
  auto f = [&] {
    sl::feed_dict feeds = others;
    feeds.emplace_back(x, xv);
    return total(sess.run(y, feeds));
  };
  for (std::size_t i = 0; i < x0.size(); ++i) {
    const double h = 1e-5 * std::max(1.0, std::abs(x0.flat(i)));
    xv.flat(i) = x0.flat(i) + h;
    const double fp = f();
    xv.flat(i) = x0.flat(i) - h;
    const double fm = f();
    xv.flat(i) = x0.flat(i);
    out.flat(i) = (fp - fm) / (2 * h);
  }
  return out;
}

/// The symbolic gradient `dx` (of x's shape) fetched at x0.
template <class D, class X>
xt::xarray<double> fetch_at(sl::Session& sess, const D& dx, const X& x, const xt::xarray<double>& x0,
                            const sl::feed_dict& others = {}) {
  sl::feed_dict feeds = others;
  feeds.emplace_back(x, x0);
  return as_xarray(sess.run(dx, feeds));
}

/// CHECKs that sl::gradients(y, x) matches central differences at x0 within
/// `tol` relative to max(1, |numeric|). `others` feeds the remaining placeholders.
template <class Y, class X>
void check(sl::Session& sess, const Y& y, const X& x, const xt::xarray<double>& x0, const sl::feed_dict& others = {},
           double tol = 1e-6) {
  const auto dx = sl::gradients(y, x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(dx)>,
                               sl::Tensor<sl::value_type_of<X>, sl::shape_of<X>>>);
  const xt::xarray<double> sym = fetch_at(sess, dx, x, x0, others);
  const xt::xarray<double> num = central_difference(sess, y, x, x0, others);
  REQUIRE(sym.shape() == num.shape());
  for (std::size_t i = 0; i < num.size(); ++i) {
    INFO("element " << i << " of " << x.name() << ": symbolic " << sym.flat(i) << ", numeric " << num.flat(i));
    CHECK(std::abs(sym.flat(i) - num.flat(i)) <= tol * std::max(1.0, std::abs(num.flat(i))));
  }
}

/// A fixed pseudo-random array in [lo, hi) (no dependence on a random engine's version).
inline xt::xarray<double> values(std::vector<std::size_t> shape, double lo = -1.0, double hi = 1.0, unsigned seed = 1) {
  xt::xarray<double> a = xt::zeros<double>(shape);
  std::uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    a.flat(i) = lo + (hi - lo) * static_cast<double>(s % 1000003) / 1000003.0;
  }
  return a;
}
}  // namespace numeric_grad
