// Result buffers (DESIGN section 6): a large fetched value is handed to its
// result instead of copied, so results must stay independent of the session's
// later runs; the block loops (baseline and AVX2 builds) give the same values
// at every length and operand arrangement.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/state.hpp>
#include <sessionlib/session/callable.hpp>
#include <sessionlib/session/partial_run.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
// Over any_array::handover_min_bytes, so the result takes the buffer over.
constexpr std::size_t big = 70001;

xt::xtensor<float, 1> iota(std::size_t n, float scale) {
  xt::xtensor<float, 1> v = xt::zeros<float>({n});
  for (std::size_t i = 0; i < n; ++i) v(i) = static_cast<float>(i % 97) * scale - 20.0f;
  return v;
}
}  // namespace

TEST_CASE("a result that took over a buffer is not touched by later runs") {
  static_assert(big * sizeof(float) >= sl::any_array::handover_min_bytes);
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto y = a * 2.0f + 1.0f;
  sl::Session sess(g);
  const auto a1 = iota(big, 1.0f), a2 = iota(big, -3.0f);
  xt::xtensor<float, 1> r1 = sess.run(y, {{a, a1}});
  const xt::xtensor<float, 1> keep = r1;
  xt::xtensor<float, 1> r2 = sess.run(y, {{a, a2}});
  CHECK(r1 == keep);
  CHECK(r1.data() != r2.data());
  CHECK(r2 == a2 * 2.0f + 1.0f);
  CHECK(r1 == a1 * 2.0f + 1.0f);

  SUBCASE("through make_callable") {
    auto f = sess.make_callable(y, sl::feed_list(a));
    xt::xtensor<float, 1> c1 = f(a1);
    xt::xtensor<float, 1> c2 = f(a2);
    CHECK(c1 == keep);
    CHECK(c2 == r2);
    CHECK(c1.data() != c2.data());
  }
}

TEST_CASE("a large tensor fetched twice in one structure gives two equal, separate results") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto y = a - 5.0f;
  sl::Session sess(g);
  const auto av = iota(big, 0.5f);
  auto [p, q] = sess.run(std::tuple{y, y}, {{a, av}});
  CHECK(p == av - 5.0f);
  CHECK(q == p);
  CHECK(p.data() != q.data());
  CHECK(p.shape() == q.shape());
  CHECK(p.strides() == q.strides());
}

TEST_CASE("fetching a shared value (a feed, a variable) copies it") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  sl::Variable<float, shape<big>> v(g, 1.5f, "v");
  auto bump = v.assign_add(1.0f);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const auto av = iota(big, 1.0f);
  xt::xtensor<float, 1> fed = sess.run(sl::identity(a), {{a, av}});
  CHECK(fed == av);
  CHECK(fed.data() != av.data());
  xt::xtensor<float, 1> before = sess.run(v);
  xt::xtensor<float, 1> after = sess.run(bump);
  CHECK(before == xt::xtensor<float, 1>(xt::full_like(before, 1.5f)));
  CHECK(after == xt::xtensor<float, 1>(xt::full_like(after, 2.5f)));
  CHECK(sess.run(v) == after);
}

TEST_CASE("a partial run keeps an intermediate that it also returned") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto r1 = a * 3.0f;
  auto r2 = r1 + 1.0f;
  sl::Session sess(g);
  const auto av = iota(big, 1.0f);
  auto h = sess.partial_run_setup(std::tuple{r1, r2}, sl::feed_list(a));
  xt::xtensor<float, 1> s1 = sess.partial_run(h, r1, {{a, av}});
  xt::xtensor<float, 1> s2 = sess.partial_run(h, r2);
  CHECK(s1 == av * 3.0f);
  CHECK(s2 == s1 + 1.0f);
}

TEST_CASE_TEMPLATE("block loops agree with the unfused kernels at every length", T, float, double, std::int32_t) {
  sl::Graph g;
  auto a = sl::placeholder<T, shape<dyn>>(g, "a");
  auto b = sl::placeholder<T, shape<dyn>>(g, "b");
  auto s = sl::placeholder<T, shape<>>(g, "s");
  // Scalars on either side of each operator, full operands on both.
  auto y = sl::maximum(T(2) - a * s, b) * (s + b) - (a - T(1));
  sl::SessionConfig plain;
  plain.optimizer.fusion = false;
  sl::Session fused(g), unfused(g, plain);
  for (std::size_t n : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 255u, 256u, 257u, 1000u, 70001u}) {
    CAPTURE(n);
    xt::xtensor<T, 1> av = xt::zeros<T>({n}), bv = av, want = av;
    const T sv = T(3);
    for (std::size_t i = 0; i < n; ++i) {
      av(i) = static_cast<T>(static_cast<int>(i % 11) - 5);
      bv(i) = static_cast<T>(static_cast<int>(i % 7) - 3);
      want(i) = std::max<T>(T(2) - av(i) * sv, bv(i)) * (sv + bv(i)) - (av(i) - T(1));
    }
    xt::xtensor<T, 1> got = fused.run(y, {{a, av}, {b, bv}, {s, sv}});
    REQUIRE(got.shape() == want.shape());
    CHECK(got == want);
    CHECK(unfused.run(y, {{a, av}, {b, bv}, {s, sv}}) == want);
  }
}
