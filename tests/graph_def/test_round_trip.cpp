// The model through protobuf's binary and text formats and back; files;
// malformed input.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "graph_def_fixture.hpp"

using namespace graph_def_test;

TEST_CASE("model -> binary -> model and model -> text -> model are identical") {
  const sl::GraphDef def = every_kind();
  for (bool as_text : {false, true}) {
    CAPTURE(as_text);
    const std::string bytes = sl::serialize_graph_def(def, as_text);
    const sl::GraphDef back = sl::parse_graph_def(bytes, as_text);
    CHECK(back == def);
    CHECK(sl::serialize_graph_def(back, as_text) == bytes);  // and the bytes are stable
  }
  // An attribute set to its default value still says which kind it is.
  const sl::GraphDef back = sl::parse_graph_def(sl::serialize_graph_def(def));
  const auto& v = *back.find("v");
  REQUIRE(v.attr.at("i0").get_if<std::int64_t>());
  CHECK(*v.attr.at("i0").get_if<std::int64_t>() == 0);
  REQUIRE(v.attr.at("b").get_if<bool>());
  CHECK(*v.attr.at("container").get_if<std::string>() == "");
  CHECK(std::holds_alternative<std::monostate>(v.attr.at("empty").value));
  CHECK(v.attr.at("shared_name") == sl::AttrValue(std::string("\xff\x00z", 3)));
}

TEST_CASE("the text format is TF's") {
  sl::GraphDef def;
  def.versions.producer = 27;
  auto& n = def.node.emplace_back();
  n.name = "c";
  n.op = "Const";
  n.input = {"^x"};
  n.attr["dtype"] = sl::DataType::DT_INT32;
  const std::string text = sl::serialize_graph_def(def, true);
  CHECK(text ==
        "node {\n  name: \"c\"\n  op: \"Const\"\n  input: \"^x\"\n  attr {\n    key: \"dtype\"\n    value {\n"
        "      type: DT_INT32\n    }\n  }\n}\nversions {\n  producer: 27\n}\n");
}

TEST_CASE("binary output is deterministic: attributes in key order") {
  sl::GraphDef a = every_kind(), b = every_kind();
  CHECK(sl::serialize_graph_def(a) == sl::serialize_graph_def(b));
}

TEST_CASE("TensorProto decoding follows TF's rules") {
  sl::TensorProto t;
  t.dtype = sl::DataType::DT_FLOAT;
  t.tensor_shape = sl::TensorShapeProto::of({2, 3});
  SUBCASE("one value fills the shape") {
    t.float_val = {7.f};
    const auto a = sl::to_any_array(t).as<float, 2>();
    CHECK(a == xt::xtensor<float, 2>{{7, 7, 7}, {7, 7, 7}});
  }
  SUBCASE("fewer values: the last one repeats") {
    t.float_val = {1.f, 2.f};
    CHECK(sl::to_any_array(t).as<float, 2>() == xt::xtensor<float, 2>{{1, 2, 2}, {2, 2, 2}});
  }
  SUBCASE("no values: zeros") {
    CHECK(sl::to_any_array(t).as<float, 2>() == xt::xtensor<float, 2>{{0, 0, 0}, {0, 0, 0}});
  }
  SUBCASE("tensor_content of the right size") {
    const float v[6] = {1, 2, 3, 4, 5, 6};
    t.tensor_content.assign(reinterpret_cast<const char*>(v), sizeof v);
    CHECK(sl::to_any_array(t).as<float, 2>() == xt::xtensor<float, 2>{{1, 2, 3}, {4, 5, 6}});
    t.tensor_content.pop_back();
    CHECK_THROWS_WITH_AS(sl::to_any_array(t), "TensorProto of shape (2, 3) and type float32 has 23 bytes of tensor_content, not 24",
                         sl::invalid_argument);
  }
  SUBCASE("int32, uint8, int64, bool, double") {
    t.dtype = sl::DataType::DT_UINT8;
    t.int_val = {200, 3};
    CHECK(sl::to_any_array(t).as<std::uint8_t, 2>() == xt::xtensor<std::uint8_t, 2>{{200, 3, 3}, {3, 3, 3}});
    t.dtype = sl::DataType::DT_INT32;
    CHECK(sl::to_any_array(t).as<std::int32_t, 2>() == xt::xtensor<std::int32_t, 2>{{200, 3, 3}, {3, 3, 3}});
    t.dtype = sl::DataType::DT_INT64;
    t.int64_val = {-(1LL << 40)};
    CHECK(sl::to_any_array(t).as<std::int64_t, 2>()(1, 2) == -(1LL << 40));
    t.dtype = sl::DataType::DT_BOOL;
    t.bool_val = {false, true};
    CHECK(sl::to_any_array(t).as<bool, 2>() == xt::xtensor<bool, 2>{{false, true, true}, {true, true, true}});
    t.dtype = sl::DataType::DT_DOUBLE;
    t.double_val = {0.1};
    CHECK(sl::to_any_array(t).as<double, 2>()(0, 0) == 0.1);
  }
  SUBCASE("scalars") {
    t.tensor_shape = {};
    t.float_val = {3.5f};
    const auto a = sl::to_any_array(t);
    CHECK(a.rank() == 0);
    CHECK(a.scalar<float>() == 3.5f);
  }
  SUBCASE("what cannot be decoded") {
    t.tensor_shape = sl::TensorShapeProto::of({-1, 3});
    CHECK_THROWS_AS(sl::to_any_array(t), sl::invalid_argument);
    t.tensor_shape = sl::TensorShapeProto{{}, true};
    CHECK_THROWS_AS(sl::to_any_array(t), sl::invalid_argument);
    t.tensor_shape = sl::TensorShapeProto::of({1, 1, 1, 1, 1, 1, 1, 1, 1});
    CHECK_THROWS_AS(sl::to_any_array(t), sl::invalid_argument);
    t.tensor_shape = sl::TensorShapeProto::of({1LL << 40, 1LL << 40});
    CHECK_THROWS_AS(sl::to_any_array(t), sl::invalid_argument);
    t.tensor_shape = {};
    t.dtype = sl::DataType::DT_HALF;
    CHECK_THROWS_AS(sl::to_any_array(t), sl::unimplemented);
  }
}

TEST_CASE("an any_array encodes as tensor_content and decodes back") {
  const xt::xtensor<double, 2> v{{1.5, -2}, {3, 4e300}};
  const sl::any_array a = sl::any_array::from_expression(v);
  const sl::TensorProto t = sl::to_tensor_proto(a);
  CHECK(t.dtype == sl::DataType::DT_DOUBLE);
  CHECK(t.tensor_shape.sizes() == std::vector<std::int64_t>{2, 2});
  CHECK(t.tensor_content.size() == 32);
  CHECK(sl::to_any_array(t).as<double, 2>() == v);
}

TEST_CASE("a string any_array encodes as string_val and decodes back") {
  const xt::xtensor<std::string, 1> v{"a", std::string(3, '\0'), "ccc"};
  const sl::TensorProto t = sl::to_tensor_proto(sl::any_array::from_expression(v));
  CHECK(t.dtype == sl::DataType::DT_STRING);
  CHECK(t.tensor_content.empty());
  CHECK(t.string_val == std::vector<std::string>{"a", std::string(3, '\0'), "ccc"});
  CHECK(sl::to_any_array(t).as<std::string, 1>() == v);
}

TEST_CASE("DataType and dtype") {
  CHECK(sl::to_data_type(sl::dtype::float32) == sl::DataType::DT_FLOAT);
  CHECK(sl::to_data_type(sl::dtype::bool_) == sl::DataType::DT_BOOL);
  CHECK(sl::to_dtype(sl::DataType::DT_INT64_REF) == sl::dtype::int64);
  CHECK(sl::is_ref_type(sl::DataType::DT_FLOAT_REF));
  CHECK(sl::base_type(sl::DataType::DT_FLOAT_REF) == sl::DataType::DT_FLOAT);
  CHECK(sl::to_dtype(sl::DataType::DT_STRING) == sl::dtype::string);
  CHECK(sl::to_data_type(sl::dtype::string) == sl::DataType::DT_STRING);
  CHECK(static_cast<int>(sl::DataType::DT_STRING) == 7);
  CHECK_FALSE(sl::to_dtype(sl::DataType::DT_HALF));
  // Every value of the enum is in the schema, under the same name.
  const auto* e = sl::graph_def_schema().file().FindEnumTypeByName("DataType");
  REQUIRE(e);
  CHECK(e->FindValueByName("DT_FLOAT_REF")->number() == 101);
  CHECK(e->FindValueByName("DT_BOOL")->number() == static_cast<int>(sl::DataType::DT_BOOL));
}

TEST_CASE("write_graph writes atomically and returns the path; read_graph_def picks the format by extension") {
  temp_dir d("sl_graph_def_io");
  const sl::GraphDef def = every_kind();
  const std::string text_path = sl::train::write_graph(def, d.path / "sub", "model.pbtxt", true);
  CHECK(text_path == (d.path / "sub" / "model.pbtxt").string());  // the directory is created
  const std::string bin_path = sl::train::write_graph(def, d.path / "sub", "model.pb", false);
  CHECK(read_file(text_path) == sl::serialize_graph_def(def, true));
  CHECK(read_file(bin_path) == sl::serialize_graph_def(def, false));
  CHECK(sl::read_graph_def(text_path) == def);
  CHECK(sl::read_graph_def(bin_path) == def);
  CHECK(sl::train::write_graph(def, d.path, "model.txt") == (d.path / "model.txt").string());  // text by default
  CHECK(sl::read_graph_def(d.path / "model.txt") == def);
  // No temporary is left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(d.path / "sub")) ++files;
  CHECK(files == 2);
}

TEST_CASE("malformed input is data_loss naming the file") {
  temp_dir d("sl_graph_def_bad");
  const std::string bytes = sl::serialize_graph_def(every_kind());
  SUBCASE("truncated binary") {
    const auto path = d.path / "cut.pb";
    write_file(path, bytes.substr(0, bytes.size() / 2));
    try {
      sl::read_graph_def(path);
      FAIL("no throw");
    } catch (const sl::data_loss& e) {
      CHECK(std::string(e.what()).find("Can't parse " + path.string() + " as binary proto") == 0);
    }
    CHECK_THROWS_AS(sl::parse_graph_def(bytes.substr(0, bytes.size() - 3)), sl::data_loss);
  }
  SUBCASE("bad text, with protobuf's line and column") {
    const auto path = d.path / "bad.pbtxt";
    write_file(path, "node {\n  name: \"a\"\n  op: 12 13\n}\n");
    try {
      sl::read_graph_def(path);
      FAIL("no throw");
    } catch (const sl::data_loss& e) {
      const std::string what = e.what();
      CHECK(what.find("Can't parse " + path.string() + " as text proto: 3:") == 0);
      INFO(what);
      CHECK(what.find("string") != std::string::npos);
    }
    write_file(path, "node {\n  name: \"a\"\n  colour: \"red\"\n}\n");
    CHECK_THROWS_WITH_AS(sl::read_graph_def(path),
                         doctest::Contains("as text proto: 3:9: Message type \"tensorflow.NodeDef\" has no field named \"colour\""),
                         sl::data_loss);
  }
  SUBCASE("a text file read as binary") {
    const auto path = d.path / "model.pb";
    write_file(path, "node { name: \"a\" }\n");
    CHECK_THROWS_AS(sl::read_graph_def(path), sl::data_loss);
  }
  SUBCASE("a missing file is not_found") {
    CHECK_THROWS_AS(sl::read_graph_def(d.path / "missing.pb"), sl::not_found);
  }
}

TEST_CASE("the schema is built once and used from many threads") {
  const sl::GraphDef def = every_kind();
  const std::string bytes = sl::serialize_graph_def(def);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        ok[static_cast<std::size_t>(t)] += sl::parse_graph_def(sl::serialize_graph_def(def, i % 2 == 1), i % 2 == 1) == def &&
                                           sl::serialize_graph_def(sl::parse_graph_def(bytes)) == bytes;
    });
  for (auto& th : threads) th.join();
  CHECK(ok == std::vector<int>(4, 50));
  CHECK(&sl::graph_def_schema() == &sl::graph_def_schema());
}

TEST_CASE("the schema prints as a .proto of package tensorflow") {
  const std::string proto = sl::graph_def_schema().proto_text();
  CHECK(proto.find("package tensorflow;") != std::string::npos);
  CHECK(proto.find("message GraphDef {") != std::string::npos);
  CHECK(proto.find("map<string, .tensorflow.AttrValue> attr = 5;") != std::string::npos);
  CHECK(proto.find("DT_FLOAT_REF = 101;") != std::string::npos);
}
