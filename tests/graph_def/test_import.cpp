// import_graph_def: a C++ graph round-trips through GraphDef (binary and text)
// to the same nodes and the same values; TF's conventions (prefix, input_map,
// return_elements, ops without an importer) behave as tf.import_graph_def.
#include <doctest/doctest.h>

#include <cstdlib>

#include <sessionlib/graph_def/ops.hpp>
#include <sessionlib/sessionlib.hpp>

#include "graph_def_fixture.hpp"

using namespace graph_def_test;

namespace {

std::filesystem::path data(const std::string& name) {
  const char* dir = std::getenv("SESSIONLIB_GRAPH_DEF_DATA");
  REQUIRE_MESSAGE(dir, "SESSIONLIB_GRAPH_DEF_DATA is not set (meson test sets it)");
  return std::filesystem::path(dir) / name;
}

/// The flagship's dense classifier, small, plus one node of most array, math and reduction ops.
struct model {
  sl::Tensor<float, sl::shape<sl::dyn, 6>> x;
  sl::Tensor<std::int64_t, sl::shape<sl::dyn>> y;
  sl::Tensor<float, sl::shape<sl::dyn, 3>> logits;
};
model build(sl::Graph& g) {
  g.set_seed(5);
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 6>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<6, 4>> w1(g, sl::init::glorot_uniform<float>(1), "dense1/w");
  sl::Variable<float, sl::shape<4>> b1(g, sl::init::constant<float>(0.25f), "dense1/b");
  sl::Variable<float, sl::shape<4, 3>> w2(g, sl::init::truncated_normal<float>(0.f, 0.5f, 2), "dense2/w");
  sl::Variable<float, sl::shape<3>> b2(g, sl::init::zeros<float>(), "dense2/b");
  auto hidden = sl::nn::relu(sl::matmul(x, w1) + b1);
  auto logits = sl::identity(sl::nn::bias_add(sl::matmul(hidden, w2), b2), "logits");
  (void)sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits), "loss");
  (void)sl::nn::softmax(logits, "probabilities");
  (void)sl::argmax<1>(logits, "predicted");
  // Array ops with structural arguments, reductions, casts, comparisons.
  auto r = sl::reshape<sl::shape<sl::dyn, 2, 3>>(x, "r");
  auto t = sl::transpose<0, 2, 1>(r, "t");
  auto e = sl::expand_dims<1>(logits, "e");
  auto s = sl::squeeze<1>(e, "s");
  auto c = sl::concat<1>(logits, s, "c");
  auto sum = sl::reduce_sum<1>(c, sl::keepdims, "sum");
  auto mx = sl::reduce_max<0, 1>(t, "mx");
  auto pos = sl::greater(logits, 0.f, "pos");
  auto asf = sl::cast<double>(pos, "asf");
  auto sel = sl::where(pos, logits, sl::exp(logits), "sel");
  auto sl1 = sl::slice<sl::offsets<0, 1>, sl::sizes<-1, 2>>(c, "sl");
  auto oh = sl::one_hot<3>(y, 1.f, -1.f, "oh");
  auto ids = sl::constant(g, {2, 0}, "ids");
  auto ga = sl::gather<1>(logits, ids, "ga");
  auto fl = sl::fill<sl::shape<2, 2>>(g, 1.5, "fl");
  auto lsm = sl::nn::log_softmax(sl::subtract(sl::square(logits), sl::cast<float>(oh) * 2.f), "lsm");
  (void)sum, (void)mx, (void)asf, (void)sel, (void)sl1, (void)ga, (void)fl, (void)lsm;
  (void)sl::maximum(logits, sl::zeros_like(logits), "mxz");
  // Nodes with several outputs, and consumers of their outputs 1 and 2.
  auto [p0, p1, p2] = sl::split<3, 1>(c, "parts");
  (void)sl::identity(p1 + p2, "parts12");
  auto rows = sl::unstack<1>(fl, "rows");
  (void)sl::stack<1>(rows[1], rows[0]);
  auto [top, where_top] = sl::nn::top_k<2>(logits, "top");
  (void)sl::identity(where_top, "where_top");
  auto [mean, variance] = sl::nn::moments<0>(logits, sl::keepdims);
  (void)sl::identity(variance - mean, "spread");
  (void)p0, (void)top;
  (void)sl::global_variables_initializer(g);  // "init", a NoOp with a control input per variable
  auto tick = sl::no_op(g, "tick");
  {
    auto guard = sl::control_dependencies(g, {tick});
    (void)sl::identity(logits, "out");
  }
  return {x, y, logits};
}

xt::xtensor<float, 2> batch() {
  xt::xtensor<float, 2> v = xt::xtensor<float, 2>::from_shape({5, 6});
  for (std::size_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(i % 7) * 0.3f - 0.8f;
  return v;
}

/// Same names, op types, inputs, dtypes and static shapes, node by node.
void check_same_nodes(const sl::Graph& a, const sl::Graph& b) {
  REQUIRE(a.size() == b.size());
  for (sl::node_id i = 0; i < a.size(); ++i) {
    const sl::node& p = a.at(i);
    const sl::node* q = nullptr;
    if (auto id = b.find(p.name)) q = &b.at(*id);
    REQUIRE_MESSAGE(q, p.name);
    CAPTURE(p.name);
    CHECK(q->op == p.op);
    CHECK(q->type == p.type);
    CHECK(q->shape == p.shape);
    CHECK(q->has_output == p.has_output);
    CHECK(q->attr.variable == p.attr.variable);
    REQUIRE(q->inputs.size() == p.inputs.size());
    for (std::size_t k = 0; k < p.inputs.size(); ++k)
      CHECK(b.at(sl::detail::ref_node(q->inputs[k])).name == a.at(sl::detail::ref_node(p.inputs[k])).name);
    REQUIRE(q->control_inputs.size() == p.control_inputs.size());
    for (std::size_t k = 0; k < p.control_inputs.size(); ++k)
      CHECK(b.at(sl::detail::ref_node(q->control_inputs[k])).name == a.at(sl::detail::ref_node(p.control_inputs[k])).name);
  }
}

/// Every tensor of `names` fetched from both graphs after each's initializer: identical values.
void check_same_values(sl::Graph& a, sl::Graph& b, const std::vector<std::string>& names) {
  sl::Session sa(a), sb(b);
  sa.run(a.operation("init"));
  sb.run(b.operation("init"));
  const auto xv = batch();
  xt::xtensor<std::int64_t, 1> yv = {0, 2, 1, 1, 0};
  auto xa = a.tensor<float, sl::shape<sl::dyn, 6>>("x:0");
  auto ya = a.tensor<std::int64_t, sl::shape<sl::dyn>>("y:0");
  auto xb = b.tensor<float, sl::shape<sl::dyn, 6>>("x:0");
  auto yb = b.tensor<std::int64_t, sl::shape<sl::dyn>>("y:0");
  for (const auto& name : names) {
    CAPTURE(name);
    const sl::any_array va = sa.run(name, {{xa, xv}, {ya, yv}});
    const sl::any_array vb = sb.run(name, {{xb, xv}, {yb, yv}});
    REQUIRE(va.dtype() == vb.dtype());
    REQUIRE(va.shape() == vb.shape());
    CHECK(std::memcmp(va.raw(), vb.raw(), va.nbytes()) == 0);
  }
}

const std::vector<std::string> fetched = {"logits:0", "loss:0", "probabilities:0", "predicted:0", "r:0", "t:0",
                                          "e:0", "s:0", "c:0", "sum:0", "mx:0", "pos:0", "asf:0", "sel:0",
                                          "sl:0", "oh:0", "ga:0", "fl:0", "lsm:0", "mxz:0", "out:0",
                                          "dense1/w:0", "dense2/w:0", "dense1/b:0", "parts:0", "parts:2",
                                          "parts12:0", "rows:1", "stack:0", "top:0", "top:1", "where_top:0",
                                          "moments:1", "spread:0"};

}  // namespace

TEST_CASE("a C++ graph round-trips through GraphDef, binary and text, to the same nodes and values") {
  sl::Graph g;
  build(g);
  const sl::GraphDef def = sl::to_graph_def(g);
  for (bool text : {false, true}) {
    CAPTURE(text);
    const sl::GraphDef back = sl::parse_graph_def(sl::serialize_graph_def(def, text), text);
    REQUIRE(back == def);
    sl::Graph g2;
    const auto r = sl::import_graph_def(g2, back, {.name = ""});
    CHECK(r.prefix.empty());
    check_same_nodes(g, g2);
    check_same_values(g, g2, fetched);
    // And it exports again to the same GraphDef.
    const sl::GraphDef again = sl::to_graph_def(g2);
    REQUIRE(again.node.size() == def.node.size());
    for (std::size_t i = 0; i < def.node.size(); ++i) {
      CAPTURE(def.node[i].name);
      CHECK(again.node[i].name == def.node[i].name);
      CHECK(again.node[i].input == def.node[i].input);
      for (const auto& kv : def.node[i].attr) {  // no structured binding: clang 14 cannot capture one in CAPTURE
        const std::string& key = kv.first;
        CAPTURE(key);
        CHECK((again.node[i].attr.count(key) && again.node[i].attr.at(key) == kv.second));
      }
      CHECK(again.node[i].attr.size() == def.node[i].attr.size());
    }
    CHECK(again == def);
    // Imported variables are the graph's variables, trainable, each initialised by its Assign.
    REQUIRE(sl::global_variables(g2).size() == 4);
    CHECK(sl::global_variables(g2)[0].op_name() == "dense1/w");
    CHECK(sl::trainable_variables(g2).size() == 4);
    CHECK(g2.at(sl::global_variables(g2)[0].initializer().id()).name == "dense1/w/Assign");
  }
}

TEST_CASE("to_graph_def writes TF's attributes and structural inputs") {
  sl::Graph g;
  build(g);
  const sl::GraphDef def = sl::to_graph_def(g);
  const sl::NodeDef* r = def.find("r");
  REQUIRE(r);
  REQUIRE(r->input.size() == 2);
  CHECK(r->input[1] == "r/shape");
  const sl::NodeDef* shape = def.find("r/shape");
  REQUIRE(shape);
  CHECK(shape->op == "Const");
  CHECK(sl::to_any_array(*shape->attr.at("value").get_if<sl::TensorProto>()).dtype() == sl::dtype::int32);
  CHECK(def.find("sum")->attr.at("keep_dims") == sl::AttrValue(true));
  CHECK(def.find("mx")->attr.at("keep_dims") == sl::AttrValue(false));
  CHECK(def.find("pos")->attr.at("T") == sl::AttrValue(sl::DataType::DT_FLOAT));
  CHECK(def.find("asf")->attr.at("SrcT") == sl::AttrValue(sl::DataType::DT_BOOL));
  CHECK(def.find("asf")->attr.at("DstT") == sl::AttrValue(sl::DataType::DT_DOUBLE));
  CHECK(def.find("c")->attr.at("N") == sl::AttrValue(std::int64_t{2}));
  CHECK(def.find("predicted")->attr.at("output_type") == sl::AttrValue(sl::DataType::DT_INT64));
  const sl::NodeDef* mm = nullptr;
  for (const auto& n : def.node)
    if (n.op == "MatMul") mm = &n;
  REQUIRE(mm);
  CHECK(mm->attr.at("transpose_a") == sl::AttrValue(false));
  // TF's cross-entropy takes (features, labels).
  for (const auto& n : def.node)
    if (n.op == "SparseSoftmaxCrossEntropyWithLogits") {
      CHECK(n.input[0] == "logits");
      CHECK(n.input[1] == "y");
      CHECK(n.attr.at("Tlabels") == sl::AttrValue(sl::DataType::DT_INT64));
    }
}

TEST_CASE("prefix, input_map and return_elements as tf.import_graph_def") {
  sl::Graph g;
  build(g);
  const sl::GraphDef def = sl::to_graph_def(g);

  sl::Graph g2;
  auto x2 = sl::placeholder<float, sl::shape<sl::dyn, 6>>(g2, "features");
  const auto r = sl::import_graph_def(g2, def, {.input_map = {{"x:0", x2}},
                                                 .return_elements = {"logits:0", "tick", "dense1/w/Assign"}});
  CHECK(r.prefix == "import/");
  REQUIRE(r.elements.size() == 3);
  CHECK(r.elements[0].name == "import/logits:0");
  CHECK(r.elements[0].is_tensor);
  CHECK(r.elements[1].name == "import/tick");
  CHECK_FALSE(r.elements[1].is_tensor);
  auto logits = r.tensor<float, sl::shape<sl::dyn, 3>>(0);
  CHECK(logits == g2.tensor<float, sl::shape<sl::dyn, 3>>("import/logits:0"));
  // The imported x is still there, but nothing reads it: the mapped tensor is read instead.
  CHECK(g2.find("import/x"));
  sl::Session s2(g2);
  s2.run(sl::global_variables_initializer(g2));
  sl::Session s1(g);
  s1.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 2> want = s1.run(g.tensor<float, sl::shape<sl::dyn, 3>>("logits:0"),
                                            {{g.tensor<float, sl::shape<sl::dyn, 6>>("x:0"), batch()}});
  const xt::xtensor<float, 2> got = s2.run(logits, {{x2, batch()}});
  CHECK(got == want);

  // A second import takes the next free scope, as TF's unique names do.
  const auto again = sl::import_graph_def(g2, def);
  CHECK(again.prefix == "import_1/");
  CHECK(g2.find("import_1/logits"));

  // Errors are TF's.
  sl::Graph g3;
  auto z = sl::placeholder<float, sl::shape<sl::dyn, 6>>(g3, "z");
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g3, def, {.input_map = {{"nope:0", z}}}),
                       "Attempted to map inputs that were not found in graph_def: [nope:0]", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g3, def, {.return_elements = {"nope:0"}}),
                       "Requested return_element 'nope:0' not found in graph_def.", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g3, def, {.input_map = {{"x:0", x2}}}),
                       "input_map['x:0'] is a tensor of another graph than the one imported into", sl::invalid_argument);
}

TEST_CASE("typed lookup of an imported tensor checks dtype and shape") {
  sl::Graph g;
  build(g);
  sl::Graph g2;
  sl::import_graph_def(g2, sl::to_graph_def(g), {.name = "m"});
  CHECK_NOTHROW((g2.tensor<float, sl::shape<sl::dyn, 3>>("m/logits:0")));
  CHECK_THROWS_WITH_AS((g2.tensor<float, sl::shape<sl::dyn, 4>>("m/logits:0")),
                       "Tensor 'm/logits:0' has dtype float32 and shape (?, 3), not dtype float32 and shape (?, 4)",
                       sl::invalid_argument);
  CHECK_THROWS_AS((g2.tensor<double, sl::shape<sl::dyn, 3>>("m/logits:0")), sl::invalid_argument);
  CHECK_THROWS_AS((g2.tensor<float, sl::shape<sl::dyn, 3>>("logits:0")), sl::not_found);
}

TEST_CASE("an op type without an importer raises sl::unimplemented only when a run needs it") {
  const std::string text = R"pb(
node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: [1, 2] } } } }
node { name: "weird" op: "FancyOp" input: "a" attr { key: "T" value { type: DT_FLOAT } }
       attr { key: "_output_shapes" value { list { shape { dim { size: 2 } } } } } }
node { name: "after" op: "Neg" input: "weird" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "fine" op: "Mul" input: "a" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "name" op: "Const" attr { key: "dtype" value { type: DT_STRING } }
       attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape { } string_val: "model" } } } }
)pb";
  sl::Graph g;
  const auto r = sl::import_graph_def(g, sl::parse_graph_def(text, true));
  sl::Session s(g);
  const xt::xtensor<float, 1> fine = s.run(g.tensor<float, sl::shape<2>>("import/fine:0"));
  CHECK(fine == xt::xtensor<float, 1>{1, 4});
  // Its shape came from _output_shapes, its dtype from T.
  CHECK_NOTHROW((g.tensor<float, sl::shape<2>>("import/weird:0")));
  CHECK_THROWS_WITH_AS(s.run(g.tensor<float, sl::shape<2>>("import/after:0")),
                       "Node 'import/weird' (op type 'FancyOp') cannot run: op type 'FancyOp' has no importer in "
                       "sessionlib (include the family's graph_def/ops_*.hpp, or register one with "
                       "sl::register_graph_def_op)",
                       sl::unimplemented);
  // A DT_STRING constant imports as a string tensor (issue 14).
  CHECK(s.run(g.tensor<std::string, sl::shape<>>("import/name:0")) == "model");
  (void)r;
}

TEST_CASE("errors in the GraphDef name the node") {
  sl::Graph g;
  const std::string unknown = R"pb(node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } })pb";
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g, sl::parse_graph_def(unknown, true)),
                       "Node 'b': Unknown input node 'a'", sl::invalid_argument);
  const std::string twice = R"pb(node { name: "b" op: "NoOp" } node { name: "b" op: "NoOp" })pb";
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g, sl::parse_graph_def(twice, true)),
                       "Node 'b' is not unique in the GraphDef", sl::invalid_argument);
  const std::string cycle = R"pb(node { name: "a" op: "Identity" input: "b" } node { name: "b" op: "Identity" input: "a" })pb";
  CHECK_THROWS_AS(sl::import_graph_def(g, sl::parse_graph_def(cycle, true)), sl::unimplemented);
  const std::string mismatch = R"pb(
node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 2 } dim { size: 3 } } } } }
node { name: "m" op: "MatMul" input: "a" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
)pb";
  CHECK_THROWS_WITH_AS(sl::import_graph_def(g, sl::parse_graph_def(mismatch, true)),
                       "Node 'm' (op MatMul): Matrix size-incompatible: In[0]: (2, 3), In[1]: (2, 3)",
                       sl::invalid_argument);
}

TEST_CASE("TF's test data imports and its supported parts run with TF's values") {
  SUBCASE("const-values.pbtxt") {
    sl::Graph g;
    sl::import_graph_def(g, sl::read_graph_def(data("const-values.pbtxt")), {.name = ""});
    sl::Session s(g);
    const xt::xtensor<float, 2> x = s.run(g.tensor<float, sl::shape<2, 3>>("x:0"));
    CHECK(x == xt::xtensor<float, 2>{{1, 2, 3}, {4, 5, 6}});
  }
  SUBCASE("feed-control-dep.pbtxt") {
    sl::Graph g;
    sl::import_graph_def(g, sl::read_graph_def(data("feed-control-dep.pbtxt")), {.name = ""});
    sl::Session s(g);
    auto input = g.tensor<float, sl::shape<1>>("input:0");
    const float out = s.run(g.tensor<float, sl::shape<>>("output_node:0"), {{input, xt::xtensor<float, 1>{3}}});
    CHECK(out == 1.0f);
    // The control input on the placeholder must be fed, as in TF.
    CHECK_THROWS_AS(s.run(g.tensor<float, sl::shape<>>("output_node:0")), sl::invalid_argument);
  }
  SUBCASE("merge_without_loops.pbtxt") {
    sl::Graph g;
    sl::import_graph_def(g, sl::read_graph_def(data("merge_without_loops.pbtxt")), {.name = ""});
    sl::Session s(g);
    CHECK(s.run(g.tensor<bool, sl::shape<>>("Less:0")) == false);  // 7 < 5
    const xt::xtensor<float, 3> ones = s.run(g.tensor<float, sl::shape<1, 1, 1>>("ones:0"));
    CHECK(ones(0, 0, 0) == 1.0f);
    // Switch and Merge have no importer: what needs them raises.
    CHECK_THROWS_AS(s.run(std::string("concat:0")), sl::unimplemented);
  }
}

TEST_CASE("TF's old Variable op with ref dtypes becomes a graph variable") {
  const std::string text = R"pb(
node { name: "v" op: "Variable"
  attr { key: "_output_shapes" value { list { shape { dim { size: 2 } } } } }
  attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 2 } } } } }
node { name: "v/initial_value" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: [3, 4] } } } }
node { name: "v/Assign" op: "Assign" input: "v" input: "v/initial_value" attr { key: "T" value { type: DT_FLOAT } }
  attr { key: "_class" value { list { s: "loc:@v" } } } }
node { name: "v/read" op: "Identity" input: "v" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "twice" op: "AssignAdd" input: "v" input: "v/read" attr { key: "T" value { type: DT_FLOAT_REF } } }
versions { producer: 21 }
)pb";
  sl::Graph g;
  sl::import_graph_def(g, sl::parse_graph_def(text, true), {.name = ""});
  REQUIRE(sl::global_variables(g).size() == 1);
  CHECK(sl::global_variables(g)[0].op_name() == "v");
  sl::Session s(g);
  CHECK_THROWS_WITH_AS(s.run(g.tensor<float, sl::shape<2>>("v/read:0")), "Attempting to use uninitialized value v",
                       sl::failed_precondition);
  s.run(sl::global_variables_initializer(g));
  CHECK(s.run(g.tensor<float, sl::shape<2>>("v/read:0")) == xt::xtensor<float, 1>{3, 4});
  CHECK(s.run(g.tensor<float, sl::shape<2>>("twice:0")) == xt::xtensor<float, 1>{6, 8});
  // The Saver sees it by name.
  temp_dir d("sl_import_saver");
  sl::train::Saver saver(g);
  const std::string path = saver.save(s, (d.path / "ckpt").string());
  sl::Session fresh(g);
  saver.restore(fresh, path);
  CHECK(fresh.run(g.tensor<float, sl::shape<2>>("v:0")) == xt::xtensor<float, 1>{6, 8});
}

TEST_CASE("the importable op types are listed") {
  const auto types = sl::importable_op_types();
  for (const char* t : {"Const", "Placeholder", "VariableV2", "Variable", "Assign", "MatMul", "AddV2", "Relu",
                        "Softmax", "SparseSoftmaxCrossEntropyWithLogits", "Mean", "ArgMax", "Reshape", "NoOp"})
    CHECK_MESSAGE(std::find(types.begin(), types.end(), t) != types.end(), t);
}

TEST_CASE("the flagship's trained graph re-imports: its forward part and variables run, its training step raises") {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 6>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  sl::Variable<float, sl::shape<6, 8>> w1(g, sl::init::glorot_uniform<float>(1), "dense1/w");
  sl::Variable<float, sl::shape<8>> b1(g, sl::init::zeros<float>(), "dense1/b");
  sl::Variable<float, sl::shape<8, 3>> w2(g, sl::init::glorot_uniform<float>(2), "dense2/w");
  sl::Variable<float, sl::shape<3>> b2(g, sl::init::zeros<float>(), "dense2/b");
  auto hidden = sl::nn::relu(sl::matmul(x, w1) + b1);
  auto logits = sl::identity(sl::matmul(hidden, w2) + b2, "logits");
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits), "loss");
  auto probabilities = sl::nn::softmax(logits, "probabilities");
  auto global_step = sl::train::create_global_step(g);
  auto train = sl::train::AdamOptimizer(1e-2f).minimize(loss, global_step);
  sl::train::Saver saver(g);
  sl::Session sess(g);
  sess.run(sl::global_variables_initializer(g));
  const xt::xtensor<std::int64_t, 1> yv = {0, 2, 1, 1, 0};
  for (int i = 0; i < 5; ++i) sess.run(train, {{x, batch()}, {y, yv}});
  temp_dir d("sl_import_flagship");
  const std::string path = saver.save(sess, (d.path / "model").string());
  const xt::xtensor<float, 2> want = sess.run(probabilities, {{x, batch()}});

  // Another program: the GraphDef alone, then the checkpoint restored by name.
  sl::Graph g2;
  const auto r = sl::import_graph_def(g2, sl::parse_graph_def(sl::serialize_graph_def(sl::to_graph_def(g))),
                                      {.return_elements = {"x:0", "probabilities:0", train.name()}, .name = ""});
  CHECK(sl::global_variables(g2).size() == sl::global_variables(g).size());  // the weights, Adam's slots, the step
  sl::train::Saver restorer(g2);
  sl::Session serve(g2);
  restorer.restore(serve, path);
  auto x2 = r.tensor<float, sl::shape<sl::dyn, 6>>(0);
  auto p2 = r.tensor<float, sl::shape<sl::dyn, 3>>(1);
  const xt::xtensor<float, 2> got = serve.run(p2, {{x2, batch()}});
  CHECK(got == want);
  // The training step's ops (gradients, ApplyAdam) have no importer: running it raises, naming one of them.
  CHECK_THROWS_AS(serve.run(r.operation(2), {{x2, batch()}, {g2.tensor<std::int64_t, sl::shape<sl::dyn>>("y:0"), yv}}),
                  sl::unimplemented);
}

TEST_CASE("to_graph_def: a sparse update takes its variable, the learning rate, then the rows' values and indices") {
  sl::Graph g;
  sl::Variable<float, sl::shape<5, 2>> w(g, sl::init::zeros<float>(), "w");
  auto ids = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "ids");
  auto loss = sl::reduce_sum(sl::nn::embedding_lookup(w, ids));
  sl::train::AdagradOptimizer opt(0.1);
  auto pairs = opt.compute_gradients(loss);
  opt.apply_gradients(pairs);
  const sl::GraphDef def = sl::to_graph_def(g);
  const sl::NodeDef* u = def.find("Adagrad/update_w");
  REQUIRE(u);
  CHECK(u->op == "SparseApplyAdagrad");
  REQUIRE(u->input.size() >= 4);
  CHECK(u->input[0] == "w");
  CHECK(def.find(u->input[1])->op == "Const");  // the learning rate
  CHECK(u->input[3] == "ids");
  CHECK(u->attr.count("_sessionlib_accum") == 1);
  // The dense gradient stays in the graph (fetchable); the update neither reads nor waits for it.
  const std::string dense = g.at(pairs[0].grad.node).name;
  CHECK(def.find(dense)->op == "GatherGrad");
  for (const auto& in : u->input) CHECK(in.substr(in.find_first_not_of('^')) != dense);
}
