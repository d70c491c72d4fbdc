// Gradients of conv2d and the pools against central differences in double
// precision; outputs are weighted so every direction of the Jacobian is seen.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("conv2d: input and filter gradients") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2, 5, 6, 3>>(g, "x");
  auto w = sl::placeholder<double, shape<3, 2, 3, 4>>(g, "w");
  auto w1 = sl::placeholder<double, shape<1, 1, 3, 4>>(g, "w1");
  sl::Session sess(g);
  const auto x0 = values({2, 5, 6, 3}, -1, 1, 31), w0 = values({3, 2, 3, 4}, -1, 1, 32), w10 = values({1, 1, 3, 4}, -1, 1, 33);
  auto weigh = [&](auto y) {
    using S = sl::shape_of<decltype(y)>;
    auto c = sl::constant<S>(g, xt::xtensor<double, 4>(values({2, S::static_extent(1), S::static_extent(2), 4}, -1, 1, 34)));
    return y * c;
  };
  SUBCASE("SAME, stride 1") {
    auto y = weigh(sl::nn::conv2d(x, w, sl::nn::SAME));
    check(sess, y, x, x0, {{w, w0}});
    check(sess, y, w, w0, {{x, x0}});
  }
  SUBCASE("VALID, strides 2 x 3") {
    auto y = weigh(sl::nn::conv2d<2, 3>(x, w, sl::nn::VALID));
    check(sess, y, x, x0, {{w, w0}});
    check(sess, y, w, w0, {{x, x0}});
  }
  SUBCASE("SAME, stride 2 (asymmetric padding)") {
    auto y = weigh(sl::nn::conv2d<2>(x, w, sl::nn::SAME));
    check(sess, y, x, x0, {{w, w0}});
    check(sess, y, w, w0, {{x, x0}});
  }
  SUBCASE("pointwise") {
    auto y = weigh(sl::nn::conv2d(x, w1, sl::nn::SAME));
    check(sess, y, x, x0, {{w1, w10}});
    check(sess, y, w1, w10, {{x, x0}});
  }
}

TEST_CASE("max_pool routes to the argmax, avg_pool spreads") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<2, 5, 6, 3>>(g, "x");
  sl::Session sess(g);
  const auto x0 = values({2, 5, 6, 3}, -1, 1, 41);  // distinct values: no ties
  auto weigh = [&](auto y) {
    using S = sl::shape_of<decltype(y)>;
    auto c = sl::constant<S>(g, xt::xtensor<double, 4>(values({2, S::static_extent(1), S::static_extent(2), 3}, -1, 1, 42)));
    return y * c;
  };
  SUBCASE("max_pool VALID 2x2") { check(sess, weigh(sl::nn::max_pool<2>(x, sl::nn::VALID)), x, x0); }
  SUBCASE("max_pool SAME 3x3 stride 2") { check(sess, weigh(sl::nn::max_pool<3, 3, 2, 2>(x, sl::nn::SAME)), x, x0); }
  SUBCASE("avg_pool VALID 2x3") { check(sess, weigh(sl::nn::avg_pool<2, 3>(x, sl::nn::VALID)), x, x0); }
  SUBCASE("avg_pool SAME 3x3 stride 1") { check(sess, weigh(sl::nn::avg_pool<3, 3, 1, 1>(x, sl::nn::SAME)), x, x0); }
}
