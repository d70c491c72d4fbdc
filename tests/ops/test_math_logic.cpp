// Comparisons, logic, cast and where against reference loops per dtype.
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/session.hpp>

#include "test_math_util.hpp"

namespace sl = sessionlib;
using mathtest::sample;

namespace {

/// cmp(a, b) on (dyn, 1, 3) x (1, 4, 3) operands vs ref per element: a bool result.
template <class T, class Op>
void check_compare(Op op, bool (*ref)(T, T)) {
  sl::Graph g;
  auto a = sl::placeholder<T, sl::shape<sl::dyn, 1, 3>>(g, "a");
  auto b = sl::placeholder<T, sl::shape<1, 4, 3>>(g, "b");
  auto y = op(a, b);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<bool, sl::shape<sl::dyn, 4, 3>>>);
  const double lo = mathtest::low<T>(-3);
  const auto av = sample<T, 3>({5, 1, 3}, lo, 3, 1), bv = sample<T, 3>({1, 4, 3}, lo, 3, 2);
  sl::Session sess(g);
  xt::xtensor<bool, 3> got = sess.run(y, {{a, av}, {b, bv}});
  xt::xtensor<bool, 3> want({5, 4, 3});
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t k = 0; k < 3; ++k) want(i, j, k) = ref(av(i, 0, k), bv(0, j, k));
  mathtest::check_all<bool>(got, want);
}

template <class From, class To>
void check_cast(double lo, double hi) {
  sl::Graph g;
  auto x = sl::placeholder<From, sl::shape<sl::dyn>>(g, "x");
  auto y = sl::cast<To>(x);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<To, sl::shape<sl::dyn>>>);
  if constexpr (!std::is_same_v<From, To>) CHECK(g.at(y.id()).op == "Cast");
  else CHECK(y == x);  // TF returns the input itself
  const auto xv = sample<From, 1>({40}, lo, hi, 5);
  xt::xtensor<To, 1> want(xv.shape());
  for (std::size_t i = 0; i < xv.size(); ++i) {
    if constexpr (std::is_same_v<To, bool>) want(i) = xv(i) != From(0);
    else want(i) = static_cast<To>(xv(i));
  }
  sl::Session sess(g);
  xt::xtensor<To, 1> got = sess.run(y, {{x, xv}});
  mathtest::check_all<To>(got, want);
}

template <class From>
void check_cast_to_all() {
  // Values every target holds exactly (0..100), negatives where From and To are signed.
  const double lo = std::is_signed_v<From> ? -100 : 0;
  check_cast<From, float>(lo, 100);
  check_cast<From, double>(lo, 100);
  check_cast<From, std::int32_t>(lo, 100);
  check_cast<From, std::int64_t>(lo, 100);
  check_cast<From, std::uint8_t>(0, 100);
  check_cast<From, bool>(lo, 3);
}

}  // namespace

TEST_CASE_TEMPLATE("comparisons match a reference loop and yield bool", T, float, double, std::int32_t, std::int64_t,
                   std::uint8_t) {
  SUBCASE("equal") { check_compare<T>([](auto& a, auto& b) { return sl::equal(a, b); }, +[](T x, T y) { return x == y; }); }
  SUBCASE("not_equal") { check_compare<T>([](auto& a, auto& b) { return sl::not_equal(a, b); }, +[](T x, T y) { return x != y; }); }
  SUBCASE("less") { check_compare<T>([](auto& a, auto& b) { return a < b; }, +[](T x, T y) { return x < y; }); }
  SUBCASE("less_equal") { check_compare<T>([](auto& a, auto& b) { return a <= b; }, +[](T x, T y) { return x <= y; }); }
  SUBCASE("greater") { check_compare<T>([](auto& a, auto& b) { return sl::greater(a, b); }, +[](T x, T y) { return x > y; }); }
  SUBCASE("greater_equal") { check_compare<T>([](auto& a, auto& b) { return a >= b; }, +[](T x, T y) { return x >= y; }); }
}

TEST_CASE("logical ops and equality on bool match a reference loop") {
  SUBCASE("logical_and") { check_compare<bool>([](auto& a, auto& b) { return sl::logical_and(a, b); }, +[](bool x, bool y) { return x && y; }); }
  SUBCASE("logical_or") { check_compare<bool>([](auto& a, auto& b) { return sl::logical_or(a, b); }, +[](bool x, bool y) { return x || y; }); }
  SUBCASE("logical_xor") { check_compare<bool>([](auto& a, auto& b) { return sl::logical_xor(a, b); }, +[](bool x, bool y) { return x != y; }); }
  SUBCASE("equal") { check_compare<bool>([](auto& a, auto& b) { return sl::equal(a, b); }, +[](bool x, bool y) { return x == y; }); }
  SUBCASE("logical_not") {
    sl::Graph g;
    auto a = sl::constant(g, {true, false, true});
    sl::Session sess(g);
    CHECK(sess.run(sl::logical_not(a)) == xt::xtensor<bool, 1>{false, true, false});
    CHECK(sess.run(sl::logical_and(a, false)) == xt::xtensor<bool, 1>{false, false, false});
  }
}

TEST_CASE("comparison operators mix with scalars; handle == still means the same node") {
  sl::Graph g;
  auto x = sl::constant(g, {1.f, 2.f, 3.f});
  auto gt = x > 1.5f;
  auto le = 2 <= x;
  static_assert(std::is_same_v<decltype(gt), sl::Tensor<bool, sl::shape<3>>>);
  static_assert(std::is_same_v<decltype(x == x), bool>);
  CHECK(x == x);
  CHECK(g.at(gt.id()).op == "Greater");
  CHECK(g.at(le.id()).op == "LessEqual");
  sl::Session sess(g);
  CHECK(sess.run(gt) == xt::xtensor<bool, 1>{false, true, true});
  CHECK(sess.run(le) == xt::xtensor<bool, 1>{false, true, true});
  CHECK(sess.run(sl::equal(x, 2)) == xt::xtensor<bool, 1>{false, true, false});
}

TEST_CASE_TEMPLATE("cast converts every dtype to every dtype", T, float, double, std::int32_t, std::int64_t, std::uint8_t,
                   bool) {
  check_cast_to_all<T>();
}

TEST_CASE("cast from float truncates toward zero, saturates and maps NaN to 0") {
  sl::Graph g;
  auto x = sl::constant(g, {2.9f, -2.9f, 300.f, -5.f, 3e10f, -3e10f, std::nanf(""), 0.f});
  sl::Session sess(g);
  CHECK(sess.run(sl::cast<std::int32_t>(x)) ==
        xt::xtensor<std::int32_t, 1>{2, -2, 300, -5, 2147483647, -2147483647 - 1, 0, 0});
  CHECK(sess.run(sl::cast<std::uint8_t>(x)) == xt::xtensor<std::uint8_t, 1>{2, 0, 255, 0, 255, 0, 0, 0});
  CHECK(sess.run(sl::cast<bool>(x)) == xt::xtensor<bool, 1>{true, true, true, true, true, true, true, false});
}

TEST_CASE_TEMPLATE("where selects with three-way broadcasting", T, float, double, std::int32_t, std::int64_t, std::uint8_t,
                   bool) {
  sl::Graph g;
  auto c = sl::placeholder<bool, sl::shape<sl::dyn, 1>>(g, "c");
  auto x = sl::placeholder<T, sl::shape<1, 3>>(g, "x");
  auto y = sl::placeholder<T, sl::shape<sl::dyn, 3>>(g, "y");
  auto w = sl::where(c, x, y);
  static_assert(std::is_same_v<decltype(w), sl::Tensor<T, sl::shape<sl::dyn, 3>>>);
  auto ws = sl::where(c, x, T(1));
  static_assert(std::is_same_v<decltype(ws), sl::Tensor<T, sl::shape<sl::dyn, 3>>>);
  CHECK(g.at(w.id()).op == "SelectV2");
  const auto cv = sample<bool, 2>({4, 1}, 0, 1, 1);
  const auto xv = sample<T, 2>({1, 3}, 0, 9, 2);
  const auto yv = sample<T, 2>({4, 3}, 0, 9, 3);
  sl::Session sess(g);
  auto [got, got_s] = sess.run(std::tuple{w, ws}, {{c, cv}, {x, xv}, {y, yv}});
  xt::xtensor<T, 2> want({4, 3}), want_s({4, 3});
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      want(i, j) = cv(i, 0) ? xv(0, j) : yv(i, j);
      want_s(i, j) = cv(i, 0) ? xv(0, j) : T(1);
    }
  mathtest::check_all<T>(got, want);
  mathtest::check_all<T>(got_s, want_s);
  // Same shapes: the flat path.
  auto c2 = sl::placeholder<bool, sl::shape<sl::dyn, 3>>(g, "c2");
  auto z = sl::placeholder<T, sl::shape<sl::dyn, 3>>(g, "z");
  const auto c2v = sample<bool, 2>({4, 3}, 0, 1, 4);
  const auto zv = sample<T, 2>({4, 3}, 0, 9, 5);
  xt::xtensor<T, 2> got_flat = sess.run(sl::where(c2, y, z), {{c2, c2v}, {y, yv}, {z, zv}});
  for (std::size_t i = 0; i < 12; ++i) CHECK(got_flat.data()[i] == (c2v.data()[i] ? yv.data()[i] : zv.data()[i]));
}

TEST_CASE("where with shapes that do not broadcast fails with TF's message") {
  sl::Graph g;
  auto c = sl::placeholder<bool, sl::shape<sl::dyn, 3>>(g, "c");
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto w = sl::where(c, x, 0.f, "pick");
  sl::Session sess(g);
  const xt::xtensor<bool, 2> cv = xt::ones<bool>({2, 3});
  const xt::xtensor<float, 2> xv = xt::zeros<float>({4, 3});
  CHECK_THROWS_WITH_AS(sess.run(w, {{c, cv}, {x, xv}}), "condition [2,3], then [4,3], and else [] must be broadcastable",
                       sl::invalid_argument);
}
