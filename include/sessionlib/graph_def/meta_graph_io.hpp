// MetaGraphDefs (graph_def/meta_graph.hpp) as protobuf messages of the schema
// (graph_def/schema.hpp, which declares TF's meta_graph.proto and saver.proto),
// as bytes and as files: binary or text format through protobuf's own
// serializer and parsers, as GraphDefs are (graph_def/io.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include "../core/error.hpp"
#include "convert.hpp"
#include "io.hpp"
#include "meta_graph.hpp"

namespace sessionlib::detail::pb {

inline void set_bool(Message& m, const char* name, bool v) {
  if (v) m.GetReflection()->SetBool(&m, &field(m, name), true);
}
inline bool get_bool(const Message& m, const char* name) { return m.GetReflection()->GetBool(m, &field(m, name)); }
inline bool has(const Message& m, const char* name) { return m.GetReflection()->HasField(m, &field(m, name)); }

// -- google.protobuf.Any --------------------------------------------------------
inline void write(const AnyProto& a, Message& m) {
  set_string(m, "type_url", a.type_url);
  set_string(m, "value", a.value);
}
inline void read(const Message& m, AnyProto& a) {
  a.type_url = get_string(m, "type_url");
  a.value = get_string(m, "value");
}

// -- SaverDef -----------------------------------------------------------------
inline void write(const SaverDef& s, Message& m) {
  set_string(m, "filename_tensor_name", s.filename_tensor_name);
  set_string(m, "save_tensor_name", s.save_tensor_name);
  set_string(m, "restore_op_name", s.restore_op_name);
  set_int32(m, "max_to_keep", s.max_to_keep);
  set_bool(m, "sharded", s.sharded);
  if (s.keep_checkpoint_every_n_hours != 0)
    m.GetReflection()->SetFloat(&m, &field(m, "keep_checkpoint_every_n_hours"), s.keep_checkpoint_every_n_hours);
  if (s.version != SaverDef::LEGACY) m.GetReflection()->SetEnumValue(&m, &field(m, "version"), s.version);
}
inline void read(const Message& m, SaverDef& s) {
  s.filename_tensor_name = get_string(m, "filename_tensor_name");
  s.save_tensor_name = get_string(m, "save_tensor_name");
  s.restore_op_name = get_string(m, "restore_op_name");
  s.max_to_keep = get_int32(m, "max_to_keep");
  s.sharded = get_bool(m, "sharded");
  s.keep_checkpoint_every_n_hours = m.GetReflection()->GetFloat(m, &field(m, "keep_checkpoint_every_n_hours"));
  s.version = static_cast<SaverDef::CheckpointFormatVersion>(m.GetReflection()->GetEnumValue(m, &field(m, "version")));
}

// -- CollectionDef --------------------------------------------------------------
inline void write(const CollectionDef& c, Message& m) {
  // Selecting a kind by its (sub)message selects it even when its list is empty.
  std::visit([&](const auto& list) {
    using L = std::decay_t<decltype(list)>;
    if constexpr (std::is_same_v<L, CollectionDef::NodeList>) add_all(mutable_message(m, "node_list"), "value", list.value);
    else if constexpr (std::is_same_v<L, CollectionDef::BytesList>) add_all(mutable_message(m, "bytes_list"), "value", list.value);
    else if constexpr (std::is_same_v<L, CollectionDef::Int64List>) add_all(mutable_message(m, "int64_list"), "value", list.value);
    else if constexpr (std::is_same_v<L, CollectionDef::FloatList>) add_all(mutable_message(m, "float_list"), "value", list.value);
    else if constexpr (std::is_same_v<L, CollectionDef::AnyList>) {
      Message& l = mutable_message(m, "any_list");
      for (const auto& a : list.value) write(a, add_message(l, "value"));
    }
  }, c.kind);
}
inline void read(const Message& m, CollectionDef& c) {
  const Reflection& r = *m.GetReflection();
  const FieldDescriptor* set = r.GetOneofFieldDescriptor(m, m.GetDescriptor()->FindOneofByName("kind"));
  if (!set) {
    c.kind = std::monostate{};
    return;
  }
  const Message& l = r.GetMessage(m, set);
  switch (set->number()) {
    case 1: c.kind = CollectionDef::NodeList{all<std::string>(l, "value")}; break;
    case 2: c.kind = CollectionDef::BytesList{all<std::string>(l, "value")}; break;
    case 3: c.kind = CollectionDef::Int64List{all<std::int64_t>(l, "value")}; break;
    case 4: c.kind = CollectionDef::FloatList{all<float>(l, "value")}; break;
    case 5: {
      CollectionDef::AnyList list;
      each_message(l, "value", [&](const Message& e) { read(e, list.value.emplace_back()); });
      c.kind = std::move(list);
      break;
    }
    default: throw internal_error("sessionlib: CollectionDef field " + std::to_string(set->number()) + " is not modelled");
  }
}

// -- TensorInfo, SignatureDef, AssetFileDef -------------------------------------
inline void write(const TensorInfo& t, Message& m) {
  const Reflection& r = *m.GetReflection();
  if (t.coo_sparse) {
    Message& s = mutable_message(m, "coo_sparse");
    set_string(s, "values_tensor_name", t.coo_sparse->values_tensor_name);
    set_string(s, "indices_tensor_name", t.coo_sparse->indices_tensor_name);
    set_string(s, "dense_shape_tensor_name", t.coo_sparse->dense_shape_tensor_name);
  } else {
    r.SetString(&m, &field(m, "name"), t.name);  // a oneof member: set even when empty
  }
  if (t.dtype != DataType::DT_INVALID) r.SetEnumValue(&m, &field(m, "dtype"), static_cast<int>(t.dtype));
  write(t.tensor_shape, mutable_message(m, "tensor_shape"));
}
inline void read(const Message& m, TensorInfo& t) {
  t.name = get_string(m, "name");
  if (has(m, "coo_sparse")) {
    const Message& s = get_message(m, "coo_sparse");
    t.coo_sparse = TensorInfo::CooSparse{get_string(s, "values_tensor_name"), get_string(s, "indices_tensor_name"),
                                         get_string(s, "dense_shape_tensor_name")};
  }
  t.dtype = static_cast<DataType>(m.GetReflection()->GetEnumValue(m, &field(m, "dtype")));
  read(get_message(m, "tensor_shape"), t.tensor_shape);
}

inline void write(const SignatureDef& s, Message& m);
inline void read(const Message& m, SignatureDef& s);

/// Writes map<string, V> field `name` (V a message of the model).
template <class V>
void write_map(const std::map<std::string, V>& values, Message& m, const char* name) {
  for (const auto& [key, value] : values) {
    Message& entry = add_message(m, name);
    entry.GetReflection()->SetString(&entry, &field(entry, "key"), key);
    write(value, mutable_message(entry, "value"));
  }
}
/// Reads map<string, V> field `name`.
template <class V>
void read_map(const Message& m, const char* name, std::map<std::string, V>& values) {
  each_message(m, name, [&](const Message& entry) {
    V v;
    read(get_message(entry, "value"), v);
    values.insert_or_assign(get_string(entry, "key"), std::move(v));  // protobuf: the last entry of a key wins
  });
}

inline void write(const SignatureDef& s, Message& m) {
  write_map(s.inputs, m, "inputs");
  write_map(s.outputs, m, "outputs");
  set_string(m, "method_name", s.method_name);
  write_map(s.defaults, m, "defaults");
}
inline void read(const Message& m, SignatureDef& s) {
  read_map(m, "inputs", s.inputs);
  read_map(m, "outputs", s.outputs);
  s.method_name = get_string(m, "method_name");
  read_map(m, "defaults", s.defaults);
}

inline void write(const AssetFileDef& a, Message& m) {
  write(a.tensor_info, mutable_message(m, "tensor_info"));
  set_string(m, "filename", a.filename);
}
inline void read(const Message& m, AssetFileDef& a) {
  read(get_message(m, "tensor_info"), a.tensor_info);
  a.filename = get_string(m, "filename");
}

// -- MetaGraphDef -----------------------------------------------------------------
inline void write(const MetaGraphDef::MetaInfoDef& i, Message& m) {
  set_string(m, "meta_graph_version", i.meta_graph_version);
  if (i.any_info) write(*i.any_info, mutable_message(m, "any_info"));
  add_all(m, "tags", i.tags);
  set_string(m, "tensorflow_version", i.tensorflow_version);
  set_string(m, "tensorflow_git_version", i.tensorflow_git_version);
  set_bool(m, "stripped_default_attrs", i.stripped_default_attrs);
  for (const auto& [key, value] : i.function_aliases) {
    Message& entry = add_message(m, "function_aliases");
    set_string(entry, "key", key);
    set_string(entry, "value", value);
  }
}
inline void read(const Message& m, MetaGraphDef::MetaInfoDef& i) {
  i.meta_graph_version = get_string(m, "meta_graph_version");
  if (has(m, "any_info")) read(get_message(m, "any_info"), i.any_info.emplace());
  i.tags = all<std::string>(m, "tags");
  i.tensorflow_version = get_string(m, "tensorflow_version");
  i.tensorflow_git_version = get_string(m, "tensorflow_git_version");
  i.stripped_default_attrs = get_bool(m, "stripped_default_attrs");
  each_message(m, "function_aliases",
               [&](const Message& e) { i.function_aliases.insert_or_assign(get_string(e, "key"), get_string(e, "value")); });
}

inline void write(const MetaGraphDef& d, Message& m) {
  write(d.meta_info_def, mutable_message(m, "meta_info_def"));
  write(d.graph_def, mutable_message(m, "graph_def"));
  if (d.saver_def) write(*d.saver_def, mutable_message(m, "saver_def"));
  write_map(d.collection_def, m, "collection_def");
  write_map(d.signature_def, m, "signature_def");
  for (const auto& a : d.asset_file_def) write(a, add_message(m, "asset_file_def"));
}
inline void read(const Message& m, MetaGraphDef& d) {
  read(get_message(m, "meta_info_def"), d.meta_info_def);
  read(get_message(m, "graph_def"), d.graph_def);
  if (has(m, "saver_def")) read(get_message(m, "saver_def"), d.saver_def.emplace());
  read_map(m, "collection_def", d.collection_def);
  read_map(m, "signature_def", d.signature_def);
  each_message(m, "asset_file_def", [&](const Message& e) { read(e, d.asset_file_def.emplace_back()); });
}

/// `m` in binary (deterministic: map entries sorted by key) or text format.
inline std::string serialize_message(const Message& m, bool as_text) {
  std::string out;
  if (as_text) {
    if (!google::protobuf::TextFormat::PrintToString(m, &out))
      throw internal_error("sessionlib: protobuf could not print a " + m.GetDescriptor()->full_name() + " as text");
    return out;
  }
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!m.SerializeToCodedStream(&coded))
      throw internal_error("sessionlib: protobuf could not serialise a " + m.GetDescriptor()->full_name());
  }
  return out;
}

}  // namespace sessionlib::detail::pb

namespace sessionlib {

/// `def` as a dynamic message of type tensorflow.MetaGraphDef (graph_def_schema()).
inline std::unique_ptr<google::protobuf::Message> to_message(const MetaGraphDef& def) {
  auto m = graph_def_schema().make("tensorflow.MetaGraphDef");
  detail::pb::write(def, *m);
  return m;
}
/// The model of a tensorflow.MetaGraphDef message of the schema.
inline MetaGraphDef meta_graph_from_message(const google::protobuf::Message& m) {
  MetaGraphDef def;
  detail::pb::read(m, def);
  return def;
}

/// `def` in protobuf's binary format (deterministic) or, with `as_text`, in
/// text format, as TF's export_meta_graph(as_text=...) writes it.
inline std::string serialize_meta_graph_def(const MetaGraphDef& def, bool as_text = false) {
  return detail::pb::serialize_message(*to_message(def), as_text);
}

/// The MetaGraphDef in `bytes` (binary, or text format with `as_text`);
/// `sl::data_loss` when they are not one, with protobuf's line:column for text.
inline MetaGraphDef parse_meta_graph_def(std::string_view bytes, bool as_text = false) {
  auto m = graph_def_schema().make("tensorflow.MetaGraphDef");
  std::string why;
  if (!detail::parse_message(bytes, as_text, *m, why))
    throw data_loss(std::string("Can't parse a MetaGraphDef as ") + (as_text ? "text" : "binary") + " proto: " + why);
  return meta_graph_from_message(*m);
}

/// The MetaGraphDef in file `path`: text format for ".pbtxt" and ".txt",
/// binary otherwise (TF's ".meta"). `sl::not_found` when it is missing;
/// `sl::data_loss` naming the file when it is not a MetaGraphDef.
inline MetaGraphDef read_meta_graph_def(const std::filesystem::path& path) {
  const std::string bytes = detail::read_file_bytes(path);
  const bool as_text = detail::is_text_path(path);
  auto m = graph_def_schema().make("tensorflow.MetaGraphDef");
  std::string why;
  if (!detail::parse_message(bytes, as_text, *m, why))
    throw data_loss("Can't parse " + path.string() + " as " + (as_text ? "text" : "binary") + " MetaGraphDef proto: " + why);
  return meta_graph_from_message(*m);
}

/// Writes `def` to `path` (creating its directory), in text format with
/// `as_text`; whole or not at all (a temporary renamed, as the Saver writes).
inline void write_meta_graph_def(const MetaGraphDef& def, const std::filesystem::path& path, bool as_text = false) {
  if (const auto dir = path.parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw permission_denied("Cannot create the directory " + dir.string() + ": " + ec.message());
  }
  train::detail::atomic_file f(path);
  f.write(serialize_meta_graph_def(def, as_text));
  f.commit();
}

}  // namespace sessionlib
