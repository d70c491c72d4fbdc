// The exception hierarchy. Every error carries TF's canonical code and the name
// of the node where it happened (TF's `e.op`), empty when no node is involved.
// One class per TF code (tf.errors.*), so a handler can catch exactly what TF's would.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "../config.hpp"
#include "../fwd.hpp"

namespace sessionlib {

/// TF's canonical error codes (tensorflow/core/protobuf/error_codes.proto).
enum class error_code {
  cancelled = 1, unknown = 2, invalid_argument = 3, deadline_exceeded = 4, not_found = 5,
  already_exists = 6, permission_denied = 7, resource_exhausted = 8, failed_precondition = 9,
  aborted = 10, out_of_range = 11, unimplemented = 12, internal = 13, unavailable = 14,
  data_loss = 15, unauthenticated = 16
};

/// TF's name of a code ("INVALID_ARGUMENT"), as its status messages print it.
constexpr std::string_view error_code_name(error_code c) noexcept {
  switch (c) {
    case error_code::cancelled: return "CANCELLED";
    case error_code::unknown: return "UNKNOWN";
    case error_code::invalid_argument: return "INVALID_ARGUMENT";
    case error_code::deadline_exceeded: return "DEADLINE_EXCEEDED";
    case error_code::not_found: return "NOT_FOUND";
    case error_code::already_exists: return "ALREADY_EXISTS";
    case error_code::permission_denied: return "PERMISSION_DENIED";
    case error_code::resource_exhausted: return "RESOURCE_EXHAUSTED";
    case error_code::failed_precondition: return "FAILED_PRECONDITION";
    case error_code::aborted: return "ABORTED";
    case error_code::out_of_range: return "OUT_OF_RANGE";
    case error_code::unimplemented: return "UNIMPLEMENTED";
    case error_code::internal: return "INTERNAL";
    case error_code::unavailable: return "UNAVAILABLE";
    case error_code::data_loss: return "DATA_LOSS";
    case error_code::unauthenticated: return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

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

/// A blocked operation given up because its session closed (tf.errors.CancelledError).
SESSIONLIB_DEFINE_ERROR(cancelled, cancelled)
/// An error from outside sessionlib that maps to no other code (tf.errors.UnknownError).
SESSIONLIB_DEFINE_ERROR(unknown, unknown)
/// Unfed placeholder, bad run-time shape or dtype, partial_run misuse, a size that overflows.
SESSIONLIB_DEFINE_ERROR(invalid_argument, invalid_argument)
/// A run past its RunOptions::timeout.
SESSIONLIB_DEFINE_ERROR(deadline_exceeded, deadline_exceeded)
/// A name lookup that finds nothing, a missing checkpoint or tensor.
SESSIONLIB_DEFINE_ERROR(not_found, not_found)
/// Something created twice that must be unique.
SESSIONLIB_DEFINE_ERROR(already_exists, already_exists)
/// A file or directory the process may not read or write.
SESSIONLIB_DEFINE_ERROR(permission_denied, permission_denied)
/// An allocation that cannot be made (TF's ResourceExhausted, "OOM when allocating").
SESSIONLIB_DEFINE_ERROR(resource_exhausted, resource_exhausted)
/// Uninitialised variable, finalized graph.
SESSIONLIB_DEFINE_ERROR(failed_precondition, failed_precondition)
/// An operation abandoned part-way, e.g. a collective another process left.
SESSIONLIB_DEFINE_ERROR(aborted, aborted)
/// An index out of range at run time (gather, slice); a closed queue drained.
SESSIONLIB_DEFINE_ERROR(out_of_range, out_of_range)
/// A feature this build does not provide, or a valid input it does not support.
SESSIONLIB_DEFINE_ERROR(unimplemented, unimplemented)
/// A broken invariant inside sessionlib: please report it.
SESSIONLIB_DEFINE_ERROR(internal_error, internal)
/// A peer (another rank, a service) that cannot be reached.
SESSIONLIB_DEFINE_ERROR(unavailable, unavailable)
/// A truncated or corrupted checkpoint or data file.
SESSIONLIB_DEFINE_ERROR(data_loss, data_loss)
/// A request without valid credentials (kept for parity with TF's codes).
SESSIONLIB_DEFINE_ERROR(unauthenticated, unauthenticated)
#undef SESSIONLIB_DEFINE_ERROR

/// TF's spelling of internal_error (tf.errors.InternalError).
using internal = internal_error;

#if SESSIONLIB_DEFINITIONS
/// Throws the class of `code` (internal_error for a code no class has) with
/// `message` and `node`: how a layer that catches an error re-raises it with
/// more context, keeping what a handler catches.
[[noreturn]] SESSIONLIB_INLINE void throw_error(error_code code, const std::string& message, std::string node = {}) {
  switch (code) {
    case error_code::cancelled: throw cancelled(message, std::move(node));
    case error_code::unknown: throw unknown(message, std::move(node));
    case error_code::invalid_argument: throw invalid_argument(message, std::move(node));
    case error_code::deadline_exceeded: throw deadline_exceeded(message, std::move(node));
    case error_code::not_found: throw not_found(message, std::move(node));
    case error_code::already_exists: throw already_exists(message, std::move(node));
    case error_code::permission_denied: throw permission_denied(message, std::move(node));
    case error_code::resource_exhausted: throw resource_exhausted(message, std::move(node));
    case error_code::failed_precondition: throw failed_precondition(message, std::move(node));
    case error_code::aborted: throw aborted(message, std::move(node));
    case error_code::out_of_range: throw out_of_range(message, std::move(node));
    case error_code::unimplemented: throw unimplemented(message, std::move(node));
    case error_code::internal: break;
    case error_code::unavailable: throw unavailable(message, std::move(node));
    case error_code::data_loss: throw data_loss(message, std::move(node));
    case error_code::unauthenticated: throw unauthenticated(message, std::move(node));
  }
  throw internal_error(message, std::move(node));
}
#else
[[noreturn]] SESSIONLIB_DECLARE void throw_error(error_code code, const std::string& message, std::string node = {});
#endif

/// run, make_callable or partial_run on a closed session.
class session_closed : public error {
 public:
  session_closed() : error(error_code::cancelled, "Attempted to use a closed Session.") {}
};

}  // namespace sessionlib
