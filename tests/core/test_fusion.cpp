// Elementwise fusion (DESIGN section 6): fused chains give the unfused values,
// intermediates that are fetched stay materialised, odd broadcasts fall back.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
std::vector<std::string> traced_ops(sl::Session& sess, auto fetches, std::initializer_list<sl::feed_entry> feeds) {
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  (void)sess.run(fetches, feeds, opts, &md);
  std::vector<std::string> ops;
  for (const auto& s : md.step_stats) ops.push_back(s.op);
  return ops;
}

sl::SessionConfig with_fusion(bool on) {
  sl::SessionConfig c;
  c.optimizer.fusion = on;
  return c;
}
}  // namespace

TEST_CASE_TEMPLATE("a chain of elementwise ops runs as one fused step with the same values", T, float, double,
                   std::int32_t, std::int64_t) {
  sl::Graph g;
  auto a = sl::placeholder<T, shape<dyn>>(g, "a");
  auto b = sl::placeholder<T, shape<dyn>>(g, "b");
  auto c = sl::placeholder<T, shape<dyn>>(g, "c");
  auto y = (a * b + c) * T(3) - a;
  const std::size_t n = 5000;  // several blocks, with a ragged last one
  xt::xtensor<T, 1> av = xt::zeros<T>({n}), bv = av, cv = av, want = av;
  for (std::size_t i = 0; i < n; ++i) {
    av(i) = static_cast<T>(i % 17);
    bv(i) = static_cast<T>(i % 5) - 2;
    cv(i) = static_cast<T>(i % 3);
    want(i) = (av(i) * bv(i) + cv(i)) * T(3) - av(i);
  }
  sl::Session fused(g, with_fusion(true)), plain(g, with_fusion(false));
  CHECK(fused.run(y, {{a, av}, {b, bv}, {c, cv}}) == want);
  CHECK(plain.run(y, {{a, av}, {b, bv}, {c, cv}}) == want);
  auto ops = traced_ops(fused, y, {{a, av}, {b, bv}, {c, cv}});
  // mul, add, mul (by the constant), sub: one step after the constant's.
  CHECK(ops == std::vector<std::string>{"Const", "Fused(4)"});
  CHECK(traced_ops(plain, y, {{a, av}, {b, bv}, {c, cv}}).size() == 5);  // 4 ops + the constant
}

TEST_CASE("a fetched intermediate is materialised and the rest still fuses") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto m = a * 2.0f;
  auto y = (m + 1.0f) * (m - 1.0f);
  sl::Session sess(g);
  xt::xtensor<float, 1> av = {1, 2, 3};
  auto [mv, yv] = sess.run(std::tuple{m, y}, {{a, av}});
  CHECK(mv == xt::xtensor<float, 1>{2, 4, 6});
  CHECK(yv == xt::xtensor<float, 1>{3, 15, 35});
  // m is used twice, so it roots its own group; y's tree fuses the rest.
  auto ops = traced_ops(sess, std::tuple{m, y}, {{a, av}});
  CHECK(std::count(ops.begin(), ops.end(), "Fused(3)") == 1);
}

TEST_CASE("general broadcasts fall back to the nodes' kernels inside the fused step") {
  sl::Graph g;
  auto col = sl::placeholder<float, shape<dyn, 1>>(g, "col");
  auto row = sl::placeholder<float, shape<1, dyn>>(g, "row");
  auto y = (col + row) * 2.0f - 1.0f;
  sl::Session sess(g);
  xt::xtensor<float, 2> cv = {{1}, {2}}, rv = {{10, 20, 30}};
  CHECK(sess.run(y, {{col, cv}, {row, rv}}) == xt::xtensor<float, 2>{{21, 41, 61}, {23, 43, 63}});
  // Scalars and same-shape operands stay on the fused path; shapes may change between runs.
  auto z = (col * 3.0f + col) - 2.0f;
  CHECK(sess.run(z, {{col, cv}}) == xt::xtensor<float, 2>{{2}, {6}});
  xt::xtensor<float, 2> big = xt::ones<float>({70000, 1});
  auto zr = sess.run(z, {{col, big}});
  CHECK(zr.shape()[0] == 70000);
  CHECK(zr(69999, 0) == 2.0f);
}

TEST_CASE("errors inside a fused group still name the node") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto b = sl::placeholder<float, shape<dyn>>(g, "b");
  auto y = (a + b) * 2.0f;
  sl::Session sess(g);
  xt::xtensor<float, 1> av = {1, 2, 3}, bv = {1, 2};
  CHECK_THROWS_WITH_AS((void)sess.run(y, {{a, av}, {b, bv}}), "Incompatible shapes: [3] vs. [2]", sl::invalid_argument);
  CHECK(sess.run(y, {{a, av}, {b, av}}) == xt::xtensor<float, 1>{4, 8, 12});
}
