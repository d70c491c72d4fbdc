// Tracing output: RunMetadata::write_chrome_trace (the Chrome trace event
// format that Perfetto and chrome://tracing open: one complete event, ph "X",
// per executed node) and the log_device_placement lines.
#pragma once

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "../runtime/plan.hpp"
#include "options.hpp"

namespace sessionlib {

namespace detail {
/// `s` as a JSON string literal.
inline std::string json_string(std::string_view s) {
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

/// The device every node is placed on in this build.
inline constexpr std::string_view cpu_device = "/job:localhost/replica:0/task:0/device:CPU:0";

/// TF's log_device_placement lines, "name: (Op): /job:localhost/.../device:CPU:0",
/// one per step of a newly built plan.
inline void log_device_placement(const plan& p, std::ostream& os = std::cerr) {
  std::string lines;
  for (const plan_step& s : p.steps) lines += s.n->name + ": (" + s.n->op + "): " + std::string(cpu_device) + "\n";
  os << lines << std::flush;
}
}  // namespace detail

/// The trace as Chrome trace JSON: {"traceEvents": [{"name", "cat": "op", "ph":
/// "X", "ts", "dur", "pid", "tid", "args": {"op", "output_bytes"}}, ...]},
/// times in microseconds. Throws sl::not_found when the file cannot be written.
inline void RunMetadata::write_chrome_trace(const std::string& path) const {
  std::string json = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  json += "  {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": " +
          detail::json_string(detail::cpu_device) + "}}";
  for (const auto& s : step_stats) {
    json += ",\n  {\"name\": " + detail::json_string(s.node_name) + ", \"cat\": \"op\", \"ph\": \"X\", \"ts\": " +
            std::to_string(s.start_us) + ", \"dur\": " + std::to_string(s.end_us - s.start_us) +
            ", \"pid\": 1, \"tid\": " + std::to_string(s.thread_id) + ", \"args\": {\"op\": " +
            detail::json_string(s.op) + ", \"output_bytes\": " + std::to_string(s.output_bytes) + "}}";
  }
  json += "\n]}\n";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw not_found("Could not open " + path + " for writing the trace");
  f << json;
  f.close();
  if (!f) throw not_found("Could not write the trace to " + path);
}

}  // namespace sessionlib
