// Unary math ops against std:: reference loops, per dtype, on a dynamic shape fed at run time.
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/session.hpp>

#include "test_math_util.hpp"

namespace sl = sessionlib;
using mathtest::sample;

namespace {

/// Runs op(x) on a (dyn, 5) placeholder fed with values in [lo, hi) and compares with ref per element.
template <class T, class Op, class Ref>
void check_unary(Op op, Ref ref, double lo, double hi) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<sl::dyn, 5>>(g, "x");
  auto y = op(x);
  static_assert(std::is_same_v<decltype(y), sl::Tensor<T, sl::shape<sl::dyn, 5>>>);
  sl::Session sess(g);
  for (std::size_t rows : {7u, 3u}) {  // a second, smaller feed reuses the buffers
    const auto xv = sample<T, 2>({rows, 5}, lo, hi, rows);
    xt::xtensor<T, 2> want(xv.shape());
    for (std::size_t i = 0; i < xv.size(); ++i) want.data()[i] = static_cast<T>(ref(xv.data()[i]));
    xt::xtensor<T, 2> got = sess.run(y, {{x, xv}});
    mathtest::check_all<T>(got, want);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("float-only unary math matches <cmath>", T, float, double) {
  SUBCASE("exp") { check_unary<T>([](auto& x) { return sl::exp(x); }, [](T v) { return std::exp(v); }, -5, 5); }
  SUBCASE("log") { check_unary<T>([](auto& x) { return sl::log(x); }, [](T v) { return std::log(v); }, 0.01, 50); }
  SUBCASE("log1p") { check_unary<T>([](auto& x) { return sl::log1p(x); }, [](T v) { return std::log1p(v); }, -0.9, 3); }
  SUBCASE("sqrt") { check_unary<T>([](auto& x) { return sl::sqrt(x); }, [](T v) { return std::sqrt(v); }, 0, 100); }
  SUBCASE("rsqrt") { check_unary<T>([](auto& x) { return sl::rsqrt(x); }, [](T v) { return T(1) / std::sqrt(v); }, 0.01, 100); }
  SUBCASE("tanh") { check_unary<T>([](auto& x) { return sl::tanh(x); }, [](T v) { return std::tanh(v); }, -4, 4); }
  SUBCASE("sigmoid") {
    check_unary<T>([](auto& x) { return sl::sigmoid(x); }, [](T v) { return T(1) / (T(1) + std::exp(-v)); }, -8, 8);
  }
  SUBCASE("sin") { check_unary<T>([](auto& x) { return sl::sin(x); }, [](T v) { return std::sin(v); }, -7, 7); }
  SUBCASE("cos") { check_unary<T>([](auto& x) { return sl::cos(x); }, [](T v) { return std::cos(v); }, -7, 7); }
  SUBCASE("floor") { check_unary<T>([](auto& x) { return sl::floor(x); }, [](T v) { return std::floor(v); }, -9, 9); }
  SUBCASE("ceil") { check_unary<T>([](auto& x) { return sl::ceil(x); }, [](T v) { return std::ceil(v); }, -9, 9); }
  SUBCASE("reciprocal") { check_unary<T>([](auto& x) { return sl::reciprocal(x); }, [](T v) { return T(1) / v; }, 0.5, 9); }
}

TEST_CASE_TEMPLATE("numeric unary math matches a reference loop", T, float, double, std::int32_t, std::int64_t, std::uint8_t) {
  const double lo = mathtest::low<T>(-9);
  SUBCASE("abs") { check_unary<T>([](auto& x) { return sl::abs(x); }, [](T v) { return v < T(0) ? T(-v) : v; }, lo, 9); }
  SUBCASE("square") { check_unary<T>([](auto& x) { return sl::square(x); }, [](T v) { return v * v; }, lo, 9); }
  SUBCASE("sign") { check_unary<T>([](auto& x) { return sl::sign(x); }, [](T v) { return (T(0) < v) - (v < T(0)); }, lo, 9); }
  SUBCASE("round") {
    check_unary<T>([](auto& x) { return sl::round(x); },
                   [](T v) { if constexpr (std::is_integral_v<T>) return v; else return std::nearbyint(v); }, lo, 9);
  }
  SUBCASE("relu") { check_unary<T>([](auto& x) { return sl::nn::relu(x); }, [](T v) { return v > T(0) ? v : T(0); }, lo, 9); }
  SUBCASE("negative") { check_unary<T>([](auto& x) { return sl::negative(x); }, [](T v) { return T(-v); }, lo, 9); }
}

TEST_CASE_TEMPLATE("round is half to even, as TF's", T, float, double) {
  sl::Graph g;
  auto y = sl::round(sl::constant(g, {T(0.5), T(1.5), T(2.5), T(-0.5), T(-1.5), T(2.4), T(-2.6)}));
  sl::Session sess(g);
  xt::xtensor<T, 1> got = sess.run(y);
  CHECK(got == xt::xtensor<T, 1>{0, 2, 2, -0.0, -2, 2, -3});
}

TEST_CASE_TEMPLATE("sigmoid and tanh stay finite at extreme inputs", T, float, double) {
  sl::Graph g;
  auto x = sl::constant(g, {T(-1000), T(-80), T(0), T(80), T(1000)});
  sl::Session sess(g);
  xt::xtensor<T, 1> s = sess.run(sl::nn::sigmoid(x));
  CHECK(s == xt::xtensor<T, 1>{0, std::exp(T(-80)) / (1 + std::exp(T(-80))), 0.5, 1, 1});
  xt::xtensor<T, 1> t = sess.run(sl::nn::tanh(x));
  CHECK(t == xt::xtensor<T, 1>{-1, -1, 0, 1, 1});
}

TEST_CASE("unary ops record TF's op kinds and take an optional name") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<3>>(g, "x");
  CHECK(g.at(sl::exp(x).id()).op == "Exp");
  CHECK(g.at(sl::nn::relu(x).id()).op == "Relu");
  CHECK(g.at(sl::nn::sigmoid(x).id()).op == "Sigmoid");
  CHECK(g.at(sl::rsqrt(x).id()).op == "Rsqrt");
  CHECK(sl::log(x, "my_log").op_name() == "my_log");
  CHECK(sl::log(x, "my_log").op_name() == "my_log_1");
  CHECK(g.at(sl::abs(x).id()).elementwise);
}

TEST_CASE("an unfed placeholder fails through a math op with TF's message") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto y = sl::sqrt(sl::square(x));
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS(sess.run(y), "You must feed a value for placeholder tensor 'x' with dtype float and shape (?, 784)",
                       sl::invalid_argument);
}
