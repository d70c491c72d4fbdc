// RunOptions and RunMetadata: what the executor takes for one run (a deadline,
// a trace level) and what a traced run reports, with its Chrome-trace export.
// In the runtime layer because the executor reads and fills them; the session
// re-exports them (session/options.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../config.hpp"
#include "../core/error.hpp"

namespace sessionlib {

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// `s` as a JSON string literal.
SESSIONLIB_INLINE std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}
#else
SESSIONLIB_DECLARE std::string json_string(std::string_view s);
#endif

/// The device every node is placed on in this build.
inline constexpr std::string_view cpu_device = "/job:localhost/replica:0/task:0/device:CPU:0";

}  // namespace detail

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
  /// A node of a cond, while_loop or scan body: the iteration of its innermost
  /// loop or scan that ran it (0 for a cond's branch); -1 outside bodies.
  std::int64_t iteration = -1;
};

/// What a run reports when RunOptions asks for a trace (TF's RunMetadata).
struct RunMetadata {
  std::vector<NodeExecStats> step_stats;
  std::size_t peak_bytes = 0;  // bytes of intermediate values alive at once, at most (approximate
                               // when independent steps ran side by side, see runtime/executor.hpp)
  std::size_t resident_bytes = 0;  // bytes of owned buffers the run keeps for the next run (results aside):
                                   // about peak_bytes when slots share buffers (runtime/liveness.hpp)
  /// Empties it (keeping step_stats' capacity): every run given a RunMetadata
  /// replaces its contents, as TF's does.
  void clear() noexcept {
    step_stats.clear();
    peak_bytes = 0;
    resident_bytes = 0;
  }
  /// Writes the step stats as Chrome trace JSON (Perfetto, chrome://tracing):
  /// {"traceEvents": [{"name", "cat": "op", "ph": "X", "ts", "dur", "pid", "tid",
  /// "args": {"op", "output_bytes"[, "iteration"]}}, ...]}, times in microseconds
  /// ("iteration" for a node of a loop's or cond's body). Throws
  /// sl::not_found when the file cannot be written.
  void write_chrome_trace(const std::string& path) const {
    std::string json = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
    json += "  {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": " +
            detail::json_string(detail::cpu_device) + "}}";
    for (const auto& s : step_stats) {
      json += ",\n  {\"name\": " + detail::json_string(s.node_name) + ", \"cat\": \"op\", \"ph\": \"X\", \"ts\": " +
              std::to_string(s.start_us) + ", \"dur\": " + std::to_string(s.end_us - s.start_us) +
              ", \"pid\": 1, \"tid\": " + std::to_string(s.thread_id) + ", \"args\": {\"op\": " +
              detail::json_string(s.op) + ", \"output_bytes\": " + std::to_string(s.output_bytes) +
              (s.iteration >= 0 ? ", \"iteration\": " + std::to_string(s.iteration) : std::string()) + "}}";
    }
    json += "\n]}\n";
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw not_found("Could not open " + path + " for writing the trace");
    f << json;
    f.close();
    if (!f) throw not_found("Could not write the trace to " + path);
  }
};

}  // namespace sessionlib
