// cond, while_loop, scan, map_fn, foldl and foldr (issue 16): values against
// plain C++ loops, only the taken branch runs, captured values and variables,
// nested loops, maximum_iterations, RunOptions::timeout, the result types, and
// what cannot be fetched or read from outside a body.
#include <sessionlib/sessionlib.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace sl = sessionlib;

TEST_CASE("cond runs the branch its fed predicate selects") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto a = sl::placeholder<float, sl::shape<3>>(g, "a");
  auto r = sl::cond(p, [&] { return a * 2.f; }, [&] { return a - 1.f; });
  static_assert(std::is_same_v<decltype(r), sl::Tensor<float, sl::shape<3>>>);
  CHECK(g.at(r.id()).op == "If");
  CHECK(r.name() == "cond/If:0");
  sl::Session sess(g);
  const xt::xtensor<float, 1> av{1, 2, 3};
  CHECK(sess.run(r, {{p, true}, {a, av}}) == xt::xtensor<float, 1>{2, 4, 6});
  CHECK(sess.run(r, {{p, false}, {a, av}}) == xt::xtensor<float, 1>{0, 1, 2});
  CHECK(sess.run(r, {{p, true}, {a, av}}) == xt::xtensor<float, 1>{2, 4, 6});
}

TEST_CASE("cond: tuples of results, dyn from either side, a branch returning a captured value") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  auto y = sl::placeholder<float, sl::shape<4, 2>>(g, "y");
  auto k = sl::constant(g, 7);
  auto [m, n] = sl::cond(p, [&] { return std::tuple{x, k + 1}; }, [&] { return std::tuple{y * 3.f, k}; });
  static_assert(std::is_same_v<decltype(m), sl::Tensor<float, sl::shape<sl::dyn, 2>>>);
  static_assert(std::is_same_v<decltype(n), sl::Tensor<int, sl::shape<>>>);
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv{{1, 2}};
  const xt::xtensor<float, 2> yv = xt::ones<float>({4, 2});
  auto [m1, n1] = sess.run(std::tuple{m, n}, {{p, true}, {x, xv}, {y, yv}});
  CHECK(m1 == xv);
  CHECK(n1 == 8);
  auto [m2, n2] = sess.run(std::tuple{m, n}, {{p, false}, {x, xv}, {y, yv}});
  CHECK(m2 == yv * 3.f);
  CHECK(n2 == 7);
}

TEST_CASE("cond: the branch not taken does not run (its assign_add leaves the variable alone)") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  sl::Variable<int, sl::shape<>> hits_true(g, 0, "hits_true"), hits_false(g, 0, "hits_false");
  auto r = sl::cond(p, [&] { return hits_true.assign_add(1); }, [&] { return hits_false.assign_add(10); });
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(r, {{p, true}}) == 1);
  CHECK(sess.run(r, {{p, true}}) == 2);
  CHECK(sess.run(r, {{p, false}}) == 10);
  CHECK(sess.run(hits_true) == 2);
  CHECK(sess.run(hits_false) == 10);
}

TEST_CASE("while_loop: i < 10, acc *= 2, as a plain loop") {
  sl::Graph g;
  auto i0 = sl::constant(g, 0);
  auto acc0 = sl::placeholder<float, sl::shape<>>(g, "acc0");
  auto [i, acc] = sl::while_loop([](auto i, auto) { return i < 10; },
                                 [](auto i, auto acc) { return std::tuple{i + 1, acc * 2.f}; }, std::tuple{i0, acc0});
  static_assert(std::is_same_v<decltype(i), sl::Tensor<int, sl::shape<>>>);
  static_assert(std::is_same_v<decltype(acc), sl::Tensor<float, sl::shape<>>>);
  CHECK(g.at(i.id()).op == "While");
  sl::Session sess(g);
  float expected = 1.5f;
  int n = 0;
  while (n < 10) { ++n; expected *= 2.f; }
  auto [iv, av] = sess.run(std::tuple{i, acc}, {{acc0, 1.5f}});
  CHECK(iv == n);
  CHECK(av == expected);
  CHECK(sess.run(acc, {{acc0, -1.f}}) == -1024.f);
}

TEST_CASE("while_loop: Fibonacci, a captured bound, and a tensor variable") {
  sl::Graph g;
  auto count = sl::placeholder<std::int64_t, sl::shape<>>(g, "count");
  auto one = sl::constant(g, std::int64_t{1});
  auto zero = sl::constant(g, std::int64_t{0});
  auto [k, a, b] = sl::while_loop([&](auto k, auto, auto) { return k < count; },
                                  [&](auto k, auto a, auto b) { return std::tuple{k + one, b, a + b}; },
                                  std::tuple{zero, zero, one});
  sl::Session sess(g);
  for (std::int64_t c : {0, 1, 2, 10, 50}) {
    std::int64_t fa = 0, fb = 1;
    for (std::int64_t j = 0; j < c; ++j) { const std::int64_t t = fa + fb; fa = fb; fb = t; }
    auto [kv, av, bv] = sess.run(std::tuple{k, a, b}, {{count, c}});
    CHECK(kv == c);
    CHECK(av == fa);
    CHECK(bv == fb);
  }
  // A vector variable: v = v * 2 + 1, three times.
  auto v0 = sl::placeholder<float, sl::shape<4>>(g, "v0");
  auto [j, v] = sl::while_loop([](auto j, auto) { return j < 3; },
                               [](auto j, auto v) { return std::tuple{j + 1, v * 2.f + 1.f}; },
                               std::tuple{sl::constant(g, 0), v0});
  const xt::xtensor<float, 1> v0v{0, 1, 2, 3};
  xt::xtensor<float, 1> ref = v0v;
  for (int t = 0; t < 3; ++t) ref = ref * 2.f + 1.f;
  CHECK(sess.run(v, {{v0, v0v}}) == ref);
  CHECK(sess.run(j, {{v0, v0v}}) == 3);
}

TEST_CASE("while_loop: a dyn dimension may grow; maximum_iterations stops the loop") {
  sl::Graph g;
  auto s0 = sl::placeholder<float, sl::shape<sl::dyn>>(g, "s0");
  auto [i, s] = sl::while_loop([](auto i, auto) { return i < 4; },
                               [](auto i, auto s) { return std::tuple{i + 1, sl::concat<0>(s, s)}; },
                               std::tuple{sl::constant(g, 0), s0});
  sl::Session sess(g);
  CHECK(sess.run(s, {{s0, xt::xtensor<float, 1>{1, 2}}}).size() == 32);
  auto [c, r] = sl::while_loop([](auto c, auto) { return c < 1000; },
                               [](auto c, auto r) { return std::tuple{c + 1, r + 2}; },
                               std::tuple{sl::constant(g, 0), sl::constant(g, 5)}, {.maximum_iterations = 7});
  auto [cv, rv] = sess.run(std::tuple{c, r});
  CHECK(cv == 7);
  CHECK(rv == 19);
}

namespace {
/// total = sum over i < n of sum over j < i of (i * j): a while_loop named
/// "outer" whose body runs one named "inner" (which captures the outer body's i).
sl::Tensor<int, sl::shape<>> nested_sum(sl::Graph& g, const sl::Tensor<int, sl::shape<>>& n) {
  auto [i, total] = sl::while_loop(
      [&](auto i, auto) { return i < n; },
      [&](auto i, auto total) {
        auto [j, inner] = sl::while_loop([&](auto j, auto) { return j < i; },
                                         [&](auto j, auto s) { return std::tuple{j + 1, s + i * j}; },
                                         std::tuple{sl::constant(g, 0), sl::constant(g, 0)}, {}, "inner");
        return std::tuple{i + 1, total + inner};
      },
      std::tuple{sl::constant(g, 0), sl::constant(g, 0)}, {}, "outer");
  return total;
}
}  // namespace

TEST_CASE("while_loop: nested loops (an inner loop captures the outer body's values)") {
  sl::Graph g;
  auto n = sl::placeholder<int, sl::shape<>>(g, "n");
  auto total = nested_sum(g, n);
  sl::Session sess(g);
  for (int nv : {0, 1, 5, 12}) {
    int ref = 0;
    for (int a = 0; a < nv; ++a)
      for (int b = 0; b < a; ++b) ref += a * b;
    CHECK(sess.run(total, {{n, nv}}) == ref);
  }
}

TEST_CASE("while_loop: RunOptions::timeout stops an endless loop with TF's deadline error") {
  sl::Graph g;
  auto [i] = sl::while_loop([](auto i) { return i >= 0; }, [](auto i) { return i * 1; }, std::tuple{sl::constant(g, 0)});
  sl::Session sess(g);
  sl::RunOptions opts;
  opts.timeout = std::chrono::milliseconds(50);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    sess.run(i, {}, opts);
    FAIL("an endless loop returned");
  } catch (const sl::deadline_exceeded& e) {
    CHECK(std::string(e.what()).find("Timed out waiting for the run to finish") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("a body's tensors are not fetchable and not readable from outside") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto a = sl::constant(g, 2.f);
  sl::Tensor<float, sl::shape<>> inner;
  auto r = sl::cond(p, [&] { return inner = a * 3.f; }, [&] { return a; });
  sl::Session sess(g);
  CHECK(sess.run(r, {{p, true}}) == 6.f);
  CHECK_THROWS_WITH_AS(sess.run(inner, {{p, true}}),
                       doctest::Contains("Operation 'cond/then/mul' has been marked as not fetchable"),
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(inner + 1.f, doctest::Contains("Cannot use 'cond/then/mul' as input to"), sl::invalid_argument);
}

TEST_CASE("scan: a cumulative sum as std::partial_sum; map_fn; foldl and foldr") {
  sl::Graph g;
  auto xs = sl::placeholder<float, sl::shape<sl::dyn>>(g, "xs");
  auto sums = sl::scan([](auto acc, auto x) { return acc + x; }, xs, sl::constant(g, 0.f));
  static_assert(std::is_same_v<decltype(sums), sl::Tensor<float, sl::shape<sl::dyn>>>);
  auto rows = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "rows");
  auto norms = sl::map_fn([](auto row) { return sl::reduce_sum<0>(row * row); }, rows);
  static_assert(std::is_same_v<decltype(norms), sl::Tensor<float, sl::shape<sl::dyn>>>);
  auto left = sl::foldl([](auto acc, auto x) { return acc * 10.f + x; }, xs, sl::constant(g, 0.f));
  auto right = sl::foldr([](auto acc, auto x) { return acc * 10.f + x; }, xs, sl::constant(g, 0.f));
  auto running = sl::scan([](auto acc, auto row) { return acc + row; }, rows, sl::constant(g, {0.f, 0.f, 0.f}));
  static_assert(std::is_same_v<decltype(running), sl::Tensor<float, sl::shape<sl::dyn, 3>>>);
  sl::Session sess(g);
  xt::xtensor<float, 1> xv = xt::arange<float>(1.f, 8.f);
  xt::xtensor<float, 1> ref = xt::zeros<float>({xv.size()});
  std::partial_sum(xv.begin(), xv.end(), ref.begin());
  CHECK(sess.run(sums, {{xs, xv}}) == ref);
  const xt::xtensor<float, 2> rv{{1, 2, 2}, {3, 0, 4}};
  CHECK(sess.run(norms, {{rows, rv}}) == xt::xtensor<float, 1>{9, 25});
  CHECK(sess.run(running, {{rows, rv}}) == xt::xtensor<float, 2>{{1, 2, 2}, {4, 2, 6}});
  const xt::xtensor<float, 1> d{1, 2, 3};
  CHECK(sess.run(left, {{xs, d}}) == 123.f);
  CHECK(sess.run(right, {{xs, d}}) == 321.f);
  CHECK(sess.run(sums, {{xs, xt::xtensor<float, 1>::from_shape({0})}}).size() == 0);
  CHECK(sess.run(left, {{xs, xt::xtensor<float, 1>::from_shape({0})}}) == 0.f);
}

TEST_CASE("a while_loop body's tensors are not fetchable; a control input from outside a body is refused") {
  sl::Graph g;
  sl::Tensor<int, sl::shape<>> step;
  auto [i] = sl::while_loop([](auto i) { return i < 3; }, [&](auto i) { return step = i + 1; },
                            std::tuple{sl::constant(g, 0)});
  sl::Session sess(g);
  CHECK(sess.run(i) == 3);
  CHECK_THROWS_WITH_AS(sess.run(step), doctest::Contains("Operation 'while/body/add' has been marked as not fetchable"),
                       sl::invalid_argument);
  auto outside = sl::no_op(g, "outside");
  CHECK_THROWS_WITH_AS(sl::cond(sl::constant(g, true),
                                [&] {
                                  auto deps = sl::control_dependencies(g, {outside});
                                  return sl::constant(g, 1);
                                },
                                [&] { return sl::constant(g, 2); }),
                       doctest::Contains("has a control input 'outside' from another cond or while_loop body"),
                       sl::unimplemented);
}

TEST_CASE("while_loop: a stateful op in the body runs once per iteration; a captured variable is read once, before") {
  sl::Graph g;
  sl::Variable<int, sl::shape<>> count(g, 0, "count");
  auto start = sl::identity(count);
  auto [i, seen] = sl::while_loop([](auto i, auto) { return i < 5; },
                                  [&](auto i, auto) { return std::tuple{i + 1, count.assign_add(1)}; },
                                  std::tuple{sl::constant(g, 0), start});
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(seen) == 5);
  CHECK(sess.run(seen) == 10);
  CHECK(sess.run(count) == 10);
}

TEST_CASE("map_fn: results of different shapes for different elements are an error naming the element") {
  sl::Graph g;
  auto times = sl::placeholder<int, sl::shape<sl::dyn>>(g, "times");
  auto s0 = sl::placeholder<float, sl::shape<sl::dyn>>(g, "s0");
  auto grown = sl::map_fn(
      [&](auto t) {
        auto [k, s] = sl::while_loop([&](auto k, auto) { return k < t; },
                                     [](auto k, auto s) { return std::tuple{k + 1, sl::concat<0>(s, s)}; },
                                     std::tuple{sl::constant(g, 0), s0});
        return s;
      },
      times);
  static_assert(std::is_same_v<decltype(grown), sl::Tensor<float, sl::shape<sl::dyn, sl::dyn>>>);
  sl::Session sess(g);
  const xt::xtensor<float, 1> one{1};
  CHECK(sess.run(grown, {{times, xt::xtensor<int, 1>{2, 2}}, {s0, one}}) == xt::ones<float>({2, 4}));
  CHECK_THROWS_WITH_AS(sess.run(grown, {{times, xt::xtensor<int, 1>{1, 2}}, {s0, one}}),
                       doctest::Contains("scan: fn returned shape (4,) for element 1 but (2,) for the first"),
                       sl::invalid_argument);
}

TEST_CASE("while_loop: runs from several threads share the session's body plans") {
  sl::Graph g;
  auto n = sl::placeholder<int, sl::shape<>>(g, "n");
  // Not a structured binding: clang 14 cannot capture one in a lambda.
  const auto acc = std::get<1>(sl::while_loop([&](auto i, auto) { return i < n; },
                                              [](auto i, auto acc) { return std::tuple{i + 1, acc + i}; },
                                              std::tuple{sl::constant(g, 0), sl::constant(g, 0)}));
  sl::Session sess(g);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 50; ++r) {
        const int nv = t * 10 + r;
        if (sess.run(acc, {{n, nv}}) != nv * (nv - 1) / 2) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_CASE("case_: the first pair whose predicate holds, else the default; only that one runs") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  sl::Variable<int, sl::shape<>> runs(g, 0, "runs");
  auto r = sl::case_(std::tuple{std::pair{x < 0.f, [&] { return -x; }},
                                std::pair{x < 10.f, [&] { return x * 2.f; }}},
                     [&] { return sl::cast<float>(runs.assign_add(1)); });
  static_assert(std::is_same_v<decltype(r), sl::Tensor<float, sl::shape<>>>);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  CHECK(sess.run(r, {{x, -3.f}}) == 3.f);
  CHECK(sess.run(r, {{x, 4.f}}) == 8.f);
  CHECK(sess.run(runs) == 0);
  CHECK(sess.run(r, {{x, 40.f}}) == 1.f);
  CHECK(sess.run(r, {{x, 40.f}}) == 2.f);
  CHECK(sess.run(r, {{x, -1.f}}) == 1.f);
}

TEST_CASE("a traced run shows every iteration of a loop's body, nested loops' with their own iterations") {
  sl::Graph g;
  auto n = sl::placeholder<int, sl::shape<>>(g, "n");
  auto total = nested_sum(g, n);
  sl::Session sess(g);
  sl::RunOptions traced;
  traced.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  CHECK(sess.run(total, {{n, 4}}, traced, &md) == 0 * 0 + (1 * 0) + (2 * 0 + 2 * 1) + (3 * 0 + 3 * 1 + 3 * 2));
  const sl::NodeExecStats* outer = nullptr;
  std::vector<std::int64_t> inner_iterations, outer_body_iterations;
  for (const auto& s : md.step_stats) {
    CHECK(s.start_us <= s.end_us);
    if (s.op == "While" && s.iteration == -1) outer = &s;
    if (s.node_name == "outer/body/inner/body/add") inner_iterations.push_back(s.iteration);  // the inner body's j + 1
    if (s.op == "While" && s.iteration >= 0) outer_body_iterations.push_back(s.iteration);  // the inner loop node
  }
  REQUIRE(outer != nullptr);
  CHECK(outer->node_name == "outer/While");
  // The inner loop runs once per outer iteration; its body's j + 1 once per inner iteration.
  CHECK(outer_body_iterations == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(inner_iterations == std::vector<std::int64_t>{0, 0, 1, 0, 1, 2});
  for (const auto& s : md.step_stats)
    if (s.iteration >= 0) {
      CHECK(s.start_us >= outer->start_us);
      CHECK(s.end_us <= outer->end_us);
    }
  const std::string path = (std::filesystem::temp_directory_path() / "sl_trace_iterations.json").string();
  md.write_chrome_trace(path);
  std::ifstream f(path);
  const std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  CHECK(json.find("\"name\": \"outer/body/inner/body/add\", \"cat\": \"op\"") != std::string::npos);
  CHECK(json.find("\"iteration\": 2}") != std::string::npos);
  CHECK(json.find("\"name\": \"outer/While\"") != std::string::npos);
  // Untraced, the same run records nothing and gives the same value.
  sl::RunMetadata none;
  CHECK(sess.run(total, {{n, 4}}, {}, &none) == 11);
  CHECK(none.step_stats.empty());
}

namespace {
/// Loop variables by name (TF's namedtuple loop_vars).
struct fib_state {
  sl::Tensor<int, sl::shape<>> i;
  sl::Tensor<double, sl::shape<>> a, b;
  sl::Tensor<double, sl::shape<sl::dyn>> seen;  // grows by one element per iteration
};
}  // namespace

TEST_CASE("while_loop: a struct of tensors as the loop variables, as a plain loop") {
  sl::Graph g;
  auto n = sl::placeholder<int, sl::shape<>>(g, "n");
  const fib_state s0{sl::constant(g, 0), sl::constant(g, 0.0), sl::constant(g, 1.0),
                     sl::constant(g, xt::xtensor<double, 1>{0.0})};
  const fib_state out = sl::while_loop(
      [&](const fib_state& s) { return s.i < n; },
      [](const fib_state& s) {
        return fib_state{s.i + 1, s.b, s.a + s.b, sl::concat<0>(s.seen, sl::reshape<sl::shape<1>>(s.b))};
      },
      s0, {}, "fib");
  static_assert(std::is_same_v<decltype(out.seen), sl::Tensor<double, sl::shape<sl::dyn>>>);
  sl::Session sess(g);
  for (int nv : {0, 1, 7}) {
    double a = 0, b = 1;
    std::vector<double> seen{0.0};
    for (int k = 0; k < nv; ++k) {
      seen.push_back(b);
      const double next = a + b;
      a = b;
      b = next;
    }
    const auto [i, av, bv, sv] = sess.run(std::tuple{out.i, out.a, out.b, out.seen}, {{n, nv}});
    CHECK(i == nv);
    CHECK(av == a);
    CHECK(bv == b);
    REQUIRE(sv.size() == seen.size());
    for (std::size_t k = 0; k < seen.size(); ++k) CHECK(sv(k) == seen[k]);
  }
  // The struct itself is a fetch: its fields come back in order.
  const auto all = sess.run(out, {{n, 3}});
  CHECK(std::get<0>(all) == 3);
  CHECK(std::get<2>(all) == 3.0);
}
