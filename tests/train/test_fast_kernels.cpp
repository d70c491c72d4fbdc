// The kernels of a training step's non-matmul work, against plain reference
// loops: broadcast binary maps (runs of rows), SumToShape and
// BroadcastToShape (the gradients of a broadcast and of a reduction),
// ReluGrad and ApplyGradientDescent. Shapes are fed at run time and chosen to
// broadcast over leading axes, in the middle and everywhere, with sizes that
// are not multiples of any SIMD width.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <sessionlib/sessionlib.hpp>
#include <vector>

namespace sl = sessionlib;
using sl::dyn;

namespace {

using dims4 = std::array<std::size_t, 4>;
using shape4 = sl::shape<dyn, dyn, dyn, dyn>;

/// Values in [lo, hi) from a fixed LCG, so failures reproduce; a few exact zeros.
template <class T>
xt::xtensor<T, 4> values(const dims4& sh, double lo, double hi, std::uint64_t seed) {
  xt::xtensor<T, 4> a(sh);
  std::uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& v : a) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(s >> 11) * 0x1.0p-53;
    v = u < 0.05 ? T(0) : static_cast<T>(lo + (hi - lo) * u);
  }
  return a;
}

dims4 broadcast(const dims4& a, const dims4& b) {
  dims4 o{};
  for (std::size_t i = 0; i < 4; ++i) o[i] = std::max(a[i], b[i]);
  return o;
}

/// Calls f(out multi-index, index into a, index into b) over `out` (a reference walk).
template <class F>
void walk(const dims4& out, const dims4& a, const dims4& b, F&& f) {
  for (std::size_t i = 0; i < out[0]; ++i)
    for (std::size_t j = 0; j < out[1]; ++j)
      for (std::size_t k = 0; k < out[2]; ++k)
        for (std::size_t l = 0; l < out[3]; ++l) {
          const std::size_t o = ((i * out[1] + j) * out[2] + k) * out[3] + l;
          const std::size_t ia = (((i % a[0]) * a[1] + j % a[1]) * a[2] + k % a[2]) * a[3] + l % a[3];
          const std::size_t ib = (((i % b[0]) * b[1] + j % b[1]) * b[2] + k % b[2]) * b[3] + l % b[3];
          f(o, ia, ib);
        }
}

template <class T>
void check_close(const T* got, const T* want, std::size_t n) {
  const T tol = std::is_same_v<T, float> ? T(1e-5) : T(1e-12);
  for (std::size_t i = 0; i < n; ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - want[i]) <= tol * (T(1) + std::abs(want[i])));
  }
}

// Operand shape pairs: a bias row over leading axes, broadcasts in the middle,
// a column, a scalar-like operand, both sides broadcasting, and equal shapes.
const std::vector<std::pair<dims4, dims4>> pairs = {
    {{3, 5, 7, 9}, {1, 1, 1, 9}},   {{1, 1, 1, 9}, {3, 5, 7, 9}},   {{2, 3, 1, 33}, {2, 1, 4, 1}},
    {{4, 1, 6, 1}, {1, 5, 1, 7}},   {{1, 3, 1, 17}, {5, 3, 2, 17}}, {{6, 1, 1, 17}, {1, 1, 1, 1}},
    {{1, 1, 1, 1}, {2, 3, 4, 5}},   {{2, 3, 4, 5}, {2, 3, 4, 5}},   {{1, 1, 65, 1}, {1, 1, 65, 31}},
    {{3, 1, 1, 1}, {3, 4, 5, 6}},   {{1, 2, 1, 3}, {1, 2, 1, 3}},   {{1, 1, 1, 1}, {1, 1, 1, 1}},
};

}  // namespace

TEST_CASE_TEMPLATE("broadcast add, mul and greater against a reference walk", T, float, double) {
  sl::Graph g;
  auto a = sl::placeholder<T, shape4>(g, "a");
  auto b = sl::placeholder<T, shape4>(g, "b");
  auto sum = a + b;
  auto prod = a * b;
  auto gt = sl::greater(a, b);
  static_assert(std::is_same_v<decltype(gt), sl::Tensor<bool, shape4>>);
  sl::Session sess(g);
  for (const auto& pair : pairs) {
    const dims4 &sa = pair.first, &sb = pair.second;  // not a structured binding: clang 14 lambdas cannot capture one
    INFO("a " << sa[0] << "x" << sa[1] << "x" << sa[2] << "x" << sa[3] << ", b " << sb[0] << "x" << sb[1] << "x"
              << sb[2] << "x" << sb[3]);
    const auto av = values<T>(sa, -1, 1, 1), bv = values<T>(sb, -1, 1, 2);
    const dims4 so = broadcast(sa, sb);
    const auto got = sess.run(std::tuple{sum, prod, gt}, {{a, av}, {b, bv}});
    const auto& s = std::get<0>(got);
    const auto& p = std::get<1>(got);
    const auto& c = std::get<2>(got);
    REQUIRE(std::equal(s.shape().begin(), s.shape().end(), so.begin()));
    REQUIRE(std::equal(c.shape().begin(), c.shape().end(), so.begin()));
    std::size_t bad = 0;
    walk(so, sa, sb, [&](std::size_t o, std::size_t i, std::size_t j) {
      const T x = av.data()[i], y = bv.data()[j];
      bad += s.data()[o] != x + y || p.data()[o] != x * y || c.data()[o] != (x > y);
    });
    CHECK(bad == 0);
  }
}

TEST_CASE_TEMPLATE("SumToShape and BroadcastToShape against reference loops", T, float, double) {
  sl::Graph g;
  auto a = sl::placeholder<T, shape4>(g, "a");
  auto b = sl::placeholder<T, shape4>(g, "b");
  auto dy = sl::placeholder<T, shape4>(g, "dy");
  // d(a + b)/db with upstream dy: dy summed over the axes where b was broadcast.
  auto db = sl::gradients(a + b, b, dy);
  sl::Session sess(g);
  for (const auto& pair : pairs) {
    const dims4 &sa = pair.first, &sb = pair.second;  // not a structured binding: clang 14 lambdas cannot capture one
    INFO("a " << sa[0] << "x" << sa[1] << "x" << sa[2] << "x" << sa[3] << ", b " << sb[0] << "x" << sb[1] << "x"
              << sb[2] << "x" << sb[3]);
    const dims4 so = broadcast(sa, sb);
    const auto av = values<T>(sa, -1, 1, 1), bv = values<T>(sb, -1, 1, 2), dv = values<T>(so, -1, 1, 3);
    const auto got = sess.run(db, {{a, av}, {b, bv}, {dy, dv}});
    REQUIRE(std::equal(got.shape().begin(), got.shape().end(), sb.begin()));
    std::vector<T> want(bv.size(), T(0));
    walk(so, sb, sb, [&](std::size_t o, std::size_t i, std::size_t) { want[i] += dv.data()[o]; });
    check_close(got.data(), want.data(), want.size());
  }
  SUBCASE("the gradient of a reduction repeats dy over the reduced axes") {
    auto x = sl::placeholder<T, shape4>(g, "x");
    auto gy = sl::placeholder<T, sl::shape<dyn, dyn>>(g, "gy");
    auto dx = sl::gradients(sl::reduce_sum<1, 3>(x), x, gy);
    sl::Session s2(g);
    for (const dims4 sx : {dims4{3, 5, 7, 9}, dims4{1, 4, 1, 3}, dims4{2, 1, 33, 1}}) {
      const auto xv = values<T>(sx, -1, 1, 4);
      xt::xtensor<T, 2> gv = xt::xtensor<T, 2>::from_shape({sx[0], sx[2]});
      for (std::size_t i = 0; i < gv.size(); ++i) gv.data()[i] = static_cast<T>(i) + T(0.5);
      const auto got = s2.run(dx, {{x, xv}, {gy, gv}});
      std::vector<T> want(xv.size());
      walk(sx, dims4{sx[0], 1, sx[2], 1}, sx,
           [&](std::size_t o, std::size_t i, std::size_t) { want[o] = gv.data()[i]; });
      check_close(got.data(), want.data(), want.size());
    }
  }
}

TEST_CASE_TEMPLATE("ReluGrad passes dy where x > 0, at odd sizes", T, float, double) {
  sl::Graph g;
  auto x = sl::placeholder<T, sl::shape<dyn>>(g, "x");
  auto dy = sl::placeholder<T, sl::shape<dyn>>(g, "dy");
  auto dx = sl::gradients(sl::nn::relu(x), x, dy);
  sl::Session sess(g);
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{33}, std::size_t{1031}}) {
    xt::xtensor<T, 1> xv = xt::xtensor<T, 1>::from_shape({n}), dv = xt::xtensor<T, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
      xv(i) = static_cast<T>((i * 37) % 11) - T(5);  // negative, zero and positive
      dv(i) = static_cast<T>(i) + T(0.25);
    }
    const auto got = sess.run(dx, {{x, xv}, {dy, dv}});
    for (std::size_t i = 0; i < n; ++i) CHECK(got(i) == (xv(i) > T(0) ? dv(i) : T(0)));
  }
}

TEST_CASE_TEMPLATE("ApplyGradientDescent subtracts lr * grad from every element", T, float, double) {
  for (std::size_t n : {std::size_t{1}, std::size_t{13}, std::size_t{1027}}) {
    sl::Graph g;
    xt::xtensor<T, 1> w0 = xt::xtensor<T, 1>::from_shape({n}), c = xt::xtensor<T, 1>::from_shape({n});
    for (std::size_t i = 0; i < n; ++i) {
      w0(i) = static_cast<T>(i % 17) * T(0.125) - T(1);
      c(i) = static_cast<T>(i % 5) - T(2.5);
    }
    sl::Variable<T, sl::shape<dyn>> w(g, w0, "w");
    auto cc = sl::constant(g, c);
    auto train = sl::train::GradientDescentOptimizer(0.5).minimize(sl::reduce_sum(w * cc));  // grad = c
    sl::Session sess(g);
    sess.run(sl::global_variables_initializer(g));
    sess.run(train);
    sess.run(train);
    const auto got = sess.run(w);
    std::vector<T> want(n);
    for (std::size_t i = 0; i < n; ++i) want[i] = w0(i) - T(0.5) * c(i) - T(0.5) * c(i);
    check_close(got.data(), want.data(), n);
  }
}

namespace {
// loss = sum(op(x) op(w) * c): dL/dw is a matmul of x and c, which the update
// computes itself (MatMulApplyGradientDescent) when w's shape is static.
template <class T, bool TA, bool TB>
void check_folded_update() {
  constexpr std::size_t m = 7, k = 5, n = 3;
  CAPTURE(TA);
  CAPTURE(TB);
  sl::Graph g;
  xt::xtensor<T, 2> xv = xt::xtensor<T, 2>::from_shape({TA ? k : m, TA ? m : k});
  xt::xtensor<T, 2> w0 = xt::xtensor<T, 2>::from_shape({TB ? n : k, TB ? k : n});
  xt::xtensor<T, 2> cv = xt::xtensor<T, 2>::from_shape({m, n});
  for (std::size_t i = 0; i < xv.size(); ++i) xv.data()[i] = static_cast<T>(i % 7) * T(0.25) - T(0.5);
  for (std::size_t i = 0; i < w0.size(); ++i) w0.data()[i] = static_cast<T>(i % 5) * T(0.5) - T(1);
  for (std::size_t i = 0; i < cv.size(); ++i) cv.data()[i] = static_cast<T>(i % 3) - T(1);
  auto x = sl::placeholder<T, sl::shape<TA ? k : m, TA ? m : k>>(g, "x");
  sl::Variable<T, sl::shape<TB ? n : k, TB ? k : n>> w(g, w0, "w");
  auto c = sl::constant(g, cv);
  constexpr auto flags = (TA ? sl::transpose_a : sl::matmul_flags{}) | (TB ? sl::transpose_b : sl::matmul_flags{});
  auto train = sl::train::GradientDescentOptimizer(0.5).minimize(sl::reduce_sum(sl::matmul<flags>(x, w) * c));
  std::size_t folded = 0;
  for (std::size_t i = 0; i < g.size(); ++i) folded += g.at(static_cast<sl::node_id>(i)).op == "MatMulApplyGradientDescent";
  CHECK(folded == 1);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  sess.run(train, {{x, xv}});
  sess.run(train, {{x, xv}});
  // dL/d op(w) = op(x)^T c; w(r, s) is op(w)(kk, nn).
  std::vector<T> want(w0.size());
  for (std::size_t r = 0; r < w0.shape(0); ++r)
    for (std::size_t s = 0; s < w0.shape(1); ++s) {
      const std::size_t kk = TB ? s : r, nn = TB ? r : s;
      T grad = 0;
      for (std::size_t i = 0; i < m; ++i) grad += (TA ? xv(kk, i) : xv(i, kk)) * cv(i, nn);
      want[r * w0.shape(1) + s] = w0(r, s) - T(2) * T(0.5) * grad;
    }
  const auto got = sess.run(w);
  check_close(got.data(), want.data(), want.size());
}
}  // namespace

TEST_CASE_TEMPLATE("GradientDescent folds a matmul gradient into one gemm on the variable", T, float, double) {
  check_folded_update<T, false, false>();
  check_folded_update<T, true, false>();
  check_folded_update<T, false, true>();
  check_folded_update<T, true, true>();
}

TEST_CASE("a folded GradientDescent update over an empty batch leaves the variable unchanged") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<dyn, 5>>(g, "x");
  xt::xtensor<float, 2> w0 = xt::xtensor<float, 2>::from_shape({5, 3});
  for (std::size_t i = 0; i < w0.size(); ++i) w0.data()[i] = static_cast<float>(i) * 0.5f - 2.0f;
  sl::Variable<float, sl::shape<5, 3>> w(g, w0, "w");
  auto train = sl::train::GradientDescentOptimizer(0.5).minimize(sl::reduce_sum(sl::matmul(x, w)));
  std::size_t folded = 0;
  for (std::size_t i = 0; i < g.size(); ++i) folded += g.at(static_cast<sl::node_id>(i)).op == "MatMulApplyGradientDescent";
  CHECK(folded == 1);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 2> empty = xt::xtensor<float, 2>::from_shape({0, 5});
  sess.run(train, {{x, empty}});
  CHECK(sess.run(w) == w0);
}
