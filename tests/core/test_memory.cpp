// Memory (issue 5, DESIGN section 6): in a plan run in order, slots share
// buffers by liveness and elementwise ops write in place where an input dies,
// so a run keeps about as many buffers as values alive at once
// (RunMetadata::resident_bytes), while every result owns its memory and every
// way of running (fetching intermediates, run_into, partial runs, callables,
// failing runs, parallel plans) keeps its values.
#include <doctest/doctest.h>

#include <algorithm>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/session/callable.hpp>
#include <sessionlib/session/into.hpp>
#include <sessionlib/session/partial_run.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
constexpr std::size_t big = std::size_t{1} << 18;  // 1 MiB of floats
constexpr int links = 12;

sl::SessionConfig unfused() {
  sl::SessionConfig c;
  c.optimizer.fusion = false;
  return c;
}

template <class T>
xt::xtensor<T, 1> ramp(std::size_t n, int seed) {
  xt::xtensor<T, 1> v = xt::xtensor<T, 1>::from_shape({n});
  for (std::size_t i = 0; i < n; ++i) v(i) = static_cast<T>(static_cast<int>((i * 7 + static_cast<std::size_t>(seed)) % 23) - 11);
  return v;
}

/// Link k of the chain, on handles and on plain values alike.
template <class X, class T>
X link(const X& x, int k) {
  switch (k % 3) {
    case 0: return x * T(3);
    case 1: return x - T(5);
    default: return x + x;
  }
}

template <class T>
struct chain_model {
  sl::Graph g;
  sl::Tensor<T, shape<dyn>> a = sl::placeholder<T, shape<dyn>>(g, "a");
  std::vector<sl::Tensor<T, shape<dyn>>> steps;
  chain_model() {
    steps.push_back(a);
    for (int k = 0; k < links; ++k) steps.push_back(link<sl::Tensor<T, shape<dyn>>, T>(steps.back(), k));
  }
  const sl::Tensor<T, shape<dyn>>& y() const { return steps.back(); }
  static xt::xtensor<T, 1> want(const xt::xtensor<T, 1>& av, int upto = links) {
    xt::xtensor<T, 1> v = av;
    for (int k = 0; k < upto; ++k)
      for (auto& e : v) e = link<T, T>(e, k);
    return v;
  }
};
}  // namespace

TEST_CASE_TEMPLATE("a chain of unfused elementwise ops keeps one or two buffers, not one per op", T, float, double,
                   std::int32_t) {
  chain_model<T> m;
  sl::Session sess(m.g, unfused());
  const std::size_t bytes = big * sizeof(T);
  std::vector<xt::xtensor<T, 1>> results, inputs;
  for (int run = 0; run < 4; ++run) {
    inputs.push_back(ramp<T>(big, run));
    sl::RunMetadata md;
    results.push_back(sess.run(m.y(), {{m.a, inputs.back()}}, sl::RunOptions{}, &md));
    CHECK(results.back() == chain_model<T>::want(inputs.back()));
    // The first link reads the feed into a fresh buffer, every later one
    // writes over its dying input; the fetched result goes to the caller.
    CHECK(md.resident_bytes >= bytes);
    CHECK(md.resident_bytes <= 2 * bytes);
    CHECK(md.peak_bytes <= 3 * bytes);  // feed, one intermediate, the result
  }
  // Later runs never touched earlier results.
  for (std::size_t r = 0; r < results.size(); ++r) CHECK(results[r] == chain_model<T>::want(inputs[r]));
  CHECK(results[0].data() != results[1].data());

  SUBCASE("the plan: one colour, every link after the first in place") {
    const sl::detail::fetch_leaf leaf{m.y().id().node, true};
    const sl::output_ref fed = m.a.id();
    auto p = sl::detail::build_plan(m.g, std::span(&leaf, 1), std::span(&fed, 1), sl::detail::plan_options{false, true, true});
    CHECK_FALSE(p->parallel);
    const auto in_place = std::count_if(p->steps.begin(), p->steps.end(),
                                        [](const sl::detail::plan_step& s) { return s.in_place != sl::detail::no_slot; });
    CHECK(in_place == links - 2);  // not the first (its input is the feed), not the fetched last
  }
}

TEST_CASE("broadcasting over a live input: in place where the dying operand is full size") {
  // `x + b` writes over x (b broadcasts); `maximum(., a)` over its left operand, never over `a`.
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn, 64>>(g, "a");
  auto b = sl::placeholder<float, shape<64>>(g, "b");
  auto x = a * 2.0f;
  for (int k = 0; k < 8; ++k) x = sl::maximum(x + b, a) - 1.0f;  // `a` stays alive throughout
  auto y = sl::reduce_sum<1>(x);
  sl::Session sess(g, unfused());
  const std::size_t rows = 2048;
  xt::xtensor<float, 2> av = xt::xtensor<float, 2>::from_shape({rows, 64});
  for (std::size_t i = 0; i < av.size(); ++i) av.data()[i] = static_cast<float>(static_cast<int>(i % 13) - 6);
  const xt::xtensor<float, 1> bv = xt::arange<float>(64) * 0.25f;
  xt::xtensor<float, 2> want = av * 2.0f;
  for (int k = 0; k < 8; ++k) want = xt::maximum(want + bv, av) - 1.0f;
  const xt::xtensor<float, 1> want_sum = xt::sum(want, {1});
  for (int run = 0; run < 3; ++run) {
    sl::RunMetadata md;
    xt::xtensor<float, 1> got = sess.run(y, {{a, av}, {b, bv}}, sl::RunOptions{}, &md);
    CHECK(xt::allclose(got, want_sum));
    CHECK(md.resident_bytes <= 3 * rows * 64 * sizeof(float));
  }
}

TEST_CASE("fetching an intermediate of the chain keeps its value") {
  chain_model<float> m;
  sl::Session sess(m.g, unfused());
  const auto& mid = m.steps[5];
  for (int run = 0; run < 3; ++run) {
    const auto av = ramp<float>(big, run);
    auto [mv, yv] = sess.run(std::tuple{mid, m.y()}, {{m.a, av}});
    CHECK(mv == chain_model<float>::want(av, 5));
    CHECK(yv == chain_model<float>::want(av));
  }
}

TEST_CASE("run_into lends its array; the chain's buffers stay the session's") {
  chain_model<float> m;
  sl::Session sess(m.g, unfused());
  xt::xtensor<float, 1> out;
  sess.run_into(out, m.y(), {{m.a, ramp<float>(big, 1)}});
  const float* storage = out.data();
  for (int run = 2; run < 5; ++run) {
    const auto av = ramp<float>(big, run);
    sess.run_into(out, m.y(), {{m.a, av}});
    CHECK(out == chain_model<float>::want(av));
    CHECK(out.data() == storage);
  }
  const auto av = ramp<float>(big, 9);
  xt::xtensor<float, 1> fresh = sess.run(m.y(), {{m.a, av}});
  CHECK(fresh == chain_model<float>::want(av));
  CHECK(out == chain_model<float>::want(ramp<float>(big, 4)));
}

TEST_CASE("a run failing mid-chain leaves the session usable and the next run right") {
  chain_model<float> m;
  auto b = sl::placeholder<float, shape<dyn>>(m.g, "b");
  auto mid = m.steps[6] + b;  // fails when b's length differs
  auto y = link<sl::Tensor<float, shape<dyn>>, float>(mid * 2.0f, 1) + 1.0f;
  sl::Session sess(m.g, unfused());
  const auto av = ramp<float>(big, 3), bv = ramp<float>(big, 4);
  auto want = [&](const xt::xtensor<float, 1>& x) {
    xt::xtensor<float, 1> v = chain_model<float>::want(x, 6) + bv;
    return xt::xtensor<float, 1>((v * 2.0f - 5.0f) + 1.0f);
  };
  const xt::xtensor<float, 1> first = sess.run(y, {{m.a, av}, {b, bv}});
  CHECK(first == want(av));
  const xt::xtensor<float, 1> short_b = ramp<float>(17, 0);
  CHECK_THROWS_WITH_AS(sess.run(y, {{m.a, av}, {b, short_b}}), "Incompatible shapes: [262144] vs. [17]",
                       sl::invalid_argument);
  for (int run = 0; run < 3; ++run) {
    const auto xv = ramp<float>(big, 10 + run);
    sl::RunMetadata md;
    CHECK(sess.run(y, {{m.a, xv}, {b, bv}}, sl::RunOptions{}, &md) == want(xv));
    CHECK(md.resident_bytes <= 3 * big * sizeof(float));
  }
  CHECK(first == want(av));
}

TEST_CASE("partial runs and callables over shared buffers") {
  chain_model<float> m;
  sl::Session sess(m.g, unfused());
  SUBCASE("partial run") {
    const auto av = ramp<float>(big, 2);
    auto h = sess.partial_run_setup(std::tuple{m.steps[4], m.y()}, sl::feed_list(m.a));
    xt::xtensor<float, 1> s1 = sess.partial_run(h, m.steps[4], {{m.a, av}});
    xt::xtensor<float, 1> s2 = sess.partial_run(h, m.y());
    CHECK(s1 == chain_model<float>::want(av, 4));
    CHECK(s2 == chain_model<float>::want(av));
  }
  SUBCASE("make_callable") {
    auto f = sess.make_callable(m.y(), sl::feed_list(m.a));
    std::vector<xt::xtensor<float, 1>> got;
    for (int run = 0; run < 4; ++run) got.push_back(f(ramp<float>(big, run)));
    for (int run = 0; run < 4; ++run) CHECK(got[static_cast<std::size_t>(run)] == chain_model<float>::want(ramp<float>(big, run)));
  }
}

TEST_CASE("fused groups that fall back to their kernels share their interior buffers") {
  // The bias broadcasts, so each group runs its nodes' kernels one by one; each
  // stage's `h` is read twice, so it roots the next group.
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 64>>(g, "x");
  auto b = sl::placeholder<float, shape<64>>(g, "b");
  sl::Tensor<float, shape<dyn, 64>> h = x;
  constexpr int stages = 6;
  for (int k = 0; k < stages; ++k) h = sl::maximum(h * 2.0f + b, 0.0f) - h * 0.5f;
  sl::Session sess(g);  // fusion on
  const std::size_t rows = 4096, bytes = rows * 64 * sizeof(float);
  xt::xtensor<float, 2> xv = xt::xtensor<float, 2>::from_shape({rows, 64});
  for (std::size_t i = 0; i < xv.size(); ++i) xv.data()[i] = static_cast<float>(static_cast<int>(i % 13) - 6) / 4.0f;
  const xt::xtensor<float, 1> bv = xt::arange<float>(64) * 0.125f - 4.0f;
  xt::xtensor<float, 2> want = xv;
  for (int k = 0; k < stages; ++k) want = xt::maximum(want * 2.0f + bv, 0.0f) - want * 0.5f;
  for (int run = 0; run < 3; ++run) {
    sl::RunMetadata md;
    xt::xtensor<float, 2> got = sess.run(h, {{x, xv}, {b, bv}}, sl::RunOptions{}, &md);
    CHECK(got == want);
    // A stage's four interior values and its output are alive at once; a buffer per value would be 30.
    CHECK(md.resident_bytes <= 7 * bytes);
  }
}

TEST_CASE("a view in the chain keeps the viewed buffer alive and the values right") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto u = a * 3.0f;
  auto v = sl::identity(u);      // shares u's buffer and outlives u's last reader below
  auto w = (u + 1.0f) * 2.0f;    // u dies here; its buffer must not be handed on or overwritten
  auto y = w - v;
  sl::Session sess(g, unfused());
  for (int run = 0; run < 4; ++run) {
    const auto av = ramp<float>(big, run);
    xt::xtensor<float, 1> got = sess.run(y, {{a, av}});
    CHECK(got == xt::xtensor<float, 1>((av * 3.0f + 1.0f) * 2.0f - av * 3.0f));
  }
}

TEST_CASE("in place with broadcasting, squaring and small values") {
  sl::Graph g;
  auto a = sl::placeholder<float, shape<dyn>>(g, "a");
  auto b = sl::placeholder<float, shape<dyn>>(g, "b");
  auto u = a * 2.0f;             // dies in v; when `a` has one element, v is larger than u
  auto v = u + b;
  auto w = (v - 1.0f) * (v - 1.0f);  // both operands one dying slot
  auto y = -w + 3.0f;
  sl::Session sess(g, unfused());
  for (std::size_t n : {std::size_t{1}, std::size_t{5}, big}) {
    CAPTURE(n);
    for (std::size_t na : {std::size_t{1}, n}) {
      const auto av = ramp<float>(na, 1), bv = ramp<float>(n, 2);
      xt::xtensor<float, 1> got = sess.run(y, {{a, av}, {b, bv}});
      const xt::xtensor<float, 1> t = (av * 2.0f + bv) - 1.0f;
      CHECK(got == xt::xtensor<float, 1>(-(t * t) + 3.0f));
    }
  }
}

TEST_CASE("a parallel plan: side by side a buffer per slot, in order shared; the same values") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<96, 96>>(g, "x");
  auto w = sl::placeholder<float, shape<96, 96>>(g, "w");
  auto y = sl::reduce_sum<0, 1>(((sl::matmul(x, w) * 2.0f + sl::matmul(w, x)) - sl::matmul(x, x)) * 0.5f);
  const sl::detail::fetch_leaf leaf{y.id().node, true};
  std::vector<sl::output_ref> fed{x.id(), w.id()};
  std::sort(fed.begin(), fed.end());
  REQUIRE(sl::detail::build_plan(g, std::span(&leaf, 1), fed, sl::detail::plan_options{false, true, true})->parallel);
  xt::xtensor<float, 2> xv = xt::xtensor<float, 2>::from_shape({96, 96}), wv = xv;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    xv.data()[i] = static_cast<float>(static_cast<int>(i % 9) - 4) / 8.0f;
    wv.data()[i] = static_cast<float>(static_cast<int>(i % 5) - 2) / 4.0f;
  }
  sl::SessionConfig seq_c = unfused(), par_c = unfused();  // unfused: seven intermediates
  seq_c.inter_op_threads = 1;
  par_c.inter_op_threads = 2;
  sl::Session seq(g, seq_c), par(g, par_c);
  sl::RunMetadata seq_md, par_md;
  const float want = seq.run(y, {{x, xv}, {w, wv}}, sl::RunOptions{}, &seq_md);
  for (int run = 0; run < 4; ++run) {
    CHECK(par.run(y, {{x, xv}, {w, wv}}, sl::RunOptions{}, &par_md) == want);
    CHECK(seq.run(y, {{x, xv}, {w, wv}}, sl::RunOptions{}, &seq_md) == want);
  }
  const std::size_t mat_bytes = 96 * 96 * sizeof(float);
  CHECK(par_md.resident_bytes >= 7 * mat_bytes);  // one buffer per intermediate
  CHECK(seq_md.resident_bytes <= 3 * mat_bytes);
}
