// GraphDefs that TensorFlow wrote (data/README.md says where from) read into
// the model with the values TF's own tests document.
#include <doctest/doctest.h>

#include <cstdlib>

#include "graph_def_fixture.hpp"

using namespace graph_def_test;

namespace {
std::filesystem::path data(const std::string& name) {
  const char* dir = std::getenv("SESSIONLIB_GRAPH_DEF_DATA");
  REQUIRE_MESSAGE(dir, "SESSIONLIB_GRAPH_DEF_DATA is not set (meson test sets it)");
  return std::filesystem::path(dir) / name;
}
const sl::AttrValue& attr(const sl::GraphDef& def, const std::string& node, const std::string& key) {
  const sl::NodeDef* n = def.find(node);
  REQUIRE_MESSAGE(n, node);
  return n->attr.at(key);
}
}  // namespace

TEST_CASE("const-values.pbtxt: tensor_content decodes to the values of TF's CHECK lines") {
  const sl::GraphDef def = sl::read_graph_def(data("const-values.pbtxt"));
  REQUIRE(def.node.size() == 3);
  CHECK(def.node[0].device == "/device:CPU:0");
  CHECK(*attr(def, "x", "dtype").get_if<sl::DataType>() == sl::DataType::DT_FLOAT);
  const auto& x = *attr(def, "x", "value").get_if<sl::TensorProto>();
  CHECK(x.tensor_shape.sizes() == std::vector<std::int64_t>{2, 3});
  CHECK(sl::to_any_array(x).as<float, 2>() == xt::xtensor<float, 2>{{1, 2, 3}, {4, 5, 6}});
  const auto& y = *attr(def, "y", "value").get_if<sl::TensorProto>();
  CHECK(sl::to_any_array(y).as<std::int64_t, 2>() == xt::xtensor<std::int64_t, 2>{{1, 3, 2}, {5, 4, 7}});
  const auto& z = *attr(def, "z", "value").get_if<sl::TensorProto>();
  CHECK(sl::to_any_array(z).as<std::int32_t, 2>() == xt::xtensor<std::int32_t, 2>{{1, 3, 2}, {5, 4, 7}});
  // What we write of it reads back the same.
  CHECK(sl::parse_graph_def(sl::serialize_graph_def(def)) == def);
}

TEST_CASE("feed-control-dep.pbtxt: control inputs, an empty library and versions") {
  const sl::GraphDef def = sl::read_graph_def(data("feed-control-dep.pbtxt"));
  REQUIRE(def.node.size() == 3);
  CHECK(def.find("variable_node")->input == std::vector<std::string>{"^input"});
  CHECK(def.find("output_node")->input == std::vector<std::string>{"variable_node", "^input"});
  CHECK(def.versions == sl::VersionDef{});
  const auto& shape = *attr(def, "input", "shape").get_if<sl::TensorShapeProto>();
  CHECK(shape.sizes() == std::vector<std::int64_t>{1});
  const auto& one = *attr(def, "variable_node", "value").get_if<sl::TensorProto>();
  CHECK(one.tensor_shape.dim.empty());
  CHECK(sl::to_any_array(one).scalar<float>() == 1.f);
}

TEST_CASE("merge_without_loops.pbtxt: _class, name:1 inputs, a value filling its shape") {
  const sl::GraphDef def = sl::read_graph_def(data("merge_without_loops.pbtxt"));
  CHECK(def.node.size() == 17);
  CHECK(def.versions.producer == 21);
  const auto& cls = *attr(def, "cond/concat/Switch", "_class").get_if<sl::AttrValue::ListValue>();
  CHECK(cls.s == std::vector<std::string>{"loc:@ones"});
  CHECK(def.find("cond/switch_t")->input == std::vector<std::string>{"cond/Switch:1"});
  CHECK(def.find("cond/concat/axis")->input == std::vector<std::string>{"^cond/switch_t"});
  CHECK(*attr(def, "cond/concat", "N").get_if<std::int64_t>() == 2);
  CHECK(*attr(def, "cond/Switch", "T").get_if<sl::DataType>() == sl::DataType::DT_BOOL);
  const auto ones = sl::to_any_array(*attr(def, "ones", "value").get_if<sl::TensorProto>());
  CHECK(ones.shape() == sl::dims{1, 1, 1});
  CHECK(ones.scalar<float>() == 1.f);
  CHECK(sl::to_any_array(*attr(def, "Const", "value").get_if<sl::TensorProto>()).scalar<std::int32_t>() == 7);
  // Counting ops as TF's grappler test reads them.
  std::map<std::string, int> ops;
  for (const auto& n : def.node) ++ops[n.op];
  CHECK(ops["Const"] == 6);
  CHECK(ops["Switch"] == 3);
  CHECK(ops["ConcatV2"] == 3);
  CHECK(ops["Merge"] == 1);
}

TEST_CASE("TF's old conventions: the Variable op, ref dtypes, _output_shapes") {
  // As TF 1.x's write_graph(as_text=True) wrote a graph with add_shapes=True.
  const std::string text = R"pb(
node {
  name: "v"
  op: "Variable"
  attr { key: "_output_shapes" value { list { shape { dim { size: 2 } } } } }
  attr { key: "container" value { s: "" } }
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "shape" value { shape { dim { size: 2 } } } }
  attr { key: "shared_name" value { s: "" } }
}
node {
  name: "v/Assign"
  op: "Assign"
  input: "v"
  input: "v/initial_value"
  attr { key: "T" value { type: DT_FLOAT } }
  attr { key: "_class" value { list { s: "loc:@v" } } }
  attr { key: "_output_shapes" value { list { shape { dim { size: 2 } } } } }
}
node {
  name: "v/read"
  op: "Identity"
  input: "v"
  attr { key: "T" value { type: DT_FLOAT } }
  attr { key: "_output_shapes" value { list { shape { dim { size: -1 } } } } }
}
node {
  name: "ref_list"
  op: "RefIdentity"
  attr { key: "types" value { list { type: [DT_FLOAT_REF, DT_INT32_REF] } } }
}
versions { producer: 21 }
)pb";
  const sl::GraphDef def = sl::parse_graph_def(text, true);
  REQUIRE(def.node.size() == 4);
  const auto& shapes = *attr(def, "v", "_output_shapes").get_if<sl::AttrValue::ListValue>();
  REQUIRE(shapes.shape.size() == 1);
  CHECK(shapes.shape[0].sizes() == std::vector<std::int64_t>{2});
  CHECK(attr(def, "v/read", "_output_shapes").get_if<sl::AttrValue::ListValue>()->shape[0].sizes() ==
        std::vector<std::int64_t>{-1});
  const auto& types = attr(def, "ref_list", "types").get_if<sl::AttrValue::ListValue>()->type;
  CHECK(types == std::vector<sl::DataType>{sl::DataType::DT_FLOAT_REF, sl::DataType::DT_INT32_REF});
  CHECK(sl::to_dtype(types[0]) == sl::dtype::float32);
  CHECK(sl::parse_graph_def(sl::serialize_graph_def(def, true), true) == def);
}
