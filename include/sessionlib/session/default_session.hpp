// The default session: a per-thread stack that `sess.as_default()` pushes, so
// `t.eval(feeds)` and `op.run(feeds)` run in the innermost one (TF's
// `with sess.as_default():`). Each guard removes exactly its own entry.
//
//     { auto scope = sess.as_default(); float v = c.eval(); }
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../ops/state.hpp"
#include "session.hpp"

namespace sessionlib {

namespace detail {
// The thread's default sessions, innermost last, each keyed by the guard that
// pushed it (a guard released out of order removes exactly its own entry).
// Separate units see it not (its thread_local is the library's): they push
// and pop through the marked functions below.
#if SESSIONLIB_DEFINITIONS
inline std::vector<std::pair<const void*, Session>>& default_sessions() {
  thread_local std::vector<std::pair<const void*, Session>> stack;
  return stack;
}

/// Pushes `s` as the thread's innermost default session, keyed by `key`.
SESSIONLIB_INLINE void push_default_session(const void* key, const Session& s) {
  default_sessions().emplace_back(key, s);
}
/// Removes the thread's default-session entry keyed by `key`, wherever it is.
SESSIONLIB_INLINE void pop_default_session(const void* key) { erase_guard_entry(default_sessions(), key); }

// The innermost default session, checked against the graph of what it runs.
SESSIONLIB_INLINE Session& default_session_for(const Graph& g, const char* what) {
  auto& stack = default_sessions();
  if (stack.empty()) {
    if (std::string_view(what) == "eval")
      throw invalid_argument(
          "Cannot evaluate tensor using `eval()`: No default session is registered. Use `auto scope = "
          "sess.as_default()` or pass the tensor to `sess.run()`");
    throw invalid_argument(
        "Cannot execute operation using `run()`: No default session is registered. Use `auto scope = "
        "sess.as_default()` or pass the operation to `sess.run()`");
  }
  Session& s = stack.back().second;
  if (&s.graph() != &g) {
    if (std::string_view(what) == "eval")
      throw invalid_argument(
          "Cannot use the default session to evaluate tensor: the tensor's graph is different from the session's "
          "graph.");
    throw invalid_argument(
        "Cannot use the default session to execute operation: the operation's graph is different from the "
        "session's graph.");
  }
  return s;
}
#else
SESSIONLIB_DECLARE void push_default_session(const void* key, const Session& s);
SESSIONLIB_DECLARE void pop_default_session(const void* key);
SESSIONLIB_DECLARE Session& default_session_for(const Graph& g, const char* what);
#endif
}  // namespace detail

/// Keeps a session the thread's default until destroyed (from Session::as_default).
/// Released out of order (the outer guard first), it removes exactly its own
/// entry: the innermost guard still open keeps its session the default. Release
/// a guard in the thread that made it.
class default_session_guard {
 public:
  explicit default_session_guard(const Session& s) { detail::push_default_session(this, s); }
  default_session_guard(const default_session_guard&) = delete;
  default_session_guard& operator=(const default_session_guard&) = delete;
  ~default_session_guard() { detail::pop_default_session(this); }
};

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE default_session_guard Session::as_default() const { return default_session_guard(*this); }

/// The calling thread's default session, if any (tf.get_default_session).
SESSIONLIB_INLINE std::optional<Session> get_default_session() {
  auto& stack = detail::default_sessions();
  if (stack.empty()) return std::nullopt;
  return stack.back().second;
}
#else
SESSIONLIB_DECLARE std::optional<Session> get_default_session();
#endif

template <class T, class S>
auto Tensor<T, S>::eval(std::initializer_list<feed_entry> feeds) const {
  return detail::default_session_for(graph(), "eval").run(*this, feeds);
}

template <class T, class S>
auto Variable<T, S>::eval(std::initializer_list<feed_entry> feeds) const {
  return detail::default_session_for(graph(), "eval").run(tensor(), feeds);
}

// A Session copy shares the session (run is not const): one reference count.
template <class T, class S>
auto Tensor<T, S>::eval(const Session& session, std::initializer_list<feed_entry> feeds) const {
  return Session(session).run(*this, feeds);
}

template <class T, class S>
auto Variable<T, S>::eval(const Session& session, std::initializer_list<feed_entry> feeds) const {
  return Session(session).run(tensor(), feeds);
}

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE void Operation::run(std::initializer_list<feed_entry> feeds) const {
  detail::default_session_for(graph(), "run").run(*this, feeds);
}
SESSIONLIB_INLINE void Operation::run(const Session& session, std::initializer_list<feed_entry> feeds) const {
  Session(session).run(*this, feeds);
}
#endif

/// TF's InteractiveSession: a Session that makes itself the calling thread's
/// default session when made, so `t.eval()` and `op.run()` need no scope, and
/// stops being it when closed or destroyed (in the thread that made it).
/// Neither copied nor moved: it is the default by its address.
class InteractiveSession : public Session {
 public:
  explicit InteractiveSession(Graph& g = get_default_graph(), SessionConfig config = {}, const std::string& target = "")
      : Session(g, config, target) {
    detail::push_default_session(this, static_cast<const Session&>(*this));
  }
  explicit InteractiveSession(SessionConfig config) : InteractiveSession(get_default_graph(), config) {}
  InteractiveSession(const InteractiveSession&) = delete;
  InteractiveSession& operator=(const InteractiveSession&) = delete;
  ~InteractiveSession() { detail::pop_default_session(this); }

  /// Ends the session (Session::close) and stops it being the default session.
  void close() noexcept {
    detail::pop_default_session(this);
    Session::close();
  }
};

}  // namespace sessionlib
