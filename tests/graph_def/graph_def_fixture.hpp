// Shared by the GraphDef tests: a model exercising every attribute kind, and
// a fresh temporary directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <sessionlib/graph_def.hpp>

#include "../train/temp_dir.hpp"

namespace sl = sessionlib;

namespace graph_def_test {

/// A GraphDef with every kind of attribute value, control inputs, a device and
/// bytes that are not UTF-8 in a bytes field.
inline sl::GraphDef every_kind() {
  sl::GraphDef def;
  def.versions = {27, 12, {3, 5}};
  auto& x = def.node.emplace_back();
  x.name = "x";
  x.op = "Placeholder";
  x.attr["dtype"] = sl::DataType::DT_FLOAT;
  x.attr["shape"] = sl::TensorShapeProto::of({-1, 784});
  auto& c = def.node.emplace_back();
  c.name = "layer/w";
  c.op = "Const";
  c.device = "/device:CPU:0";
  c.input = {"^x"};
  c.attr["dtype"] = sl::DataType::DT_FLOAT;
  sl::TensorProto t;
  t.dtype = sl::DataType::DT_FLOAT;
  t.tensor_shape = sl::TensorShapeProto::of({2, 3});
  t.float_val = {1.5f, -2.f};
  c.attr["value"] = t;
  auto& v = def.node.emplace_back();
  v.name = "v";
  v.op = "Variable";
  v.attr["dtype"] = sl::DataType::DT_FLOAT;
  v.attr["shape"] = sl::TensorShapeProto{{{2, "rows"}, {3, ""}}, false};
  v.attr["container"] = std::string("");
  v.attr["shared_name"] = std::string("\xff\x00z", 3);  // bytes, not UTF-8
  v.attr["i0"] = std::int64_t{0};
  v.attr["neg"] = std::int64_t{-7};
  v.attr["f"] = 0.25f;
  v.attr["b"] = false;
  v.attr["ref"] = sl::DataType::DT_FLOAT_REF;
  v.attr["unknown"] = sl::TensorShapeProto{{}, true};
  v.attr["placeholder"] = sl::AttrValue::Placeholder{"T"};
  v.attr["empty"] = sl::AttrValue{};
  sl::AttrValue::ListValue list;
  list.s = {"loc:@v", ""};
  list.i = {1, -2, 3};
  list.f = {0.5f};
  list.b = {true, false};
  list.type = {sl::DataType::DT_INT32, sl::DataType::DT_BOOL};
  list.shape = {sl::TensorShapeProto::of({-1}), sl::TensorShapeProto::of({})};
  list.tensor = {t};
  sl::NameAttrList f;
  f.name = "MatMul";
  f.attr["T"] = sl::DataType::DT_DOUBLE;
  f.attr["transpose_a"] = true;
  list.func = {f};
  v.attr["_class"] = list;
  v.attr["func"] = f;
  auto& a = def.node.emplace_back();
  a.name = "add";
  a.op = "AddV2";
  a.input = {"x", "v:0", "layer/w:1", "^x"};
  a.attr["T"] = sl::DataType::DT_FLOAT;
  sl::TensorProto every;
  every.dtype = sl::DataType::DT_INT64;
  every.version_number = 1;
  every.tensor_content = std::string("\x01\0\0\0\0\0\0\0", 8);
  every.half_val = {1};
  every.double_val = {2.5};
  every.int_val = {-3};
  every.string_val = {"a", std::string("\0b", 2)};
  every.scomplex_val = {1.f, 2.f};
  every.int64_val = {1LL << 40};
  every.bool_val = {true};
  every.dcomplex_val = {3., 4.};
  every.uint32_val = {4000000000u};
  every.uint64_val = {1ULL << 63};
  a.attr["all_fields"] = every;
  return def;
}

using sessionlib_test::temp_dir;  // tests/train/temp_dir.hpp

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace graph_def_test
