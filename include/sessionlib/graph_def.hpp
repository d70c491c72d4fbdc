// sessionlib's opt-in GraphDef part: TensorFlow's GraphDef schema built at run
// time (no generated code), a plain C++ model of it, binary and text I/O
// through protobuf's own parsers, a Graph's nodes as a GraphDef,
// import_graph_def with the import and export tables of every op family, and
// MetaGraphs for serving (export_meta_graph, import_meta_graph).
// Needs libprotobuf: use the `sessionlib-graphdef` dependency (Meson,
// pkg-config) or `find_package(sessionlib COMPONENTS graphdef)` (CMake).
#pragma once

#include "graph_def/model.hpp"       // GraphDef, NodeDef, AttrValue, TensorProto, DataType (no protobuf)
#include "graph_def/tensor.hpp"      // to_any_array(TensorProto), to_tensor_proto(any_array)
#include "graph_def/schema.hpp"      // graph_def_schema(): descriptors, .proto text
#include "graph_def/convert.hpp"     // to_message, from_message
#include "graph_def/io.hpp"          // serialize_graph_def, parse_graph_def, read_graph_def, train::write_graph
#include "graph_def/from_graph.hpp"  // to_graph_def(const Graph&)
#include "graph_def/export_ops.hpp" // TF's attributes of every op family, for to_graph_def (no kernels)
#include "graph_def/import.hpp"     // import_graph_def(g, def, {input_map, return_elements, name})
// The importers instantiate kernels: include graph_def/ops.hpp (every family) or
// single families (graph_def/ops_math.hpp, ...) where a GraphDef is imported.
#include "graph_def/of_session.hpp"  // graph_def(const Session&): TF's sess.graph_def
#include "graph_def/meta_graph_export.hpp"  // MetaGraphDef, its I/O, train::export_meta_graph
// Serving an exported model: graph_def/meta_graph_import.hpp (train::import_meta_graph; every importer).
