// The sessions of the process, held weakly: what Session::reset (TF's
// tf.Session.reset) walks to clear resource containers in every session of a
// target. A session registers itself when it is made; a destroyed one drops
// out on its own.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "../config.hpp"
#include "engine.hpp"
#include "session_impl.hpp"

namespace sessionlib::detail {

/// Every session of the process, weakly.
struct session_registry {
  std::mutex m;
  std::vector<std::weak_ptr<session_impl>> all;
};

#if SESSIONLIB_DEFINITIONS
/// The process's registry, made on first use (used by marked functions only:
/// separate units see neither it nor its static).
inline session_registry& sessions() {
  static session_registry r;
  return r;
}

/// Adds `s` (and forgets the sessions destroyed since).
SESSIONLIB_INLINE void register_session(const std::shared_ptr<session_impl>& s) {
  session_registry& r = sessions();
  std::lock_guard lock(r.m);
  std::erase_if(r.all, [](const std::weak_ptr<session_impl>& w) { return w.expired(); });
  r.all.push_back(s);
}

/// A new session over `g` with the engine for `target`, registered: what
/// Session's constructor makes (compiled once, in the library, for separate units).
SESSIONLIB_INLINE std::shared_ptr<session_impl> open_session(Graph& g, const SessionConfig& config,
                                                             const std::string& target) {
  auto s = std::make_shared<session_impl>(g, config, make_engine(target));
  register_session(s);
  return s;
}

/// Session::reset: in every open session whose target has `target`'s scheme,
/// the variables of the named containers (every container when none is named)
/// lose their values, so their next read is uninitialised.
SESSIONLIB_INLINE void reset_containers(const std::string& target, const std::vector<std::string>& containers) {
  const std::string scheme = target_scheme(target);
  if (!target.empty()) (void)engine_factory_for(target);  // an unknown target throws as Session(g, {}, target) does
  std::vector<std::shared_ptr<session_impl>> live;
  {
    session_registry& r = sessions();
    std::lock_guard lock(r.m);
    for (const auto& w : r.all)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  const std::set<std::string> named(containers.begin(), containers.end());
  for (const auto& s : live) {
    if (s->closed() || target_scheme(s->target()) != scheme) continue;
    const Graph& g = s->graph();
    const std::size_t n = std::min(g.variable_count(), s->state().variable_count());
    for (std::size_t i = 0; i < n; ++i) {
      const variable_attrs* a = g.at(g.variable_node(i)).attr.family.find<variable_attrs>();
      if (!named.empty() && !named.count(a ? a->container : std::string())) continue;
      variable_slot& slot = s->state().variable(static_cast<std::int32_t>(i));
      std::lock_guard lock(slot.m);
      slot.value = any_array{};
      slot.initialized = false;
    }
  }
}
#else
SESSIONLIB_DECLARE void register_session(const std::shared_ptr<session_impl>& s);
SESSIONLIB_DECLARE std::shared_ptr<session_impl> open_session(Graph& g, const SessionConfig& config,
                                                              const std::string& target);
SESSIONLIB_DECLARE void reset_containers(const std::string& target, const std::vector<std::string>& containers);
#endif

}  // namespace sessionlib::detail
