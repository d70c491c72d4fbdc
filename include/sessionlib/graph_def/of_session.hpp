// sl::graph_def(sess): TF's `sess.graph_def` as a free function of the GraphDef
// part; the member `sess.graph_def()` (session/session.hpp) does the same once
// this part is included (docs/graph_def.md).
#pragma once

#include "../session/session.hpp"
#include "from_graph.hpp"

namespace sessionlib {

/// The GraphDef of the graph `sess` runs (TF's sess.graph_def):
/// to_graph_def(sess.graph()), with the nodes added up to now.
inline GraphDef graph_def(const Session& sess) { return to_graph_def(sess.graph()); }

}  // namespace sessionlib
