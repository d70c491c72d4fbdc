// Serving without the model's code: train::export_meta_graph writes a Graph,
// its Saver's variable list, collections and named signatures as one
// MetaGraphDef file; train::import_meta_graph (meta_graph_import.hpp) reads it
// into a fresh Graph of another program and gives back a Saver over the
// imported variables and the signatures' tensors, typed and checked.
//
//     sl::train::export_meta_graph(g, saver, dir / "model.meta",
//         {{"serving_default", {.inputs = {{"images", x}}, .outputs = {{"probabilities", probs}}}}});
//
// What the file holds, beside the GraphDef (to_graph_def):
//   saver_def        the Saver's max_to_keep and checkpoint version (V2). TF's
//                    tensor names stay empty: sessionlib's Saver has no save
//                    and restore nodes, and its checkpoints are its own format.
//   collection_def   "saver_variables" (a node list): the variables the Saver
//                    saves, in order, as tensor names ("dense1/w:0"); and the
//                    graph's collections as node lists ("variables",
//                    "trainable_variables", "global_step", ... and those
//                    named in export_options::collections).
//   signature_def    one SignatureDef per key: inputs and outputs by key, each a
//                    TensorInfo with the tensor's name, dtype and static shape.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../graph/handles.hpp"
#include "../train/saver.hpp"
#include "from_graph.hpp"
#include "meta_graph.hpp"
#include "meta_graph_io.hpp"
#include "export_ops.hpp"  // every op family's exporter (no kernels): what another program imports needs TF's inputs and attributes

namespace sessionlib::train {

/// The collection that lists the variables a Saver saves, in order.
inline constexpr const char* saver_variables_key = "saver_variables";

/// The collections export_meta_graph writes when they are not empty (TF's
/// GraphKeys that sessionlib fills or users commonly fill); others are
/// written when named in export_options::collections.
inline const std::vector<std::string>& default_collection_keys() {
  static const std::vector<std::string> keys = {"variables", "trainable_variables", "global_step", "train_op", "losses",
                                                "update_ops", "summaries", "local_variables", "model_variables"};
  return keys;
}

/// A tensor a signature names, from any TensorLike: its name, dtype and static
/// shape, as TF's build_tensor_info(t) gives them.
struct signature_tensor {
  TensorInfo info;

  template <TensorLike X>
  signature_tensor(const X& x)  // NOLINT: implicit, so that {{"images", x}} reads as TF's {"images": x}
      : info{as_tensor(x).name(), std::nullopt, to_data_type(dtype_of<value_type_of<X>>), shape_proto<shape_of<X>>()} {}

 private:
  template <class S>
  static TensorShapeProto shape_proto() {
    TensorShapeProto s;
    for (std::ptrdiff_t d : S::extents) s.dim.push_back({d == dyn ? -1 : static_cast<std::int64_t>(d), {}});
    return s;
  }
};

/// One signature to export: its inputs and outputs by key, and its method.
struct signature {
  std::map<std::string, signature_tensor> inputs = {};  // (initialised: {.inputs = ...} alone warns not)
  std::map<std::string, signature_tensor> outputs = {};
  std::string method_name = predict_method_name;

  /// The SignatureDef it stands for.
  SignatureDef def() const {
    SignatureDef d;
    for (const auto& [key, t] : inputs) d.inputs.emplace(key, t.info);
    for (const auto& [key, t] : outputs) d.outputs.emplace(key, t.info);
    d.method_name = method_name;
    return d;
  }
};
/// Signatures by key ("serving_default").
using signature_map = std::map<std::string, signature>;

/// How export_meta_graph writes.
struct export_options {
  /// Collections written beside default_collection_keys() (when not empty).
  std::vector<std::string> collections;
  /// Text format instead of binary; by default, text for ".pbtxt" and ".txt".
  std::optional<bool> as_text;
  /// MetaInfoDef's version string and tags ("serve").
  std::string meta_graph_version;
  std::vector<std::string> tags = {"serve"};
};

namespace detail {

/// The node list of collection `key` of `g`: tensor names for nodes with an
/// output ("w:0"), op names for operations ("train").
inline CollectionDef::NodeList node_list(const Graph& g, const std::string& key) {
  CollectionDef::NodeList list;
  for (node_id id : g.collection(key)) {
    const node& n = g.at(id);
    list.value.push_back(n.has_output ? n.name + ":0" : n.name);
  }
  return list;
}

inline void check_signatures(const Graph& g, const signature_map& signatures) {
  for (const auto& [key, sig] : signatures) {
    for (const auto* side : {&sig.inputs, &sig.outputs})
      for (const auto& [name, t] : *side)
        if (!g.find(t.info.name))
          throw invalid_argument("export_meta_graph: signature '" + key + "' names " + name + " = '" + t.info.name +
                                 "', which is not a tensor of the exported graph");
  }
}

}  // namespace detail

/// The MetaGraphDef of `g`, its Saver (or none) and `signatures`, as
/// export_meta_graph writes it.
inline MetaGraphDef meta_graph_def(const Graph& g, const Saver* saver, const signature_map& signatures = {},
                                   const export_options& options = {}) {
  detail::check_signatures(g, signatures);
  MetaGraphDef def;
  def.meta_info_def.meta_graph_version = options.meta_graph_version;
  def.meta_info_def.tags = options.tags;
  def.graph_def = to_graph_def(g);
  if (saver) {
    if (&saver->graph() != &g) throw invalid_argument("export_meta_graph: the Saver saves the variables of another graph");
    SaverDef s;
    s.max_to_keep = static_cast<std::int32_t>(saver->max_to_keep());
    s.keep_checkpoint_every_n_hours = 10000.0f;  // TF's default: never keep extra checkpoints by age
    s.version = SaverDef::V2;
    def.saver_def = s;
    CollectionDef::NodeList vars;
    for (std::int32_t v : saver->variable_indices())
      vars.value.push_back(g.at(g.variable_node(static_cast<std::size_t>(v))).name + ":0");
    def.collection_def[saver_variables_key].kind = std::move(vars);
  }
  std::vector<std::string> keys = default_collection_keys();
  keys.insert(keys.end(), options.collections.begin(), options.collections.end());
  for (const auto& key : keys) {
    if (key == saver_variables_key || def.collection_def.count(key)) continue;
    auto list = detail::node_list(g, key);
    if (!list.value.empty() || std::find(options.collections.begin(), options.collections.end(), key) != options.collections.end())
      def.collection_def[key].kind = std::move(list);
  }
  for (const auto& [key, sig] : signatures) def.signature_def.emplace(key, sig.def());
  return def;
}

/// Writes `g`, `saver`'s variable list and configuration, the graph's
/// collections and `signatures` to `path` as a MetaGraphDef (TF's
/// tf.train.export_meta_graph; binary, or text for ".pbtxt"/".txt" or with
/// options.as_text) and returns it. The file appears whole or not at all. Save
/// the variables' values with saver.save(): the two together are the model.
inline MetaGraphDef export_meta_graph(const Graph& g, const Saver& saver, const std::filesystem::path& path,
                                      const signature_map& signatures = {}, const export_options& options = {}) {
  MetaGraphDef def = meta_graph_def(g, &saver, signatures, options);
  write_meta_graph_def(def, path, options.as_text.value_or(sessionlib::detail::is_text_path(path)));
  return def;
}
/// As above, without a Saver (no saver_def, no "saver_variables").
inline MetaGraphDef export_meta_graph(const Graph& g, const std::filesystem::path& path, const signature_map& signatures = {},
                                      const export_options& options = {}) {
  MetaGraphDef def = meta_graph_def(g, nullptr, signatures, options);
  write_meta_graph_def(def, path, options.as_text.value_or(sessionlib::detail::is_text_path(path)));
  return def;
}

}  // namespace sessionlib::train
