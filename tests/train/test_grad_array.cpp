// Gradients of the array ops, and of the pad/slice/scatter nodes their
// gradients add (second order), checked against central differences.
#include "numeric_grad.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("reshape, transpose, expand_dims, squeeze") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn, 2, 3>>(g, "x");
  auto w = sl::constant(g, {{1.0, -2.0, 0.5}, {3.0, 0.25, -1.0}});
  auto w6 = sl::constant(g, {1.0, -2.0, 0.5, 3.0, 0.25, -1.0});
  sl::Session sess(g);
  const auto xv = values({2, 2, 3}, -1, 1, 21);
  SUBCASE("reshape") { check(sess, sl::reshape<shape<dyn, 6>>(x) * w6, x, xv); }
  SUBCASE("transpose") {
    check(sess, sl::transpose<0, 2, 1>(x) * sl::transpose(w), x, xv);
    check(sess, sl::square(sl::transpose<2, 0, 1>(x)), x, xv);
  }
  SUBCASE("expand_dims, squeeze") {
    check(sess, sl::expand_dims<1>(x) * sl::expand_dims<0>(w), x, xv);
    auto one = sl::placeholder<double, shape<2, 1, 3>>(g, "one");
    check(sess, sl::squeeze<1>(one) * w, one, values({2, 1, 3}, -1, 1, 22));
  }
  SUBCASE("second order through transpose and reshape") {
    auto y = sl::reduce_sum(sl::square(sl::transpose<1, 0, 2>(x) * sl::reshape<shape<dyn, 2, 3>>(x)));
    check(sess, sl::gradients(y * y, x), x, xv);
  }
}

TEST_CASE("concat and slice") {
  sl::Graph g;
  auto a = sl::placeholder<double, shape<2, dyn>>(g, "a");
  auto b = sl::placeholder<double, shape<2, 3>>(g, "b");
  sl::Session sess(g);
  const auto av = values({2, 2}, -1, 1, 23), bv = values({2, 3}, -1, 1, 24);
  auto w = sl::constant(g, {{1.0, 2.0, 3.0, 4.0, 5.0}, {-1.0, -2.0, 0.5, 0.25, 3.0}});
  SUBCASE("concat") {
    auto c = sl::concat<-1>(a, b) * w;
    check(sess, sl::square(c), a, av, {{b, bv}});
    check(sess, sl::square(c), b, bv, {{a, av}});
    auto c0 = sl::concat<0>(b, b * 2.0, b);
    check(sess, sl::square(c0), b, bv);
  }
  SUBCASE("slice") {
    auto y = sl::square(sl::slice<sl::offsets<0, 1>, sl::sizes<2, 2>>(b));
    check(sess, y, b, bv);
    auto z = sl::slice<sl::offsets<1, 0>, sl::sizes<1, -1>>(a);
    check(sess, z * z * z, a, av);
  }
  SUBCASE("second order") {
    auto c = sl::concat<1>(b, b * b);
    auto y = sl::reduce_sum(sl::square(c) * sl::slice<sl::offsets<0, 1>, sl::sizes<2, 6>>(
                                                 sl::concat<1>(b, c)));
    check(sess, sl::gradients(y, b), b, bv);
  }
}

TEST_CASE("gather: repeated indices add up; integer indices get no gradient") {
  sl::Graph g;
  auto p = sl::placeholder<double, shape<4, 3>>(g, "p");
  sl::Session sess(g);
  const auto pv = values({4, 3}, -1, 1, 25);
  SUBCASE("axis 0, int64 indices with repeats") {
    auto idx = sl::constant(g, {std::int64_t{2}, std::int64_t{0}, std::int64_t{2}});
    check(sess, sl::square(sl::gather(p, idx)), p, pv);
    auto d = sl::gradients(sl::gather(p, idx), p);
    auto dv = sess.run(d, {{p, pv}});
    CHECK(dv(2, 1) == 2.0);
    CHECK(dv(1, 1) == 0.0);
  }
  SUBCASE("axis 1, int32 indices of rank 2") {
    auto idx = sl::constant(g, {{1, 2}, {2, 2}});
    check(sess, sl::square(sl::gather<1>(p, idx)), p, pv);
  }
  SUBCASE("second order") {
    auto idx = sl::constant(g, {3, 1, 3});
    auto y = sl::reduce_sum(sl::square(sl::square(sl::gather(p, idx))));
    check(sess, sl::gradients(y, p), p, pv);
  }
}
