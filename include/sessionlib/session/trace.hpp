// The log_device_placement lines. (RunMetadata and its Chrome-trace export are
// in runtime/run_options.hpp.)
#pragma once

#include <iostream>
#include <string>

#include "../config.hpp"
#include "../runtime/plan.hpp"
#include "options.hpp"

namespace sessionlib {

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// TF's log_device_placement lines, "name: (Op): /job:localhost/.../device:CPU:0",
/// one per step of a newly built plan.
SESSIONLIB_INLINE void log_device_placement(const detail::plan& p, std::ostream& os = std::cerr) {
  std::string lines;
  for (const detail::plan_step& s : p.steps) lines += s.n->name + ": (" + s.n->op + "): " + std::string(cpu_device) + "\n";
  os << lines << std::flush;
}
#else
SESSIONLIB_DECLARE void log_device_placement(const detail::plan& p, std::ostream& os = std::cerr);
#endif
}  // namespace detail

}  // namespace sessionlib
