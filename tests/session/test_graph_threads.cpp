// Graph building from many threads (issue 11), as TF allows it: name scopes and
// control-dependency scopes are per graph and per thread; a node is complete
// before another thread can see it (variables read by a concurrent
// global_variables_initializer, gradients built side by side); sessions are
// created, run and closed while the graph grows; and a default-session or
// default-graph guard released out of order removes exactly its own entry.
// CI runs this executable under ThreadSanitizer (suite 'concurrency').
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/random.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/train/gradients.hpp>

#include "session_test.hpp"

namespace {
// Runs f(t) in n threads; an exception in a thread is counted and its message
// shown, instead of ending the test program.
std::atomic<int> thrown{0};

template <class F>
std::thread guarded_thread(std::string what, F f) {
  return std::thread([what = std::move(what), f = std::move(f)]() mutable {
    try {
      f();
    } catch (const std::exception& e) {
      if (thrown++ == 0) MESSAGE(what << " threw: " << e.what());
    }
  });
}

template <class F>
void in_threads(int n, F&& f) {
  std::vector<std::thread> ts;
  for (int t = 0; t < n; ++t) ts.push_back(guarded_thread("thread " + std::to_string(t), [&f, t] { f(t); }));
  for (auto& t : ts) t.join();
}

// An initializer that, while its variable is being built, has another thread
// take global_variables_initializer(g) and run it: the window in which a
// half-built variable used to be listed (its initializer missing).
struct meanwhile_initializer : sl::init::initializer_tag {
  using value_type = float;
  std::function<void(sl::Graph&)> meanwhile;
  template <sl::Shape S>
  sl::Tensor<float, S> build(sl::Graph& g, const std::string& name) const {
    std::thread other(meanwhile, std::ref(g));
    other.join();
    return sl::init::zeros<float>().template build<S>(g, name);
  }
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
}  // namespace

TEST_CASE("threads building with their own name scopes and control dependencies") {
  constexpr int threads = 2, steps = 1000;  // 4000 nodes in scopes, 2000 with control inputs
  thrown = 0;
  sl::Graph g;
  std::vector<std::vector<sl::node_id>> made(threads);
  std::vector<std::vector<sl::node_id>> markers(threads);
  std::vector<std::string> scope_of(threads);
  in_threads(threads, [&](int t) {
    auto outer = g.name_scope("thread" + std::to_string(t));
    const auto marker = sl::no_op(g, "marker");
    scope_of[static_cast<std::size_t>(t)] = marker.name().substr(0, marker.name().rfind('/') + 1);
    markers[static_cast<std::size_t>(t)].push_back(marker.id());
    for (int i = 0; i < steps; ++i) {
      auto inner = g.name_scope("step");
      auto a = sl::constant(g, static_cast<float>(i), "a");
      made[static_cast<std::size_t>(t)].push_back(a.id().node);
      auto deps = sl::control_dependencies(g, {marker});
      auto c = a * 2.f;
      made[static_cast<std::size_t>(t)].push_back(c.id().node);
    }
  });
  CHECK(thrown == 0);
  int foreign_scope = 0, foreign_control = 0, missing_control = 0;
  for (int t = 0; t < threads; ++t) {
    const auto& scope = scope_of[static_cast<std::size_t>(t)];
    CHECK(scope == "thread" + std::to_string(t) + "/");
    for (std::size_t k = 0; k < made[static_cast<std::size_t>(t)].size(); ++k) {
      const sl::node& n = g.at(made[static_cast<std::size_t>(t)][k]);
      if (!starts_with(n.name, scope + "step")) {
        if (foreign_scope++ == 0) MESSAGE("thread " << t << " made '" << n.name << "', not in " << scope);
      }
      // The constant (k even) is outside the control scope; the product inside it.
      if (n.control_inputs.size() != (k % 2 == 0 ? 0u : 1u)) ++missing_control;
    }
  }
  // Every node of the graph: a control input only from its own thread's scope.
  for (sl::node_id id = 0; id < g.size(); ++id) {
    const sl::node& n = g.at(id);
    const std::size_t owner = starts_with(n.name, scope_of[0]) ? 0 : 1;
    for (sl::node_id c : n.control_inputs)
      if (c != markers[owner][0]) {
        if (foreign_control++ == 0) MESSAGE("'" << n.name << "' has control input '" << g.at(c).name << "'");
      }
  }
  CHECK(foreign_scope == 0);
  CHECK(foreign_control == 0);
  CHECK(missing_control == 0);
}

TEST_CASE("a variable is listed only when complete: global_variables_initializer while it is built") {
  sl::Graph g;
  sl::Variable<float, sl::shape<2>> first(g, 1.f, "first");
  int calls = 0;
  std::string error;
  meanwhile_initializer init;
  init.meanwhile = [&](sl::Graph& graph) {
    try {
      ++calls;
      auto op = sl::global_variables_initializer(graph);
      sl::Session s(graph);
      s.run(op);
      xt::xtensor<float, 1> v = s.run(first);
      CHECK(v(1) == 1.f);
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  sl::Variable<float, sl::shape<2>> second(g, init, "second");
  CHECK(calls == 1);
  CHECK(error == "");
  CHECK(sl::global_variables(g).size() == 2);
  sl::Session s(g);
  s.run(sl::global_variables_initializer(g));
  xt::xtensor<float, 1> v = s.run(second);
  CHECK(v(0) == 0.f);
}

TEST_CASE("variables created while another thread initializes them in sessions") {
  constexpr int variables = 300;
  thrown = 0;
  sl::Graph g;
  auto a = sl::constant(g, 5.f, "a");
  auto c = a * 6.f;
  std::atomic<bool> started{false}, building{true};
  std::atomic<int> calls{0}, failed_calls{0}, bad{0};
  std::thread builder = guarded_thread("the building thread", [&] {
    struct done_t {
      std::atomic<bool>& b;
      ~done_t() { b = false; }
    } done{building};
    while (!started) std::this_thread::yield();
    for (int i = 0; i < variables; ++i) {
      auto scope = g.name_scope("builder");
      sl::Variable<float, sl::shape<2>> v(g, static_cast<float>(i), "v");
      sl::Variable<float, sl::shape<2, 2>> w(g, sl::init::glorot_uniform<float>(), "w");
      if (i % 4 == 0) (void)sl::random_uniform<float, sl::shape<2>>(g);
    }
  });
  std::thread initializer = guarded_thread("the initializing thread", [&] {
    started = true;
    for (int i = 0; building || i == 0; ++i) {
      ++calls;
      try {
        // Every variable the collection lists is complete: its initializer exists.
        auto vars = sl::global_variables(g);
        auto init = sl::global_variables_initializer(g);
        if (i % 16 != 0) continue;
        sl::Session s(g);
        s.run(init);
        auto missing = s.run(sl::report_uninitialized_variables(g, vars, "report"));
        if (!missing.empty()) ++bad;
        if (s.run(c) != 30.f) ++bad;
        s.close();
      } catch (const std::exception& e) {
        if (failed_calls++ == 0) MESSAGE("global_variables_initializer threw: " << e.what());
      }
    }
  });
  builder.join();
  initializer.join();
  MESSAGE(failed_calls.load() << " of " << calls.load() << " calls failed");
  CHECK(thrown == 0);
  CHECK(failed_calls == 0);
  CHECK(bad == 0);
  CHECK(sl::global_variables(g).size() == 2 * variables);
  sl::Session s(g);
  s.run(sl::global_variables_initializer(g));
  auto last = g.tensor<float, sl::shape<2>>("builder_" + std::to_string(variables - 1) + "/v:0");
  xt::xtensor<float, 1> v = s.run(last);
  CHECK(v(0) == static_cast<float>(variables - 1));
}

TEST_CASE("sl::gradients from several threads on one graph, sessions running meanwhile") {
  constexpr int threads = 3, rounds = 40;
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  sl::Variable<float, sl::shape<3, 2>> w(g, 0.5f, "w");
  auto y = sl::reduce_sum(sl::matmul(x, w) * sl::matmul(x, w));
  sl::Session base(g);
  base.run(w.initializer());
  const xt::xtensor<float, 2> xv{{1.f, 2.f, 3.f}};
  // d/dw sum((x w)^2) = 2 x^T (x w); x w = (3, 3) for w = 0.5.
  const xt::xtensor<float, 2> expected{{6.f, 6.f}, {12.f, 12.f}, {18.f, 18.f}};
  std::atomic<int> wrong_value{0}, wrong_scope{0};
  std::atomic<bool> building{true};
  thrown = 0;
  std::thread runner = guarded_thread("the session thread", [&] {
    // Sessions created, run and closed while the graph grows.
    while (building) {
      sl::Session s(g);
      s.run(w.initializer());
      if (s.run(y, {{x, xv}}) != 18.f) ++wrong_value;
      s.close();
    }
  });
  in_threads(threads, [&](int t) {
    const std::string scope = "grad" + std::to_string(t);
    for (int r = 0; r < rounds; ++r) {
      auto guard = g.name_scope(scope);
      auto dw = sl::gradients(y, w);
      std::string expected_scope = scope;
      if (r > 0) expected_scope.append("_").append(std::to_string(r));
      if (!starts_with(dw.op_name(), expected_scope.append("/gradients"))) {
        if (wrong_scope++ == 0) MESSAGE("thread " << t << " got '" << dw.op_name() << "'");
      }
      if (r % 8 == 0) {
        xt::xtensor<float, 2> v = base.run(dw, {{x, xv}});
        if (v != expected) ++wrong_value;
      }
    }
  });
  building = false;
  runner.join();
  CHECK(thrown == 0);
  CHECK(wrong_scope == 0);
  CHECK(wrong_value == 0);
}

TEST_CASE("out-of-order as_default guards remove exactly their own entry") {
  sl::Graph g1, g2;
  auto a = sl::constant(g1, 1.f);
  sl::Session s1(g1), s2(g1);
  auto is_default = [](const sl::Session& s) {
    auto d = sl::get_default_session();
    return d && d->impl() == s.impl();
  };
  SUBCASE("sessions: outer released first") {
    std::optional<sl::default_session_guard> outer, inner;
    outer.emplace(s1);
    inner.emplace(s2);
    CHECK(is_default(s2));
    outer.reset();
    CHECK(is_default(s2));  // the inner scope is still open
    CHECK(a.eval() == 1.f);
    inner.reset();
    CHECK_FALSE(sl::get_default_session().has_value());
  }
  SUBCASE("sessions: three deep, middle released first") {
    sl::Session s3(g1);
    std::optional<sl::default_session_guard> first, second, third;
    first.emplace(s1);
    second.emplace(s2);
    third.emplace(s3);
    second.reset();
    CHECK(is_default(s3));
    third.reset();
    CHECK(is_default(s1));
    first.reset();
    CHECK_FALSE(sl::get_default_session().has_value());
  }
  SUBCASE("the same session twice, outer released first") {
    std::optional<sl::default_session_guard> outer, inner;
    outer.emplace(s1);
    inner.emplace(s1);
    outer.reset();
    CHECK(is_default(s1));
    inner.reset();
    CHECK_FALSE(sl::get_default_session().has_value());
  }
  SUBCASE("graphs: outer released first") {
    sl::Graph& global = sl::get_default_graph();
    std::optional<sl::Graph::default_guard> outer, inner;
    outer.emplace(g1);
    inner.emplace(g2);
    CHECK(&sl::get_default_graph() == &g2);
    outer.reset();
    CHECK(&sl::get_default_graph() == &g2);  // the inner scope is still open
    inner.reset();
    CHECK(&sl::get_default_graph() == &global);
  }
  SUBCASE("graphs: three deep, middle released first") {
    sl::Graph g3;
    sl::Graph& global = sl::get_default_graph();
    std::optional<sl::Graph::default_guard> first, second, third;
    first.emplace(g1);
    second.emplace(g2);
    third.emplace(g3);
    second.reset();
    CHECK(&sl::get_default_graph() == &g3);
    third.reset();
    CHECK(&sl::get_default_graph() == &g1);
    first.reset();
    CHECK(&sl::get_default_graph() == &global);
  }
  SUBCASE("name scopes: outer released first") {
    std::optional<sl::Graph::scope_guard> outer, inner;
    outer.emplace(g2, "outer");
    inner.emplace(g2, "inner");
    outer.reset();
    CHECK(sl::constant(g2, 1.f, "k").op_name() == "outer/inner/k");  // the innermost open scope
    inner.reset();
    CHECK(sl::constant(g2, 1.f, "k").op_name() == "k");
  }
  SUBCASE("default guards are per thread") {
    auto scope = s1.as_default();
    auto graph = g2.as_default();
    std::thread other([&] {
      CHECK_FALSE(sl::get_default_session().has_value());
      CHECK(&sl::get_default_graph() != &g2);
    });
    other.join();
    CHECK(is_default(s1));
    CHECK(&sl::get_default_graph() == &g2);
  }
}
