// Gradients of reductions and matmul, checked against central differences.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("reductions over some axes, all axes, with and without keepdims") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 3, 4>>(g, "x");
  auto w = sl::constant(g, {1.0, -2.0, 3.0, 0.5});
  sl::Session sess(g);
  const auto xv = values({2, 3, 4}, -2, 2, 12);
  SUBCASE("sum") {
    check(sess, sl::reduce_sum<1>(x) * sl::reduce_sum<1>(x), x, xv);
    check(sess, sl::reduce_sum(x) * sl::reduce_sum(x), x, xv);
    check(sess, sl::square(sl::reduce_sum<0, 2>(x, sl::keepdims)), x, xv);
    check(sess, sl::reduce_sum<-1>(x * w) * 2.0, x, xv);
  }
  SUBCASE("mean") {
    check(sess, sl::square(sl::reduce_mean<2>(x)), x, xv);
    check(sess, sl::square(sl::reduce_mean(x)), x, xv);
    check(sess, sl::square(sl::reduce_mean<0>(x, sl::keepdims)) * w, x, xv);
  }
  SUBCASE("max, min") {
    check(sess, sl::square(sl::reduce_max<1>(x)), x, xv);
    check(sess, sl::reduce_min<0, 2>(x, sl::keepdims) * 3.0, x, xv);
    check(sess, sl::reduce_max(x), x, xv);
  }
  SUBCASE("max shares the gradient among ties") {
    auto d = sl::gradients(sl::reduce_max<1>(x), x);
    xt::xarray<double> tie = xt::zeros<double>({1, 3, 4});
    auto dv = sess.run(d, {{x, tie}});
    CHECK(dv(0, 0, 0) == doctest::Approx(1.0 / 3.0));
  }
  SUBCASE("prod, including zeros") {
    check(sess, sl::reduce_prod<2>(x), x, xv);
    check(sess, sl::reduce_prod<0, 1>(x, sl::keepdims) * w, x, xv);
    xt::xarray<double> z = xv;
    z(0, 0, 1) = 0.0;
    check(sess, sl::reduce_prod<2>(x), x, z);
    z(0, 0, 2) = 0.0;
    check(sess, sl::reduce_prod<2>(x), x, z);
  }
}

TEST_CASE("matmul with transpose flags") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<3, 4>>(g, "a");
  auto b = sl::placeholder<double, shape<4, 5>>(g, "b");
  auto at = sl::placeholder<double, shape<4, 3>>(g, "at");
  auto bt = sl::placeholder<double, shape<5, 4>>(g, "bt");
  sl::Session sess(g);
  const auto av = values({3, 4}, -1, 1, 13), bv = values({4, 5}, -1, 1, 14);
  const auto atv = values({4, 3}, -1, 1, 15), btv = values({5, 4}, -1, 1, 16);
  auto both = [&](const auto& y, const auto& x1, const auto& v1, const auto& x2, const auto& v2) {
    auto sq = sl::square(y);
    check(sess, sq, x1, v1, {{x2, v2}});
    check(sess, sq, x2, v2, {{x1, v1}});
  };
  SUBCASE("a b") { both(sl::matmul(a, b), a, av, b, bv); }
  SUBCASE("a b^T") { both(sl::matmul<false, true>(a, bt), a, av, bt, btv); }
  SUBCASE("a^T b") { both(sl::matmul<true, false>(at, b), at, atv, b, bv); }
  SUBCASE("a^T b^T") { both(sl::matmul<true, true>(at, bt), at, atv, bt, btv); }
}

TEST_CASE("batched matmul, with a broadcast batch operand") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<dyn, 2, 3>>(g, "a");
  auto b = sl::placeholder<double, shape<3, 2>>(g, "b");
  auto c = sl::placeholder<double, shape<dyn, 2, 3>>(g, "c");
  sl::Session sess(g);
  const auto av = values({2, 2, 3}, -1, 1, 17), bv = values({3, 2}, -1, 1, 18), cv = values({2, 2, 3}, -1, 1, 19);
  SUBCASE("broadcast b") {
    auto y = sl::square(sl::matmul(a, b));
    check(sess, y, a, av, {{b, bv}});
    check(sess, y, b, bv, {{a, av}});
  }
  SUBCASE("both batched, transposed") {
    auto y = sl::square(sl::matmul<false, true>(a, c));
    check(sess, y, a, av, {{c, cv}});
    check(sess, y, c, cv, {{a, av}});
  }
}
