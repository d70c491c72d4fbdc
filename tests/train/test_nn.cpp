// nn ops forward: values against plain reference loops, result types, and the
// run-time errors with TF's wording.
#include <doctest/doctest.h>

#include <cmath>
#include <sessionlib/ops/nn.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

namespace {
template <class T>
xt::xtensor<T, 2> sample_logits() {
  // Rows with large values check the stable (shifted) forms.
  return xt::xtensor<T, 2>{{1, 2, 3, 4}, {-1, 0.5, 0.25, -2}, {1000, 999, -1000, 998}};
}
template <class T>
bool close(T a, T b) {
  const T tol = std::is_same_v<T, float> ? T(1e-5) : T(1e-12);
  return std::abs(a - b) <= tol * (1 + std::abs(b));
}
template <class A, class B>
bool all_close(const A& a, const B& b) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!close(a.data()[i], b.data()[i])) return false;
  return true;
}
// log(sum(exp(row))) in long double: the reference.
template <class T>
long double ref_lse(const xt::xtensor<T, 2>& x, std::size_t r) {
  long double m = x(r, 0);
  for (std::size_t j = 0; j < x.shape(1); ++j) m = std::max<long double>(m, x(r, j));
  long double s = 0;
  for (std::size_t j = 0; j < x.shape(1); ++j) s += std::exp(static_cast<long double>(x(r, j)) - m);
  return m + std::log(s);
}
}  // namespace

TEST_CASE_TEMPLATE("activations: relu6, leaky_relu, elu", T, float, double) {
  sl::Graph g;
  auto x = sl::placeholder<T, shape<dyn>>(g, "x");
  auto r6 = sl::nn::relu6(x);
  auto lr = sl::nn::leaky_relu(x, 0.1);
  auto el = sl::nn::elu(x);
  static_assert(std::is_same_v<decltype(r6), sl::Tensor<T, shape<dyn>>>);
  static_assert(std::is_same_v<decltype(lr), sl::Tensor<T, shape<dyn>>>);
  CHECK(g.at(r6.id()).op == "Relu6");
  CHECK(g.at(lr.id()).op == "LeakyRelu");
  CHECK(g.at(el.id()).op == "Elu");
  sl::Session sess(g);
  xt::xtensor<T, 1> xv{-3, -0.5, 0, 2, 7};
  auto [a, b, c] = sess.run(std::tuple{r6, lr, el}, {{x, xv}});
  xt::xtensor<T, 1> ra(xv.shape()), rb(xv.shape()), rc(xv.shape());
  for (std::size_t i = 0; i < xv.size(); ++i) {
    ra(i) = std::min(std::max(xv(i), T(0)), T(6));
    rb(i) = xv(i) > 0 ? xv(i) : T(0.1) * xv(i);
    rc(i) = xv(i) > 0 ? xv(i) : std::expm1(xv(i));
  }
  CHECK(all_close(a, ra));
  CHECK(all_close(b, rb));
  CHECK(all_close(c, rc));
}

TEST_CASE_TEMPLATE("softmax and log_softmax over the last axis are stable", T, float, double) {
  sl::Graph g;
  auto x = sl::placeholder<T, shape<dyn, 4>>(g, "x");
  auto sm = sl::nn::softmax(x);
  auto lsm = sl::nn::log_softmax(x);
  static_assert(std::is_same_v<decltype(sm), sl::Tensor<T, shape<dyn, 4>>>);
  sl::Session sess(g);
  const auto xv = sample_logits<T>();
  auto [s, l] = sess.run(std::pair{sm, lsm}, {{x, xv}});
  xt::xtensor<T, 2> rs(xv.shape()), rl(xv.shape());
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t j = 0; j < 4; ++j) {
      const long double lse = ref_lse(xv, r);
      rl(r, j) = static_cast<T>(xv(r, j) - lse);
      rs(r, j) = static_cast<T>(std::exp(xv(r, j) - lse));
    }
  CHECK(all_close(s, rs));
  CHECK(all_close(l, rl));
  for (auto v : s) CHECK(std::isfinite(v));
}

TEST_CASE_TEMPLATE("softmax_cross_entropy_with_logits: per-example losses", T, float, double) {
  sl::Graph g;
  auto labels = sl::placeholder<T, shape<dyn, 4>>(g, "labels");
  auto logits = sl::placeholder<T, shape<dyn, 4>>(g, "logits");
  auto loss = sl::nn::softmax_cross_entropy_with_logits(labels, logits);
  static_assert(std::is_same_v<decltype(loss), sl::Tensor<T, shape<dyn>>>);
  sl::Session sess(g);
  const auto xv = sample_logits<T>();
  xt::xtensor<T, 2> lv{{0, 0, 1, 0}, {0.25, 0.25, 0.5, 0}, {0, 1, 0, 0}};
  xt::xtensor<T, 1> out = sess.run(loss, {{labels, lv}, {logits, xv}});
  REQUIRE(out.size() == 3);
  for (std::size_t r = 0; r < 3; ++r) {
    long double ref = 0;
    for (std::size_t j = 0; j < 4; ++j) ref += lv(r, j) * (ref_lse(xv, r) - xv(r, j));
    CHECK(close(out(r), static_cast<T>(ref)));
  }
  SUBCASE("labels and logits of different run-time shapes") {
    xt::xtensor<T, 2> l2 = xt::zeros<T>({2, 4});
    CHECK_THROWS_WITH_AS((void)sess.run(loss, {{labels, l2}, {logits, xv}}),
                         "logits and labels must have the same shape, received (3, 4) vs (2, 4).", sl::invalid_argument);
  }
}

TEST_CASE_TEMPLATE("sparse_softmax_cross_entropy_with_logits: int32 and int64 labels", T, float, double) {
  sl::Graph g;
  auto logits = sl::placeholder<T, shape<dyn, 4>>(g, "logits");
  auto l32 = sl::placeholder<std::int32_t, shape<dyn>>(g, "l32");
  auto l64 = sl::placeholder<std::int64_t, shape<dyn>>(g, "l64");
  auto a = sl::nn::sparse_softmax_cross_entropy_with_logits(l32, logits);
  auto b = sl::nn::sparse_softmax_cross_entropy_with_logits(l64, logits);
  static_assert(std::is_same_v<decltype(a), sl::Tensor<T, shape<dyn>>>);
  sl::Session sess(g);
  const auto xv = sample_logits<T>();
  xt::xtensor<std::int32_t, 1> y32{2, 0, 1};
  xt::xtensor<std::int64_t, 1> y64{2, 0, 1};
  auto [ra, rb] = sess.run(std::tuple{a, b}, {{logits, xv}, {l32, y32}, {l64, y64}});
  for (std::size_t r = 0; r < 3; ++r) {
    const T ref = static_cast<T>(ref_lse(xv, r) - xv(r, static_cast<std::size_t>(y32(r))));
    CHECK(close(ra(r), ref));
    CHECK(close(rb(r), ref));
  }
  SUBCASE("a label out of range names the op and the range") {
    auto x10 = sl::placeholder<T, shape<dyn, 10>>(g, "x10");
    auto loss = sl::nn::sparse_softmax_cross_entropy_with_logits(l64, x10, "xent");
    xt::xtensor<T, 2> z = xt::zeros<T>({3, 10});
    xt::xtensor<std::int64_t, 1> bad{1, 12, 3};
    try {
      (void)sess.run(loss, {{x10, z}, {l64, bad}});
      FAIL("expected an error");
    } catch (const sl::invalid_argument& e) {
      CHECK(std::string(e.what()) == "Received a label value of 12 which is outside the valid range of [0, 10).");
      CHECK(e.node() == "xent");
    }
    xt::xtensor<std::int64_t, 1> neg{1, -1, 3};
    CHECK_THROWS_WITH_AS((void)sess.run(loss, {{x10, z}, {l64, neg}}),
                         "Received a label value of -1 which is outside the valid range of [0, 10).", sl::invalid_argument);
  }
}

TEST_CASE_TEMPLATE("sigmoid_cross_entropy_with_logits is stable for large logits", T, float, double) {
  sl::Graph g;
  auto z = sl::placeholder<T, shape<dyn>>(g, "z");
  auto x = sl::placeholder<T, shape<dyn>>(g, "x");
  auto loss = sl::nn::sigmoid_cross_entropy_with_logits(z, x);
  sl::Session sess(g);
  xt::xtensor<T, 1> xv{-800, -2, 0, 0.5, 3, 800}, zv{1, 0, 0.5, 1, 0, 0};
  xt::xtensor<T, 1> out = sess.run(loss, {{z, zv}, {x, xv}});
  for (std::size_t i = 0; i < xv.size(); ++i) {
    // z * -log(sigmoid(x)) + (1 - z) * -log(1 - sigmoid(x)), in long double
    const long double xi = xv(i), zi = zv(i);
    const long double sp = xi > 0 ? xi + std::log1p(std::exp(-xi)) : std::log1p(std::exp(xi));  // softplus(x)
    const long double ref = zi * (sp - xi) + (1 - zi) * sp;
    CHECK(close(out(i), static_cast<T>(ref)));
  }
}

TEST_CASE_TEMPLATE("l2_loss and bias_add", T, float, double) {
  sl::Graph g;
  auto x = sl::placeholder<T, shape<dyn, 3>>(g, "x");
  auto b = sl::placeholder<T, shape<3>>(g, "b");
  auto l2 = sl::nn::l2_loss(x);
  auto ba = sl::nn::bias_add(x, b);
  static_assert(std::is_same_v<decltype(l2), sl::Tensor<T, shape<>>>);
  static_assert(std::is_same_v<decltype(ba), sl::Tensor<T, shape<dyn, 3>>>);
  sl::Session sess(g);
  xt::xtensor<T, 2> xv{{1, 2, 3}, {-1, 0.5, 2}};
  xt::xtensor<T, 1> bv{10, 20, 30};
  auto [l, s] = sess.run(std::tuple{l2, ba}, {{x, xv}, {b, bv}});
  CHECK(close(l, T((1 + 4 + 9 + 1 + 0.25 + 4) / 2.0)));
  CHECK(all_close(s, xt::xtensor<T, 2>{{11, 22, 33}, {9, 20.5, 32}}));
}

TEST_CASE("dropout: seeded per session, scaled by 1 / (1 - rate)") {
  sl::Graph g;
  auto x = sl::placeholder<double, shape<dyn>>(g, "x");
  auto d = sl::nn::dropout(x, 0.25, 7);
  static_assert(std::is_same_v<decltype(d), sl::Tensor<double, shape<dyn>>>);
  xt::xtensor<double, 1> ones = xt::ones<double>({4000});
  sl::Session s1(g), s2(g);
  xt::xtensor<double, 1> a1 = s1.run(d, {{x, ones}}), a2 = s1.run(d, {{x, ones}});
  xt::xtensor<double, 1> b1 = s2.run(d, {{x, ones}});
  CHECK(a1 == b1);    // same seeds: the same sequence in each session
  CHECK(a1 != a2);    // a fresh mask on each run
  std::size_t kept = 0;
  for (double v : a1) {
    CHECK((v == 0.0 || std::abs(v - 4.0 / 3.0) < 1e-15));
    kept += v != 0.0;
  }
  CHECK(kept > 2800);
  CHECK(kept < 3200);
  SUBCASE("a rate tensor: 0 disables it") {
    auto rate = sl::placeholder<double>(g, "rate");
    auto d2 = sl::nn::dropout(x, rate, 3);
    CHECK(s1.run(d2, {{x, ones}, {rate, 0.0}}) == ones);
    CHECK_THROWS_WITH_AS((void)s1.run(d2, {{x, ones}, {rate, 1.0}}),
                         "rate must be a scalar tensor or a float in the range [0, 1), got 1.000000", sl::invalid_argument);
  }
  CHECK_THROWS_AS(sl::nn::dropout(x, 1.0), sl::invalid_argument);
}
