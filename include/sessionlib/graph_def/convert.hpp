// The plain model (model.hpp) to and from dynamic messages of the schema
// (schema.hpp), through protobuf's reflection: write(model, message) fills a
// fresh message, read(message, model) fills a default model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "../core/error.hpp"
#include "model.hpp"
#include "schema.hpp"

namespace sessionlib::detail::pb {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

/// Field `name` of `m`'s type; a missing one is a broken schema.
inline const FieldDescriptor& field(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (!f) throw internal_error(std::string("sessionlib: ") + m.GetDescriptor()->full_name() + " has no field " + name);
  return *f;
}

/// Appends `values` to repeated scalar field `name` of `m`.
template <class T>
void add_all(Message& m, const char* name, const std::vector<T>& values) {
  const Reflection& r = *m.GetReflection();
  const FieldDescriptor& f = field(m, name);
  for (const auto& v : values) {
    if constexpr (std::is_same_v<T, float>) r.AddFloat(&m, &f, v);
    else if constexpr (std::is_same_v<T, double>) r.AddDouble(&m, &f, v);
    else if constexpr (std::is_same_v<T, std::int32_t>) r.AddInt32(&m, &f, v);
    else if constexpr (std::is_same_v<T, std::int64_t>) r.AddInt64(&m, &f, v);
    else if constexpr (std::is_same_v<T, std::uint32_t>) r.AddUInt32(&m, &f, v);
    else if constexpr (std::is_same_v<T, std::uint64_t>) r.AddUInt64(&m, &f, v);
    else if constexpr (std::is_same_v<T, bool>) r.AddBool(&m, &f, v);
    else if constexpr (std::is_same_v<T, std::string>) r.AddString(&m, &f, v);
    else if constexpr (std::is_same_v<T, DataType>) r.AddEnumValue(&m, &f, static_cast<int>(v));
    else static_assert(sizeof(T) == 0, "sessionlib: no repeated field of this type");
  }
}

/// The values of repeated scalar field `name` of `m`.
template <class T>
std::vector<T> all(const Message& m, const char* name) {
  const Reflection& r = *m.GetReflection();
  const FieldDescriptor& f = field(m, name);
  const int n = r.FieldSize(m, &f);
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, float>) out.push_back(r.GetRepeatedFloat(m, &f, i));
    else if constexpr (std::is_same_v<T, double>) out.push_back(r.GetRepeatedDouble(m, &f, i));
    else if constexpr (std::is_same_v<T, std::int32_t>) out.push_back(r.GetRepeatedInt32(m, &f, i));
    else if constexpr (std::is_same_v<T, std::int64_t>) out.push_back(r.GetRepeatedInt64(m, &f, i));
    else if constexpr (std::is_same_v<T, std::uint32_t>) out.push_back(r.GetRepeatedUInt32(m, &f, i));
    else if constexpr (std::is_same_v<T, std::uint64_t>) out.push_back(r.GetRepeatedUInt64(m, &f, i));
    else if constexpr (std::is_same_v<T, bool>) out.push_back(r.GetRepeatedBool(m, &f, i));
    else if constexpr (std::is_same_v<T, std::string>) out.push_back(r.GetRepeatedString(m, &f, i));
    else if constexpr (std::is_same_v<T, DataType>) out.push_back(static_cast<DataType>(r.GetRepeatedEnumValue(m, &f, i)));
    else static_assert(sizeof(T) == 0, "sessionlib: no repeated field of this type");
  }
  return out;
}

inline void set_string(Message& m, const char* name, const std::string& v) {
  if (!v.empty()) m.GetReflection()->SetString(&m, &field(m, name), v);
}
inline std::string get_string(const Message& m, const char* name) { return m.GetReflection()->GetString(m, &field(m, name)); }
inline void set_int32(Message& m, const char* name, std::int32_t v) {
  if (v) m.GetReflection()->SetInt32(&m, &field(m, name), v);
}
inline std::int32_t get_int32(const Message& m, const char* name) { return m.GetReflection()->GetInt32(m, &field(m, name)); }
inline Message& mutable_message(Message& m, const char* name) { return *m.GetReflection()->MutableMessage(&m, &field(m, name)); }
inline const Message& get_message(const Message& m, const char* name) { return m.GetReflection()->GetMessage(m, &field(m, name)); }
inline Message& add_message(Message& m, const char* name) { return *m.GetReflection()->AddMessage(&m, &field(m, name)); }
/// Calls f(element) for each element of repeated message field `name`.
template <class F>
void each_message(const Message& m, const char* name, F&& f) {
  const Reflection& r = *m.GetReflection();
  const FieldDescriptor& fd = field(m, name);
  for (int i = 0, n = r.FieldSize(m, &fd); i < n; ++i) f(r.GetRepeatedMessage(m, &fd, i));
}

// -- TensorShapeProto ---------------------------------------------------------
inline void write(const TensorShapeProto& s, Message& m) {
  for (const auto& d : s.dim) {
    Message& dm = add_message(m, "dim");
    if (d.size) dm.GetReflection()->SetInt64(&dm, &field(dm, "size"), d.size);
    set_string(dm, "name", d.name);
  }
  if (s.unknown_rank) m.GetReflection()->SetBool(&m, &field(m, "unknown_rank"), true);
}
inline void read(const Message& m, TensorShapeProto& s) {
  each_message(m, "dim", [&](const Message& dm) {
    s.dim.push_back({dm.GetReflection()->GetInt64(dm, &field(dm, "size")), get_string(dm, "name")});
  });
  s.unknown_rank = m.GetReflection()->GetBool(m, &field(m, "unknown_rank"));
}

// -- TensorProto --------------------------------------------------------------
inline void write(const TensorProto& t, Message& m) {
  const Reflection& r = *m.GetReflection();
  if (t.dtype != DataType::DT_INVALID) r.SetEnumValue(&m, &field(m, "dtype"), static_cast<int>(t.dtype));
  write(t.tensor_shape, mutable_message(m, "tensor_shape"));
  set_int32(m, "version_number", t.version_number);
  set_string(m, "tensor_content", t.tensor_content);
  add_all(m, "half_val", t.half_val);
  add_all(m, "float_val", t.float_val);
  add_all(m, "double_val", t.double_val);
  add_all(m, "int_val", t.int_val);
  add_all(m, "string_val", t.string_val);
  add_all(m, "scomplex_val", t.scomplex_val);
  add_all(m, "int64_val", t.int64_val);
  add_all(m, "bool_val", t.bool_val);
  add_all(m, "dcomplex_val", t.dcomplex_val);
  add_all(m, "uint32_val", t.uint32_val);
  add_all(m, "uint64_val", t.uint64_val);
}
inline void read(const Message& m, TensorProto& t) {
  t.dtype = static_cast<DataType>(m.GetReflection()->GetEnumValue(m, &field(m, "dtype")));
  read(get_message(m, "tensor_shape"), t.tensor_shape);
  t.version_number = get_int32(m, "version_number");
  t.tensor_content = get_string(m, "tensor_content");
  t.half_val = all<std::int32_t>(m, "half_val");
  t.float_val = all<float>(m, "float_val");
  t.double_val = all<double>(m, "double_val");
  t.int_val = all<std::int32_t>(m, "int_val");
  t.string_val = all<std::string>(m, "string_val");
  t.scomplex_val = all<float>(m, "scomplex_val");
  t.int64_val = all<std::int64_t>(m, "int64_val");
  t.bool_val = all<bool>(m, "bool_val");
  t.dcomplex_val = all<double>(m, "dcomplex_val");
  t.uint32_val = all<std::uint32_t>(m, "uint32_val");
  t.uint64_val = all<std::uint64_t>(m, "uint64_val");
}

// -- AttrValue, NameAttrList --------------------------------------------------
void write(const AttrValue& a, Message& m);
void read(const Message& m, AttrValue& a);

/// Writes map<string, AttrValue> field `name`.
inline void write_attr_map(const std::map<std::string, AttrValue>& attrs, Message& m, const char* name) {
  for (const auto& [key, value] : attrs) {
    Message& entry = add_message(m, name);
    entry.GetReflection()->SetString(&entry, &field(entry, "key"), key);
    write(value, mutable_message(entry, "value"));
  }
}
/// Reads map<string, AttrValue> field `name`.
inline void read_attr_map(const Message& m, const char* name, std::map<std::string, AttrValue>& attrs) {
  each_message(m, name, [&](const Message& entry) { read(get_message(entry, "value"), attrs[get_string(entry, "key")]); });
}

inline void write(const NameAttrList& f, Message& m) {
  set_string(m, "name", f.name);
  write_attr_map(f.attr, m, "attr");
}
inline void read(const Message& m, NameAttrList& f) {
  f.name = get_string(m, "name");
  read_attr_map(m, "attr", f.attr);
}

inline void write(const AttrValue::ListValue& l, Message& m) {
  add_all(m, "s", l.s);
  add_all(m, "i", l.i);
  add_all(m, "f", l.f);
  add_all(m, "b", l.b);
  add_all(m, "type", l.type);
  for (const auto& s : l.shape) write(s, add_message(m, "shape"));
  for (const auto& t : l.tensor) write(t, add_message(m, "tensor"));
  for (const auto& f : l.func) write(f, add_message(m, "func"));
}
inline void read(const Message& m, AttrValue::ListValue& l) {
  l.s = all<std::string>(m, "s");
  l.i = all<std::int64_t>(m, "i");
  l.f = all<float>(m, "f");
  l.b = all<bool>(m, "b");
  l.type = all<DataType>(m, "type");
  each_message(m, "shape", [&](const Message& e) { read(e, l.shape.emplace_back()); });
  each_message(m, "tensor", [&](const Message& e) { read(e, l.tensor.emplace_back()); });
  each_message(m, "func", [&](const Message& e) { read(e, l.func.emplace_back()); });
}

inline void write(const AttrValue& a, Message& m) {
  const Reflection& r = *m.GetReflection();
  // Setting a field of the oneof selects it, even at its default value (TF writes `i: 0`).
  std::visit([&](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<V, std::string>) r.SetString(&m, &field(m, "s"), v);
    else if constexpr (std::is_same_v<V, std::int64_t>) r.SetInt64(&m, &field(m, "i"), v);
    else if constexpr (std::is_same_v<V, float>) r.SetFloat(&m, &field(m, "f"), v);
    else if constexpr (std::is_same_v<V, bool>) r.SetBool(&m, &field(m, "b"), v);
    else if constexpr (std::is_same_v<V, DataType>) r.SetEnumValue(&m, &field(m, "type"), static_cast<int>(v));
    else if constexpr (std::is_same_v<V, TensorShapeProto>) write(v, mutable_message(m, "shape"));
    else if constexpr (std::is_same_v<V, TensorProto>) write(v, mutable_message(m, "tensor"));
    else if constexpr (std::is_same_v<V, AttrValue::ListValue>) write(v, mutable_message(m, "list"));
    else if constexpr (std::is_same_v<V, NameAttrList>) write(v, mutable_message(m, "func"));
    else if constexpr (std::is_same_v<V, AttrValue::Placeholder>) r.SetString(&m, &field(m, "placeholder"), v.name);
  }, a.value);
}
inline void read(const Message& m, AttrValue& a) {
  const Reflection& r = *m.GetReflection();
  const auto* oneof = m.GetDescriptor()->FindOneofByName("value");
  const FieldDescriptor* set = r.GetOneofFieldDescriptor(m, oneof);
  if (!set) {
    a.value = std::monostate{};
    return;
  }
  switch (set->number()) {
    case 2: a.value = r.GetString(m, set); break;
    case 3: a.value = r.GetInt64(m, set); break;
    case 4: a.value = r.GetFloat(m, set); break;
    case 5: a.value = r.GetBool(m, set); break;
    case 6: a.value = static_cast<DataType>(r.GetEnumValue(m, set)); break;
    case 7: read(r.GetMessage(m, set), a.value.emplace<TensorShapeProto>()); break;
    case 8: read(r.GetMessage(m, set), a.value.emplace<TensorProto>()); break;
    case 1: read(r.GetMessage(m, set), a.value.emplace<AttrValue::ListValue>()); break;
    case 10: read(r.GetMessage(m, set), a.value.emplace<NameAttrList>()); break;
    case 9: a.value = AttrValue::Placeholder{r.GetString(m, set)}; break;
    default: throw internal_error("sessionlib: AttrValue field " + std::to_string(set->number()) + " is not modelled");
  }
}

// -- NodeDef, VersionDef, GraphDef --------------------------------------------
inline void write(const NodeDef& n, Message& m) {
  set_string(m, "name", n.name);
  set_string(m, "op", n.op);
  add_all(m, "input", n.input);
  set_string(m, "device", n.device);
  write_attr_map(n.attr, m, "attr");
}
inline void read(const Message& m, NodeDef& n) {
  n.name = get_string(m, "name");
  n.op = get_string(m, "op");
  n.input = all<std::string>(m, "input");
  n.device = get_string(m, "device");
  read_attr_map(m, "attr", n.attr);
}

inline void write(const VersionDef& v, Message& m) {
  set_int32(m, "producer", v.producer);
  set_int32(m, "min_consumer", v.min_consumer);
  add_all(m, "bad_consumers", v.bad_consumers);
}
inline void read(const Message& m, VersionDef& v) {
  v.producer = get_int32(m, "producer");
  v.min_consumer = get_int32(m, "min_consumer");
  v.bad_consumers = all<std::int32_t>(m, "bad_consumers");
}

inline void write(const GraphDef& g, Message& m) {
  for (const auto& n : g.node) write(n, add_message(m, "node"));
  write(g.versions, mutable_message(m, "versions"));
  set_int32(m, "version", g.version);
}
inline void read(const Message& m, GraphDef& g) {
  each_message(m, "node", [&](const Message& e) { read(e, g.node.emplace_back()); });
  read(get_message(m, "versions"), g.versions);
  g.version = get_int32(m, "version");
}

}  // namespace sessionlib::detail::pb

namespace sessionlib {

/// `def` as a dynamic message of type tensorflow.GraphDef (graph_def_schema()).
inline std::unique_ptr<google::protobuf::Message> to_message(const GraphDef& def) {
  auto m = graph_def_schema().make("tensorflow.GraphDef");
  detail::pb::write(def, *m);
  return m;
}
/// The model of a tensorflow.GraphDef message of the schema.
inline GraphDef from_message(const google::protobuf::Message& m) {
  GraphDef def;
  detail::pb::read(m, def);
  return def;
}

}  // namespace sessionlib
