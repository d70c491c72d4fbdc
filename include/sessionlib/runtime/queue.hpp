// Queues at run time: TF's FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue and
// PriorityQueue as one resource of a session (runtime/state.hpp), with TF's
// blocking semantics and messages (tensorflow/core/kernels/fifo_queue.cc,
// random_shuffle_queue_op.cc, padding_fifo_queue.cc, priority_queue.cc,
// queue_base.cc).
//
// Enqueues and dequeues wait in two lines, served in arrival order as TF's
// attempts are: only the head of a line acts. A dequeue of n takes elements as
// they come (so n may exceed the capacity), an enqueue of many puts as many as
// fit. Every wait is a condition variable bounded by the run's deadline and
// woken when the session closes (session_state::cancel), so a blocked op always
// ends with its value, sl::out_of_range (closed and drained), sl::cancelled or
// sl::deadline_exceeded. Unlike TF, a dequeue that gives up (cancelled, timed
// out) puts back the elements it had taken, so no element is ever lost.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../core/any_array.hpp"
#include "state.hpp"

namespace sessionlib {

/// The four queue kinds of TF.
enum class queue_kind : std::uint8_t { fifo, random_shuffle, padding_fifo, priority };

/// What a queue is: its kind, TF's resource name (in messages) and components.
struct queue_spec {
  queue_kind kind = queue_kind::fifo;
  std::string name{};                 // "_0_fifo_queue", or the shared_name
  std::string op{};                   // TF's op type ("FIFOQueueV2"), for shared queues' checks
  std::int64_t capacity = -1;         // < 0: unbounded
  std::int64_t min_after_dequeue = 0; // random_shuffle
  std::uint64_t seed = 0, seed2 = 0;  // random_shuffle; both 0: not reproducible
  std::vector<dtype> types{};         // every component; a priority queue's int64 priority first
  std::vector<std::vector<std::ptrdiff_t>> shapes{};  // -1: any (padding_fifo)
};

/// How long and for whom a queue op may wait.
struct queue_wait {
  const std::atomic<bool>* cancelled = nullptr;  // the session's (session_state::cancelled)
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};  // RunOptions::timeout, for the message
  std::string_view node{};               // the op's node, for errors
};

namespace detail {
/// TF's TensorShape::DebugString: "[2,784]"; -1 as "?".
SESSIONLIB_INLINE std::string queue_shape_string(const std::vector<std::ptrdiff_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += s[i] < 0 ? "?" : std::to_string(s[i]);
  }
  return out + "]";
}
SESSIONLIB_INLINE std::vector<std::ptrdiff_t> queue_dims(const dims& d, std::size_t from = 0) {
  std::vector<std::ptrdiff_t> out;
  for (std::size_t i = from; i < d.size(); ++i) out.push_back(static_cast<std::ptrdiff_t>(d[i]));
  return out;
}
}  // namespace detail

/// One queue's state; shared by the runs of a session (or, by shared_name, of several).
class queue_resource final : public session_resource {
 public:
  /// An element: one array per component; `priority` orders a priority queue.
  struct element {
    std::vector<any_array> parts;
    std::int64_t priority = 0;
    std::uint64_t seq = 0;  // arrival order: ties of priority keep it
  };

  explicit queue_resource(queue_spec spec) : spec_(std::move(spec)) {
    std::uint64_t s1 = spec_.seed, s2 = spec_.seed2;
    if (s1 == 0 && s2 == 0) {
      std::random_device rd;
      s1 = (std::uint64_t{rd()} << 32) | rd();
      s2 = (std::uint64_t{rd()} << 32) | rd();
    }
    std::seed_seq seq{static_cast<std::uint32_t>(s1), static_cast<std::uint32_t>(s1 >> 32),
                      static_cast<std::uint32_t>(s2), static_cast<std::uint32_t>(s2 >> 32)};
    rng_.seed(seq);
  }

  const queue_spec& spec() const noexcept { return spec_; }

  void wake_all() noexcept override {
    std::lock_guard lock(m_);  // a waiter between its checks and its wait sees the flag
    cv_.notify_all();
  }

  /// Elements in the queue now (TF's QueueSizeV2).
  std::int32_t size() {
    std::lock_guard lock(m_);
    return static_cast<std::int32_t>(items_.size());
  }
  bool is_closed() {
    std::lock_guard lock(m_);
    return closed_;
  }

  /// Enqueues one element (`many`: the slices along dimension 0 of every
  /// component), waiting while the queue is full.
  SESSIONLIB_INLINE void enqueue(const any_array* const* parts, std::size_t n, bool many, const queue_wait& w) {
    std::vector<element> elems = split(parts, n, many, w);
    std::unique_lock lock(m_);
    std::size_t done = 0;
    wait_in_line(lock, enq_line_, w, true, [&] {
      if (closed_) throw cancelled(enqueue_name() + " '" + spec_.name + "' is closed.", std::string(w.node));
      while (done < elems.size() && has_room()) push(std::move(elems[done++]));
      return done == elems.size();
    }, [] {});
    lock.unlock();
    cv_.notify_all();  // after unlocking: a waiter woken under the lock would only block on it again
  }

  /// Dequeues `n` elements (one when !many), waiting until they come; `up_to`:
  /// after close, fewer (TF's DequeueUpTo). Returns them in dequeue order.
  SESSIONLIB_INLINE std::vector<element> dequeue(std::size_t n, bool many, bool up_to, const queue_wait& w) {
    std::vector<element> got;
    if (n == 0) return got;
    const std::string kind = many ? dequeue_many_name() : enqueue_name();
    std::unique_lock lock(m_);
    wait_in_line(lock, deq_line_, w, false, [&] {
      std::size_t size = items_.size();
      const std::size_t want = n - got.size();
      if (closed_ && size < want) {
        if (spec_.kind == queue_kind::priority) {
          if (size == 0 || !up_to) throw_drained(kind, want, size, w);
          n = size;  // a priority queue takes nothing before it can take all
        } else {
          put_back(got);
          if (up_to && !items_.empty()) {
            n = items_.size();
          } else {
            if (up_to && !enq_line_.empty()) return false;  // an enqueue in flight may still add
            throw_drained(kind, want, size, w);
          }
        }
        size = items_.size();
      }
      if (spec_.kind == queue_kind::priority && size < n - got.size() && !(closed_ && up_to)) return false;
      std::size_t avail = size;
      if (spec_.kind == queue_kind::random_shuffle && !closed_)
        avail = size > static_cast<std::size_t>(spec_.min_after_dequeue) ? size - static_cast<std::size_t>(spec_.min_after_dequeue) : 0;
      while (got.size() < n && avail > 0) {
        got.push_back(pop());
        --avail;
        changed_ = true;
      }
      return got.size() == n;
    }, [&] { put_back(got); });
    lock.unlock();
    cv_.notify_all();
    return got;
  }

  /// Takes back the elements a dequeue_many has copied out, so that the next
  /// enqueue refills their buffers instead of allocating: the producer thread
  /// would otherwise allocate every element and the consumer free it, and the
  /// two would contend for the allocator's arena lock on every step. Keeps at
  /// most pool_max_elements elements and pool_max_bytes bytes; drops the rest.
  SESSIONLIB_INLINE void recycle(std::vector<element>& got) {
    std::lock_guard lock(pool_m_);
    for (auto& e : got) {
      std::size_t bytes = 0;
      bool reusable = true;
      for (const auto& p : e.parts) {
        reusable = reusable && p.unique() && !p.lent();
        bytes += p.capacity();
      }
      if (!reusable || pool_.size() >= pool_max_elements || pool_bytes_ + bytes > pool_max_bytes) continue;
      pool_bytes_ += bytes;
      pool_.push_back(std::move(e));
    }
    got.clear();
  }

  /// Closes the queue. `cancel_pending_enqueues`: blocked enqueues fail now;
  /// otherwise the close waits behind them, as TF's does.
  SESSIONLIB_INLINE void close(bool cancel_pending_enqueues, const queue_wait& w) {
    std::unique_lock lock(m_);
    if (cancel_pending_enqueues) {
      closed_ = true;
      enq_cancelled_below_ = next_id_;
      cv_.notify_all();
      return;
    }
    wait_in_line(lock, enq_line_, w, false, [&] {
      if (closed_) throw cancelled("Queue '" + spec_.name + "' is already closed.", std::string(w.node));
      closed_ = true;
      changed_ = true;
      return true;
    }, [] {});
    lock.unlock();
    cv_.notify_all();
  }

 private:
  std::string enqueue_name() const {
    switch (spec_.kind) {
      case queue_kind::random_shuffle: return "RandomShuffleQueue";
      case queue_kind::priority: return "PriorityQueue";
      default: return "FIFOQueue";  // PaddingFIFOQueue enqueues and dequeues one as FIFOQueue does
    }
  }
  std::string dequeue_many_name() const {
    return spec_.kind == queue_kind::padding_fifo ? "PaddingFIFOQueue" : enqueue_name();
  }
  [[noreturn]] void throw_drained(const std::string& kind, std::size_t want, std::size_t size, const queue_wait& w) const {
    throw out_of_range(kind + " '" + spec_.name + "' is closed and has insufficient elements (requested " +
                           std::to_string(want) + ", current size " + std::to_string(size) + ")",
                       std::string(w.node));
  }

  bool has_room() const noexcept {
    return spec_.capacity < 0 || items_.size() < static_cast<std::size_t>(spec_.capacity);
  }

  /// Waits in `line` until `step()` (called at the head of the line, under the
  /// lock) returns true. On cancellation or timeout, `abandon()` runs first.
  template <class Step, class Abandon>
  void wait_in_line(std::unique_lock<std::mutex>& lock, std::deque<std::uint64_t>& line, const queue_wait& w,
                    bool is_enqueue, Step&& step, Abandon&& abandon) {
    const std::uint64_t id = next_id_++;
    line.push_back(id);
    // Leaving the line lets the next in line act, so waiters are woken: by the
    // caller after it unlocks when the step is done, here when it fails.
    struct leave {
      queue_resource& q;
      std::deque<std::uint64_t>& line;
      std::uint64_t id;
      int unwinding = std::uncaught_exceptions();
      ~leave() {
        line.erase(std::find(line.begin(), line.end(), id));
        if (std::uncaught_exceptions() > unwinding) q.cv_.notify_all();
      }
    } guard{*this, line, id};
    for (;;) {
      if (is_enqueue && id < enq_cancelled_below_) {
        abandon();
        throw cancelled("Enqueue operation was cancelled", std::string(w.node));
      }
      if (line.front() == id) {
        changed_ = false;
        const bool done = step();
        if (done) return;
        if (changed_) cv_.notify_all();
      }
      if (w.cancelled && w.cancelled->load(std::memory_order_acquire)) {
        abandon();
        throw cancelled(std::string(is_enqueue ? "Enqueue" : "Dequeue") + " operation was cancelled", std::string(w.node));
      }
      if (w.deadline == std::chrono::steady_clock::time_point::max()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, w.deadline) == std::cv_status::timeout &&
                 std::chrono::steady_clock::now() >= w.deadline) {
        abandon();
        throw deadline_exceeded("Timed out waiting for the run to finish (RunOptions::timeout of " +
                                    std::to_string(w.timeout.count()) + " ms): node " + std::string(w.node) + " was waiting on " +
                                    enqueue_name() + " '" + spec_.name + "'",
                                std::string(w.node));
      }
    }
  }

  void push(element e) {
    e.seq = next_seq_++;
    changed_ = true;
    items_.push_back(std::move(e));
    if (spec_.kind == queue_kind::priority) std::push_heap(items_.begin(), items_.end(), later);
  }
  element pop() {
    element e;
    switch (spec_.kind) {
      case queue_kind::priority:
        std::pop_heap(items_.begin(), items_.end(), later);
        e = std::move(items_.back());
        items_.pop_back();
        break;
      case queue_kind::random_shuffle: {
        const std::size_t i = static_cast<std::size_t>(rng_() % items_.size());
        e = std::move(items_[i]);
        items_[i] = std::move(items_.back());
        items_.pop_back();
        break;
      }
      default:
        e = std::move(items_.front());
        items_.pop_front();
    }
    return e;
  }
  /// Returns elements a dequeue had taken to where they came from.
  void put_back(std::vector<element>& got) {
    for (auto it = got.rbegin(); it != got.rend(); ++it) {
      if (spec_.kind == queue_kind::priority) {
        items_.push_back(std::move(*it));
        std::push_heap(items_.begin(), items_.end(), later);
      } else if (spec_.kind == queue_kind::random_shuffle) {
        items_.push_back(std::move(*it));
      } else {
        items_.push_front(std::move(*it));
      }
    }
    if (!got.empty()) changed_ = true;
    got.clear();
  }
  /// The heap order of a priority queue: the smallest priority first, then arrival.
  static bool later(const element& a, const element& b) noexcept {
    return a.priority != b.priority ? a.priority > b.priority : a.seq > b.seq;
  }

  /// Checks the components against the spec (TF's messages) and copies them into
  /// owned elements, one per slice when `many`.
  SESSIONLIB_INLINE std::vector<element> split(const any_array* const* parts, std::size_t n, bool many,
                                               const queue_wait& w) {
    if (n != spec_.types.size())
      throw invalid_argument("Wrong number of components in tuple. Expected " + std::to_string(spec_.types.size()) +
                                 ", got " + std::to_string(n),
                             std::string(w.node));
    std::size_t batch = 1;
    for (std::size_t i = 0; i < n; ++i) {
      const any_array& a = *parts[i];
      if (a.dtype() != spec_.types[i])
        throw invalid_argument("Type mismatch in tuple component " + std::to_string(i) + ". Expected " +
                                   std::string(dtype_name(spec_.types[i])) + ", got " + std::string(dtype_name(a.dtype())),
                               std::string(w.node));
      if (many && a.rank() == 0)
        throw invalid_argument("Shape mismatch in tuple component " + std::to_string(i) +
                                   ". Expected a batch of elements, got a scalar",
                               std::string(w.node));
      if (many && i == 0) batch = a.shape()[0];
      std::vector<std::ptrdiff_t> expected = spec_.shapes[i];
      if (many) expected.insert(expected.begin(), static_cast<std::ptrdiff_t>(batch));
      bool ok = expected.size() == a.rank();
      for (std::size_t d = 0; ok && d < expected.size(); ++d)
        ok = expected[d] < 0 || static_cast<std::size_t>(expected[d]) == a.shape()[d];
      if (!ok)
        throw invalid_argument("Shape mismatch in tuple component " + std::to_string(i) + ". Expected " +
                                   detail::queue_shape_string(expected) + ", got " +
                                   detail::queue_shape_string(detail::queue_dims(a.shape())),
                               std::string(w.node));
    }
    if (spec_.kind == queue_kind::priority && parts[0]->rank() != (many ? 1u : 0u))
      throw invalid_argument("Expected the priority element to be a scalar, but received shape: " +
                                 detail::queue_shape_string(detail::queue_dims(parts[0]->shape(), many ? 1 : 0)),
                             std::string(w.node));
    std::vector<element> out = take_pooled(many ? batch : 1);
    for (std::size_t k = 0; k < out.size(); ++k) {
      out[k].parts.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const any_array& a = *parts[i];
        any_array& e = out[k].parts[i];
        if (!many) {
          e.ensure(a.dtype(), a.shape());
          any_array::copy_elements(a.dtype(), e.raw(), a.raw(), a.size());
          continue;
        }
        dims d;
        for (std::size_t j = 1; j < a.rank(); ++j) d.push_back(a.shape()[j]);
        e.ensure(a.dtype(), d);
        const std::size_t bytes = e.nbytes();
        any_array::copy_elements(a.dtype(), e.raw(), static_cast<const char*>(a.raw()) + k * bytes, e.size());
      }
      if (spec_.kind == queue_kind::priority) out[k].priority = out[k].parts[0].scalar<std::int64_t>();
    }
    return out;
  }

  /// `count` elements, as many as there are taken from the recycled ones.
  SESSIONLIB_INLINE std::vector<element> take_pooled(std::size_t count) {
    std::vector<element> out;
    out.reserve(count);
    {
      std::lock_guard lock(pool_m_);
      while (out.size() < count && !pool_.empty()) {
        for (const auto& p : pool_.back().parts) pool_bytes_ -= p.capacity();
        out.push_back(std::move(pool_.back()));
        pool_.pop_back();
      }
    }
    out.resize(count);
    return out;
  }

  queue_spec spec_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<element> items_;  // a heap for a priority queue
  std::deque<std::uint64_t> enq_line_, deq_line_;
  std::uint64_t next_id_ = 0, next_seq_ = 0;
  std::uint64_t enq_cancelled_below_ = 0;  // enqueues waiting when close(true) came
  bool closed_ = false;
  bool changed_ = false;  // set by a step that moved elements or closed the queue
  std::mt19937_64 rng_;
  // Elements given back by recycle(), refilled by split(); pool_m_ only
  // guards these, so a refill never waits on the queue's own lock.
  static constexpr std::size_t pool_max_elements = 4096, pool_max_bytes = std::size_t{64} << 20;
  std::mutex pool_m_;
  std::vector<element> pool_;
  std::size_t pool_bytes_ = 0;
};

namespace detail {
/// Throws sl::invalid_argument (TF's messages) unless the shared queue `have`
/// was made as `want` asks.
SESSIONLIB_INLINE void check_shared_queue(const queue_spec& have, const queue_spec& want) {
  const std::string q = "Shared queue '" + have.name + "'";
  if (have.op != want.op)
    throw invalid_argument(q + " has type '" + have.op + "' that does not match type of Node: " + want.op);
  if (have.capacity != want.capacity)
    throw invalid_argument(q + " has capacity " + std::to_string(have.capacity) + " but requested capacity was " +
                           std::to_string(want.capacity));
  auto types = [](const std::vector<dtype>& t) {
    std::string s;
    for (std::size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + std::string(dtype_name(t[i]));
    return s;
  };
  if (have.types != want.types)
    throw invalid_argument(q + " has component types " + types(have.types) + " but requested component types were " +
                           types(want.types));
  auto shapes = [](const std::vector<std::vector<std::ptrdiff_t>>& s) {
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + queue_shape_string(s[i]);
    return out + "]";
  };
  if (have.shapes != want.shapes)
    throw invalid_argument(q + " has component shapes " + shapes(have.shapes) +
                           " but requested component shapes were " + shapes(want.shapes));
}

/// TF's name of a private queue: "_<n>_<node name>", n counting per process.
#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE std::string private_queue_name(const std::string& node_name) {
  static std::atomic<std::uint64_t> counter{0};
  return "_" + std::to_string(counter.fetch_add(1, std::memory_order_relaxed)) + "_" + node_name;
}
#else
SESSIONLIB_DECLARE std::string private_queue_name(const std::string& node_name);
#endif
}  // namespace detail

}  // namespace sessionlib
