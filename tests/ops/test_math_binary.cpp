// Binary math ops (pow, maximum, minimum, squared_difference, floordiv, floormod)
// against reference loops per dtype, with broadcasting over dimensions fed at run time.
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/session.hpp>

#include "test_math_util.hpp"

namespace sl = sessionlib;
using mathtest::sample;

namespace {

/// Reference broadcast of two rank-3 arrays whose dims are equal or 1.
template <class R, class A, class B>
xt::xtensor<R, 3> ref_broadcast(const A& a, const B& b, R (*f)(R, R)) {
  std::array<std::size_t, 3> sh{};
  for (std::size_t i = 0; i < 3; ++i) sh[i] = std::max(a.shape(i), b.shape(i));
  xt::xtensor<R, 3> out(sh);
  for (std::size_t i = 0; i < sh[0]; ++i)
    for (std::size_t j = 0; j < sh[1]; ++j)
      for (std::size_t k = 0; k < sh[2]; ++k)
        out(i, j, k) = static_cast<R>(f(a(i % a.shape(0), j % a.shape(1), k % a.shape(2)),
                                        b(i % b.shape(0), j % b.shape(1), k % b.shape(2))));
  return out;
}

/// op(a, b) on a (dyn, 1, 3) and a (1, 4, dyn) placeholder, fed (5, 1, 3) and (1, 4, 3);
/// then on same-shape operands (the flat path) and a scalar operand.
template <class T, class Op>
void check_binary(Op op, T (*ref)(T, T), double alo, double ahi, double blo, double bhi) {
  sl::Graph g;
  auto a = sl::placeholder<T, sl::shape<sl::dyn, 1, 3>>(g, "a");
  auto b = sl::placeholder<T, sl::shape<1, 4, sl::dyn>>(g, "b");
  auto c = sl::placeholder<T, sl::shape<sl::dyn, 1, 3>>(g, "c");
  auto s = sl::placeholder<T, sl::shape<>>(g, "s");
  auto y = op(a, b);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<T, sl::shape<sl::dyn, 4, 3>>>);
  auto same = op(a, c);
  auto with_scalar = op(a, s);
  static_assert(std::is_same_v<decltype(with_scalar), sl::Tensor<T, sl::shape<sl::dyn, 1, 3>>>);
  const auto av = sample<T, 3>({5, 1, 3}, alo, ahi, 1);
  const auto bv = sample<T, 3>({1, 4, 3}, blo, bhi, 2);
  const auto cv = sample<T, 3>({5, 1, 3}, blo, bhi, 3);
  const auto sv = sample<T, 3>({1, 1, 1}, blo, bhi, 4);
  sl::Session sess(g);
  auto [got, got_same, got_scalar] =
      sess.run(std::tuple{y, same, with_scalar}, {{a, av}, {b, bv}, {c, cv}, {s, sv(0, 0, 0)}});
  mathtest::check_all<T>(got, ref_broadcast<T>(av, bv, ref));
  mathtest::check_all<T>(got_same, ref_broadcast<T>(av, cv, ref));
  mathtest::check_all<T>(got_scalar, ref_broadcast<T>(av, sv, ref));
}

template <class T> T ref_pow(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return std::pow(a, b);
  else { T r = 1; for (T i = 0; i < b; ++i) r = static_cast<T>(r * a); return r; }
}
template <class T> T ref_floordiv(T a, T b) {
  return static_cast<T>(std::floor(static_cast<double>(a) / static_cast<double>(b)));
}
template <class T> T ref_floormod(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return a - std::floor(a / b) * b;
  else return static_cast<T>(a - ref_floordiv(a, b) * b);
}

}  // namespace

TEST_CASE_TEMPLATE("binary math matches a reference loop under broadcasting", T, float, double, std::int32_t,
                   std::int64_t, std::uint8_t) {
  const double lo = mathtest::low<T>(-9);
  SUBCASE("maximum") { check_binary<T>([](auto& a, auto& b) { return sl::maximum(a, b); }, +[](T x, T y) { return std::max(x, y); }, lo, 9, lo, 9); }
  SUBCASE("minimum") { check_binary<T>([](auto& a, auto& b) { return sl::minimum(a, b); }, +[](T x, T y) { return std::min(x, y); }, lo, 9, lo, 9); }
  SUBCASE("squared_difference") {
    check_binary<T>([](auto& a, auto& b) { return sl::squared_difference(a, b); }, +[](T x, T y) { return T((x - y) * (x - y)); },
                    mathtest::low<T>(-5), 5, mathtest::low<T>(-5), 5);
  }
  SUBCASE("pow") {
    if constexpr (std::is_floating_point_v<T>)
      check_binary<T>([](auto& a, auto& b) { return sl::pow(a, b); }, ref_pow<T>, 0.1, 3, -2, 2);
    else
      check_binary<T>([](auto& a, auto& b) { return sl::pow(a, b); }, ref_pow<T>, mathtest::low<T>(-4), 4, 0, 4);
  }
  SUBCASE("floordiv") {
    // Divisors stay away from 0: [1, 5), and [-5, -1) for signed types.
    check_binary<T>([](auto& a, auto& b) { return sl::floordiv(a, b); }, ref_floordiv<T>, lo, 20, 1, 5);
    if constexpr (std::is_signed_v<T>)
      check_binary<T>([](auto& a, auto& b) { return sl::floordiv(a, b); }, ref_floordiv<T>, lo, 20, -5, -1);
  }
  SUBCASE("floormod") {
    check_binary<T>([](auto& a, auto& b) { return sl::floormod(a, b); }, ref_floormod<T>, lo, 20, 1, 5);
    if constexpr (std::is_signed_v<T>)
      check_binary<T>([](auto& a, auto& b) { return a % b; }, ref_floormod<T>, lo, 20, -5, -1);
  }
}

TEST_CASE("floordiv and floormod round toward negative infinity, as Python's") {
  sl::Graph g;
  auto a = sl::constant(g, {7, -7, 7, -7, 6});
  auto b = sl::constant(g, {2, 2, -2, -2, -1});
  auto af = sl::constant(g, {7.5, -7.5, 7.5, -7.5});
  auto bf = sl::constant(g, {2.0, 2.0, -2.0, -2.0});
  sl::Session sess(g);
  CHECK(sess.run(sl::floordiv(a, b)) == xt::xtensor<int, 1>{3, -4, -4, 3, -6});
  CHECK(sess.run(a % b) == xt::xtensor<int, 1>{1, 1, -1, -1, 0});
  CHECK(sess.run(sl::mod(a, 3)) == xt::xtensor<int, 1>{1, 2, 1, 2, 0});
  CHECK(sess.run(7 % b) == xt::xtensor<int, 1>{1, 1, -1, -1, 0});
  CHECK(sess.run(sl::floordiv(af, bf)) == xt::xtensor<double, 1>{3, -4, -4, 3});
  CHECK(sess.run(af % bf) == xt::xtensor<double, 1>{1.5, 0.5, -0.5, -1.5});
  CHECK(g.at(sl::floordiv(a, b).id()).op == "FloorDiv");
  CHECK(g.at((a % b).id()).op == "FloorMod");
}

TEST_CASE("integer pow takes negative exponents as TF's integer division would") {
  sl::Graph g;
  auto base = sl::constant(g, {2, 1, -1, -1, 3, 0});
  auto e = sl::constant(g, {-1, -3, -3, -2, 0, 0});
  sl::Session sess(g);
  CHECK(sess.run(sl::pow(base, e)) == xt::xtensor<int, 1>{0, 1, -1, 1, 1, 1});
  CHECK(sess.run(sl::pow(base, 2)) == xt::xtensor<int, 1>{4, 1, 1, 1, 9, 0});
}

TEST_CASE_TEMPLATE("integer division by zero fails naming the node", T, std::int32_t, std::int64_t, std::uint8_t) {
  sl::Graph g;
  auto a = sl::placeholder<T, sl::shape<sl::dyn>>(g, "a");
  auto b = sl::placeholder<T, sl::shape<sl::dyn>>(g, "b");
  auto q = sl::floordiv(a, b, "q");
  auto r = sl::floormod(a, b);
  const xt::xtensor<T, 1> av{6, 7}, bv{3, 0};
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS(sess.run(q, {{a, av}, {b, bv}}), "Integer division by zero", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(r, {{a, av}, {b, bv}}), "Integer division by zero", sl::invalid_argument);
  try {
    sess.run(q, {{a, av}, {b, bv}});
  } catch (const sl::error& e) {
    CHECK(e.node() == "q");
  }
}

TEST_CASE("float division by zero follows IEEE") {
  sl::Graph g;
  auto a = sl::constant(g, {1.f, -1.f});
  sl::Session sess(g);
  xt::xtensor<float, 1> q = sess.run(sl::floordiv(a, 0.f));
  CHECK(std::isinf(q(0)));
  CHECK(q(0) > 0);
  CHECK(q(1) < 0);
}

TEST_CASE("incompatible run-time shapes fail with TF's message, naming the node") {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "a");
  auto b = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "b");
  auto m = sl::maximum(a, b);
  sl::Session sess(g);
  const xt::xtensor<float, 2> av = xt::zeros<float>({2, 3}), bv = xt::zeros<float>({4, 3});
  CHECK_THROWS_WITH_AS(sess.run(m, {{a, av}, {b, bv}}), "Incompatible shapes: [2,3] vs. [4,3]", sl::invalid_argument);
  try {
    sess.run(m, {{a, av}, {b, bv}});
    FAIL("no exception");
  } catch (const sl::error& e) {
    CHECK(e.node() == "Maximum");
    CHECK(e.code() == sl::error_code::invalid_argument);
  }
}

TEST_CASE("binary ops mix with scalars on either side and broadcast across ranks") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<sl::dyn, 2, 3>>(g, "x");
  auto row = sl::constant(g, {1.0, 5.0, -2.0});
  auto y = sl::maximum(x, row);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<double, sl::shape<sl::dyn, 2, 3>>>);
  static_assert(std::is_same_v<decltype(sl::pow(2.0, x)), sl::Tensor<double, sl::shape<sl::dyn, 2, 3>>>);
  static_assert(std::is_same_v<decltype(sl::minimum(x, 0)), sl::Tensor<double, sl::shape<sl::dyn, 2, 3>>>);
  const auto xv = sample<double, 3>({2, 2, 3}, -9, 9);
  sl::Session sess(g);
  xt::xtensor<double, 3> got = sess.run(y, {{x, xv}});
  xt::xtensor<double, 3> got_pow = sess.run(sl::pow(2.0, x), {{x, xv}});
  const double r[3] = {1.0, 5.0, -2.0};
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      for (std::size_t k = 0; k < 3; ++k) {
        CHECK(got(i, j, k) == std::max(xv(i, j, k), r[k]));
        CHECK(got_pow(i, j, k) == doctest::Approx(std::pow(2.0, xv(i, j, k))));
      }
}

TEST_CASE("scalars convert to the tensor's dtype as TF converts Python numbers") {
  sl::Graph g;
  auto f = sl::constant(g, {1.5f, -2.0f});
  auto i = sl::constant(g, {7, -3});
  auto u = sl::constant(g, {std::uint8_t{250}, std::uint8_t{4}});
  // An integer to float, a double to float (TF takes a Python float for float32).
  auto fi = f * 2;
  auto fd = f * 0.5;
  // An integer of another width to an integer dtype, when its value fits.
  auto il = i + std::int64_t{10};
  auto uu = u + 5;
  auto iu = sl::maximum(i, 0u);
  static_assert(std::is_same_v<decltype(fd), sl::Tensor<float, sl::shape<2>>>);
  static_assert(std::is_same_v<decltype(uu), sl::Tensor<std::uint8_t, sl::shape<2>>>);
  static_assert(sl::detail::scalar_converts<float, double> && sl::detail::scalar_converts<double, int>);
  static_assert(!sl::detail::scalar_converts<int, double> && !sl::detail::scalar_converts<std::int64_t, float>);
  static_assert(!sl::detail::scalar_converts<bool, int> && !sl::detail::scalar_converts<int, bool>);
  static_assert(sl::detail::scalar_converts<bool, bool> && !sl::detail::scalar_converts<float, bool>);
  sl::Session sess(g);
  auto [a, b, c, d, e] = sess.run(std::tuple{fi, fd, il, uu, iu});
  CHECK(a == xt::xtensor<float, 1>{3.0f, -4.0f});
  CHECK(b == xt::xtensor<float, 1>{0.75f, -1.0f});
  CHECK(c == xt::xtensor<int, 1>{17, 7});
  CHECK(d == xt::xtensor<std::uint8_t, 1>{255, 9});
  CHECK(e == xt::xtensor<int, 1>{7, 0});
  SUBCASE("an integer out of the dtype's range is sl::invalid_argument when the op is built") {
    CHECK_THROWS_WITH_AS(u + 300, "Value 300 is out of range for dtype uint8", sl::invalid_argument);
    CHECK_THROWS_WITH_AS(u * -1, "Value -1 is out of range for dtype uint8", sl::invalid_argument);
    CHECK_THROWS_WITH_AS(i + (std::int64_t{1} << 40), "Value 1099511627776 is out of range for dtype int32",
                         sl::invalid_argument);
  }
}
