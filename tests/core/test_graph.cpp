// DESIGN section 5, the graph: unique names, scopes, the default graph,
// finalize, typed lookup, Graphviz, growth after a session's first run.
#include <doctest/doctest.h>

#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/array_fill.hpp>
#include <sessionlib/ops/control.hpp>
#include <sessionlib/ops/split.hpp>
#include <sessionlib/ops/state.hpp>
#include <sessionlib/session/session.hpp>

namespace sl = sessionlib;
using sl::dyn;
using sl::shape;

TEST_CASE("names are unique: mul, mul_1, ...; explicit names too") {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  CHECK(a.name() == "Const:0");
  CHECK(sl::constant(g, 2.0f).name() == "Const_1:0");
  CHECK((a * a).name() == "mul:0");
  CHECK((a * a).name() == "mul_1:0");
  CHECK(sl::placeholder<float>(g, "x").op_name() == "x");
  CHECK(sl::placeholder<float>(g, "x").op_name() == "x_1");
}

TEST_CASE("name scopes prefix names and nest") {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  {
    auto s = g.name_scope("layer1");
    CHECK((a + a).op_name() == "layer1/add");
    {
      auto inner = g.name_scope("dense");
      CHECK(sl::constant(g, 2.0f).op_name() == "layer1/dense/Const");
    }
  }
  {
    auto again = g.name_scope("layer1");  // a second scope of the same name is made unique
    CHECK((a + a).op_name() == "layer1_1/add");
  }
  CHECK((a + a).op_name() == "add");
}

TEST_CASE("the per-thread default graph") {
  sl::Graph g;
  {
    auto guard = g.as_default();
    CHECK(&sl::get_default_graph() == &g);
    auto c = sl::constant(5.0f) * sl::constant(6.0f);
    CHECK(&c.graph() == &g);
    sl::Session sess;  // over the default graph
    CHECK(sess.run(c) == 30.0f);
    sl::Graph inner;
    {
      auto nested = inner.as_default();
      CHECK(&sl::get_default_graph() == &inner);
    }
    CHECK(&sl::get_default_graph() == &g);
  }
  CHECK(&sl::get_default_graph() != &g);
}

TEST_CASE("a finalized graph refuses new ops") {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  g.finalize();
  CHECK(g.finalized());
  CHECK_THROWS_WITH_AS((void)(a + a), "Graph is finalized and cannot be modified.", sl::failed_precondition);
  sl::Session sess(g);
  CHECK(sess.run(a) == 1.0f);  // running is still fine
}

TEST_CASE("typed lookup by name") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<dyn, 784>>(g, "x");
  auto found = g.tensor<float, shape<dyn, 784>>("x:0");
  CHECK(found == x);
  CHECK(g.tensor<float, shape<dyn, 784>>("x") == x);
  CHECK_THROWS_WITH_AS(((void)g.tensor<float, shape<dyn, 784>>("nope:0")),
                       "The name 'nope:0' refers to a Tensor which does not exist.", sl::not_found);
  CHECK_THROWS_WITH_AS(((void)g.tensor<double, shape<dyn, 784>>("x:0")),
                       "Tensor 'x:0' has dtype float32 and shape (?, 784), not dtype float64 and shape (?, 784)",
                       sl::invalid_argument);
  CHECK_THROWS_AS(((void)g.tensor<float, shape<dyn, 10>>("x:0")), sl::invalid_argument);
  CHECK(g.operation("x").id() == x.id());
}

TEST_CASE("to_dot draws nodes, data edges and control edges") {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f, "a");
  auto b = a * a;
  sl::Operation op = sl::make_operation(g, {.op = "NoOp", .name = "done", .control_inputs = {b.op().id()}});
  const std::string dot = g.to_dot();
  CHECK(dot.rfind("digraph G {", 0) == 0);
  CHECK(dot.find("a\\nConst\\nfloat32()") != std::string::npos);
  CHECK(dot.find("n0 -> n1;") != std::string::npos);
  CHECK(dot.find("n1 -> n2 [style=dashed];") != std::string::npos);
  CHECK(op.name() == "done");
}

TEST_CASE("to_dot: clusters by name scope, escaped labels, outputs past the first, variable references") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<4>>(g, "x");
  sl::Variable<float, shape<4>> v(g, 0.0f, "v");
  {
    auto outer = g.name_scope("layer1");
    auto inner = g.name_scope("dense");
    auto [a, b] = sl::split<2>(x);
    (void)(b - a);
  }
  auto quoted = sl::identity(x, "say \"hi\"");
  auto update = v.assign(x);
  const std::string dot = g.to_dot();
  // Nested clusters, each labelled with its own part of the path.
  const auto l1 = dot.find("subgraph \"cluster_layer1\" {");
  const auto l2 = dot.find("subgraph \"cluster_layer1/dense\" {");
  REQUIRE(l1 != std::string::npos);
  REQUIRE(l2 != std::string::npos);
  CHECK(l1 < l2);
  CHECK(dot.find("label=\"dense\";") != std::string::npos);
  // A node with two outputs lists both; its second output's edge says ":1".
  const auto split_id = g.lookup("layer1/dense/split").node;
  CHECK(dot.find("layer1/dense/split\\nSplit\\nfloat32(2,)\\nfloat32(2,)") != std::string::npos);
  // Appended, not `"n" + std::to_string(...)`: g++ 12 -O3 warns falsely (-Wrestrict) on that form.
  const auto edge = [](std::size_t from, std::size_t to, const char* style) {
    std::string e = "n";
    e += std::to_string(from);
    e += " -> n";
    e += std::to_string(to);
    e += style;
    return e;
  };
  CHECK(dot.find(edge(split_id, split_id + 1, " [label=\":1\"];")) != std::string::npos);
  // Quotes in names are escaped.
  CHECK(dot.find("say \\\"hi\\\"\\nIdentity") != std::string::npos);
  CHECK(quoted.op_name() == "say \"hi\"");
  // The assignment refers to its variable: a dotted edge from it.
  CHECK(dot.find(edge(v.id(), update.id().node, " [style=dotted];")) != std::string::npos);
}

TEST_CASE("ops added after a session's first run are runnable in its next run") {
  sl::Graph g;
  auto a = sl::constant(g, 2.0f);
  sl::Session sess(g);
  CHECK(sess.run(a) == 2.0f);
  auto b = a * 21.0f;
  CHECK(sess.run(b) == 42.0f);
}

TEST_CASE("handles are small copyable values") {
  static_assert(sizeof(sl::Tensor<float, shape<dyn, 784>>) <= 2 * sizeof(void*));
  static_assert(std::is_trivially_copyable_v<sl::Tensor<float, shape<>>>);
  static_assert(std::is_trivially_copyable_v<sl::Operation>);
  sl::Graph g;
  sl::Graph other;
  auto a = sl::constant(g, 1.0f);
  auto b = sl::constant(other, 1.0f);
  CHECK_THROWS_WITH_AS((void)(a + b), "Tensors must be from the same graph as 'Const:0'", sl::invalid_argument);
}
