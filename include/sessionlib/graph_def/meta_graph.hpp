// A plain C++ model of TensorFlow's MetaGraphDef (tensorflow/core/protobuf/
// meta_graph.proto, saver.proto): a GraphDef with what a second program needs
// to run it without the model's code -- the Saver's configuration, named
// collections, and named signatures (inputs and outputs by key).
// graph_def/meta_graph_io.hpp converts it to and from protobuf messages of the
// schema (graph_def/schema.hpp) and files; graph_def/meta_graph_export.hpp
// writes one from a Graph and imports one into a Graph.
//
// Not modelled (dropped on conversion): MetaInfoDef.stripped_op_list,
// TensorInfo.composite_tensor, MetaGraphDef.object_graph_def (TF 2's
// SavedObjectGraph).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model.hpp"

namespace sessionlib {

/// google.protobuf.Any: a serialised message and the URL of its type.
struct AnyProto {
  std::string type_url;  // "type.googleapis.com/tensorflow.VariableDef"
  std::string value;     // the message's binary serialisation
  bool operator==(const AnyProto&) const = default;
};

/// A Saver's configuration (TF's SaverDef). TF's tensor names name the
/// save and restore ops of TF's own Saver; sessionlib's Saver has no such
/// nodes and leaves them empty (its variable list is a collection, see
/// graph_def/meta_graph_export.hpp).
struct SaverDef {
  enum CheckpointFormatVersion : std::int32_t { LEGACY = 0, V1 = 1, V2 = 2 };
  std::string filename_tensor_name;
  std::string save_tensor_name;
  std::string restore_op_name;
  std::int32_t max_to_keep = 0;
  bool sharded = false;
  float keep_checkpoint_every_n_hours = 0;
  CheckpointFormatVersion version = LEGACY;
  bool operator==(const SaverDef&) const = default;
};

/// One named collection: exactly one kind of list (TF's CollectionDef).
/// Node lists hold tensor names ("logits:0") or operation names ("train").
struct CollectionDef {
  struct NodeList {
    std::vector<std::string> value;
    bool operator==(const NodeList&) const = default;
  };
  struct BytesList {
    std::vector<std::string> value;
    bool operator==(const BytesList&) const = default;
  };
  struct Int64List {
    std::vector<std::int64_t> value;
    bool operator==(const Int64List&) const = default;
  };
  struct FloatList {
    std::vector<float> value;
    bool operator==(const FloatList&) const = default;
  };
  struct AnyList {
    std::vector<AnyProto> value;
    bool operator==(const AnyList&) const = default;
  };
  using kind_type = std::variant<std::monostate, NodeList, BytesList, Int64List, FloatList, AnyList>;
  kind_type kind;

  /// The list of type L (NodeList, ...), or null when the collection holds another kind.
  template <class L> const L* get_if() const noexcept { return std::get_if<L>(&kind); }
  bool operator==(const CollectionDef&) const = default;
};

/// A tensor a signature names: its name in the graph, dtype and static shape
/// (TF's TensorInfo; sparse tensors as their three component tensors).
struct TensorInfo {
  struct CooSparse {
    std::string values_tensor_name;
    std::string indices_tensor_name;
    std::string dense_shape_tensor_name;
    bool operator==(const CooSparse&) const = default;
  };
  std::string name;                     // "x:0"; empty for a sparse tensor
  std::optional<CooSparse> coo_sparse;  // the other encoding of the oneof
  DataType dtype = DataType::DT_INVALID;
  TensorShapeProto tensor_shape;
  bool operator==(const TensorInfo&) const = default;
};

/// A named computation of the graph: inputs to feed and outputs to fetch, by
/// key, and the kind of method ("tensorflow/serving/predict").
struct SignatureDef {
  std::map<std::string, TensorInfo> inputs;
  std::map<std::string, TensorInfo> outputs;
  std::string method_name;
  std::map<std::string, TensorProto> defaults;  // default values of inputs, by key
  bool operator==(const SignatureDef&) const = default;
};

/// TF's names for the usual signature and its method.
inline constexpr const char* default_serving_signature_def_key = "serving_default";
inline constexpr const char* predict_method_name = "tensorflow/serving/predict";

/// A file the graph reads, bound to a tensor that takes its path.
struct AssetFileDef {
  TensorInfo tensor_info;
  std::string filename;
  bool operator==(const AssetFileDef&) const = default;
};

/// A graph with what is needed to run it elsewhere (TF's MetaGraphDef).
struct MetaGraphDef {
  struct MetaInfoDef {
    std::string meta_graph_version;
    std::optional<AnyProto> any_info;
    std::vector<std::string> tags;  // "serve", "train"
    std::string tensorflow_version;
    std::string tensorflow_git_version;
    bool stripped_default_attrs = false;
    std::map<std::string, std::string> function_aliases;
    bool operator==(const MetaInfoDef&) const = default;
  };
  MetaInfoDef meta_info_def;
  GraphDef graph_def;
  std::optional<SaverDef> saver_def;  // absent: no Saver was exported
  std::map<std::string, CollectionDef> collection_def;
  std::map<std::string, SignatureDef> signature_def;
  std::vector<AssetFileDef> asset_file_def;
  bool operator==(const MetaGraphDef&) const = default;
};

}  // namespace sessionlib
