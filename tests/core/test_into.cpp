// run_into and make_callable(..., sl::into): results written into the
// caller's arrays. The kernels write straight into an array of the right
// shape; a wrong shape is resized; fed, constant and aliased values are
// copied; structures mix leaves held in place with ones assigned.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/session/into.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
struct chain {
  sl::Graph g;
  sl::Tensor<float, shape<dyn>> a = sl::placeholder<float, shape<dyn>>(g, "a");
  sl::Tensor<float, shape<dyn>> y = a * 2.0f + 1.0f;
};
}  // namespace

TEST_CASE("run_into writes into an array of the right shape without reallocating it") {
  chain m;
  sl::Session sess(m.g);
  xt::xtensor<float, 1> av = {1, 2, 3, 4};
  xt::xtensor<float, 1> out;  // empty: the first run sizes it
  sess.run_into(out, m.y, {{m.a, av}});
  CHECK(out == xt::xtensor<float, 1>{3, 5, 7, 9});
  const float* storage = out.data();
  av = {10, 20, 30, 40};
  sess.run_into(out, m.y, {{m.a, av}});
  CHECK(out == xt::xtensor<float, 1>{21, 41, 61, 81});
  CHECK(out.data() == storage);

  SUBCASE("a different shape resizes it") {
    xt::xtensor<float, 1> small = {1, 2};
    sess.run_into(out, m.y, {{m.a, small}});
    CHECK(out == xt::xtensor<float, 1>{3, 5});
    CHECK(out.shape()[0] == 2);
  }
  SUBCASE("the array is lent to the run only: a plain run afterwards returns its own array") {
    xt::xtensor<float, 1> fresh = sess.run(m.y, {{m.a, av}});
    CHECK(fresh == out);
    CHECK(fresh.data() != out.data());
  }
}

TEST_CASE("make_callable with sl::into is a void function taking the result first") {
  chain m;
  sl::Session sess(m.g);
  auto f = sess.make_callable(m.y, sl::feed_list(m.a), sl::into);
  static_assert(std::is_same_v<decltype(f), sl::callable<void(xt::xtensor<float, 1>&, const xt::xtensor<float, 1>&)>>);
  static_assert(std::is_convertible_v<decltype(f), std::function<void(xt::xtensor<float, 1>&, const xt::xtensor<float, 1>&)>>);
  xt::xtensor<float, 1> out = xt::zeros<float>({3});
  const float* storage = out.data();
  for (float k = 0; k < 5; ++k) {
    xt::xtensor<float, 1> av = {k, k + 1, k + 2};
    f(out, av);
    CHECK(out == av * 2.0f + 1.0f);
  }
  CHECK(out.data() == storage);
}

TEST_CASE("fed, folded and aliased values are copied into the caller's array") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto k = sl::constant(g, {1.f, 2.f, 3.f}) * 2.0f;  // folded when the plan is built
  auto id = sl::identity(a);
  sl::Session sess(g);
  xt::xtensor<float, 1> av = {7, 8, 9};
  std::tuple<xt::xtensor<float, 1>, xt::xtensor<float, 1>, xt::xtensor<float, 1>> out;
  std::get<0>(out) = xt::zeros<float>({3});
  const float* storage = std::get<0>(out).data();
  sess.run_into(out, std::tuple{a, k, id}, {{a, av}});
  CHECK(std::get<0>(out) == av);
  CHECK(std::get<0>(out).data() == storage);
  CHECK(std::get<0>(out).data() != av.data());
  CHECK(std::get<1>(out) == xt::xtensor<float, 1>{2, 4, 6});
  CHECK(std::get<2>(out) == av);
  CHECK(std::get<2>(out).data() != av.data());
}

TEST_CASE("structures: the same tensor twice, scalars, operations, vectors and maps") {
  chain m;
  auto s = sl::reduce_sum<0>(m.y);
  auto noop = sl::no_op(m.g);
  sl::Session sess(m.g);
  xt::xtensor<float, 1> av = {1, 2, 3};
  std::tuple<xt::xtensor<float, 1>, xt::xtensor<float, 1>, float, sl::none_t> out;
  sess.run_into(out, std::tuple{m.y, m.y, s, noop}, {{m.a, av}});
  CHECK(std::get<0>(out) == xt::xtensor<float, 1>{3, 5, 7});
  CHECK(std::get<1>(out) == std::get<0>(out));
  CHECK(std::get<0>(out).data() != std::get<1>(out).data());
  CHECK(std::get<2>(out) == 15.0f);

  std::vector<xt::xtensor<float, 1>> vout;
  sess.run_into(vout, std::vector{m.y, m.a}, {{m.a, av}});
  REQUIRE(vout.size() == 2);
  CHECK(vout[0] == xt::xtensor<float, 1>{3, 5, 7});
  CHECK(vout[1] == av);

  std::map<std::string, xt::xtensor<float, 1>> mout;  // assigned, not held in place
  sess.run_into(mout, std::map<std::string, sl::Tensor<float, shape<dyn>>>{{"y", m.y}}, {{m.a, av}});
  CHECK(mout.at("y") == xt::xtensor<float, 1>{3, 5, 7});
}

TEST_CASE("a failing run names the node and leaves the session usable") {
  chain m;
  auto b = sl::placeholder<float, shape<dyn>>(m.g, "b");
  auto bad = m.y + b;
  sl::Session sess(m.g);
  xt::xtensor<float, 1> av = {1, 2, 3}, bv = {1, 2};
  xt::xtensor<float, 1> out = xt::zeros<float>({3});
  CHECK_THROWS_WITH_AS(sess.run_into(out, bad, {{m.a, av}, {b, bv}}), doctest::Contains("Incompatible shapes: [3] vs. [2]"),
                       sl::invalid_argument);
  bv = {1, 1, 1};
  sess.run_into(out, bad, {{m.a, av}, {b, bv}});
  CHECK(out == xt::xtensor<float, 1>{4, 6, 8});
}
