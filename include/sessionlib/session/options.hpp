// SessionConfig: the knobs of a session. RunOptions and RunMetadata, the knobs
// of a run and what a traced run reports, come with it from the runtime layer.
#pragma once

#include "../runtime/run_options.hpp"

namespace sessionlib {

/// Graph optimisations applied when a plan is built.
struct OptimizerOptions {
  bool constant_folding = true;
  bool common_subexpressions = true;
  bool fusion = true;  // elementwise fusion
};

/// TF's ConfigProto, the parts that mean something in one process.
struct SessionConfig {
  int intra_op_threads = 0;        // threads inside one large kernel; 0: all cores
  int inter_op_threads = 0;        // independent nodes side by side; 0: all cores
  bool log_device_placement = false;  // print each node's device to stderr
  bool allow_soft_placement = true;
  OptimizerOptions optimizer{};
};

}  // namespace sessionlib
