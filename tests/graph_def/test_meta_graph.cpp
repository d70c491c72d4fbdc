// MetaGraphDef: the model through binary and text format, and what
// export_meta_graph writes of a graph, its Saver and its signatures.
#include <doctest/doctest.h>

#include <sessionlib/graph_def/of_session.hpp>
#include <sessionlib/ops/control.hpp>

#include "meta_graph_fixture.hpp"

using namespace meta_graph_test;

TEST_CASE("MetaGraphDef: every field survives binary and text format") {
  const sl::MetaGraphDef def = every_field();
  CHECK(sl::parse_meta_graph_def(sl::serialize_meta_graph_def(def, false), false) == def);
  CHECK(sl::parse_meta_graph_def(sl::serialize_meta_graph_def(def, true), true) == def);
  // Deterministic: map entries sorted by key.
  CHECK(sl::serialize_meta_graph_def(def) == sl::serialize_meta_graph_def(sl::parse_meta_graph_def(sl::serialize_meta_graph_def(def))));

  sessionlib_test::temp_dir dir("sl_meta");
  sl::write_meta_graph_def(def, dir.path / "m.meta");
  sl::write_meta_graph_def(def, dir.path / "m.pbtxt", true);
  CHECK(sl::read_meta_graph_def(dir.path / "m.meta") == def);
  CHECK(sl::read_meta_graph_def(dir.path / "m.pbtxt") == def);
  CHECK_THROWS_AS(sl::read_meta_graph_def(dir.path / "missing.meta"), sl::not_found);
  CHECK_THROWS_WITH_AS(sl::parse_meta_graph_def("graph_def { node { nam: \"x\" } }", true),
                       doctest::Contains("text proto: 1:23: Message type \"tensorflow.NodeDef\" has no field named \"nam\""), sl::data_loss);
  CHECK_THROWS_AS(sl::parse_meta_graph_def("\x12\xff", false), sl::data_loss);
}

TEST_CASE("MetaGraphDef: no saver_def stays absent; an empty one stays present") {
  sl::MetaGraphDef def;
  CHECK_FALSE(sl::parse_meta_graph_def(sl::serialize_meta_graph_def(def)).saver_def);
  def.saver_def.emplace();
  CHECK(sl::parse_meta_graph_def(sl::serialize_meta_graph_def(def)).saver_def == sl::SaverDef{});
}

TEST_CASE("export_meta_graph: the graph, the Saver's variables, collections and signatures") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  sl::Variable<float, sl::shape<3, 2>> w(g, sl::init::zeros<float>(), "w");
  sl::Variable<float, sl::shape<2>> b(g, sl::init::zeros<float>(), "b");
  auto logits = sl::matmul(x, w) + b;
  auto probs = sl::nn::softmax(logits);
  sl::train::Saver saver({w, b}, 3);
  sessionlib_test::temp_dir dir("sl_meta");
  const auto def = sl::train::export_meta_graph(
      g, saver, dir.path / "model.meta",
      {{"serving_default", {.inputs = {{"x", x}}, .outputs = {{"probabilities", probs}, {"logits", logits}}}}});
  CHECK(sl::read_meta_graph_def(dir.path / "model.meta") == def);
  CHECK(def.graph_def == sl::to_graph_def(g));
  CHECK(def.meta_info_def.tags == std::vector<std::string>{"serve"});
  REQUIRE(def.saver_def);
  CHECK(def.saver_def->max_to_keep == 3);
  CHECK(def.saver_def->version == sl::SaverDef::V2);
  const auto* saved = def.collection_def.at("saver_variables").get_if<sl::CollectionDef::NodeList>();
  REQUIRE(saved);
  CHECK(saved->value == std::vector<std::string>{"w:0", "b:0"});
  CHECK(def.collection_def.at("variables").get_if<sl::CollectionDef::NodeList>()->value ==
        std::vector<std::string>{"w:0", "b:0"});
  CHECK(def.collection_def.count("trainable_variables"));
  CHECK_FALSE(def.collection_def.count("train_op"));  // empty collections are left out
  const sl::SignatureDef& sig = def.signature_def.at("serving_default");
  CHECK(sig.method_name == "tensorflow/serving/predict");
  CHECK(sig.inputs.at("x") == sl::TensorInfo{"x:0", std::nullopt, sl::DataType::DT_FLOAT, sl::TensorShapeProto::of({-1, 3})});
  CHECK(sig.outputs.at("probabilities").name == probs.name());
  CHECK(sig.outputs.at("logits").tensor_shape == sl::TensorShapeProto::of({-1, 2}));

  // Text by extension; a Saver of another graph and a signature naming no tensor of g are refused.
  sl::train::export_meta_graph(g, dir.path / "model.pbtxt");
  CHECK_THROWS_AS(sl::read_graph_def(dir.path / "model.pbtxt"), sl::data_loss);  // a MetaGraphDef is no GraphDef
  CHECK_FALSE(sl::read_meta_graph_def(dir.path / "model.pbtxt").saver_def);
  sl::Graph other;
  sl::Variable<float, sl::shape<>> v(other, 1.f, "v");
  CHECK_THROWS_WITH_AS(sl::train::export_meta_graph(g, sl::train::Saver({v}), dir.path / "x.meta"),
                       "export_meta_graph: the Saver saves the variables of another graph", sl::invalid_argument);
  auto stranger = sl::placeholder<float, sl::shape<>>(other, "stranger");
  CHECK_THROWS_AS(sl::train::export_meta_graph(g, dir.path / "y.meta", {{"s", {.inputs = {{"in", stranger}}}}}),
                  sl::invalid_argument);
}

TEST_CASE("graph_def(sess): TF's sess.graph_def, the graph the session runs") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  sl::Session sess(g);
  CHECK(sl::graph_def(sess) == sl::to_graph_def(g));
  (void)sl::identity(x * 2.f, "y");  // nodes added after the session was made are in it
  const sl::GraphDef def = sl::graph_def(sess);
  CHECK(def.node.size() == g.size());
  CHECK(def.find("y"));
}
