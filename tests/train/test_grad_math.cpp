// Gradients of the elementwise math ops, checked against central differences.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("unary math functions") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 3>>(g, "x");
  sl::Session sess(g);
  const auto any = values({2, 3}, -2, 2, 7), pos = values({2, 3}, 0.3, 3, 8);
  SUBCASE("exp") { check(sess, sl::exp(x), x, any); }
  SUBCASE("log") { check(sess, sl::log(x), x, pos); }
  SUBCASE("log1p") { check(sess, sl::log1p(x), x, pos); }
  SUBCASE("sqrt") { check(sess, sl::sqrt(x), x, pos); }
  SUBCASE("rsqrt") { check(sess, sl::rsqrt(x), x, pos); }
  SUBCASE("reciprocal") { check(sess, sl::reciprocal(x), x, pos); }
  SUBCASE("square") { check(sess, sl::square(x), x, any); }
  SUBCASE("tanh") { check(sess, sl::tanh(x), x, any); }
  SUBCASE("sigmoid") { check(sess, sl::sigmoid(x), x, any); }
  SUBCASE("sin, cos") { check(sess, sl::sin(x) * sl::cos(x * 2.0), x, any); }
  SUBCASE("abs") { check(sess, sl::abs(x) * x, x, any); }  // values avoid the kink at 0
  SUBCASE("relu") { check(sess, sl::nn::relu(x) * x, x, any); }
  SUBCASE("a chain") { check(sess, sl::exp(sl::tanh(x) * sl::sigmoid(x)) / (sl::square(x) + 1.0), x, any); }
  SUBCASE("sign, floor: no gradient flows") {
    auto d = sl::gradients(sl::sign(x) + sl::floor(x), x);
    CHECK(sess.run(d, {{x, any}}) == xt::zeros<double>({2, 3}));
  }
}

TEST_CASE("binary math functions, with broadcasting") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<2, 3>>(g, "a");
  auto b = sl::placeholder<double, shape<3>>(g, "b");
  sl::Session sess(g);
  const auto av = values({2, 3}, 0.5, 2, 9), bv = values({3}, -1.5, 1.5, 10);
  SUBCASE("pow") {
    auto y = sl::pow(a, b);
    check(sess, y, a, av, {{b, bv}});
    check(sess, y, b, bv, {{a, av}});
  }
  SUBCASE("pow: the exponent's gradient is 0 where the base is <= 0") {
    auto d = sl::gradients(sl::pow(a, b), b);
    const xt::xarray<double> neg = -av;
    CHECK(sess.run(d, {{a, neg}, {b, xt::xtensor<double, 1>{2.0, 2.0, 2.0}}}) == xt::zeros<double>({3}));
  }
  SUBCASE("maximum, minimum") {
    auto y = sl::maximum(a, b) * 2.0 + sl::minimum(a, b) * 3.0;
    check(sess, y, a, av, {{b, bv}});
    check(sess, y, b, bv, {{a, av}});
  }
  SUBCASE("maximum: ties go to the first operand") {
    auto da = sl::gradients(sl::maximum(a, a), a);
    CHECK(sess.run(da, {{a, av}}) == xt::ones<double>({2, 3}));
  }
  SUBCASE("squared_difference") {
    auto y = sl::squared_difference(a, b);
    check(sess, y, a, av, {{b, bv}});
    check(sess, y, b, bv, {{a, av}});
  }
}

TEST_CASE("cast float <-> double carries the gradient; where routes it") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<4>>(g, "x");
  sl::Session sess(g);
  const auto xv = values({4}, -1, 1, 11);
  SUBCASE("cast") {
    auto y = sl::cast<double>(sl::square(sl::cast<float>(x)));
    auto d = sl::gradients(y, x);
    auto dv = sess.run(d, {{x, xv}});
    for (std::size_t i = 0; i < 4; ++i) CHECK(dv(i) == doctest::Approx(2 * xv(i)).epsilon(1e-6));
  }
  SUBCASE("cast from an integer gives no gradient") {
    auto i = sl::placeholder<std::int32_t, shape<4>>(g, "i");
    auto y = x * sl::cast<double>(i);
    check(sess, y, x, xv, {{i, xt::xtensor<std::int32_t, 1>{1, 2, 3, 4}}});
  }
  SUBCASE("where") {
    auto y = sl::where(sl::greater(x, 0.0), sl::square(x), x * 3.0);
    check(sess, y, x, xv);
  }
  SUBCASE("where with a broadcast branch") {
    auto s = sl::placeholder<double, shape<>>(g, "s");
    auto y = sl::where(sl::greater(x, 0.0), x, s) * x;
    check(sess, y, s, xt::xarray<double>(0.7), {{x, xv}});
    check(sess, y, x, xv, {{s, xt::xarray<double>(0.7)}});
  }
}
