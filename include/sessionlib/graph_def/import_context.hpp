// What an importer (graph_def/op_table.hpp) works with: the NodeDef's
// attributes, its inputs resolved to nodes of the destination graph with their
// dtypes and shapes, the values of inputs that are constants of the GraphDef;
// and what it returns, a node_import. import_graph_def (graph_def/import.hpp)
// builds one import_context per NodeDef.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../graph/builder.hpp"
#include "../runtime/kernel.hpp"
#include "attr_map.hpp"
#include "op_table.hpp"
#include "tensor.hpp"

namespace sessionlib {

/// What an importer's node is: its op_spec (op type, inputs and kernel), dtype,
/// static shape (nullopt: unknown rank), its other outputs, and whether it is a
/// variable's node.
struct node_import {
  /// An output past the first: its dtype and static shape (nullopt: unknown rank).
  struct output {
    dtype type = dtype::float32;
    std::optional<std::vector<std::ptrdiff_t>> shape{};
  };
  op_spec spec{};
  dtype type = dtype::float32;
  std::optional<std::vector<std::ptrdiff_t>> shape{};
  std::vector<output> more_outputs{};  // outputs 1, 2, ... (Split, TopKV2)
  bool has_output = true;
  bool variable = false;
};

namespace detail {
/// Thrown by an importer for a NodeDef it cannot build into a runnable node;
/// the node imports as one that raises sl::unimplemented with `what()` when run.
struct import_unsupported : unimplemented {
  using unimplemented::unimplemented;
};

/// The kernel of a node that cannot run: raises sl::unimplemented with the reason kept in unimplemented_attrs.
inline void unimplemented_kernel(kernel_context& ctx) {
  throw unimplemented("Node '" + ctx.n.name + "' (op type '" + ctx.n.op + "') cannot run: " +
                          ctx.attrs<unimplemented_attrs>().reason,
                      ctx.n.name);
}

/// "x:1" -> ("x", 1); "x" -> ("x", 0). Control inputs keep their '^'.
inline std::pair<std::string, std::uint32_t> split_tensor_name(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < s.size() &&
      s.find_first_not_of("0123456789", colon + 1) == std::string_view::npos)
    return {std::string(s.substr(0, colon)), static_cast<std::uint32_t>(std::stoul(std::string(s.substr(colon + 1))))};
  return {std::string(s), 0};
}
}  // namespace detail

/// What an importer sees of one NodeDef: its attributes, its inputs resolved to
/// nodes of the destination graph, their dtypes and shapes, and the values of
/// inputs that are constants of the GraphDef.
struct import_context {
  Graph& graph;
  const NodeDef& def;
  /// Data inputs in order: an output of the destination graph, or an invalid
  /// one for an input the importer must read with constant_input (a folded
  /// structural constant).
  std::vector<output_ref> inputs;
  /// The input NodeDefs' constants by input position (null when not a Const of the GraphDef).
  std::vector<const NodeDef*> input_defs;
  /// Input shapes by position (nullopt: unknown rank).
  std::vector<std::optional<std::vector<std::ptrdiff_t>>> input_shapes;

  /// The name of the NodeDef.
  const std::string& name() const { return def.name; }

  /// Attribute `key`, or null.
  const AttrValue* attr(std::string_view key) const {
    auto it = def.attr.find(std::string(key));
    return it == def.attr.end() ? nullptr : &it->second;
  }
  /// An int attribute, `fallback` when absent.
  std::int64_t attr_int(std::string_view key, std::int64_t fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<std::int64_t>() : nullptr;
    return v ? *v : fallback;
  }
  bool attr_bool(std::string_view key, bool fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<bool>() : nullptr;
    return v ? *v : fallback;
  }
  double attr_float(std::string_view key, double fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<float>() : nullptr;
    return v ? static_cast<double>(*v) : fallback;
  }
  std::string attr_string(std::string_view key, std::string fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<std::string>() : nullptr;
    return v ? *v : fallback;
  }
  std::vector<std::int64_t> attr_ints(std::string_view key) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<AttrValue::ListValue>() : nullptr;
    return v ? v->i : std::vector<std::int64_t>{};
  }
  /// The sessionlib dtype of type attribute `key`; sl::unimplemented (the node
  /// cannot run) for a type sessionlib lacks, sl::invalid_argument when absent.
  dtype attr_type(std::string_view key) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<DataType>() : nullptr;
    if (!v) throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has no type attribute '" +
                                       std::string(key) + "'",
                                   def.name);
    return supported(*v);
  }
  /// The sessionlib dtype of `t`, or the import_unsupported error naming it.
  dtype supported(DataType t) const {
    if (auto d = to_dtype(t)) return *d;
    throw detail::import_unsupported("its dtype " + data_type_name(t) +
                                     " is not one sessionlib carries (float, double, int32, int64, uint8, bool)");
  }
  /// The family attributes A with their tf and own fields read from the
  /// NodeDef (graph_def/attr_map.hpp; absent ones keep `a`'s values); the
  /// importer sets the mapped ones. sl::invalid_argument for an attribute of the wrong kind.
  template <AttrStruct A>
  A family(A a = {}) const {
    if (const std::string bad = detail::gd::read_family_attrs(def.attr, a); !bad.empty())
      fail("attribute '" + bad + "' has the wrong type");
    return a;
  }

  /// Number of data inputs.
  std::size_t input_count() const { return inputs.size(); }
  /// Data input `i` as a node of the destination graph; import_unsupported when it is
  /// a structural constant folded away (the importer should have read it with constant_input).
  output_ref input(std::size_t i) const {
    check_input(i);
    if (!inputs[i].valid())
      throw detail::import_unsupported("its input " + std::to_string(i) + " ('" + def.input[i] +
                                       "') is a folded constant, not a value");
    return inputs[i];
  }
  /// The dtype of data input `i`.
  dtype input_type(std::size_t i) const {
    check_input(i);
    if (inputs[i].valid()) return graph.at(inputs[i]).output_type(inputs[i].index);
    return constant_input(i)->dtype();
  }
  /// The static shape of data input `i` (nullopt: unknown rank).
  const std::optional<std::vector<std::ptrdiff_t>>& input_shape(std::size_t i) const {
    check_input(i);
    return input_shapes[i];
  }
  /// The value of data input `i` when it is a Const of the GraphDef (not replaced by input_map).
  std::optional<any_array> constant_input(std::size_t i) const {
    check_input(i);
    if (!input_defs[i]) return std::nullopt;
    const AttrValue* v = nullptr;
    if (auto it = input_defs[i]->attr.find("value"); it != input_defs[i]->attr.end()) v = &it->second;
    const auto* t = v ? v->get_if<TensorProto>() : nullptr;
    if (!t) return std::nullopt;
    return to_any_array(*t);
  }
  /// constant_input(i) as int64 values; import_unsupported when it is not a constant.
  std::vector<std::int64_t> constant_ints(std::size_t i, const char* what) const {
    const auto c = constant_input(i);
    if (!c) throw detail::import_unsupported(std::string("its ") + what + " (input " + std::to_string(i) + ", '" +
                                             def.input[i] + "') is computed at run time; sessionlib needs a Const");
    std::vector<std::int64_t> out;
    visit_dtype(c->dtype(), [&]<class T>() {
      for (std::size_t k = 0; k < c->size(); ++k) out.push_back(static_cast<std::int64_t>(c->template data<T>()[k]));
    });
    return out;
  }
  /// The data inputs that are nodes (the folded constants left out), as a node's input list.
  decltype(op_spec{}.inputs) node_inputs(std::size_t count) const {
    decltype(op_spec{}.inputs) out;
    for (std::size_t i = 0; i < count && i < inputs.size(); ++i) out.push_back(input(i));
    return out;
  }
  /// An op_spec of this NodeDef's op type with its first `count` inputs and `kernel`.
  op_spec spec(std::size_t count, kernel_fn kernel) const {
    op_spec s;
    s.op = def.op;
    s.inputs = node_inputs(count);
    s.kernel = kernel;
    return s;
  }
  /// Fails (sl::invalid_argument, naming the node) unless the node has at least `n` data inputs.
  void need_inputs(std::size_t n) const {
    if (inputs.size() < n)
      throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has " + std::to_string(inputs.size()) +
                                 " inputs, needs " + std::to_string(n),
                             def.name);
  }
  /// sl::invalid_argument naming the node.
  [[noreturn]] void fail(const std::string& message) const {
    throw invalid_argument("Node '" + def.name + "' (op " + def.op + "): " + message, def.name);
  }

  /// TF's name of a DataType ("DT_STRING").
  static std::string data_type_name(DataType t) {
    static const char* const names[] = {"DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16",
                                        "DT_INT8", "DT_STRING", "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8",
                                        "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16", "DT_QINT16", "DT_QUINT16",
                                        "DT_UINT16", "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT",
                                        "DT_UINT32", "DT_UINT64", "DT_FLOAT8_E5M2", "DT_FLOAT8_E4M3FN"};
    const auto v = static_cast<std::int32_t>(base_type(t));
    std::string s = v >= 0 && v < 26 ? names[v] : "DataType " + std::to_string(v);
    return is_ref_type(t) ? s + "_REF" : s;
  }

 private:
  void check_input(std::size_t i) const {
    if (i >= inputs.size())
      throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has no input " + std::to_string(i), def.name);
  }
};

}  // namespace sessionlib
