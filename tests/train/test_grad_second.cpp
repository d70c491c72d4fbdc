// Gradients of gradients: the gradient graph is made of ops that have gradients.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("d2/dx2 of x^3 is 6x") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<3>>(g, "x");
  auto y = sl::square(x) * x;
  auto dy = sl::gradients(y, x);
  auto d2y = sl::gradients(dy, x);
  static_assert(std::is_same_v<decltype(d2y), sl::Tensor<double, shape<3>>>);
  sl::Session sess(g);
  const xt::xtensor<double, 1> xv{1.0, -2.0, 0.5};
  CHECK(sess.run(dy, {{x, xv}}) == 3.0 * xv * xv);
  auto d2 = sess.run(d2y, {{x, xv}});
  for (std::size_t i = 0; i < 3; ++i) CHECK(d2(i) == doctest::Approx(6 * xv(i)));
  // And once more: d3/dx3 = 6.
  auto d3 = sess.run(sl::gradients(d2y, x), {{x, xv}});
  for (std::size_t i = 0; i < 3; ++i) CHECK(d3(i) == doctest::Approx(6.0));
}

TEST_CASE("second-order gradients match central differences of the first-order gradient") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 3>>(g, "x");
  auto row = sl::constant(g, {0.5, -1.0, 2.0});
  sl::Session sess(g);
  const auto xv = values({2, 3}, -1.5, 1.5, 20);
  SUBCASE("broadcasting, tanh, exp, reduce_mean") {
    auto y = sl::reduce_mean<1>(sl::tanh(x * row) * sl::exp(x));
    check(sess, sl::gradients(y, x), x, xv);
  }
  SUBCASE("sigmoid, log, division, max") {
    auto y = sl::log(sl::sigmoid(x) + 1.0) / (sl::square(x) + 2.0) + sl::reduce_max<1>(x * x, sl::keepdims);
    check(sess, sl::gradients(y, x), x, xv);
  }
  SUBCASE("matmul and relu") {
    auto w = sl::constant(g, {{1.0, -0.5}, {0.25, 2.0}, {-1.0, 0.75}});
    auto h = sl::matmul(x, w);
    auto y = sl::reduce_sum(sl::square(sl::nn::relu(h) + h));
    check(sess, sl::gradients(y, x), x, xv);
  }
}
