// Every op family of the GraphDef part: import_graph_def can build these op
// types (to_graph_def writes their TF attributes with graph_def/export_ops.hpp,
// which <sessionlib/graph_def.hpp> always includes). Include single families
// (graph_def/ops_math.hpp, ...) instead to instantiate fewer kernels.
#pragma once

#include "export_ops.hpp"
#include "import.hpp"
#include "ops_array.hpp"
#include "ops_math.hpp"
#include "ops_nn.hpp"
#include "ops_reduce.hpp"
#include "ops_sparse.hpp"
#include "ops_split.hpp"
#include "ops_state.hpp"
