// TensorFlow's GraphDef schema, built at run time from a FileDescriptorProto
// written here with TF's message names, field numbers and types, so that no
// protoc-generated code is needed: users link libprotobuf and nothing else.
//
// The messages are TF's (package `tensorflow`), checked field by field against
// tensorflow/core/framework/{graph,node_def,attr_value,tensor,tensor_shape,
// types,versions,resource_handle}.proto and tensorflow/core/protobuf/
// {meta_graph,saver}.proto. Left opaque (empty messages whose contents binary
// parsing keeps as unknown fields, and text parsing rejects): FunctionDefLibrary,
// OpList, TensorInfo.composite_tensor, MetaGraphDef.object_graph_def.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include "../core/error.hpp"

namespace sessionlib {

namespace detail::schema {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using FT = FieldDescriptorProto;  // field types and labels: FT::TYPE_INT64, FT::LABEL_REPEATED

/// The names of DataType's values, as the schema declares them.
inline constexpr std::pair<const char*, int> data_type_values[] = {
  {"DT_INVALID", 0}, {"DT_FLOAT", 1}, {"DT_DOUBLE", 2}, {"DT_INT32", 3}, {"DT_UINT8", 4},
  {"DT_INT16", 5}, {"DT_INT8", 6}, {"DT_STRING", 7}, {"DT_COMPLEX64", 8}, {"DT_INT64", 9},
  {"DT_BOOL", 10}, {"DT_QINT8", 11}, {"DT_QUINT8", 12}, {"DT_QINT32", 13}, {"DT_BFLOAT16", 14},
  {"DT_QINT16", 15}, {"DT_QUINT16", 16}, {"DT_UINT16", 17}, {"DT_COMPLEX128", 18}, {"DT_HALF", 19},
  {"DT_RESOURCE", 20}, {"DT_VARIANT", 21}, {"DT_UINT32", 22}, {"DT_UINT64", 23},
  {"DT_FLOAT8_E5M2", 24}, {"DT_FLOAT8_E4M3FN", 25},
  {"DT_FLOAT_REF", 101}, {"DT_DOUBLE_REF", 102}, {"DT_INT32_REF", 103}, {"DT_UINT8_REF", 104},
  {"DT_INT16_REF", 105}, {"DT_INT8_REF", 106}, {"DT_STRING_REF", 107}, {"DT_COMPLEX64_REF", 108},
  {"DT_INT64_REF", 109}, {"DT_BOOL_REF", 110}, {"DT_QINT8_REF", 111}, {"DT_QUINT8_REF", 112},
  {"DT_QINT32_REF", 113}, {"DT_BFLOAT16_REF", 114}, {"DT_QINT16_REF", 115}, {"DT_QUINT16_REF", 116},
  {"DT_UINT16_REF", 117}, {"DT_COMPLEX128_REF", 118}, {"DT_HALF_REF", 119}, {"DT_RESOURCE_REF", 120},
  {"DT_VARIANT_REF", 121}, {"DT_UINT32_REF", 122}, {"DT_UINT64_REF", 123},
  {"DT_FLOAT8_E5M2_REF", 124}, {"DT_FLOAT8_E4M3FN_REF", 125},
};

/// Writes one message of the schema: fields, nested messages, maps and oneofs.
class message_writer {
 public:
  explicit message_writer(DescriptorProto* m) : m_(m) {}

  /// A field. `type_name` (".tensorflow.TensorProto") for message and enum fields;
  /// `oneof` is the index returned by oneof(), or -1.
  message_writer& field(const char* name, int number, FT::Type type, FT::Label label = FT::LABEL_OPTIONAL,
                        const char* type_name = nullptr, int oneof = -1) {
    FieldDescriptorProto* f = m_->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    f->set_label(label);
    if (type_name) f->set_type_name(type_name);
    if (oneof >= 0) f->set_oneof_index(oneof);
    return *this;
  }
  /// A repeated scalar field written packed, as TF's `[packed = true]`.
  message_writer& packed(const char* name, int number, FT::Type type, const char* type_name = nullptr) {
    field(name, number, type, FT::LABEL_REPEATED, type_name);
    m_->mutable_field(m_->field_size() - 1)->mutable_options()->set_packed(true);
    return *this;
  }
  /// `map<string, V> name = number;`: a nested `<Name>Entry` message and a repeated field of it.
  message_writer& map(const char* name, int number, FT::Type value_type, const char* value_type_name = nullptr) {
    std::string entry;
    bool upper = true;
    for (const char* c = name; *c; ++c) {
      if (*c == '_') { upper = true; continue; }
      entry += upper && *c >= 'a' && *c <= 'z' ? static_cast<char>(*c - 'a' + 'A') : *c;
      upper = false;
    }
    entry += "Entry";
    message_writer e = nested(entry.c_str());
    e.m_->mutable_options()->set_map_entry(true);
    e.field("key", 1, FT::TYPE_STRING).field("value", 2, value_type, FT::LABEL_OPTIONAL, value_type_name);
    const std::string type_name = "." + full_name_ + "." + entry;
    return field(name, number, FT::TYPE_MESSAGE, FT::LABEL_REPEATED, type_name.c_str());
  }
  /// A nested message.
  message_writer nested(const char* name) {
    DescriptorProto* n = m_->add_nested_type();
    n->set_name(name);
    message_writer w(n);
    w.full_name_ = full_name_ + "." + name;
    return w;
  }
  /// A oneof; returns its index for field(..., oneof).
  int oneof(const char* name) {
    m_->add_oneof_decl()->set_name(name);
    return m_->oneof_decl_size() - 1;
  }
  /// Marks the last field deprecated.
  message_writer& deprecated() {
    m_->mutable_field(m_->field_size() - 1)->mutable_options()->set_deprecated(true);
    return *this;
  }

  std::string full_name_;  // "tensorflow.AttrValue"

 private:
  DescriptorProto* m_;
};

/// The schema as a FileDescriptorProto (file "sessionlib/tensorflow_graph.proto").
inline google::protobuf::FileDescriptorProto make_file() {
  google::protobuf::FileDescriptorProto file;
  file.set_name("sessionlib/tensorflow_graph.proto");
  file.set_package("tensorflow");
  file.set_syntax("proto3");
  file.add_dependency("google/protobuf/any.proto");
  auto message = [&](const char* name) {
    DescriptorProto* m = file.add_message_type();
    m->set_name(name);
    message_writer w(m);
    w.full_name_ = std::string("tensorflow.") + name;
    return w;
  };
  constexpr auto opt = FT::LABEL_OPTIONAL;
  constexpr auto rep = FT::LABEL_REPEATED;
  const char* dtype = ".tensorflow.DataType";
  const char* shape = ".tensorflow.TensorShapeProto";
  const char* tensor = ".tensorflow.TensorProto";

  // types.proto
  auto* e = file.add_enum_type();
  e->set_name("DataType");
  for (const auto& [name, number] : data_type_values) {
    auto* v = e->add_value();
    v->set_name(name);
    v->set_number(number);
  }

  // tensor_shape.proto
  auto ts = message("TensorShapeProto");
  ts.nested("Dim").field("size", 1, FT::TYPE_INT64).field("name", 2, FT::TYPE_STRING);
  ts.field("dim", 2, FT::TYPE_MESSAGE, rep, ".tensorflow.TensorShapeProto.Dim")
    .field("unknown_rank", 3, FT::TYPE_BOOL);

  // resource_handle.proto
  auto rh = message("ResourceHandleProto");
  rh.field("device", 1, FT::TYPE_STRING).field("container", 2, FT::TYPE_STRING).field("name", 3, FT::TYPE_STRING)
    .field("hash_code", 4, FT::TYPE_UINT64).field("maybe_type_name", 5, FT::TYPE_STRING);
  rh.nested("DtypeAndShape").field("dtype", 1, FT::TYPE_ENUM, opt, dtype).field("shape", 2, FT::TYPE_MESSAGE, opt, shape);
  rh.field("dtypes_and_shapes", 6, FT::TYPE_MESSAGE, rep, ".tensorflow.ResourceHandleProto.DtypeAndShape");

  // tensor.proto
  message("TensorProto")
    .field("dtype", 1, FT::TYPE_ENUM, opt, dtype)
    .field("tensor_shape", 2, FT::TYPE_MESSAGE, opt, shape)
    .field("version_number", 3, FT::TYPE_INT32)
    .field("tensor_content", 4, FT::TYPE_BYTES)
    .packed("half_val", 13, FT::TYPE_INT32)
    .packed("float_val", 5, FT::TYPE_FLOAT)
    .packed("double_val", 6, FT::TYPE_DOUBLE)
    .packed("int_val", 7, FT::TYPE_INT32)
    .field("string_val", 8, FT::TYPE_BYTES, rep)
    .packed("scomplex_val", 9, FT::TYPE_FLOAT)
    .packed("int64_val", 10, FT::TYPE_INT64)
    .packed("bool_val", 11, FT::TYPE_BOOL)
    .packed("dcomplex_val", 12, FT::TYPE_DOUBLE)
    .field("resource_handle_val", 14, FT::TYPE_MESSAGE, rep, ".tensorflow.ResourceHandleProto")
    .field("variant_val", 15, FT::TYPE_MESSAGE, rep, ".tensorflow.VariantTensorDataProto")
    .packed("uint32_val", 16, FT::TYPE_UINT32)
    .packed("uint64_val", 17, FT::TYPE_UINT64)
    .field("float8_val", 18, FT::TYPE_BYTES);
  message("VariantTensorDataProto")
    .field("type_name", 1, FT::TYPE_STRING).field("metadata", 2, FT::TYPE_BYTES)
    .field("tensors", 3, FT::TYPE_MESSAGE, rep, tensor);

  // attr_value.proto
  auto av = message("AttrValue");
  av.nested("ListValue")
    .field("s", 2, FT::TYPE_BYTES, rep)
    .packed("i", 3, FT::TYPE_INT64)
    .packed("f", 4, FT::TYPE_FLOAT)
    .packed("b", 5, FT::TYPE_BOOL)
    .packed("type", 6, FT::TYPE_ENUM, dtype)
    .field("shape", 7, FT::TYPE_MESSAGE, rep, shape)
    .field("tensor", 8, FT::TYPE_MESSAGE, rep, tensor)
    .field("func", 9, FT::TYPE_MESSAGE, rep, ".tensorflow.NameAttrList");
  const int value = av.oneof("value");
  av.field("s", 2, FT::TYPE_BYTES, opt, nullptr, value)
    .field("i", 3, FT::TYPE_INT64, opt, nullptr, value)
    .field("f", 4, FT::TYPE_FLOAT, opt, nullptr, value)
    .field("b", 5, FT::TYPE_BOOL, opt, nullptr, value)
    .field("type", 6, FT::TYPE_ENUM, opt, dtype, value)
    .field("shape", 7, FT::TYPE_MESSAGE, opt, shape, value)
    .field("tensor", 8, FT::TYPE_MESSAGE, opt, tensor, value)
    .field("list", 1, FT::TYPE_MESSAGE, opt, ".tensorflow.AttrValue.ListValue", value)
    .field("func", 10, FT::TYPE_MESSAGE, opt, ".tensorflow.NameAttrList", value)
    .field("placeholder", 9, FT::TYPE_STRING, opt, nullptr, value);
  message("NameAttrList").field("name", 1, FT::TYPE_STRING).map("attr", 2, FT::TYPE_MESSAGE, ".tensorflow.AttrValue");

  // node_def.proto
  auto nd = message("NodeDef");
  nd.field("name", 1, FT::TYPE_STRING).field("op", 2, FT::TYPE_STRING).field("input", 3, FT::TYPE_STRING, rep)
    .field("device", 4, FT::TYPE_STRING).map("attr", 5, FT::TYPE_MESSAGE, ".tensorflow.AttrValue");
  nd.nested("ExperimentalDebugInfo")
    .field("original_node_names", 1, FT::TYPE_STRING, rep).field("original_func_names", 2, FT::TYPE_STRING, rep);
  nd.field("experimental_debug_info", 6, FT::TYPE_MESSAGE, opt, ".tensorflow.NodeDef.ExperimentalDebugInfo");

  // versions.proto, function.proto (opaque), graph.proto
  message("VersionDef").field("producer", 1, FT::TYPE_INT32).field("min_consumer", 2, FT::TYPE_INT32)
    .field("bad_consumers", 3, FT::TYPE_INT32, rep);
  message("FunctionDefLibrary");
  message("GraphDef")
    .field("node", 1, FT::TYPE_MESSAGE, rep, ".tensorflow.NodeDef")
    .field("versions", 4, FT::TYPE_MESSAGE, opt, ".tensorflow.VersionDef")
    .field("version", 3, FT::TYPE_INT32).deprecated()
    .field("library", 2, FT::TYPE_MESSAGE, opt, ".tensorflow.FunctionDefLibrary");

  // saver.proto
  auto sd = message("SaverDef");
  sd.field("filename_tensor_name", 1, FT::TYPE_STRING).field("save_tensor_name", 2, FT::TYPE_STRING)
    .field("restore_op_name", 3, FT::TYPE_STRING).field("max_to_keep", 4, FT::TYPE_INT32)
    .field("sharded", 5, FT::TYPE_BOOL).field("keep_checkpoint_every_n_hours", 6, FT::TYPE_FLOAT);
  {
    auto* v = file.mutable_message_type(file.message_type_size() - 1)->add_enum_type();
    v->set_name("CheckpointFormatVersion");
    for (const auto& [name, number] : {std::pair{"LEGACY", 0}, {"V1", 1}, {"V2", 2}}) {
      auto* ev = v->add_value();
      ev->set_name(name);
      ev->set_number(number);
    }
  }
  sd.field("version", 7, FT::TYPE_ENUM, opt, ".tensorflow.SaverDef.CheckpointFormatVersion");

  // meta_graph.proto
  message("OpList");  // opaque: op_def.proto is not modelled
  auto cd = message("CollectionDef");
  cd.nested("NodeList").field("value", 1, FT::TYPE_STRING, rep);
  cd.nested("BytesList").field("value", 1, FT::TYPE_BYTES, rep);
  cd.nested("Int64List").packed("value", 1, FT::TYPE_INT64);
  cd.nested("FloatList").packed("value", 1, FT::TYPE_FLOAT);
  cd.nested("AnyList").field("value", 1, FT::TYPE_MESSAGE, rep, ".google.protobuf.Any");
  const int kind = cd.oneof("kind");
  cd.field("node_list", 1, FT::TYPE_MESSAGE, opt, ".tensorflow.CollectionDef.NodeList", kind)
    .field("bytes_list", 2, FT::TYPE_MESSAGE, opt, ".tensorflow.CollectionDef.BytesList", kind)
    .field("int64_list", 3, FT::TYPE_MESSAGE, opt, ".tensorflow.CollectionDef.Int64List", kind)
    .field("float_list", 4, FT::TYPE_MESSAGE, opt, ".tensorflow.CollectionDef.FloatList", kind)
    .field("any_list", 5, FT::TYPE_MESSAGE, opt, ".tensorflow.CollectionDef.AnyList", kind);
  auto ti = message("TensorInfo");
  ti.nested("CooSparse").field("values_tensor_name", 1, FT::TYPE_STRING)
    .field("indices_tensor_name", 2, FT::TYPE_STRING).field("dense_shape_tensor_name", 3, FT::TYPE_STRING);
  const int encoding = ti.oneof("encoding");
  ti.field("name", 1, FT::TYPE_STRING, opt, nullptr, encoding)
    .field("coo_sparse", 4, FT::TYPE_MESSAGE, opt, ".tensorflow.TensorInfo.CooSparse", encoding)
    .field("dtype", 2, FT::TYPE_ENUM, opt, dtype)
    .field("tensor_shape", 3, FT::TYPE_MESSAGE, opt, shape);
  message("SignatureDef")
    .map("inputs", 1, FT::TYPE_MESSAGE, ".tensorflow.TensorInfo")
    .map("outputs", 2, FT::TYPE_MESSAGE, ".tensorflow.TensorInfo")
    .field("method_name", 3, FT::TYPE_STRING)
    .map("defaults", 4, FT::TYPE_MESSAGE, tensor);
  message("AssetFileDef").field("tensor_info", 1, FT::TYPE_MESSAGE, opt, ".tensorflow.TensorInfo")
    .field("filename", 2, FT::TYPE_STRING);
  auto mg = message("MetaGraphDef");
  mg.nested("MetaInfoDef")
    .field("meta_graph_version", 1, FT::TYPE_STRING)
    .field("stripped_op_list", 2, FT::TYPE_MESSAGE, opt, ".tensorflow.OpList")
    .field("any_info", 3, FT::TYPE_MESSAGE, opt, ".google.protobuf.Any")
    .field("tags", 4, FT::TYPE_STRING, rep)
    .field("tensorflow_version", 5, FT::TYPE_STRING)
    .field("tensorflow_git_version", 6, FT::TYPE_STRING)
    .field("stripped_default_attrs", 7, FT::TYPE_BOOL)
    .map("function_aliases", 8, FT::TYPE_STRING);
  mg.field("meta_info_def", 1, FT::TYPE_MESSAGE, opt, ".tensorflow.MetaGraphDef.MetaInfoDef")
    .field("graph_def", 2, FT::TYPE_MESSAGE, opt, ".tensorflow.GraphDef")
    .field("saver_def", 3, FT::TYPE_MESSAGE, opt, ".tensorflow.SaverDef")
    .map("collection_def", 4, FT::TYPE_MESSAGE, ".tensorflow.CollectionDef")
    .map("signature_def", 5, FT::TYPE_MESSAGE, ".tensorflow.SignatureDef")
    .field("asset_file_def", 6, FT::TYPE_MESSAGE, rep, ".tensorflow.AssetFileDef");
  return file;
}

/// Collects the errors of DescriptorPool::BuildFile (a broken schema is our bug).
class build_errors : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element, const google::protobuf::Message*,
                ErrorLocation, const std::string& message) override {
    text += filename + ": " + element + ": " + message + "\n";
  }
  std::string text;
};

}  // namespace detail::schema

/// The schema's descriptors and the factory of its dynamic messages. Built
/// once, on first use (graph_def_schema()); immutable and thread-safe after.
class GraphDefSchema {
 public:
  GraphDefSchema() : pool_(google::protobuf::DescriptorPool::generated_pool()), factory_(&pool_) {
    detail::schema::build_errors errors;
    file_ = pool_.BuildFileCollectingErrors(detail::schema::make_file(), &errors);
    if (!file_) throw internal_error("sessionlib: the GraphDef schema does not build:\n" + errors.text);
  }
  GraphDefSchema(const GraphDefSchema&) = delete;
  GraphDefSchema& operator=(const GraphDefSchema&) = delete;

  /// The descriptor of message `name` ("tensorflow.GraphDef", "tensorflow.AttrValue.ListValue").
  const google::protobuf::Descriptor& message(std::string_view name) const {
    const auto* d = pool_.FindMessageTypeByName(std::string(name));
    if (!d) throw internal_error("sessionlib: the GraphDef schema has no message " + std::string(name));
    return *d;
  }
  /// A fresh, empty dynamic message of type `name`.
  std::unique_ptr<google::protobuf::Message> make(std::string_view name) const {
    // GetPrototype is thread-safe; a DynamicMessageFactory is otherwise immutable here.
    return std::unique_ptr<google::protobuf::Message>(factory_.GetPrototype(&message(name))->New());
  }
  /// The schema's file descriptor.
  const google::protobuf::FileDescriptor& file() const noexcept { return *file_; }
  /// The schema as .proto text (FileDescriptor::DebugString), which protoc and
  /// python's protobuf accept: `protoc --decode=tensorflow.GraphDef schema.proto`.
  std::string proto_text() const { return file_->DebugString(); }

 private:
  google::protobuf::DescriptorPool pool_;  // underlay: the generated pool, for google/protobuf/any.proto
  mutable google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
};

/// The process's one GraphDef schema, built on first call (thread-safe).
inline const GraphDefSchema& graph_def_schema() {
  static const GraphDefSchema schema;
  return schema;
}

}  // namespace sessionlib
