// What a session owns at run time besides plans: one slot per variable of the
// graph (values live in each session), the random generators of its ops, its
// resources (queues, runtime/queue.hpp), which ops may block on until the
// session closes and cancels them, and the tensors kept by handle (TF's
// session store, get_session_handle).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../graph/node.hpp"

namespace sessionlib {

namespace detail {
/// The generators of a session's random ops, by node (runtime/rng.hpp): behind
/// a pointer, so that units that never run a random kernel skip <random>.
struct rng_table;
struct rng_table_delete {
  SESSIONLIB_DECLARE void operator()(rng_table* t) const noexcept;  // runtime/rng.hpp
};
}  // namespace detail

/// One variable's value in one session. Writers hold `m`; readers take a shared
/// reference to the buffer under `m`, and writers copy on write when a reader
/// still holds it, so no reader ever sees a torn value.
struct variable_slot {
  std::mutex m;
  any_array value;
  bool initialized = false;
};

/// A resource that ops of a session share across runs (a queue), kept by the
/// session (or, shared by name, by every session that uses it).
class session_resource {
 public:
  virtual ~session_resource() = default;
  /// Wakes every op blocked on the resource, so that each checks whether its
  /// session was cancelled (session_state::cancel).
  virtual void wake_all() noexcept = 0;
};

namespace detail {
/// Resources of kind R shared by name between the sessions of the process
/// (TF's shared_name on queues and readers): one per "container/name" key,
/// alive while a session uses it.
template <class R>
class shared_resources {
 public:
  static shared_resources& global() {
    static shared_resources s;
    return s;
  }
  /// The live resource under `key` after `check(existing)` (which throws when
  /// it was made otherwise than the caller asks), or a new one from `make()`.
  template <class Check, class Make>
  std::shared_ptr<R> get(const std::string& key, Check&& check, Make&& make) {
    std::lock_guard lock(m_);
    if (auto r = by_name_[key].lock()) {
      check(*r);
      return r;
    }
    std::shared_ptr<R> r = make();
    by_name_[key] = r;
    return r;
  }

 private:
  std::mutex m_;
  std::unordered_map<std::string, std::weak_ptr<R>> by_name_;
};
}  // namespace detail

/// The tensors a session keeps by handle (TF's SessionState): what fetching a
/// get_session_handle op stores and get_session_tensor reads back, by handle
/// string, "GetSessionHandle;7;/job:localhost/replica:0/task:0/device:CPU:0".
/// The number in a handle is unique in the process, so a handle from another
/// session is never found here. Closing the session drops every tensor.
class tensor_store {
 public:
  /// Keeps `value` (sharing its buffer) under a new handle naming op `op_name`.
  std::string add(const std::string& op_name, any_array value) {
    std::string handle = op_name + ";" + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed)) +
                         ";/job:localhost/replica:0/task:0/device:CPU:0";
    std::lock_guard lock(m_);
    if (closed_) throw session_closed();
    tensors_.emplace(handle, std::move(value));
    return handle;
  }
  /// The tensor kept under `handle` (its buffer shared, not copied); TF's message when absent.
  any_array get(std::string_view handle) const {
    std::lock_guard lock(m_);
    if (closed_) throw session_closed();
    auto it = tensors_.find(std::string(handle));
    if (it == tensors_.end())
      throw invalid_argument("The tensor with handle '" + std::string(handle) + "' is not in the session store.");
    return it->second;
  }
  /// Drops the tensor kept under `handle`; TF's message when absent.
  void erase(std::string_view handle) {
    std::lock_guard lock(m_);
    if (closed_) throw session_closed();
    if (tensors_.erase(std::string(handle)) == 0)
      throw invalid_argument("Failed to delete a tensor with handle '" + std::string(handle) +
                             "' in the session store.");
  }
  /// As erase, quietly: what a TensorHandle's last copy does when it dies.
  void forget(const std::string& handle) noexcept {
    std::lock_guard lock(m_);
    tensors_.erase(handle);
  }
  /// Drops every tensor; later uses throw sl::session_closed (Session::close).
  void close() noexcept {
    std::unordered_map<std::string, any_array> dropped;
    std::lock_guard lock(m_);
    closed_ = true;
    dropped.swap(tensors_);
  }
  bool closed() const noexcept {
    std::lock_guard lock(m_);
    return closed_;
  }
  /// How many tensors are kept.
  std::size_t size() const noexcept {
    std::lock_guard lock(m_);
    return tensors_.size();
  }

 private:
  static inline std::atomic<std::int64_t> next_id_{0};
  mutable std::mutex m_;
  std::unordered_map<std::string, any_array> tensors_;
  bool closed_ = false;
};

/// Per-session run-time state shared by all runs of the session.
class session_state {
 public:
  /// The slot of variable `index`, created on first use (the graph may grow).
  variable_slot& variable(std::int32_t index) {
    std::lock_guard lock(grow_);
    while (vars_.size() <= static_cast<std::size_t>(index)) vars_.emplace_back();
    return vars_[static_cast<std::size_t>(index)];
  }
  std::size_t variable_count() {
    std::lock_guard lock(grow_);
    return vars_.size();
  }

  /// Runs `f(engine)` with the generator of random op `id`, seeded once from the
  /// graph seed and the op seed, so a session's sequence of runs is reproducible.
  template <class F>
  decltype(auto) with_rng(node_id id, std::uint64_t graph_seed, std::uint64_t op_seed, F&& f);  // runtime/rng.hpp

  /// The resource of node `id`, made by `make()` (a std::shared_ptr<R>) on first use.
  template <class R, class Make>
  std::shared_ptr<R> resource(node_id id, Make&& make) {
    std::lock_guard lock(res_m_);
    auto it = resources_.find(id);
    if (it == resources_.end()) it = resources_.emplace(id, std::shared_ptr<session_resource>(make())).first;
    return std::static_pointer_cast<R>(it->second);
  }

  /// Cancels every op of this session blocked on a resource, now and later:
  /// what Session::close does. Blocked ops see cancelled() and throw sl::cancelled.
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_release);
    std::vector<std::shared_ptr<session_resource>> all;
    {
      std::lock_guard lock(res_m_);
      for (auto& [id, r] : resources_) all.push_back(r);
    }
    for (auto& r : all) r->wake_all();
  }
  /// The flag cancel() sets; blocked ops read it under their resource's lock.
  const std::atomic<bool>& cancelled() const noexcept { return cancelled_; }

  /// The tensors kept by handle; TensorHandles hold it weakly, so they die with the session.
  const std::shared_ptr<tensor_store>& tensors() const noexcept { return tensors_; }

 private:
  std::mutex grow_;
  std::deque<variable_slot> vars_;
  std::mutex rng_m_;
  std::unique_ptr<detail::rng_table, detail::rng_table_delete> rngs_;  // made by the first random op
  std::mutex res_m_;
  std::unordered_map<node_id, std::shared_ptr<session_resource>> resources_;
  std::atomic<bool> cancelled_{false};
  std::shared_ptr<tensor_store> tensors_ = std::make_shared<tensor_store>();
};

}  // namespace sessionlib

#if SESSIONLIB_DEFINITIONS
#include "rng.hpp"
#endif
