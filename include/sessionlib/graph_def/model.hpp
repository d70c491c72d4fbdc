// A plain C++ model of TensorFlow's GraphDef: structs with TF's field names
// that a user reads and writes without protobuf's API. graph_def/convert.hpp
// turns them into protobuf messages of the schema (graph_def/schema.hpp) and
// back; graph_def/tensor.hpp decodes a TensorProto's values to an any_array.
//
// What the model keeps of each message is what sessionlib reads or writes;
// fields it does not model (TensorProto's resource/variant/float8 values,
// FunctionDefLibrary's functions, NodeDef's debug info) are dropped on conversion.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <string>
#include <variant>
#include <vector>

#include "../core/dtype.hpp"

namespace sessionlib {

/// TF's DataType values (tensorflow/core/framework/types.proto), the `_REF`
/// variants included. Open like a proto3 enum: a value not listed is kept.
enum class DataType : std::int32_t {
  DT_INVALID = 0, DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_UINT8 = 4, DT_INT16 = 5, DT_INT8 = 6,
  DT_STRING = 7, DT_COMPLEX64 = 8, DT_INT64 = 9, DT_BOOL = 10, DT_QINT8 = 11, DT_QUINT8 = 12,
  DT_QINT32 = 13, DT_BFLOAT16 = 14, DT_QINT16 = 15, DT_QUINT16 = 16, DT_UINT16 = 17,
  DT_COMPLEX128 = 18, DT_HALF = 19, DT_RESOURCE = 20, DT_VARIANT = 21, DT_UINT32 = 22,
  DT_UINT64 = 23, DT_FLOAT8_E5M2 = 24, DT_FLOAT8_E4M3FN = 25,
  DT_FLOAT_REF = 101, DT_DOUBLE_REF = 102, DT_INT32_REF = 103, DT_UINT8_REF = 104,
  DT_INT16_REF = 105, DT_INT8_REF = 106, DT_STRING_REF = 107, DT_COMPLEX64_REF = 108,
  DT_INT64_REF = 109, DT_BOOL_REF = 110, DT_QINT8_REF = 111, DT_QUINT8_REF = 112,
  DT_QINT32_REF = 113, DT_BFLOAT16_REF = 114, DT_QINT16_REF = 115, DT_QUINT16_REF = 116,
  DT_UINT16_REF = 117, DT_COMPLEX128_REF = 118, DT_HALF_REF = 119, DT_RESOURCE_REF = 120,
  DT_VARIANT_REF = 121, DT_UINT32_REF = 122, DT_UINT64_REF = 123, DT_FLOAT8_E5M2_REF = 124,
  DT_FLOAT8_E4M3FN_REF = 125
};

/// True for TF's reference types (DT_FLOAT_REF, ...): a Variable's output.
constexpr bool is_ref_type(DataType t) noexcept { return static_cast<std::int32_t>(t) > 100; }
/// The type a reference type refers to (DT_FLOAT for DT_FLOAT_REF); other types unchanged.
constexpr DataType base_type(DataType t) noexcept {
  return is_ref_type(t) ? static_cast<DataType>(static_cast<std::int32_t>(t) - 100) : t;
}
/// The DataType of a sessionlib dtype (float32 -> DT_FLOAT, bool -> DT_BOOL).
constexpr DataType to_data_type(dtype t) noexcept {
  switch (t) {
    case dtype::float32: return DataType::DT_FLOAT;
    case dtype::float64: return DataType::DT_DOUBLE;
    case dtype::int32: return DataType::DT_INT32;
    case dtype::int64: return DataType::DT_INT64;
    case dtype::uint8: return DataType::DT_UINT8;
    case dtype::bool_: return DataType::DT_BOOL;
    case dtype::string: return DataType::DT_STRING;
  }
  return DataType::DT_INVALID;
}
/// The sessionlib dtype of a DataType (a reference type gives its base type's),
/// or nothing when sessionlib has no such element type (DT_HALF, DT_INT8, ...).
constexpr std::optional<dtype> to_dtype(DataType t) noexcept {
  switch (base_type(t)) {
    case DataType::DT_FLOAT: return dtype::float32;
    case DataType::DT_DOUBLE: return dtype::float64;
    case DataType::DT_INT32: return dtype::int32;
    case DataType::DT_INT64: return dtype::int64;
    case DataType::DT_UINT8: return dtype::uint8;
    case DataType::DT_BOOL: return dtype::bool_;
    case DataType::DT_STRING: return dtype::string;
    default: return std::nullopt;
  }
}

/// A tensor's shape: dims in order (size -1: unknown), or an unknown rank.
struct TensorShapeProto {
  /// One dimension: its size (-1 when unknown) and an optional name.
  struct Dim {
    std::int64_t size = 0;
    std::string name;
    bool operator==(const Dim&) const = default;
  };
  std::vector<Dim> dim;
  bool unknown_rank = false;

  /// A shape of known rank with these sizes (-1 for unknown ones).
  static TensorShapeProto of(const std::vector<std::int64_t>& sizes) {
    TensorShapeProto s;
    for (auto n : sizes) s.dim.push_back({n, {}});
    return s;
  }
  /// The sizes of the dims, in order.
  std::vector<std::int64_t> sizes() const {
    std::vector<std::int64_t> out;
    for (const auto& d : dim) out.push_back(d.size);
    return out;
  }
  bool operator==(const TensorShapeProto&) const = default;
};

/// A tensor value as TF serialises it: dtype, shape, and its values either as
/// raw little-endian bytes (tensor_content) or in the typed field of its dtype.
/// TF's rule for typed fields: fewer values than elements repeat the last one
/// (so one value fills the shape), none means zeros. tensor.hpp decodes it.
struct TensorProto {
  DataType dtype = DataType::DT_INVALID;
  TensorShapeProto tensor_shape;
  std::int32_t version_number = 0;
  std::string tensor_content;           // raw bytes, row-major, little-endian
  std::vector<std::int32_t> half_val;   // DT_HALF, DT_BFLOAT16 (bits)
  std::vector<float> float_val;         // DT_FLOAT
  std::vector<double> double_val;       // DT_DOUBLE
  std::vector<std::int32_t> int_val;    // DT_INT32, DT_INT16, DT_UINT16, DT_INT8, DT_UINT8
  std::vector<std::string> string_val;  // DT_STRING
  std::vector<float> scomplex_val;      // DT_COMPLEX64 (real, imaginary pairs)
  std::vector<std::int64_t> int64_val;  // DT_INT64
  std::vector<bool> bool_val;           // DT_BOOL
  std::vector<double> dcomplex_val;     // DT_COMPLEX128 (real, imaginary pairs)
  std::vector<std::uint32_t> uint32_val;  // DT_UINT32
  std::vector<std::uint64_t> uint64_val;  // DT_UINT64
  bool operator==(const TensorProto&) const = default;
};

struct AttrValue;

/// A function name with attribute values (TF's NameAttrList, e.g. MatMul[T=float]).
/// (std::map of a type still incomplete here: libstdc++ and libc++ allow it,
/// as nlohmann::json relies on; AttrValue is complete before any use.)
struct NameAttrList {
  std::string name;
  std::map<std::string, AttrValue> attr;
};
bool operator==(const NameAttrList& a, const NameAttrList& b);

/// One attribute value of a node: exactly one of TF's alternatives (or none).
struct AttrValue {
  /// TF's "list(...)" attributes: the list of the attribute's type is the one filled.
  struct ListValue {
    std::vector<std::string> s;
    std::vector<std::int64_t> i;
    std::vector<float> f;
    std::vector<bool> b;
    std::vector<DataType> type;
    std::vector<TensorShapeProto> shape;
    std::vector<TensorProto> tensor;
    std::vector<NameAttrList> func;
    bool operator==(const ListValue&) const = default;
  };
  /// A placeholder inside a function body, naming the function attribute that fills it.
  struct Placeholder {
    std::string name;
    bool operator==(const Placeholder&) const = default;
  };
  /// The alternatives in TF's order of attr types: none, "string" (bytes), "int",
  /// "float", "bool", "type", "shape", "tensor", "list(...)", "func", placeholder.
  using value_type = std::variant<std::monostate, std::string, std::int64_t, float, bool, DataType,
                                  TensorShapeProto, TensorProto, ListValue, NameAttrList, Placeholder>;
  value_type value;

  AttrValue() = default;
  /// An attribute holding `v` (a std::string, std::int64_t, float, bool, DataType, ...).
  template <class T>
    requires std::is_constructible_v<value_type, T&&> && (!std::is_same_v<std::remove_cvref_t<T>, AttrValue>)
  AttrValue(T&& v) : value(std::forward<T>(v)) {}  // NOLINT: implicit, as a value is an attribute

  /// The alternative of type T, or null when the value holds another one.
  template <class T> const T* get_if() const noexcept { return std::get_if<T>(&value); }
  bool operator==(const AttrValue&) const = default;
};

inline bool operator==(const NameAttrList& a, const NameAttrList& b) { return a.name == b.name && a.attr == b.attr; }

/// One node: its unique name, op type, inputs ("name", "name:1", "^control"),
/// device and attributes by name.
struct NodeDef {
  std::string name;
  std::string op;
  std::vector<std::string> input;
  std::string device;
  std::map<std::string, AttrValue> attr;
  bool operator==(const NodeDef&) const = default;
};

/// Versions of serialised data: who produced it, who may consume it.
struct VersionDef {
  std::int32_t producer = 0;
  std::int32_t min_consumer = 0;
  std::vector<std::int32_t> bad_consumers;
  bool operator==(const VersionDef&) const = default;
};

/// A graph: its nodes and versions (TF's GraphDef; the function library is not modelled).
struct GraphDef {
  std::vector<NodeDef> node;
  VersionDef versions;
  std::int32_t version = 0;  // deprecated by `versions`; kept so that old files round-trip
  bool operator==(const GraphDef&) const = default;

  /// The node named `name`, or null.
  const NodeDef* find(std::string_view name) const {
    for (const auto& n : node)
      if (n.name == name) return &n;
    return nullptr;
  }
};

}  // namespace sessionlib
