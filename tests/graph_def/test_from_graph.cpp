// to_graph_def over a graph built with sessionlib's ops.
#include <doctest/doctest.h>

#include "graph_def_fixture.hpp"
#include <sessionlib/ops/control_flow.hpp>
#include "small_graph.hpp"

using namespace graph_def_test;

TEST_CASE("to_graph_def: nodes, inputs, control inputs and attributes") {
  sl::Graph g;
  build_small_graph(g);
  const sl::GraphDef def = sl::to_graph_def(g);
  // The members TF users write: g.as_graph_def(), sess.graph_def.
  CHECK(g.to_graph_def() == def);
  sl::Session sess(g);
  CHECK(sess.graph_def() == def);
  CHECK(def.node.size() == g.size());
  CHECK(def.versions.producer == sl::graph_def_producer);

  const sl::NodeDef* x = def.find("x");
  REQUIRE(x);
  CHECK(x->op == "Placeholder");
  CHECK(x->input.empty());
  CHECK(x->attr.at("dtype") == sl::AttrValue(sl::DataType::DT_FLOAT));
  CHECK(x->attr.at("shape") == sl::AttrValue(sl::TensorShapeProto::of({-1, 3})));
  const auto& x_shapes = *x->attr.at("_output_shapes").get_if<sl::AttrValue::ListValue>();
  CHECK(x_shapes.shape == std::vector<sl::TensorShapeProto>{sl::TensorShapeProto::of({-1, 3})});

  const sl::NodeDef* w = def.find("w");
  REQUIRE(w);
  CHECK(w->op == "VariableV2");
  CHECK(w->attr.at("dtype") == sl::AttrValue(sl::DataType::DT_FLOAT));
  CHECK(w->attr.at("shape") == sl::AttrValue(sl::TensorShapeProto::of({3, 2})));
  CHECK_FALSE(w->attr.count("T"));
  // The node table keeps a state op's variable aside; TF's Assign takes it as input 0.
  const sl::NodeDef* assign = def.find("w/Assign");
  REQUIRE(assign);
  CHECK(assign->op == "Assign");
  CHECK(assign->input == std::vector<std::string>{"w", "w/initial_value"});

  const sl::NodeDef* mm = nullptr;
  const sl::NodeDef* relu = nullptr;
  for (const auto& n : def.node) {
    if (n.op == "MatMul") mm = &n;
    if (n.op == "Relu") relu = &n;
  }
  REQUIRE(mm);
  REQUIRE(mm->input.size() == 2);
  CHECK(mm->input[0] == "x");
  CHECK(def.find(mm->input[1]));  // w, or what reads it
  CHECK(mm->attr.at("T") == sl::AttrValue(sl::DataType::DT_FLOAT));
  CHECK(mm->attr.at("_output_shapes").get_if<sl::AttrValue::ListValue>()->shape[0].sizes() ==
        std::vector<std::int64_t>{-1, 2});
  REQUIRE(relu);
  REQUIRE(relu->input.size() == 1);
  const sl::NodeDef* add = def.find(relu->input[0]);
  REQUIRE(add);
  CHECK(add->input.size() == 2);
  CHECK(add->input[0] == mm->name);

  const sl::NodeDef* out = def.find("out");
  REQUIRE(out);
  CHECK(out->op == "Identity");
  CHECK(out->input == std::vector<std::string>{relu->name, "^tick"});
  const sl::NodeDef* tick = def.find("tick");
  REQUIRE(tick);
  CHECK(tick->op == "NoOp");
  CHECK(tick->attr.empty());  // no output: no type, no shapes

  // Every Const carries its value, decodable to what the graph holds.
  int consts = 0;
  for (std::size_t i = 0; i < def.node.size(); ++i) {
    const auto& n = def.node[i];
    if (n.op != "Const") continue;
    ++consts;
    const auto* value = n.attr.at("value").get_if<sl::TensorProto>();
    REQUIRE(value);
    const sl::any_array a = sl::to_any_array(*value);
    const sl::any_array& held = g.at(static_cast<sl::node_id>(i)).attr.value;
    CHECK(a.dtype() == held.dtype());
    CHECK(a.shape() == held.shape());
    CHECK(std::memcmp(a.raw(), held.raw(), a.nbytes()) == 0);
  }
  CHECK(consts >= 1);

  // And it survives both formats.
  CHECK(sl::parse_graph_def(sl::serialize_graph_def(def)) == def);
  CHECK(sl::parse_graph_def(sl::serialize_graph_def(def, true), true) == def);
}

TEST_CASE("train::write_graph of a Graph") {
  temp_dir d("sl_write_graph");
  sl::Graph g;
  build_small_graph(g);
  const std::string path = sl::train::write_graph(g, d.path, "graph.pbtxt", true);
  CHECK(sl::read_graph_def(path) == sl::to_graph_def(g));
}

TEST_CASE("to_graph_def: a placeholder of unknown rank and one with a default") {
  sl::Graph g;
  (void)sl::placeholder<float, sl::unknown_rank>(g, "any");
  (void)sl::placeholder_with_default(sl::constant(g, {1.f, 2.f}, "d"), "pwd");
  const sl::GraphDef def = sl::to_graph_def(g);
  const sl::NodeDef* any = def.find("any");
  REQUIRE(any);
  CHECK(any->op == "Placeholder");
  CHECK(any->attr.at("dtype") == sl::AttrValue(sl::DataType::DT_FLOAT));
  sl::TensorShapeProto unknown;
  unknown.unknown_rank = true;
  CHECK(any->attr.at("shape") == sl::AttrValue(unknown));
  const sl::NodeDef* pwd = def.find("pwd");
  REQUIRE(pwd);
  CHECK(pwd->op == "PlaceholderWithDefault");
  CHECK(pwd->input == std::vector<std::string>{"d"});
  CHECK(pwd->attr.at("dtype") == sl::AttrValue(sl::DataType::DT_FLOAT));
  CHECK(pwd->attr.at("shape") == sl::AttrValue(sl::TensorShapeProto::of({2})));
}

TEST_CASE("GraphDef export of control flow is not implemented yet, and says which node") {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  auto y = sl::cond(p, [&] { return x * 2.f; }, [&] { return x; });
  (void)y;
  CHECK_THROWS_WITH_AS(g.to_graph_def(),
                       "GraphDef export of control flow (cond, while_loop, scan) is not implemented yet: node "
                       "'cond/then/Const' (Const)",
                       sl::unimplemented);
}
