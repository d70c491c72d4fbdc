// Elementwise fusion (DESIGN section 6): fused chains give the unfused values,
// intermediates that are fetched stay materialised, odd broadcasts fall back.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/callable.hpp>
#include <sessionlib/session/into.hpp>
#include <sessionlib/session/session.hpp>

#include <algorithm>
#include <cstring>

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

namespace {
/// The fused program of the only fused group of y's plan (fed by `feeds`).
std::size_t program_length(sl::Graph& g, sl::output_ref y, std::vector<sl::output_ref> feeds) {
  std::sort(feeds.begin(), feeds.end());
  const sl::detail::fetch_leaf leaf{y.node, true, y.index};
  auto p = sl::detail::build_plan(g, std::span(&leaf, 1), feeds);
  REQUIRE(p->fused.size() == 1);
  return p->fused[0].program.size();
}

template <class T>
xt::xtensor<T, 1> sample(std::size_t n, int seed) {
  xt::xtensor<T, 1> v = xt::zeros<T>({n});
  for (std::size_t i = 0; i < n; ++i) v(i) = static_cast<T>(static_cast<int>((i * 7 + seed * 13) % 23) - 11) / T(8);
  return v;
}
}  // namespace

TEST_CASE_TEMPLATE("pairs of ops run in one pass with bit-identical values", T, float, double) {
  sl::Graph g;
  auto a = sl::placeholder<T, shape<dyn>>(g, "a");
  auto b = sl::placeholder<T, shape<dyn>>(g, "b");
  auto c = sl::placeholder<T, shape<dyn>>(g, "c");
  auto d = sl::placeholder<T, shape<dyn>>(g, "d");
  auto e = sl::placeholder<T, shape<dyn>>(g, "e");
  // Every first op (add, sub, mul, relu) under every second (add, sub, mul),
  // with the intermediate as the second's left and, where it commutes, right operand.
  std::vector<std::pair<std::string, sl::Tensor<T, shape<dyn>>>> cases = {
      {"mul add", a * b + c},         {"add mul", (a + b) * c},      {"sub sub", (a - b) - c},
      {"relu mul", sl::nn::relu(a) * c}, {"relu sub", sl::nn::relu(a) - c}, {"add add", (a + b) + c},
      {"mul mul", (a * b) * c},       {"sub add", (a - b) + c},      {"mul sub", a * b - c},
      {"relu add", sl::nn::relu(a) + c}, {"c + a*b", c + a * b},   {"c * (a-b)", c * (a - b)},
      {"the chain", sl::nn::relu(a * b + c) * d - e}};
  sl::Session fused(g), plain(g, with_fusion(false));
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{5000}}) {
    const auto av = sample<T>(n, 1), bv = sample<T>(n, 2), cv = sample<T>(n, 3), dv = sample<T>(n, 4),
               ev = sample<T>(n, 5);
    for (const auto& entry : cases) {
      const std::string& label = entry.first;
      const auto& y = entry.second;
      CAPTURE(label);
      CAPTURE(n);
      const auto want = plain.run(y, {{a, av}, {b, bv}, {c, cv}, {d, dv}, {e, ev}});
      const auto got = fused.run(y, {{a, av}, {b, bv}, {c, cv}, {d, dv}, {e, ev}});
      REQUIRE(got.shape() == want.shape());
      CHECK(std::memcmp(got.data(), want.data(), n * sizeof(T)) == 0);
    }
  }
  // Two ops become one instruction; the chain's five become three.
  CHECK(program_length(g, (a * b + c).id(), {a.id(), b.id(), c.id()}) == 1);
  CHECK(program_length(g, (c - a * b).id(), {a.id(), b.id(), c.id()}) == 2);  // sub does not commute
  CHECK(program_length(g, (sl::nn::relu(a * b + c) * d - e).id(), {a.id(), b.id(), c.id(), d.id(), e.id()}) == 3);
}

TEST_CASE("pairs with scalar operands, integer types and a caller's array both fed and written") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto e = sl::placeholder<float, shape<dyn>>(g, "e");
  auto y = a * 2.0f + e;                 // a scalar operand: the pair runs its two ops in turn
  auto z = (a - 1.0f) * 0.5f - e;        // two pairs... the second over the first: one pair, one single
  sl::Session sess(g);
  xt::xtensor<float, 1> av = {1, 2, 3, 4}, ev = {10, 20, 30, 40};
  CHECK(sess.run(y, {{a, av}, {e, ev}}) == xt::xtensor<float, 1>{12, 24, 36, 48});
  CHECK(sess.run(z, {{a, av}, {e, ev}}) == xt::xtensor<float, 1>{-10, -19.5f, -29, -38.5f});
  // run_into lends r to the root while r is also fed as e: e is read before it is written.
  for (std::size_t n : {std::size_t{4}, std::size_t{1000}}) {
    xt::xtensor<float, 1> big_a = xt::arange<float>(static_cast<float>(n));
    xt::xtensor<float, 1> r = xt::ones<float>({n});
    auto f = sess.make_callable(y, sl::feed_list(a, e), sl::into);
    f(r, big_a, r);
    CHECK(r(0) == 1.0f);
    CHECK(r(n - 1) == 2.0f * static_cast<float>(n - 1) + 1.0f);
  }
  // Integer ops do not pair, and still fuse.
  auto i = sl::placeholder<std::int32_t, shape<dyn>>(g, "i");
  auto w = i * 3 + 1;
  CHECK(program_length(g, w.id(), {i.id()}) == 2);
  CHECK(sess.run(w, {{i, xt::xtensor<std::int32_t, 1>{1, 2}}}) == xt::xtensor<std::int32_t, 1>{4, 7});
}
