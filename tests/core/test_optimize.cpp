// Plan-time optimisations (SessionConfig::optimizer): common subexpressions
// merge, constants fold once, and neither changes a value or an error.
#include <doctest/doctest.h>

#include "probe_op.hpp"

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
sl::SessionConfig config(bool cse, bool folding) {
  sl::SessionConfig c;
  c.optimizer.common_subexpressions = cse;
  c.optimizer.constant_folding = folding;
  return c;
}
}  // namespace

TEST_CASE("identical nodes run once when common subexpressions are merged") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn>>(g, "x");
  auto p1 = probe::probe(x), p2 = probe::probe(x);
  auto y = p1 * 2.0f + p2 * 2.0f;  // the two muls by equal constants merge too
  xt::xtensor<float, 1> xv = {1, 2};
  SUBCASE("on") {
    sl::Session sess(g, config(true, true));
    probe::runs = 0;
    CHECK(sess.run(std::tuple{p1, p2, y}, {{x, xv}}) == std::tuple{xv, xv, xt::xtensor<float, 1>{4, 8}});
    CHECK(probe::runs == 1);
  }
  SUBCASE("off") {
    sl::Session sess(g, config(false, true));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{4, 8});
    CHECK(probe::runs == 2);
  }
}

TEST_CASE("placeholders never merge, however alike") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<>>(g);
  auto b = sl::placeholder<float, shape<>>(g);
  sl::Session sess(g);
  CHECK(sess.run(a - b, {{a, 5.0f}, {b, 3.0f}}) == 2.0f);
}

TEST_CASE("a subgraph of constants is computed once, when the plan is built") {
  sl::Graph g;
  auto k = probe::probe(sl::constant(g, {1.0f, 2.0f}) * 10.0f);
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto y = k + x;
  xt::xtensor<float, 1> xv = {1, 1};
  SUBCASE("folded") {
    sl::Session sess(g, config(true, true));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(probe::runs == 1);  // at plan time only
    sl::RunOptions opts;
    opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
    sl::RunMetadata md;
    (void)sess.run(y, {{x, xv}}, opts, &md);
    REQUIRE(md.step_stats.size() == 1);
    CHECK(md.step_stats[0].op == "AddV2");  // TF's op type; the node is named "add"
  }
  SUBCASE("not folded") {
    sl::Session sess(g, config(true, false));
    probe::runs = 0;
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(sess.run(y, {{x, xv}}) == xt::xtensor<float, 1>{11, 21});
    CHECK(probe::runs == 2);
  }
}

TEST_CASE("a constant expression that fails is reported at run time, naming its node") {
  sl::Graph g;
  auto a = sl::constant(g, xt::xtensor<float, 1>{1, 2});
  auto b = sl::constant(g, xt::xtensor<float, 1>{1, 2, 3});
  auto c = a + b;  // shapes are dynamic in the types, so only the run can tell
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS((void)sess.run(c), "Incompatible shapes: [2] vs. [3]", sl::invalid_argument);
  try {
    (void)sess.run(c);
  } catch (const sl::error& e) {
    CHECK(e.node() == c.op_name());
  }
}
