// identity, stop_gradient, no_op, group and control_dependencies: graph
// structure, fetch results, and that control inputs really run first.
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/state.hpp>
#include <sessionlib/session/session.hpp>

#include <algorithm>

#include <doctest/doctest.h>

namespace sl = sessionlib;

TEST_CASE("identity and stop_gradient pass values through with their own op kinds") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 2>>(g, "x");
  auto i = sl::identity(x);
  auto s = sl::stop_gradient(x * 2.f, "frozen");
  static_assert(std::is_same_v<decltype(i), sl::Tensor<float, sl::shape<sl::dyn, 2>>>);
  static_assert(std::is_same_v<decltype(s), sl::Tensor<float, sl::shape<sl::dyn, 2>>>);
  CHECK(g.at(i.id()).op == "Identity");
  CHECK(g.at(s.id()).op == "StopGradient");
  CHECK(s.op_name() == "frozen");
  sl::Session sess(g);
  const xt::xtensor<float, 2> xv{{1, 2}, {3, 4}, {5, 6}};
  auto [iv, sv] = sess.run(std::tuple{i, s}, {{x, xv}});
  CHECK(iv == xv);
  CHECK(sv == xt::xtensor<float, 2>{{2, 4}, {6, 8}, {10, 12}});
  // A second run with another shape (the output aliases each run's input).
  const xt::xtensor<float, 2> xv2{{7, 8}};
  CHECK(sess.run(i, {{x, xv2}}) == xv2);
  CHECK(sess.run(sl::identity(sl::identity(x)), {{x, xv2}}) == xv2);
}

TEST_CASE("identity of a variable reads its value; a Variable is accepted as any TensorLike") {
  sl::Graph g;
  sl::Variable<int, sl::shape<2>> v(g, xt::xtensor<int, 1>{4, 5}, "v");
  auto i = sl::identity(v);
  static_assert(std::is_same_v<decltype(i), sl::Tensor<int, sl::shape<2>>>);
  sl::Session sess(g);
  sess.run(v.initializer());
  CHECK(sess.run(i) == xt::xtensor<int, 1>{4, 5});
}

TEST_CASE("no_op and group fetch as sl::none") {
  sl::Graph g;
  auto a = sl::constant(g, 1.f);
  auto n = sl::no_op(g);
  static_assert(std::is_same_v<decltype(n), sl::Operation>);
  CHECK(g.at(n.id()).op == "NoOp");
  CHECK_FALSE(g.at(n.id()).has_output);
  auto grp = sl::group(a, n);
  CHECK(grp.name() == "group_deps");
  CHECK(g.at(grp.id()).control_inputs == std::vector<sl::node_id>{a.op().id(), n.id()});
  std::vector<sl::Operation> ops{n, a.op()};
  auto grp2 = sl::group(ops, a);  // ranges flatten
  CHECK(g.at(grp2.id()).control_inputs == std::vector<sl::node_id>{n.id(), a.op().id(), a.op().id()});
  auto named = sl::group({a, n}, "init_all");
  CHECK(named.name() == "init_all");
  auto empty = sl::group(g, {});
  CHECK(g.at(empty.id()).control_inputs.empty());
  sl::Session sess(g);
  auto [r1, r2, r3] = sess.run(std::tuple{n, grp, empty});
  static_assert(std::is_same_v<decltype(r1), sl::none_t>);
  CHECK(r1 == sl::none);
  CHECK(r2 == sl::none);
  CHECK(r3 == sl::none);
  {
    auto scope = g.as_default();
    auto d = sl::no_op("default_noop");
    CHECK(&d.graph() == &g);
    CHECK(d.name() == "default_noop");
  }
}

TEST_CASE("group runs its inputs: an unfed placeholder among them fails the run") {
  sl::Graph g;
  auto p = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "p");
  auto grp = sl::group(p * 2.f, sl::no_op(g));
  sl::Session sess(g);
  CHECK_THROWS_WITH_AS(sess.run(grp), "You must feed a value for placeholder tensor 'p' with dtype float and shape (?, 3)",
                       sl::invalid_argument);
  const xt::xtensor<float, 2> pv{{1, 2, 3}};
  CHECK(sess.run(grp, {{p, pv}}) == sl::none);
}

TEST_CASE("control_dependencies attaches its inputs to the nodes created inside, and only those") {
  sl::Graph g;
  auto a = sl::constant(g, 1.f, "a");
  auto b = sl::no_op(g, "b");
  sl::output_ref inside, nested, after;
  {
    auto deps = sl::control_dependencies({a, b});  // a tensor and an operation
    inside = (a + 1.f).id();
    {
      auto more = sl::control_dependencies(g, {a.op()});
      nested = sl::identity(a).id();
    }
  }
  after = (a + 2.f).id();
  // `a + 1.f` adds a constant then the add: both carry the dependencies.
  CHECK(g.at(inside).control_inputs == std::vector<sl::node_id>{a.op().id(), b.id()});
  CHECK(g.at(nested).control_inputs == std::vector<sl::node_id>{a.op().id(), b.id(), a.op().id()});
  CHECK(g.at(after).control_inputs.empty());
  std::vector<sl::control_input> dynamic{b};
  {
    auto deps = sl::control_dependencies(g, dynamic);
    CHECK(g.at(sl::no_op(g).id()).control_inputs == std::vector<sl::node_id>{b.id()});
  }
}

TEST_CASE("a control dependency runs before the node that carries it") {
  sl::Graph g;
  sl::Variable<int, sl::shape<>> counter(g, 0, "counter");
  auto set5 = counter.assign(5, "set5");
  sl::Tensor<int, sl::shape<>> add;
  {
    auto deps = sl::control_dependencies({set5});
    add = counter.assign_add(1, "add");  // reads the variable when it runs
  }
  sl::Session sess(g);
  sess.run(counter.initializer());
  sl::RunOptions opts;
  opts.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  CHECK(sess.run(add, {}, opts, &md) == 6);  // set5 ran first
  CHECK(sess.run(add) == 6);                 // and again on every run
  std::vector<std::string> order;
  for (const auto& st : md.step_stats) order.push_back(st.node_name);
  const auto at = [&](const std::string& n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
  CHECK(at("set5") < at("add"));
  CHECK(at("add") < static_cast<std::ptrdiff_t>(order.size()));
  // The dependency is on the path: an unfed placeholder behind it fails the run.
  auto p = sl::placeholder<int, sl::shape<>>(g, "p");
  sl::Tensor<int, sl::shape<>> guarded;
  {
    auto deps = sl::control_dependencies({p});
    guarded = sl::identity(counter, "guarded");
  }
  CHECK_THROWS_WITH_AS(sess.run(guarded), "You must feed a value for placeholder tensor 'p' with dtype int32 and shape ()",
                       sl::invalid_argument);
  CHECK(sess.run(guarded, {{p, 0}}) == 6);
}
