// The gradients of while_loop and the scans (issue 16): checked against
// central differences in double precision and against closed forms; loop
// variables, captured tensors and variables; data-dependent iteration counts,
// maximum_iterations, nested loops, cond inside a loop, scan / map_fn / foldl /
// foldr, training through a loop, long loops and RunOptions::timeout.
#include "numeric_grad.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace sl = sessionlib;
using numeric_grad::check;
using numeric_grad::values;

TEST_CASE("while_loop's gradient: x^k by repeated multiply, w.r.t. the initial value, a captured tensor and weight") {
  sl::Graph g;
  auto p0 = sl::placeholder<double, sl::shape<3>>(g, "p0");
  auto x = sl::placeholder<double, sl::shape<3>>(g, "x");
  auto w = sl::placeholder<double, sl::shape<>>(g, "w");
  auto [i, p] = sl::while_loop([](auto i, auto) { return i < 4; },
                               [&](auto i, auto p) { return std::tuple{i + 1, p * x * w}; },
                               std::tuple{sl::constant(g, 0), p0});
  auto [dp0, dx, dw] = sl::gradients(p, std::tuple{p0, x, w});
  static_assert(std::is_same_v<decltype(dx), sl::Tensor<double, sl::shape<3>>>);
  static_assert(std::is_same_v<decltype(dw), sl::Tensor<double, sl::shape<>>>);
  sl::Session sess(g);
  const xt::xtensor<double, 1> xv{0.5, -1.5, 2.0}, pv{1.0, 2.0, -1.0};
  const double wv = 0.75;
  auto [gp0, gx, gw] = sess.run(std::tuple{dp0, dx, dw}, {{p0, pv}, {x, xv}, {w, wv}});
  REQUIRE(gx.shape(0) == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    const double w4 = std::pow(wv, 4);
    CHECK(gp0(k) == doctest::Approx(w4 * std::pow(xv(k), 4)));
    CHECK(gx(k) == doctest::Approx(pv(k) * w4 * 4 * std::pow(xv(k), 3)));
  }
  double sw = 0;
  for (std::size_t k = 0; k < 3; ++k) sw += pv(k) * std::pow(xv(k), 4) * 4 * std::pow(wv, 3);
  CHECK(gw == doctest::Approx(sw));
  check(sess, p, p0, pv, {{x, xv}, {w, wv}});
  check(sess, p, x, xv, {{p0, pv}, {w, wv}});
  check(sess, p, w, wv, {{p0, pv}, {x, xv}});
  // The integer counter gets no gradient (TF: None): only floating variables flow.
  auto counted = sl::gradients(p + sl::cast<double>(i), x);
  CHECK(sess.run(counted, {{p0, pv}, {x, xv}, {w, wv}}) == sess.run(dx, {{p0, pv}, {x, xv}, {w, wv}}));
}

TEST_CASE("while_loop's gradient: an iteration count that depends on the data, and maximum_iterations") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<>>(g, "x");
  auto a = sl::placeholder<double, sl::shape<2>>(g, "a");
  // s doubles (plus x) until it passes 100: how many times depends on x.
  auto [s, v] = sl::while_loop([](auto s, auto) { return s < 100.0; },
                               [&](auto s, auto v) { return std::tuple{s * 2.0 + x, sl::sin(v) * x + a}; },
                               std::tuple{x, a});
  sl::Session sess(g);
  for (double xv : {1.3, 7.1, 30.5}) {
    INFO("x = " << xv);
    check(sess, s, x, xv, {{a, xt::xtensor<double, 1>{0.3, -0.2}}});
    check(sess, v, x, xv, {{a, xt::xtensor<double, 1>{0.3, -0.2}}});
    check(sess, v, a, values({2}), {{x, xv}});
  }
  // From s0 = x, n iterations give s = (2^(n+1) - 1) x: 7.1 -> 21.3 -> 49.7 -> 106.5 is n = 3, 1.3 is n = 6.
  auto ds = sl::gradients(s, x);
  CHECK(sess.run(ds, {{x, 7.1}, {a, xt::xtensor<double, 1>{0.3, -0.2}}}) == doctest::Approx(15.0));
  CHECK(sess.run(ds, {{x, 1.3}, {a, xt::xtensor<double, 1>{0.3, -0.2}}}) == doctest::Approx(127.0));

  // maximum_iterations stops a loop whose condition always holds.
  auto [j, q] = sl::while_loop([](auto j, auto) { return j >= 0; },
                               [&](auto j, auto q) { return std::tuple{j + 1, q * a + x}; },
                               std::tuple{sl::constant(g, 0), a}, {.maximum_iterations = 5});
  auto dq = sl::gradients(q, a);
  // With x = 0, five iterations from q0 = a give q = a^6.
  const auto got = sess.run(dq, {{x, 0.0}, {a, xt::xtensor<double, 1>{0.5, 2.0}}});
  CHECK(got(0) == doctest::Approx(6 * std::pow(0.5, 5)));
  CHECK(got(1) == doctest::Approx(6 * std::pow(2.0, 5)));
  check(sess, q, a, values({2}), {{x, 0.25}});
  check(sess, q, x, 0.25, {{a, values({2})}});
}

TEST_CASE("scan's gradient: a cumulative product w.r.t. elems and the initializer") {
  sl::Graph g;
  auto xs = sl::placeholder<double, sl::shape<4, 2>>(g, "xs");
  auto c0 = sl::placeholder<double, sl::shape<2>>(g, "c0");
  auto prods = sl::scan([](auto acc, auto x) { return acc * x; }, xs, c0);
  static_assert(std::is_same_v<decltype(prods), sl::Tensor<double, sl::shape<4, 2>>>);
  auto [dxs, dc0] = sl::gradients(prods, std::tuple{xs, c0});
  static_assert(std::is_same_v<decltype(dxs), sl::Tensor<double, sl::shape<4, 2>>>);
  sl::Session sess(g);
  const xt::xtensor<double, 2> xv{{1.0, 2.0}, {3.0, -1.0}, {0.5, 2.0}, {2.0, 1.5}};
  const xt::xtensor<double, 1> cv{1.0, 1.0};
  auto [gx, gc] = sess.run(std::tuple{dxs, dc0}, {{xs, xv}, {c0, cv}});
  REQUIRE(gx.shape(0) == 4);
  // Column 0: products 1, 3, 1.5, 3: d(sum)/dx_0 = 1 + 3 + 1.5 + 3 = 8.5 (each product over x_0).
  CHECK(gx(0, 0) == doctest::Approx(8.5));
  CHECK(gx(3, 0) == doctest::Approx(1.5));
  CHECK(gc(0) == doctest::Approx(1 + 3 + 1.5 + 3));
  check(sess, prods, xs, xv, {{c0, cv}});
  check(sess, prods, c0, values({2}), {{xs, xv}});
}

TEST_CASE("scan's gradient: an RNN-like scan h = tanh(h W + x_t) w.r.t. W, h0 and xs") {
  sl::Graph g;
  auto xs = sl::placeholder<double, sl::shape<5, 1, 3>>(g, "xs");
  auto h0 = sl::placeholder<double, sl::shape<1, 3>>(g, "h0");
  auto w = sl::placeholder<double, sl::shape<3, 3>>(g, "W");
  auto hs = sl::scan([&](auto h, auto x) { return sl::tanh(sl::matmul(h, w) + x); }, xs, h0);
  auto loss = sl::reduce_sum(hs * hs) + sl::reduce_sum(hs);
  sl::Session sess(g);
  const auto xv = values({5, 1, 3}, -1, 1, 3), hv = values({1, 3}, -1, 1, 4), wv = values({3, 3}, -0.8, 0.8, 5);
  check(sess, loss, w, wv, {{xs, xv}, {h0, hv}});
  check(sess, loss, h0, hv, {{xs, xv}, {w, wv}});
  check(sess, loss, xs, xv, {{h0, hv}, {w, wv}});
  auto dw = sl::gradients(loss, w);
  static_assert(std::is_same_v<decltype(dw), sl::Tensor<double, sl::shape<3, 3>>>);
  CHECK(sess.run(dw, {{xs, xv}, {h0, hv}, {w, wv}}).shape() == std::array<std::size_t, 2>{3, 3});
}

TEST_CASE("foldl, foldr and map_fn's gradients") {
  sl::Graph g;
  auto xs = sl::placeholder<double, sl::shape<4, 2>>(g, "xs");
  auto a0 = sl::placeholder<double, sl::shape<2>>(g, "a0");
  auto w = sl::placeholder<double, sl::shape<>>(g, "w");
  // Order matters for both folds: a * w + sin(x) * a.
  auto left = sl::foldl([&](auto a, auto x) { return a * w + sl::sin(x) * a + x; }, xs, a0);
  auto right = sl::foldr([&](auto a, auto x) { return a * w + sl::sin(x) * a + x; }, xs, a0);
  auto squares = sl::map_fn([&](auto x) { return x * x * w; }, xs);
  static_assert(std::is_same_v<decltype(squares), sl::Tensor<double, sl::shape<4, 2>>>);
  sl::Session sess(g);
  const auto xv = values({4, 2}, -1, 1, 6), av = values({2}, -1, 1, 7);
  const double wv = 0.9;
  for (const auto* fold : {&left, &right}) {
    check(sess, *fold, xs, xv, {{a0, av}, {w, wv}});
    check(sess, *fold, a0, av, {{xs, xv}, {w, wv}});
    check(sess, *fold, w, wv, {{xs, xv}, {a0, av}});
  }
  CHECK(sess.run(sl::gradients(left, xs), {{xs, xv}, {a0, av}, {w, wv}}) !=
        sess.run(sl::gradients(right, xs), {{xs, xv}, {a0, av}, {w, wv}}));
  check(sess, squares, xs, xv, {{w, wv}});
  check(sess, squares, w, wv, {{xs, xv}});
  const auto dsq = sess.run(sl::gradients(squares, xs), {{xs, xv}, {w, wv}});
  CHECK(xt::allclose(dsq, 2.0 * wv * xv));
}

TEST_CASE("while_loop's gradient through a nested loop, scans inside a loop and a cond inside a loop") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<2>>(g, "x");
  auto w = sl::placeholder<double, sl::shape<>>(g, "w");
  // Three outer iterations, each running an inner loop of two that reads the outer variable and w.
  auto [i, acc] = sl::while_loop(
      [](auto i, auto) { return i < 3; },
      [&](auto i, auto acc) {
        auto [j, inner] = sl::while_loop([](auto j, auto) { return j < 2; },
                                         [&](auto j, auto v) { return std::tuple{j + 1, sl::sin(v) * w + acc * 0.5}; },
                                         std::tuple{sl::constant(g, 0), acc * x});
        return std::tuple{i + 1, inner + x};
      },
      std::tuple{sl::constant(g, 0), x});
  sl::Session sess(g);
  const xt::xtensor<double, 1> xv{0.4, -0.7};
  check(sess, acc, x, xv, {{w, 0.8}});
  check(sess, acc, w, 0.8, {{x, xv}});

  // A map_fn and a foldl inside the loop: a Scan's gradient inside the loop's.
  auto ys = sl::placeholder<double, sl::shape<3, 2>>(g, "ys");
  auto [m, r] = sl::while_loop(
      [](auto m, auto) { return m < 3; },
      [&](auto m, auto r) {
        auto scaled = sl::map_fn([&](auto y) { return y * r * w; }, ys);
        auto folded = sl::foldl([&](auto a, auto y) { return sl::tanh(a + y); }, scaled, r);
        return std::tuple{m + 1, folded};
      },
      std::tuple{sl::constant(g, 0), x});
  const auto yv = values({3, 2}, -1, 1, 8);
  check(sess, r, x, xv, {{w, 0.8}, {ys, yv}});
  check(sess, r, w, 0.8, {{x, xv}, {ys, yv}});
  check(sess, r, ys, yv, {{x, xv}, {w, 0.8}});

  // A cond inside the loop: the gradient follows the branch each iteration took.
  auto [k, s] = sl::while_loop(
      [](auto k, auto) { return k < 6; },
      [&](auto k, auto s) {
        auto next = sl::cond(sl::reduce_sum(s) > 0.0, [&] { return s * w - x; }, [&] { return sl::exp(s) + x * w; });
        return std::tuple{k + 1, next};
      },
      std::tuple{sl::constant(g, 0), x});
  for (double wv : {0.8, -1.3}) {
    INFO("w = " << wv);
    check(sess, s, x, xv, {{w, wv}});
    check(sess, s, w, wv, {{x, xv}});
  }
}

TEST_CASE("GradientDescentOptimizer::minimize trains a variable the loop body reads") {
  sl::Graph g;
  sl::Variable<double, sl::shape<2>> w(g, xt::xtensor<double, 1>{0.2, -0.1}, "w");
  auto x = sl::constant(g, xt::xtensor<double, 1>{1.0, 0.5});
  auto target = sl::constant(g, xt::xtensor<double, 1>{0.3, -0.6});
  // Four steps of v = tanh(v * w + x): the loss wants the last v at target.
  auto [i, v] = sl::while_loop([](auto i, auto) { return i < 4; },
                               [&](auto i, auto v) { return std::tuple{i + 1, sl::tanh(v * w + x)}; },
                               std::tuple{sl::constant(g, 0), x});
  auto loss = sl::reduce_sum((v - target) * (v - target));
  auto train = sl::train::GradientDescentOptimizer(0.5).minimize(loss);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const double first = sess.run(loss);
  double last = first;
  for (int step = 0; step < 50; ++step) {
    sess.run(train);
    const double now = sess.run(loss);
    CHECK(now <= last + 1e-12);
    last = now;
  }
  // Plain gradient descent on the same function with central differences (Python, 50 steps) ends here.
  CHECK(first == doctest::Approx(1.3294198696));
  CHECK(last == doctest::Approx(0.9270717827).epsilon(1e-6));
  const auto wv = sess.run(w.value());
  CHECK(wv(0) == doctest::Approx(-0.7287552775).epsilon(1e-6));
  CHECK(wv(1) == doctest::Approx(-0.6364590739).epsilon(1e-6));
}

TEST_CASE("while_loop's gradient over 1000 iterations, and RunOptions::timeout stops a long gradient loop") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<>>(g, "x");
  auto n = sl::placeholder<int, sl::shape<>>(g, "n");
  // p = x^n by n multiplications: dp/dx = n x^(n-1).
  auto [i, p] = sl::while_loop([&](auto i, auto) { return i < n; },
                               [&](auto i, auto p) { return std::tuple{i + 1, p * x}; },
                               std::tuple{sl::constant(g, 0), sl::constant(g, 1.0)});
  auto dx = sl::gradients(p, x);
  sl::Session sess(g);
  CHECK(sess.run(dx, {{x, 1.0005}, {n, 1000}}) == doctest::Approx(1000 * std::pow(1.0005, 999)));
  CHECK(sess.run(dx, {{x, 1.0005}, {n, 0}}) == 0.0);  // no iteration: p = 1 does not depend on x
  // Fed the gradient of p, only the gradient's own loop runs: its deadline stops it.
  auto dp = sl::placeholder<double, sl::shape<>>(g, "dp");
  auto dx_fed = sl::gradients(p, x, dp);
  sl::RunOptions opts;
  opts.timeout = std::chrono::milliseconds(50);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    sess.run(dx_fed, {{x, 1.0}, {n, 2000000000}, {dp, 1.0}}, opts);
    FAIL("a loop of 2e9 iterations returned");
  } catch (const sl::deadline_exceeded& e) {
    CHECK(std::string(e.what()).find("Timed out waiting for the run to finish") != std::string::npos);
    CHECK(std::string(e.what()).find("WhileGrad") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("a loop body with a stateful op has no gradient yet, and says so") {
  sl::Graph g;
  auto x = sl::placeholder<double, sl::shape<>>(g, "x");
  auto [i, s] = sl::while_loop([](auto i, auto) { return i < 3; },
                               [&](auto i, auto s) {
                                 return std::tuple{i + 1, s * x + sl::random_uniform<double, sl::shape<>>(g)};
                               },
                               std::tuple{sl::constant(g, 0), x});
  CHECK_THROWS_WITH_AS(sl::gradients(s, x), doctest::Contains("stateful op"), sl::unimplemented);
}

TEST_CASE("while_loop's gradient in float, a variable the loss does not read, and runs from several threads at once") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<2>>(g, "x");
  auto k = sl::placeholder<int, sl::shape<>>(g, "k");
  // p = x^(k+1) and q = 3^k x: the loss reads only p.
  auto [i, p, q] = sl::while_loop([&](auto i, auto, auto) { return i < k; },
                                  [&](auto i, auto p, auto q) { return std::tuple{i + 1, p * x, q * 3.f}; },
                                  std::tuple{sl::constant(g, 0), x, x});
  auto [dp, dq] = sl::gradients(sl::reduce_sum(p), std::tuple{x, q});
  static_assert(std::is_same_v<decltype(dp), sl::Tensor<float, sl::shape<2>>>);
  sl::Session sess(g);
  const xt::xtensor<float, 1> xv{1.5f, -0.5f};
  auto [gp, gq] = sess.run(std::tuple{dp, dq}, {{x, xv}, {k, 3}});
  static_assert(std::is_same_v<decltype(gp), xt::xtensor<float, 1>>);
  CHECK(gp(0) == doctest::Approx(4 * std::pow(1.5, 3)));
  CHECK(gp(1) == doctest::Approx(4 * std::pow(-0.5, 3)));
  CHECK(gq == xt::xtensor<float, 1>{0.f, 0.f});  // q is the loop's output, which the loss does not read
  // Each thread its own k: the runs' stacks are separate.
  const auto dx = dp;  // a lambda cannot capture a structured binding (clang)
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 25; ++r) {
        const int kt = 2 + t * 3 + r % 2;
        const auto got = sess.run(dx, {{x, xv}, {k, kt}});
        const double want = (kt + 1) * std::pow(1.5, kt);
        if (std::abs(got(0) - want) > 1e-4 * want) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
}
