// SessionConfig, RunOptions and RunMetadata: the knobs of a session and a run,
// and what a traced run reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

/// Per-run options (TF's RunOptions).
struct RunOptions {
  enum class TraceLevel { no_trace = 0, software_trace = 1, hardware_trace = 2, full_trace = 3 };
  TraceLevel trace_level = TraceLevel::no_trace;
  /// 0: no deadline; else the run stops at the next node boundary past it.
  std::chrono::milliseconds timeout{0};
};

/// One node's execution in a traced run.
struct NodeExecStats {
  std::string node_name;
  std::string op;
  std::int64_t start_us = 0;  // microseconds since the run started
  std::int64_t end_us = 0;
  std::uint64_t thread_id = 0;  // a small per-process id of the running thread
  std::size_t output_bytes = 0;
};

/// What a run reports when RunOptions asks for a trace (TF's RunMetadata).
struct RunMetadata {
  std::vector<NodeExecStats> step_stats;
  std::size_t peak_bytes = 0;  // bytes of intermediate values alive at once, at most (approximate
                               // when independent steps ran side by side, see runtime/executor.hpp)
  std::size_t resident_bytes = 0;  // bytes of owned buffers the run keeps for the next run (results aside):
                                   // about peak_bytes when slots share buffers (runtime/liveness.hpp)
  /// Writes the step stats as Chrome trace JSON (Perfetto, chrome://tracing).
  void write_chrome_trace(const std::string& path) const;
};

}  // namespace sessionlib
