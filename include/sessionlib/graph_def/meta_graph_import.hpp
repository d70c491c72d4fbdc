// train::import_meta_graph: what train::export_meta_graph wrote, read into a
// Graph of a program that has none of the model's code (TF's
// tf.train.import_meta_graph). The graph is imported by import_graph_def;
// the result holds a Saver over the imported variables, the collections and
// the signatures with their tensors resolved in the destination graph.
//
//     sl::Graph g;
//     auto meta = sl::train::import_meta_graph(g, dir / "model.meta");
//     sl::Session sess(g);
//     meta.saver->restore(sess, *sl::train::latest_checkpoint(dir));
//     const auto& sig = meta.signature("serving_default");
//     auto x = sig.input<float, sl::shape<sl::dyn, 784>>("images");          // checked: dtype and shape
//     auto probs = sig.output<float, sl::shape<sl::dyn, 10>>("probabilities");
//     xt::xtensor<float, 2> p = sess.run(probs, {{x, images}});
//
// The Saver is over the variables of the "saver_variables" collection (what
// the exporting Saver saved, in order) or, for a MetaGraphDef with a saver_def
// but no such list (one TF wrote), over every imported variable; there is none
// when the file has no saver_def. It restores checkpoint entries by the
// variables' names in the destination graph: import without a scope (the
// default) to restore what the exporting program saved.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../graph/handles.hpp"
#include "../train/saver.hpp"
#include "import.hpp"
#include "meta_graph.hpp"
#include "meta_graph_export.hpp"
#include "meta_graph_io.hpp"
#include "ops.hpp"  // every op family: a program serving a model it has no code of may meet any op

namespace sessionlib::train {

/// import_meta_graph's arguments (TF's import_scope, input_map, return_elements).
struct import_meta_graph_options {
  /// The name scope of the imported nodes; "" (the default, as TF's) keeps their names.
  std::string import_scope{};
  /// Imported tensor name ("x:0") -> the destination's tensor used instead.
  std::map<std::string, import_input> input_map{};
  /// Names of tensors and operations to return, in order (import_result::elements).
  std::vector<std::string> return_elements{};
};

/// A signature of an imported MetaGraph: its inputs and outputs by key, named
/// as in the destination graph, and typed lookups of their tensors.
class imported_signature {
 public:
  imported_signature() = default;
  imported_signature(Graph& g, std::string key, SignatureDef def) : graph_(&g), key_(std::move(key)), def_(std::move(def)) {}

  /// The signature's key ("serving_default").
  const std::string& key() const noexcept { return key_; }
  /// Its SignatureDef, tensor names as in the destination graph.
  const SignatureDef& def() const noexcept { return def_; }
  const std::string& method_name() const noexcept { return def_.method_name; }

  /// Input `key` as a Tensor<T, S>: sl::not_found when the signature has no
  /// such input, sl::invalid_argument when its dtype or shape differ (as Graph::tensor).
  template <class T, class S>
  Tensor<T, S> input(std::string_view key) const {
    return graph_->template tensor<T, S>(find(def_.inputs, "input", key).name);
  }
  /// Output `key` as a Tensor<T, S>, checked as input() checks.
  template <class T, class S>
  Tensor<T, S> output(std::string_view key) const {
    return graph_->template tensor<T, S>(find(def_.outputs, "output", key).name);
  }
  /// The TensorInfo of input `key` or output `key` (name in the destination graph, dtype, shape).
  const TensorInfo& input_info(std::string_view key) const { return find(def_.inputs, "input", key); }
  const TensorInfo& output_info(std::string_view key) const { return find(def_.outputs, "output", key); }

 private:
  const TensorInfo& find(const std::map<std::string, TensorInfo>& side, const char* what, std::string_view key) const {
    const auto it = side.find(std::string(key));
    if (it != side.end()) return it->second;
    std::string keys;
    for (const auto& [k, v] : side) keys += (keys.empty() ? "" : ", ") + k;
    throw not_found("Signature '" + key_ + "' has no " + what + " '" + std::string(key) + "' (its " + what +
                        "s: " + (keys.empty() ? "none" : keys) + ")",
                    std::string(key));
  }

  Graph* graph_ = nullptr;
  std::string key_;
  SignatureDef def_;
};

/// What import_meta_graph returns.
struct meta_graph_import {
  /// What import_graph_def returned: the prefix, every NodeDef's node, the return elements.
  import_result imported;
  /// A Saver over the imported variables (see the comment atop this header); none without a saver_def.
  std::optional<Saver> saver;
  /// The MetaGraphDef's collections, node names as in the destination graph.
  std::map<std::string, CollectionDef> collections;
  /// The signatures by key, tensor names as in the destination graph.
  std::map<std::string, imported_signature> signatures;
  /// The MetaInfoDef (version string, tags).
  MetaGraphDef::MetaInfoDef meta_info_def;

  /// Signature `key`; sl::not_found naming the keys there are when it is absent.
  const imported_signature& signature(std::string_view key = default_serving_signature_def_key) const {
    const auto it = signatures.find(std::string(key));
    if (it != signatures.end()) return it->second;
    std::string keys;
    for (const auto& [k, v] : signatures) keys += (keys.empty() ? "" : ", ") + k;
    throw not_found("The MetaGraphDef has no signature '" + std::string(key) + "' (its signatures: " +
                        (keys.empty() ? "none" : keys) + ")",
                    std::string(key));
  }
  /// The Saver, as TF's import_meta_graph returns it; sl::not_found when the file had none.
  operator Saver() const {  // NOLINT: implicit, so `Saver s = import_meta_graph(g, path);` reads as TF
    if (!saver) throw not_found("The MetaGraphDef has no saver_def: there is no Saver to restore with");
    return *saver;
  }
};

namespace detail {

/// The node an imported graph gives NodeDef `name`, or sl::not_found naming `what` refers to it.
inline node_id imported_node(const import_result& r, const std::string& name, const std::string& what) {
  const auto it = r.nodes.find(name);
  if (it == r.nodes.end() || it->second == no_node)
    throw not_found(what + " names '" + name + "', which is not a node of the imported graph", name);
  return it->second;
}
/// Tensor name ("x:0") or op name ("init") of the GraphDef -> the same in the destination graph.
inline std::string imported_name(const import_result& r, const std::string& name, const std::string& what) {
  const bool tensor = name.find(':') != std::string::npos;
  const auto [node_name, index] = sessionlib::detail::split_tensor_name(name);
  const node_id id = imported_node(r, node_name, what);
  return r.graph->at(id).name + (tensor ? ":" + std::to_string(index) : "");
}

}  // namespace detail

/// Imports `def` into `g` (TF's tf.train.import_meta_graph): its graph by
/// import_graph_def, then a Saver, the collections and the signatures (see the
/// comment atop this header). Names a collection or signature gives that are
/// not nodes of the graph raise sl::not_found.
inline meta_graph_import import_meta_graph(Graph& g, const MetaGraphDef& def, const import_meta_graph_options& options = {}) {
  import_options io;
  io.input_map = options.input_map;
  io.return_elements = options.return_elements;
  io.name = options.import_scope;
  // Trainable: the variables of "trainable_variables", when the file lists them.
  if (const auto it = def.collection_def.find("trainable_variables"); it != def.collection_def.end())
    if (const auto* list = it->second.get_if<CollectionDef::NodeList>()) {
      std::set<std::string> names;
      for (const auto& n : list->value) names.insert(sessionlib::detail::split_tensor_name(n).first);
      io.trainable = std::move(names);
    }

  meta_graph_import out;
  out.imported = import_graph_def(g, def.graph_def, io);
  out.meta_info_def = def.meta_info_def;
  const import_result& r = out.imported;

  for (const auto& [key, collection] : def.collection_def) {
    CollectionDef mapped = collection;
    if (const auto* list = collection.get_if<CollectionDef::NodeList>()) {
      CollectionDef::NodeList names;
      for (const auto& n : list->value) names.value.push_back(detail::imported_name(r, n, "Collection '" + key + "'"));
      mapped.kind = names;
      // The graph's own collections gain the nodes import_graph_def did not already list there.
      if (key != saver_variables_key) {
        const auto present = g.collection(key);
        for (const auto& n : list->value) {
          const node_id id = detail::imported_node(r, sessionlib::detail::split_tensor_name(n).first, "Collection '" + key + "'");
          if (std::find(present.begin(), present.end(), id) == present.end()) g.add_to_collection(key, id);
        }
      }
    }
    out.collections.emplace(key, std::move(mapped));
  }

  if (def.saver_def) {
    std::vector<saveable> vars;
    if (const auto it = def.collection_def.find(saver_variables_key); it != def.collection_def.end()) {
      const auto* list = it->second.get_if<CollectionDef::NodeList>();
      if (!list) throw invalid_argument(std::string("The MetaGraphDef's collection '") + saver_variables_key + "' is not a node list");
      for (const auto& n : list->value) {
        const node_id id = detail::imported_node(r, sessionlib::detail::split_tensor_name(n).first, "The Saver's variable list");
        vars.emplace_back(g, saveable::variable_index(g, id));
      }
    } else {
      for (const auto& [name, id] : r.nodes)
        if (id != no_node && g.at(id).op.rfind("Variable", 0) == 0 && g.at(id).attr.variable >= 0)
          vars.emplace_back(g, g.at(id).attr.variable);
    }
    const auto keep = static_cast<std::size_t>(std::max<std::int32_t>(def.saver_def->max_to_keep, 0));
    if (!vars.empty()) out.saver.emplace(vars, keep);
  }

  for (const auto& [key, sig] : def.signature_def) {
    SignatureDef mapped = sig;
    for (auto* side : {&mapped.inputs, &mapped.outputs})
      for (auto& [name, info] : *side)
        if (!info.coo_sparse) info.name = detail::imported_name(r, info.name, "Signature '" + key + "'");
    out.signatures.emplace(key, imported_signature(g, key, std::move(mapped)));
  }
  return out;
}

/// As above, the MetaGraphDef read from `path` (binary, or text for ".pbtxt"/".txt").
inline meta_graph_import import_meta_graph(Graph& g, const std::filesystem::path& path,
                                           const import_meta_graph_options& options = {}) {
  return import_meta_graph(g, read_meta_graph_def(path), options);
}

}  // namespace sessionlib::train
