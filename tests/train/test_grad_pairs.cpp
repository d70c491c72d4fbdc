// Gradient chains pair as forward chains do: the elementwise nodes gradient
// builders add (train/grad_support.hpp) carry the same pairing as the typed
// ops' (ops/op_support.hpp's elementwise_spec), so a fused gradient program
// runs add/sub/mul pairs in one pass, with the same values as unfused.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/session/session.hpp>
#include <sessionlib/train/gradients.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sl = sessionlib;
using sl::shape;

namespace {
constexpr std::size_t n = 1000;
using vec = shape<n>;

/// Program length and node count over the fused groups of y's plan (fed by
/// `feeds`), and whether a pair instruction ends in a gradient's add or mul.
struct fused_counts {
  std::size_t program = 0, nodes = 0;
  bool add_or_mul_pair = false;
};
fused_counts count_fused(sl::Graph& g, sl::output_ref y, std::vector<sl::output_ref> feeds) {
  std::sort(feeds.begin(), feeds.end());
  const sl::detail::fetch_leaf leaf{y.node, true, y.index};
  auto p = sl::detail::build_plan(g, std::span(&leaf, 1), feeds);
  fused_counts c;
  for (const auto& group : p->fused) {
    c.program += group.program.size();
    c.nodes += group.fallback.size();
    for (const auto& instr : group.program) {
      const bool paired = instr.fn != instr.n->block;  // a pair runs its second op's pair_after block
      const bool gradient = instr.n->name.rfind("gradients", 0) == 0;
      if (paired && gradient && (instr.n->op == "AddV2" || instr.n->op == "Mul")) c.add_or_mul_pair = true;
    }
  }
  return c;
}

/// n values (lo + k) / 4, 0 <= k < span, in a fixed scramble per seed.
template <class T>
xt::xtensor<T, 1> sample(int seed, int lo, int span) {
  xt::xtensor<T, 1> v = xt::zeros<T>({n});
  for (std::size_t i = 0; i < n; ++i) v(i) = static_cast<T>(lo + static_cast<int>((i * 7 + seed * 13) % span)) / T(4);
  return v;
}

sl::SessionConfig with_fusion(bool on) {
  sl::SessionConfig c;
  c.optimizer.fusion = on;
  return c;
}
}  // namespace

TEST_CASE_TEMPLATE("gradient chains pair, with the values of the unfused run", T, float, double) {
  sl::Graph g;
  auto x = sl::placeholder<T, vec>(g, "x");
  auto a = sl::placeholder<T, vec>(g, "a");
  auto p = sl::placeholder<T, vec>(g, "p");
  auto dy = sl::placeholder<T, vec>(g, "dy");
  // Only the gradient's nodes are fused: the forward values are fed or not read.
  // ((x * a) * a)' in x is dy * a * a: a mul after a mul.
  auto dx = sl::gradients((x * a) * a, x, dy);
  // pow(x, p)' in p is dy * (x^p * log(x * (x > 0) + (1 - (x > 0))) * (x > 0)):
  // an add of a mul and a sub, among others.
  auto dp = sl::gradients(sl::pow(x, p), p, dy);
  static_assert(std::is_same_v<decltype(dx), sl::Tensor<T, vec>>);
  static_assert(std::is_same_v<decltype(dp), sl::Tensor<T, vec>>);

  const std::vector<sl::output_ref> feeds{x.id(), a.id(), p.id(), dy.id()};
  SUBCASE("mul after mul") {
    const auto c = count_fused(g, dx.id(), feeds);
    CHECK(c.program < c.nodes);
    CHECK(c.add_or_mul_pair);
  }
  SUBCASE("pow's exponent") {
    const auto c = count_fused(g, dp.id(), feeds);
    CHECK(c.program < c.nodes);
    CHECK(c.add_or_mul_pair);
  }

  SUBCASE("values, shapes and dtypes as unfused") {
    // x nonzero, of either sign; p whole, so x^p is finite and the mask matters.
    const xt::xtensor<T, 1> xv = sample<T>(1, -12, 25) + T(1) / T(8), av = sample<T>(2, -8, 17),
                            pv = xt::round(sample<T>(3, -8, 17)), dyv = sample<T>(4, -6, 13);
    sl::Session fused(g), plain(g, with_fusion(false));
    for (const auto& grad : {dx, dp}) {
      CHECK(g.at(grad.id()).type == sl::dtype_of<T>);
      const auto want = plain.run(grad, {{x, xv}, {a, av}, {p, pv}, {dy, dyv}});
      const auto got = fused.run(grad, {{x, xv}, {a, av}, {p, pv}, {dy, dyv}});
      static_assert(std::is_same_v<typename std::decay_t<decltype(got)>::value_type, T>);
      REQUIRE(got.shape() == want.shape());
      CHECK(got.shape()[0] == n);
      CHECK(std::memcmp(got.data(), want.data(), n * sizeof(T)) == 0);
    }
    // And they are the gradients: a spot check against the formula.
    const auto gx = fused.run(dx, {{x, xv}, {a, av}, {p, pv}, {dy, dyv}});
    for (std::size_t i = 0; i < n; i += 97) CHECK(gx(i) == dyv(i) * av(i) * av(i));
  }
}
