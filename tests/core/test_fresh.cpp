// Fresh results lent to the run (session/lend.hpp): from the second run with
// the same shapes, run and make_callable make the result arrays first and the
// kernels write into them. Each result is still its own array, values stay
// right when shapes change, and values that alias others (fed, folded,
// variables, views, a tensor fetched twice) are never written through.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/array.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/into.hpp>

#include <map>
#include <vector>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
xt::xtensor<float, 1> iota(std::size_t n, float from) {
  xt::xtensor<float, 1> v = xt::empty<float>({n});
  for (std::size_t i = 0; i < n; ++i) v(i) = from + static_cast<float>(i);
  return v;
}
}  // namespace

TEST_CASE("successive fresh results are separate arrays with their own values") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto y = sl::nn::relu(a * 2.0f + 1.0f) - a;  // one fused step: a + 1 for a >= 0
  for (bool fusion : {true, false}) {
    CAPTURE(fusion);
    sl::SessionConfig config;
    config.optimizer.fusion = fusion;
    sl::Session sess(g, config);
    auto f = sess.make_callable(y, sl::feed_list(a));
    // 1000 floats are copied out of a run's buffer without lending and
    // 100000 taken over: lending replaces both from the second call on.
    for (std::size_t n : {std::size_t{1000}, std::size_t{100000}}) {
      CAPTURE(n);
      std::vector<xt::xtensor<float, 1>> results;
      for (int k = 0; k < 4; ++k) results.push_back(f(iota(n, static_cast<float>(k))));
      results.push_back(sess.run(y, {{a, iota(n, 10.0f)}}));
      results.push_back(sess.run(y, {{a, iota(n, 11.0f)}}));
      for (std::size_t k = 0; k < results.size(); ++k) {
        CAPTURE(k);
        const float from = k < 4 ? static_cast<float>(k) : static_cast<float>(k + 6);
        REQUIRE(results[k].shape(0) == n);
        CHECK(results[k](0) == from + 1.0f);
        CHECK(results[k](n - 1) == from + static_cast<float>(n));
        for (std::size_t j = 0; j < k; ++j) CHECK(results[k].data() != results[j].data());
      }
    }
  }
}

TEST_CASE("a fresh result whose shape changes from call to call") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 3>>(g, "x");
  auto y = x * 3.0f - 1.0f;
  sl::Session sess(g);
  auto f = sess.make_callable(y, sl::feed_list(x));
  for (std::size_t rows : {4, 4, 2, 7, 7, 1, 20000, 20000, 3}) {
    CAPTURE(rows);
    xt::xtensor<float, 2> xv = xt::ones<float>({rows, std::size_t{3}});
    xv(rows - 1, 2) = 2.0f;
    const xt::xtensor<float, 2> r = f(xv);
    REQUIRE(r.shape(0) == rows);
    REQUIRE(r.shape(1) == 3);
    CHECK(r(0, 0) == 2.0f);
    CHECK(r(rows - 1, 2) == 5.0f);
  }
}

TEST_CASE("fetched values that alias others are copied, each leaf its own array") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto k = sl::constant(g, {1.f, 2.f, 3.f}) * 2.0f;  // folded when the plan is built
  auto id = sl::identity(a);
  auto r = sl::reshape<shape<3, 1>>(a * 2.0f);       // a view of the product
  auto y = a + 1.0f;
  sl::Session sess(g);
  auto f = sess.make_callable(std::tuple{a, k, id, r, y, y}, sl::feed_list(a));
  for (float s : {0.0f, 1.0f, 2.0f, 3.0f}) {
    CAPTURE(s);
    xt::xtensor<float, 1> av = {s, s + 1, s + 2};
    auto [fa, fk, fid, fr, fy, fy2] = f(av);
    CHECK(fa == av);
    CHECK(fa.data() != av.data());
    CHECK(fk == xt::xtensor<float, 1>{2, 4, 6});
    CHECK(fid == av);
    CHECK(fr == xt::xtensor<float, 2>{{2 * s}, {2 * s + 2}, {2 * s + 4}});
    CHECK(fy == av + 1.0f);
    CHECK(fy2 == fy);
    CHECK(fy2.data() != fy.data());
    CHECK(av == xt::xtensor<float, 1>{s, s + 1, s + 2});  // the fed array is untouched
  }
}

TEST_CASE("structures of fresh results: vectors, pairs with operations, maps") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto twice = a * 2.0f, thrice = a * 3.0f;
  auto op = sl::no_op(g);
  sl::Session sess(g);
  auto fv = sess.make_callable(std::vector{twice, thrice}, sl::feed_list(a));
  auto fp = sess.make_callable(std::pair{op, thrice}, sl::feed_list(a));
  for (float s : {1.0f, 2.0f, 3.0f}) {
    CAPTURE(s);
    const xt::xtensor<float, 1> av = {s, -s};
    const std::vector<xt::xtensor<float, 1>> v = fv(av);
    REQUIRE(v.size() == 2);
    CHECK(v[0] == av * 2.0f);
    CHECK(v[1] == av * 3.0f);
    auto [none, t] = fp(av);
    static_assert(std::is_same_v<decltype(none), sl::none_t>);
    CHECK(t == av * 3.0f);
    const std::map<std::string, xt::xtensor<float, 1>> m =
        sess.run(std::map<std::string, sl::Tensor<float, shape<dyn>>>{{"t", twice}}, {{a, av}});
    CHECK(m.at("t") == av * 2.0f);
  }
}

TEST_CASE("a run failing after a lent one leaves the next run right") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto b = sl::placeholder<float, shape<dyn>>(g, "b");
  auto y = (a + b) * 2.0f;
  sl::Session sess(g);
  auto f = sess.make_callable(y, sl::feed_list(a, b));
  const xt::xtensor<float, 1> av = {1, 2, 3}, bv = {10, 20, 30}, bad = {1, 2};
  CHECK(f(av, bv) == xt::xtensor<float, 1>{22, 44, 66});
  CHECK(f(av, bv) == xt::xtensor<float, 1>{22, 44, 66});
  try {
    (void)f(av, bad);
    FAIL("expected sl::invalid_argument");
  } catch (const sl::invalid_argument& e) {
    CHECK(std::string(e.what()).find("Incompatible shapes") != std::string::npos);
  }
  CHECK(f(bv, av) == xt::xtensor<float, 1>{22, 44, 66});
  CHECK(f(bad, bad) == xt::xtensor<float, 1>{4, 8});
}

TEST_CASE("one value fetched by two leaves while its shape changes") {
  // Two spellings of one op are merged into one node (CSE), so both leaves read
  // one slot; so does a tensor fetched twice. The first leaf's lent array is
  // replaced when the shape changes, and the second leaf must not read it.
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 3>>(g, "x");
  auto a = sl::transpose<1, 0>(x);
  auto b = sl::transpose(x);
  auto y = x * 2.0f;
  sl::Session sess(g);
  auto f = sess.make_callable(std::tuple{a, b, y, y}, sl::feed_list(x));
  auto into = sess.make_callable(std::tuple{a, b, y, y}, sl::feed_list(x), sl::into);
  std::tuple<xt::xtensor<float, 2>, xt::xtensor<float, 2>, xt::xtensor<float, 2>, xt::xtensor<float, 2>> kept;
  for (std::size_t rows : {70, 70, 1, 33, 33, 200, 2}) {
    CAPTURE(rows);
    xt::xtensor<float, 2> xv = xt::empty<float>({rows, std::size_t{3}});
    for (std::size_t i = 0; i < xv.size(); ++i) xv.data()[i] = static_cast<float>(i) + static_cast<float>(rows);
    const xt::xtensor<float, 2> t = xt::transpose(xv), twice = xv * 2.0f;
    auto [ra, rb, ry, ry2] = f(xv);
    CHECK(ra == t);
    CHECK(rb == t);
    CHECK(ry == twice);
    CHECK(ry2 == twice);
    auto [sa, sb, sy, sy2] = sess.run(std::tuple{a, b, y, y}, {{x, xv}});
    CHECK(sa == t);
    CHECK(sb == t);
    CHECK(sy2 == twice);
    into(kept, xv);
    CHECK(std::get<0>(kept) == t);
    CHECK(std::get<1>(kept) == t);
    CHECK(std::get<2>(kept) == twice);
    CHECK(std::get<3>(kept) == twice);
  }
}
