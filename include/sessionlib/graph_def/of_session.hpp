// sl::graph_def(sess): TF's `sess.graph_def`, as a free function of the
// GraphDef part. Session (and Graph, for g.to_graph_def()) cannot have the
// member without including protobuf's headers into every program, which the
// opt-in GraphDef part must not do, nor without session/ reaching up into
// graph_def/ (docs/graph_def.md, "Why free functions").
#pragma once

#include "../session/session.hpp"
#include "from_graph.hpp"

namespace sessionlib {

/// The GraphDef of the graph `sess` runs (TF's sess.graph_def):
/// to_graph_def(sess.graph()), with the nodes added up to now.
inline GraphDef graph_def(const Session& sess) { return to_graph_def(sess.graph()); }

}  // namespace sessionlib
