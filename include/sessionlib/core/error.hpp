// The exception hierarchy. Every error carries TF's canonical code and the name
// of the node where it happened (TF's `e.op`), empty when no node is involved.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "../fwd.hpp"

namespace sessionlib {

/// TF's canonical error codes, for the ones sessionlib raises.
enum class error_code {
  cancelled = 1, invalid_argument = 3, deadline_exceeded = 4, not_found = 5,
  failed_precondition = 9, aborted = 10, out_of_range = 11, unimplemented = 12,
  internal = 13, data_loss = 15
};

/// Base of every sessionlib exception.
class error : public std::runtime_error {
 public:
  error(error_code code, const std::string& message, std::string node = {})
      : std::runtime_error(message), code_(code), node_(std::move(node)) {}
  /// TF's canonical code.
  error_code code() const noexcept { return code_; }
  /// The node where it happened, or "" (TF's `e.op.name`).
  const std::string& node() const noexcept { return node_; }

 private:
  error_code code_;
  std::string node_;
};

#define SESSIONLIB_DEFINE_ERROR(name, code_value)                          \
  class name : public error {                                              \
   public:                                                                 \
    explicit name(const std::string& message, std::string node = {})       \
        : error(error_code::code_value, message, std::move(node)) {}       \
  };

/// Unfed placeholder, bad run-time shape or dtype, partial_run misuse.
SESSIONLIB_DEFINE_ERROR(invalid_argument, invalid_argument)
/// Uninitialised variable, finalized graph.
SESSIONLIB_DEFINE_ERROR(failed_precondition, failed_precondition)
/// A name lookup that finds nothing, a missing checkpoint or tensor.
SESSIONLIB_DEFINE_ERROR(not_found, not_found)
/// A run past its RunOptions::timeout.
SESSIONLIB_DEFINE_ERROR(deadline_exceeded, deadline_exceeded)
/// A truncated or corrupted checkpoint.
SESSIONLIB_DEFINE_ERROR(data_loss, data_loss)
/// An index out of range at run time (gather, slice).
SESSIONLIB_DEFINE_ERROR(out_of_range, out_of_range)
/// A feature this build does not provide.
SESSIONLIB_DEFINE_ERROR(unimplemented, unimplemented)
/// A broken invariant inside sessionlib: please report it.
SESSIONLIB_DEFINE_ERROR(internal_error, internal)
#undef SESSIONLIB_DEFINE_ERROR

/// run, make_callable or partial_run on a closed session.
class session_closed : public error {
 public:
  session_closed() : error(error_code::cancelled, "Attempted to use a closed Session.") {}
};

}  // namespace sessionlib
