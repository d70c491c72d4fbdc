// Every op family of the GraphDef part: import_graph_def can build these op
// types, and to_graph_def writes their TF attributes. Include single families
// (graph_def/ops_math.hpp, ...) instead to instantiate fewer kernels.
#pragma once

#include "import.hpp"
#include "ops_array.hpp"
#include "ops_math.hpp"
#include "ops_nn.hpp"
#include "ops_reduce.hpp"
#include "ops_split.hpp"
#include "ops_state.hpp"
