// Shared by the MetaGraph tests and the tool: a MetaGraphDef with every
// field the model keeps, and a tiny trained model to export and serve.
#pragma once

#include <sessionlib/graph_def.hpp>
#include <sessionlib/graph_def/meta_graph_export.hpp>
#include <sessionlib/graph_def/meta_graph_io.hpp>
#include <sessionlib/ops/arithmetic.hpp>
#include <sessionlib/ops/init.hpp>
#include <sessionlib/ops/linalg.hpp>
#include <sessionlib/ops/math.hpp>
#include <sessionlib/ops/nn.hpp>
#include <sessionlib/ops/reduce.hpp>
#include <sessionlib/ops/state.hpp>
#include <sessionlib/train/optimizers.hpp>

#include "graph_def_fixture.hpp"

namespace meta_graph_test {

namespace sl = sessionlib;

/// A MetaGraphDef with every field and every kind of collection.
inline sl::MetaGraphDef every_field() {
  sl::MetaGraphDef def;
  def.meta_info_def.meta_graph_version = "v1";
  def.meta_info_def.any_info = sl::AnyProto{"type.googleapis.com/tensorflow.SaverDef", std::string("\x20\x05", 2)};
  def.meta_info_def.tags = {"serve", "train"};
  def.meta_info_def.tensorflow_version = "1.15.5";
  def.meta_info_def.tensorflow_git_version = "unknown";
  def.meta_info_def.stripped_default_attrs = true;
  def.meta_info_def.function_aliases = {{"f", "g"}};
  def.graph_def = graph_def_test::every_kind();
  def.saver_def = sl::SaverDef{"save/Const:0", "save/control_dependency:0", "save/restore_all", 5, true, 10000.f,
                               sl::SaverDef::V2};
  def.collection_def["nodes"].kind = sl::CollectionDef::NodeList{{"x:0", "train"}};
  def.collection_def["bytes"].kind = sl::CollectionDef::BytesList{{std::string("\xff\x00z", 3)}};
  def.collection_def["ints"].kind = sl::CollectionDef::Int64List{{1, -2, 1ll << 40}};
  def.collection_def["floats"].kind = sl::CollectionDef::FloatList{{0.5f, -1.25f}};
  def.collection_def["anys"].kind = sl::CollectionDef::AnyList{{{"type.googleapis.com/tensorflow.SaverDef", "\x20\x03"}}};
  def.collection_def["empty"].kind = sl::CollectionDef::NodeList{};
  sl::SignatureDef sig;
  sig.inputs["images"] = {"x:0", std::nullopt, sl::DataType::DT_FLOAT, sl::TensorShapeProto::of({-1, 784})};
  sig.inputs["sparse"] = {"", sl::TensorInfo::CooSparse{"v:0", "i:0", "s:0"}, sl::DataType::DT_INT64,
                          sl::TensorShapeProto::of({-1, 5})};
  sig.outputs["scores"] = {"add:0", std::nullopt, sl::DataType::DT_FLOAT, sl::TensorShapeProto::of({-1, 10})};
  sig.method_name = sl::predict_method_name;
  sl::TensorProto t;
  t.dtype = sl::DataType::DT_FLOAT;
  t.float_val = {0.25f};
  sig.defaults["images"] = t;
  def.signature_def[sl::default_serving_signature_def_key] = sig;
  def.asset_file_def.push_back({{"vocab:0", std::nullopt, sl::DataType::DT_STRING, {}}, "vocab.txt"});
  return def;
}

}  // namespace meta_graph_test
